//! The command line of `cutoff watch`.

use crate::engine::ActOn;
use crate::goduration;
use crate::ladder::Ladder;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// One line for `cutoff --help`.
pub const WATCH_ABOUT: &str =
    "Enforce the repository's validated timeouts on a live cluster (dry-run unless --enforce)";

/// What `cutoff watch --help` explains before the options.
pub const WATCH_LONG_ABOUT: &str = "\
Enforce the repository's validated timeouts on a live Kubernetes/Tekton cluster.

watch loads the repository (--repo, default .) and its policy (--config), then watches
PipelineRuns and TaskRuns (tekton.dev/v1), Jobs, and the Pods of Jobs and TaskRuns. For
each running object it computes a deadline: start time + the smallest of the object's own
timeout, the repository template's validated timeout, and the policy cap; objects with no
bound at all get policy.default.

WHAT IT WILL DO TO YOUR CLUSTER (only with --enforce; without it, nothing is written):
  once a deadline passes, it walks the escalation ladder (--ladder), one step at a time:
    warn      a Warning Event on the object (and a log line)
    graceful  PipelineRun spec.status=CancelledRunFinally (finally tasks still run),
              TaskRun spec.status=TaskRunCancelled, Job spec.suspend=true
    hard      PipelineRun spec.status=Cancelled; the pods of a Job or TaskRun are
              deleted with grace period 0
    force     the object is deleted (propagationPolicy=Background)
  each step also records itself in the annotation cutoff.dev/escalation, so a restarted
  or newly elected replica continues the ladder instead of starting over;
  finished objects whose TTL annotation (or policy.ttl, for Jobs) expired are deleted;
  with --act-on orphans, pods whose Job/TaskRun is gone are deleted; with --act-on stuck,
  runs whose pods are stuck (Pending, ImagePullBackOff) or that run with no pod get the
  ladder.
Drift (live timeouts that differ from the repository's) is only ever reported.

Dry-run is the default: without --enforce every decision is still made and written to
the audit log with outcome \"dry-run\", and the cluster is left alone. Every decision and
action is one JSON line in the audit log (--audit-log, default standard output).
Nothing is acted on twice: actions read the current state first, patches carry the
observed resourceVersion, deletes carry the object's uid, and a re-list after a lost
connection or 410 Gone never repeats a step.

With several replicas, use --leader-elect: only the holder of the Lease acts; the others
watch and report.

Exit status: 0 when nothing failed, 1 when an action or a call failed, 2 when watch
could not start (bad options, no cluster). SIGINT or SIGTERM stop it cleanly: the audit
log is flushed and the Lease released.";

/// Examples shown at the end of `cutoff watch --help`.
pub const WATCH_EXAMPLES: &str = "\
Examples:
  # See what watch would do in namespace ci, once, without touching anything
  cutoff watch --once -n ci

  # Report continuously on every namespace, audit log to a file
  cutoff watch -A --audit-log /var/log/cutoff-audit.jsonl

  # Enforce, as the deployment in deploy/ does
  cutoff watch -A --enforce --leader-elect --listen 0.0.0.0:8080 --repo /repo

  # A gentler ladder: warn, then cancel gracefully after 10m, never delete
  cutoff watch -A --enforce --ladder warn=0s,graceful=10m

  # Also clean up orphaned pods and cancel stuck runs
  cutoff watch -A --enforce --act-on deadlines,ttl,orphans,stuck --stuck-after 30m";

fn duration_arg(s: &str) -> Result<Duration, String> {
    goduration::parse(s)
}

fn positive_duration(s: &str) -> Result<Duration, String> {
    let d = goduration::parse(s)?;
    if d.is_zero() {
        return Err("must be more than 0s".to_string());
    }
    Ok(d)
}

/// `cutoff watch` options.
#[derive(Args, Clone, Debug)]
#[command(about = WATCH_ABOUT, long_about = WATCH_LONG_ABOUT, after_long_help = WATCH_EXAMPLES)]
pub struct WatchArgs {
    /// The repository whose validated timeouts are enforced.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// The cutoff configuration (policy) file; default: the one found from --repo.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or the in-cluster
    /// service account.
    #[arg(long, value_name = "F")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use; default: the current context.
    #[arg(long, value_name = "C")]
    pub context: Option<String>,

    /// Watch only this namespace; default: the context's namespace.
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Watch every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Act on the cluster. Without it, watch only reports (the audit log says "dry-run").
    #[arg(long)]
    pub enforce: bool,

    /// Evaluate the current state once (one list per kind, no watch), act on what is due
    /// now, and exit. For a CronJob or CI.
    #[arg(long)]
    pub once: bool,

    /// Append the audit log (one JSON object per line) to FILE; `-` or unset: standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,

    /// Re-evaluate everything this often, besides on every change seen.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = positive_duration)]
    pub interval: Duration,

    /// The escalation ladder: steps in order with the delay before each (the first
    /// counts from the deadline, each later one from the step before). `grace` is the
    /// object's termination grace period (30s unless its pods say otherwise),
    /// `grace+10s` adds to it. Leave steps out to never take them.
    #[arg(long, value_name = "STEPS", default_value = crate::ladder::DEFAULT_LADDER)]
    pub ladder: Ladder,

    /// What to act on with --enforce (the rest is only reported): any of deadlines,
    /// ttl, orphans, stuck; or all, none.
    #[arg(long, value_name = "LIST", default_value = "deadlines,ttl")]
    pub act_on: ActOn,

    /// A pod whose Job or TaskRun is gone counts as an orphan once it is this old.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration_arg)]
    pub orphan_after: Duration,

    /// A pod Pending (e.g. ImagePullBackOff) this long, or a run Running with no pod
    /// this long, is stuck.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = duration_arg)]
    pub stuck_after: Duration,

    /// Elect a leader among replicas with a coordination.k8s.io/v1 Lease; only the
    /// leader acts.
    #[arg(long)]
    pub leader_elect: bool,

    /// The Lease's name.
    #[arg(long, value_name = "NAME", default_value = "cutoff-watch")]
    pub lease_name: String,

    /// The Lease's namespace; default: $POD_NAMESPACE, else the context's namespace.
    #[arg(long, value_name = "NS")]
    pub lease_namespace: Option<String>,

    /// How long a Lease stays valid without renewal (leaseDurationSeconds).
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = positive_duration)]
    pub lease_duration: Duration,

    /// This replica's identity in the Lease and the audit log; default: $POD_NAME, else
    /// hostname and process id.
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,

    /// Serve /metrics (Prometheus), /healthz and /readyz on this address, e.g.
    /// 0.0.0.0:8080 (port 0 picks a free port and logs it).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,

    /// Tests only: read the current time from this file (one RFC 3339 timestamp).
    #[arg(long, value_name = "FILE", hide = true)]
    pub fake_clock: Option<PathBuf>,
}

