//! Prometheus metrics and the `/metrics`, `/healthz`, `/readyz` endpoints.
//!
//! The server is a few dozen lines of plain tokio: it answers `GET` for those three paths
//! with HTTP/1.1 and closes the connection, which is all a Prometheus scraper and kubelet
//! probes need.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// All counters and gauges.
pub struct Metrics {
    objects: Mutex<BTreeMap<String, u64>>,
    deadlines_passed: Mutex<BTreeMap<String, u64>>,
    overdue: AtomicU64,
    actions: Mutex<BTreeMap<(String, String), u64>>,
    findings: Mutex<BTreeMap<String, u64>>,
    relists: Mutex<BTreeMap<String, u64>>,
    watch_errors: AtomicU64,
    evaluations: AtomicU64,
    leader: AtomicBool,
    ready: AtomicBool,
    started: Instant,
    heartbeat_ms: AtomicU64,
    /// The main loop must beat at least this often for `/healthz` to pass.
    pub liveness_window: Duration,
}

impl Metrics {
    /// Fresh metrics.
    pub fn new(liveness_window: Duration) -> Self {
        Metrics {
            objects: Mutex::default(),
            deadlines_passed: Mutex::default(),
            overdue: AtomicU64::new(0),
            actions: Mutex::default(),
            findings: Mutex::default(),
            relists: Mutex::default(),
            watch_errors: AtomicU64::new(0),
            evaluations: AtomicU64::new(0),
            leader: AtomicBool::new(false),
            ready: AtomicBool::new(false),
            started: Instant::now(),
            heartbeat_ms: AtomicU64::new(0),
            liveness_window,
        }
    }

