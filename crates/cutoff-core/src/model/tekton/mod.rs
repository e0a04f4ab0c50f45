//! The Tekton effective-timeout model: for every run, what each timeout really is and
//! where it comes from.
//!
//! - [`versions`]: what each Tekton and Pipelines-as-Code version reads, once;
//! - [`budget`]: a PipelineRun's pipeline/tasks/finally budgets after defaulting, per version;
//! - [`admission`]: the budgets as the webhook checks them when a run is created;
//! - [`run`]: per pipeline task, the effective TaskRun timeout with its provenance
//!   (explicit, taskRunSpecs override or dropped, passed down, cluster default, unbounded,
//!   unknown), its steps, retries, and the DAG's longest chains; also the default run
//!   assumed for a Pipeline no PipelineRun references;
//! - [`taskrun`]: a standalone TaskRun's timeout;
//! - [`resolve`]: cross-file references (both ways), over [`links`];
//! - [`scope`]: which models concern a checked object.
//!
//! Facts: `docs/tekton-timeouts.md`. Every default is the configured
//! `default-timeout-minutes`, and an effective timeout of 0 is unbounded.

pub mod admission;
pub mod budget;
pub mod cache;
pub mod defaults;
pub mod links;
pub mod resolve;
pub mod run;
pub mod scope;
pub mod taskrun;
pub mod value;
pub mod versions;

use crate::config::Config;
use crate::project::Project;

pub use budget::{Budgets, Dropped, Settings};
pub use resolve::{Defs, PipelineSource, StepModel, TaskDef, TaskTarget};
pub use run::{Intent, IntentKind, PassDown, RunKind, RunModel, TaskModel};
pub use scope::{Reach, Scope};
pub use taskrun::TaskRunModel;
pub use value::{Origin, Timed};

/// What the Tekton model derives from the project once per run: who references whom, and
/// the caches shared by every object's scope.
pub struct TektonModel {
    /// The default TaskRun timeout assumed, and where it came from.
    pub default: defaults::ClusterDefault,
    pub links: links::Links,
    pub(crate) cache: cache::Cache,
}

impl TektonModel {
    pub fn new(project: &Project, config: &Config) -> TektonModel {
        TektonModel {
            default: defaults::ClusterDefault::of(project, config),
            links: links::Links::new(project, config),
            cache: cache::Cache::default(),
        }
    }
}