impl WatchArgs {
    /// The identity: `--identity`, `$POD_NAME`, or hostname-pid.
    pub fn identity(&self) -> String {
        if let Some(i) = self.identity.as_ref().filter(|i| !i.is_empty()) {
            return i.clone();
        }
        if let Ok(p) = std::env::var("POD_NAME") {
            if !p.is_empty() {
                return p;
            }
        }
        let host = std::env::var("HOSTNAME")
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_string())
            })
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "cutoff-watch".to_string());
        format!("{host}-{}", std::process::id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        watch: WatchArgs,
    }

    #[test]
    fn defaults_and_flags() {
        let c = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(c.watch.interval, Duration::from_secs(30));
        assert!(!c.watch.enforce);
        assert_eq!(c.watch.ladder, Ladder::default());
        assert_eq!(c.watch.act_on, ActOn::default());
        let c = Cli::try_parse_from([
            "x",
            "-A",
            "--enforce",
            "--once",
            "--interval",
            "1m30s",
            "--ladder",
            "warn,graceful=2m",
            "--act-on",
            "orphans",
        ])
        .unwrap();
        assert!(c.watch.all_namespaces && c.watch.enforce && c.watch.once);
        assert_eq!(c.watch.interval, Duration::from_secs(90));
        assert!(c.watch.act_on.orphans && !c.watch.act_on.ttl);
    }

    #[derive(Parser)]
    struct Top {
        #[command(subcommand)]
        cmd: Cmd,
    }

    #[derive(clap::Subcommand)]
    enum Cmd {
        Watch(WatchArgs),
    }

    #[test]
    fn help_applies_as_a_subcommand() {
        let top = Top::command();
        let watch = top.find_subcommand("watch").unwrap();
        assert_eq!(watch.get_about().unwrap().to_string(), WATCH_ABOUT);
        let long = watch.get_long_about().unwrap().to_string();
        assert!(long.contains("WHAT IT WILL DO TO YOUR CLUSTER"), "{long}");
        assert!(watch
            .get_after_long_help()
            .unwrap()
            .to_string()
            .contains("Examples:"));
        let Cmd::Watch(w) = Top::try_parse_from(["cutoff", "watch", "-A", "--enforce"])
            .unwrap()
            .cmd;
        assert!(w.all_namespaces && w.enforce);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(Cli::try_parse_from(["x", "-n", "a", "-A"]).is_err());
        assert!(Cli::try_parse_from(["x", "--interval", "0s"]).is_err());
        assert!(Cli::try_parse_from(["x", "--interval", "1d"]).is_err());
        assert!(Cli::try_parse_from(["x", "--ladder", "force,warn"]).is_err());
        Cli::command().debug_assert();
    }
}
