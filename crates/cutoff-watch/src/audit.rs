//! The audit log: one JSON object per line for every decision and every action.
//!
//! ```json
//! {"time":"2030-01-01T02:00:05Z","record":"action","kind":"Job","namespace":"ops",
//!  "name":"backup-1","uid":"…","resourceVersion":"812","rule":"deadline",
//!  "reason":"policy kinds.Job.max (.cutoff.yaml:7)","deadline":"2030-01-01T02:00:00Z",
//!  "limit":"2h0m0s","elapsed":"2h0m5s","action":"warn","outcome":"done",
//!  "message":"cut off after 2h0m0s: policy kinds.Job.max (.cutoff.yaml:7)","error":null,
//!  "identity":"cutoff-watch-7d9f-x2"}
//! ```
//!
//! Every key is always present (`null` when it does not apply). Each line is written and
//! flushed as soon as it is decided, so a crash loses nothing already decided.

use serde::Serialize;
use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

/// A decision (something found) or an action (something done or not done about it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// Something was found: a deadline passed, drift, an orphan, a stuck run, an expired TTL.
    Decision,
    /// An action and its outcome.
    Action,
    /// The watcher started or stopped.
    Lifecycle,
}

/// What came of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Outcome {
    /// A decision only: reported, nothing to do.
    #[serde(rename = "reported")]
    Reported,
    /// Would have acted, but `--enforce` is off.
    #[serde(rename = "dry-run")]
    DryRun,
    /// Acted.
    #[serde(rename = "done")]
    Done,
    /// Did not act: already done, already gone, not the leader, not configured.
    #[serde(rename = "skipped")]
    Skipped,
    /// Tried and failed (see `error`).
    #[serde(rename = "failed")]
    Failed,
}

impl Outcome {
    /// The outcome as written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reported => "reported",
            Outcome::DryRun => "dry-run",
            Outcome::Done => "done",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

/// One audit line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// When (the watcher's clock), RFC 3339.
    pub time: String,
    /// Decision, action or lifecycle.
    pub record: RecordKind,
    /// Object kind.
    pub kind: String,
    /// Object namespace.
    pub namespace: String,
    /// Object name.
    pub name: String,
    /// Object uid.
    pub uid: String,
    /// The resourceVersion the decision was made on.
    pub resource_version: String,
    /// `deadline`, `ttl`, `orphan`, `stuck`, `dead-run`, `drift`, `live` (unreadable field), or a lint rule code.
    pub rule: String,
    /// The policy or repository source behind it, e.g. `policy kinds.Job.max (.cutoff.yaml:7)`.
    pub reason: Option<String>,
    /// The deadline (or TTL expiry), RFC 3339.
    pub deadline: Option<String>,
    /// The limit that set the deadline, Go duration.
    pub limit: Option<String>,
    /// Time since start (or since finishing, for TTL), Go duration.
    pub elapsed: Option<String>,
    /// `warn`, `graceful`, `hard`, `force`, `delete`, `report`, `start`, `stop`.
    pub action: String,
    /// What came of it.
    pub outcome: Outcome,
    /// For a human.
    pub message: String,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// Which watcher wrote it (leader-election identity).
    pub identity: String,
}

/// Where audit lines go.
pub struct AuditLog {
    out: Mutex<Box<dyn Write + Send>>,
}

impl AuditLog {
    /// Appends to `path`, or writes to standard output when `path` is `None` or `-`.
    pub fn open(path: Option<&Path>) -> Result<Self, String> {
        let out: Box<dyn Write + Send> = match path {
            Some(p) if p != Path::new("-") => Box::new(BufWriter::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| format!("cannot open audit log {}: {e}", p.display()))?,
            )),
            _ => Box::new(BufWriter::new(std::io::stdout())),
        };
        Ok(AuditLog {
            out: Mutex::new(out),
        })
    }

    /// An audit log writing into any writer (tests).
    pub fn to_writer(w: Box<dyn Write + Send>) -> Self {
        AuditLog { out: Mutex::new(w) }
    }

    /// Writes one line and flushes it.
    pub fn write(&self, rec: &AuditRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(rec).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(&line)?;
        out.flush()
    }

    /// Flushes whatever is buffered.
    pub fn flush(&self) -> std::io::Result<()> {
        self.out.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_json_object_per_line_with_every_key() {
        let buf = Buf::default();
        let log = AuditLog::to_writer(Box::new(buf.clone()));
        let rec = AuditRecord {
            time: "2030-01-01T02:00:05Z".into(),
            record: RecordKind::Action,
            kind: "Job".into(),
            namespace: "ops".into(),
            name: "backup-1".into(),
            uid: "u-1".into(),
            resource_version: "812".into(),
            rule: "deadline".into(),
            reason: Some("policy kinds.Job.max (.cutoff.yaml:7)".into()),
            deadline: Some("2030-01-01T02:00:00Z".into()),
            limit: Some("2h0m0s".into()),
            elapsed: Some("2h0m5s".into()),
            action: "warn".into(),
            outcome: Outcome::DryRun,
            message: "cut off after 2h0m0s: policy kinds.Job.max (.cutoff.yaml:7)".into(),
            error: None,
            identity: "w1".into(),
        };
        log.write(&rec).unwrap();
        log.write(&rec).unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            r#"{"time":"2030-01-01T02:00:05Z","record":"action","kind":"Job","namespace":"ops","name":"backup-1","uid":"u-1","resourceVersion":"812","rule":"deadline","reason":"policy kinds.Job.max (.cutoff.yaml:7)","deadline":"2030-01-01T02:00:00Z","limit":"2h0m0s","elapsed":"2h0m5s","action":"warn","outcome":"dry-run","message":"cut off after 2h0m0s: policy kinds.Job.max (.cutoff.yaml:7)","error":null,"identity":"w1"}"#
        );
        let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 17);
    }
}
