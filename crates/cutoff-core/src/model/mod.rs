//! The model: the repository as a whole, as the rules, `cutoff timeouts` and `watch` see
//! it. For every run, task, step (and, in later families, Job and orchestrator step) it
//! knows the effective timeout, where it came from and what caps it; nothing about
//! timeouts is computed anywhere else. A [`Model`] is built once per lint run over a
//! [`Project`]; it owns the cross-file relations and the caches that make every lookup cost
//! what it returns.
//!
//! - [`value`]: places ([`Loc`]) and bounds ([`Bound`]), in every family;
//! - [`dag`]: longest chains through a dependency graph;
//! - [`place`]: where a cross-file finding is shown, and its labels;
//! - [`effective`]: the family-neutral effective timeout of every object;
//! - [`policy`]: the rules of `.cutoff.yaml`'s `policy:` that apply to each of them;
//! - [`kustomize`]: namespaces and patches from `kustomization.yaml` files;
//! - [`tekton`]: Tekton's budgets, task timeouts, version facts and admission checks;
//! - [`kubernetes`]: Jobs' deadlines, grace periods, TTLs and back-off;
//! - [`orchestrator`]: orchestrator pipelines' step timeouts and chains;
//! - [`timeline`]: a run's worst case in time (each task's start and end, which end past
//!   their budget), for the Mermaid chart.

pub mod dag;
pub mod effective;
pub mod kubernetes;
pub mod kustomize;
pub mod orchestrator;
pub mod place;
pub mod policy;
pub mod tekton;
pub mod timeline;
pub mod value;

use std::ops::Deref;

use crate::config::Config;
use crate::project::Project;

pub use dag::Chain;
pub use effective::{Cap, Effective, Subject};
pub use place::{Finding, Place, Placement};
pub use value::{Bound, Loc};

/// The model of one lint run: the project, the configuration it is read under, and what
/// each family derives from them once.
pub struct Model<'p> {
    pub project: &'p Project,
    pub config: &'p Config,
    /// Namespaces and patches from the repository's `kustomization.yaml` files.
    /// Shared with the models of the files checked as they were read
    /// ([`crate::lint::standalone`]), which see only themselves.
    pub kustomize: std::sync::Arc<kustomize::Kustomizations>,
    pub tekton: tekton::TektonModel,
    pub kubernetes: kubernetes::KubernetesModel,
    pub orchestrator: orchestrator::OrchestratorModel,
    /// The effective timeouts the policy judges, built on first use ([`Model::policed`]).
    policed: std::sync::OnceLock<policy::Policed>,
}

impl<'p> Model<'p> {
    pub fn new(project: &'p Project, config: &'p Config) -> Model<'p> {
        let kustomize = std::sync::Arc::new(kustomize::Kustomizations::new(project));
        Model::with_kustomizations(project, config, kustomize)
    }

    /// [`Model::new`] with the kustomizations of the whole repository, read before (the
    /// project may be a few of its files).
    pub fn with_kustomizations(
        project: &'p Project,
        config: &'p Config,
        kustomize: std::sync::Arc<kustomize::Kustomizations>,
    ) -> Model<'p> {
        Model {
            project,
            config,
            kustomize,
            tekton: tekton::TektonModel::new(project, config),
            kubernetes: kubernetes::KubernetesModel::new(project, config),
            orchestrator: orchestrator::OrchestratorModel::new(project, config),
            policed: std::sync::OnceLock::new(),
        }
    }
}

impl Deref for Model<'_> {
    type Target = Project;

    fn deref(&self) -> &Project {
        self.project
    }
}