    /// Sets the number of watched objects of a kind.
    pub fn set_objects(&self, kind: &str, n: u64) {
        lock(&self.objects).insert(kind.to_string(), n);
    }
    /// Sets how many running objects are past their deadline.
    pub fn set_overdue(&self, n: u64) {
        self.overdue.store(n, Ordering::Relaxed);
    }
    /// Counts a newly passed deadline.
    pub fn deadline_passed(&self, kind: &str) {
        *lock(&self.deadlines_passed)
            .entry(kind.to_string())
            .or_default() += 1;
    }
    /// Counts an action.
    pub fn action(&self, action: &str, outcome: &str) {
        *lock(&self.actions)
            .entry((action.to_string(), outcome.to_string()))
            .or_default() += 1;
    }
    /// Counts a finding (drift, orphan, stuck, ...).
    pub fn finding(&self, rule: &str) {
        *lock(&self.findings).entry(rule.to_string()).or_default() += 1;
    }
    /// Counts a (re-)list of a watched resource.
    pub fn relist(&self, kind: &str) {
        *lock(&self.relists).entry(kind.to_string()).or_default() += 1;
    }
    /// Counts a watch error.
    pub fn watch_error(&self) {
        self.watch_errors.fetch_add(1, Ordering::Relaxed);
    }
    /// Counts an evaluation and marks the main loop alive.
    pub fn evaluated(&self) {
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        self.beat();
    }
    /// Marks the main loop alive.
    pub fn beat(&self) {
        self.heartbeat_ms
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    /// Sets whether this replica leads.
    pub fn set_leader(&self, leader: bool) {
        self.leader.store(leader, Ordering::Relaxed);
    }
    /// Sets readiness (all watches have listed).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }
    /// Whether ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }
    /// Whether the main loop beat recently.
    pub fn is_alive(&self) -> bool {
        let last = Duration::from_millis(self.heartbeat_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last) <= self.liveness_window
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let mut lines: Vec<String> = Vec::new();
        let n = family(
            &mut s,
            "cutoff_watch_objects",
            "Objects in the watch caches, by kind.",
            "gauge",
        );
        for (k, v) in lock(&self.objects).iter() {
            lines.push(format!("{n}{{kind=\"{}\"}} {v}", esc(k)));
        }
        flush(&mut s, &mut lines);
        let n = family(
            &mut s,
            "cutoff_watch_overdue",
            "Running objects past their deadline now.",
            "gauge",
        );
        let _ = writeln!(s, "{n} {}", self.overdue.load(Ordering::Relaxed));
        let n = family(
            &mut s,
            "cutoff_watch_deadlines_passed_total",
            "Deadlines found passed, by kind.",
            "counter",
        );
        for (k, v) in lock(&self.deadlines_passed).iter() {
            lines.push(format!("{n}{{kind=\"{}\"}} {v}", esc(k)));
        }
        flush(&mut s, &mut lines);
        let n = family(
            &mut s,
            "cutoff_watch_actions_total",
            "Actions by kind of action and outcome (dry-run, done, skipped, failed).",
            "counter",
        );
        for ((a, o), v) in lock(&self.actions).iter() {
            lines.push(format!(
                "{n}{{action=\"{}\",outcome=\"{}\"}} {v}",
                esc(a),
                esc(o)
            ));
        }
        flush(&mut s, &mut lines);
        let n = family(
            &mut s,
            "cutoff_watch_findings_total",
            "Findings reported, by rule (drift, orphan, stuck, dead-run, ttl, ...).",
            "counter",
        );
        for (k, v) in lock(&self.findings).iter() {
            lines.push(format!("{n}{{rule=\"{}\"}} {v}", esc(k)));
        }
        flush(&mut s, &mut lines);
        let n = family(
            &mut s,
            "cutoff_watch_lists_total",
            "Full lists of a watched resource (the first, and re-lists after errors or 410 Gone).",
            "counter",
        );
        for (k, v) in lock(&self.relists).iter() {
            lines.push(format!("{n}{{resource=\"{}\"}} {v}", esc(k)));
        }
        flush(&mut s, &mut lines);
        let n = family(
            &mut s,
            "cutoff_watch_watch_errors_total",
            "Watch errors.",
            "counter",
        );
        let _ = writeln!(s, "{n} {}", self.watch_errors.load(Ordering::Relaxed));
        let n = family(
            &mut s,
            "cutoff_watch_evaluations_total",
            "Evaluations.",
            "counter",
        );
        let _ = writeln!(s, "{n} {}", self.evaluations.load(Ordering::Relaxed));
        let n = family(
            &mut s,
            "cutoff_watch_leader",
            "1 if this replica holds the lease (or leader election is off).",
            "gauge",
        );
        let _ = writeln!(s, "{n} {}", u8::from(self.leader.load(Ordering::Relaxed)));
        let n = family(
            &mut s,
            "cutoff_watch_ready",
            "1 once every watch has listed.",
            "gauge",
        );
        let _ = writeln!(s, "{n} {}", u8::from(self.is_ready()));
        s
    }
}

fn family(s: &mut String, name: &str, help: &str, ty: &str) -> String {
    let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {ty}");
    name.to_string()
}

fn flush(s: &mut String, lines: &mut Vec<String>) {
    for l in lines.drain(..) {
        s.push_str(&l);
        s.push('\n');
    }
}

fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serves `/metrics`, `/healthz` and `/readyz` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: std::sync::Arc<Metrics>) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(1024);
            let mut chunk = [0u8; 1024];
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                loop {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            buf.extend_from_slice(&chunk[..n]);
                            if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 8192 {
                                break;
                            }
                        }
                    }
                }
            })
            .await;
            if read.is_err() {
                return;
            }
            let text = String::from_utf8_lossy(&buf);
            let mut parts = text.lines().next().unwrap_or("").split_whitespace();
            let method = parts.next().unwrap_or("");
            let path = parts.next().unwrap_or("").split('?').next().unwrap_or("");
            let (status, ctype, body) = match (method, path) {
                ("GET", "/metrics") => (
                    "200 OK",
                    "text/plain; version=0.0.4; charset=utf-8",
                    metrics.render(),
                ),
                ("GET", "/healthz") if metrics.is_alive() => {
                    ("200 OK", "text/plain", "ok\n".to_string())
                }
                ("GET", "/healthz") => (
                    "503 Service Unavailable",
                    "text/plain",
                    "evaluation loop stalled\n".to_string(),
                ),
                ("GET", "/readyz") if metrics.is_ready() => {
                    ("200 OK", "text/plain", "ok\n".to_string())
                }
                ("GET", "/readyz") => (
                    "503 Service Unavailable",
                    "text/plain",
                    "watches have not listed yet\n".to_string(),
                ),
                ("GET", _) => ("404 Not Found", "text/plain", "not found\n".to_string()),
                _ => (
                    "405 Method Not Allowed",
                    "text/plain",
                    "method not allowed\n".to_string(),
                ),
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new(Duration::from_secs(60));
        m.set_objects("Job", 3);
        m.action("graceful", "done");
        m.action("graceful", "done");
        m.deadline_passed("Job");
        m.set_leader(true);
        let t = m.render();
        assert!(t.contains("cutoff_watch_objects{kind=\"Job\"} 3\n"), "{t}");
        assert!(
            t.contains("cutoff_watch_actions_total{action=\"graceful\",outcome=\"done\"} 2\n"),
            "{t}"
        );
        assert!(t.contains("cutoff_watch_deadlines_passed_total{kind=\"Job\"} 1\n"));
        assert!(t.contains("# TYPE cutoff_watch_actions_total counter\n"));
        assert!(t.contains("cutoff_watch_leader 1\n"));
        // Every sample line belongs to a declared family.
        for line in t.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(t.contains(&format!("# TYPE {name} ")), "{line}");
        }
    }
}
