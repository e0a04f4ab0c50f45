//! The effective-timeout model: for every run, what each timeout really is and where it
//! comes from. The rules (TKN010–TKN018), `cutoff timeouts` and, later, `watch` all read
//! it; nothing about timeouts is computed anywhere else.
//!
//! - [`budget`]: a PipelineRun's pipeline/tasks/finally budgets after defaulting, per version;
//! - [`run`]: per pipeline task, the effective TaskRun timeout with its provenance
//!   (explicit, taskRunSpecs override or dropped, passed down, cluster default, unbounded,
//!   unknown), its steps, retries, and the DAG's longest chains; also the default run
//!   assumed for a Pipeline no PipelineRun references;
//! - [`taskrun`]: a standalone TaskRun's timeout;
//! - [`resolve`]: cross-file references (both ways);
//! - [`scope`]: which models concern a checked object, and where a finding is shown.
//!
//! Facts: `../shared/docs/tekton-timeouts.md` §3, with `ERRATA.md` (Issue 4): every default is
//! the configured `default-timeout-minutes`, and an effective timeout of 0 is unbounded.

pub mod budget;
pub mod cache;
pub mod dag;
pub mod resolve;
pub mod run;
pub mod scope;
pub mod taskrun;
pub mod value;

pub use budget::{Budgets, Dropped, Settings};
pub use dag::Chain;
pub use resolve::{Defs, PipelineSource, StepModel, TaskDef, TaskTarget};
pub use run::{Intent, IntentKind, PassDown, RunKind, RunModel, TaskModel};
pub use scope::{Place, Placement, Reach, Scope};
pub use taskrun::TaskRunModel;
pub use value::{Bound, Loc, Origin, Timed};
