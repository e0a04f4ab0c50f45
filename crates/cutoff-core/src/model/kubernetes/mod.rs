//! The Kubernetes workload model: per Job (and CronJob `jobTemplate`) the effective
//! deadline, grace period, TTL and back-off, with where each value came from, and the
//! promises annotations and env vars make about them.

use crate::config::Config;
use crate::project::Project;

use super::effective::Effective;
use super::Model;

/// What the workload model derives from the project once per run.
#[derive(Default)]
pub struct KubernetesModel {}

impl KubernetesModel {
    pub fn new(_project: &Project, _config: &Config) -> KubernetesModel {
        KubernetesModel::default()
    }
}

/// The effective timeouts of the workloads of the reported files, in file order.
pub fn effective_timeouts(_model: &Model<'_>, _out: &mut Vec<Effective>) {}
