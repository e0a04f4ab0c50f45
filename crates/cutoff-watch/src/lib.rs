//! `cutoff watch`: enforces the repository's validated timeouts on a live cluster.
//!
//! The crate watches Tekton PipelineRuns and TaskRuns, Jobs and their Pods with kube-rs,
//! computes each running object's deadline from its own timeout and what the repository and
//! policy say ([`Knowledge`]), and walks an escalation ladder (warn, graceful, hard, force)
//! once a deadline passes. It also reports drift, cleans up expired TTLs, and finds orphans
//! and stuck runs. Dry-run is the default; every decision and action goes to an audit log.
//!
//! Entry points: [`WatchArgs`] (the command line), [`run`] / [`run_blocking`], and the
//! [`Knowledge`] trait that `cutoff` implements over its repository model.

pub mod actions;
pub mod args;
pub mod audit;
pub mod clock;
pub mod deadline;
pub mod engine;
pub mod goduration;
pub mod knowledge;
pub mod ladder;
pub mod leader;
pub mod live;
pub mod metrics;
pub mod repo;
pub mod run;

pub use args::{WatchArgs, WATCH_ABOUT, WATCH_EXAMPLES, WATCH_LONG_ABOUT};
pub use knowledge::{Finding, Knowledge, Limit, Limits, LiveKind, LiveRef, StaticKnowledge};
pub use repo::RepoKnowledge;
pub use run::{run, run_blocking, EXIT_FAILED, EXIT_OK, EXIT_SETUP};
