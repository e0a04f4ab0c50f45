//! Orchestrator rules, and the context they are called with. Facts:
//! `docs/orchestrator-pipelines.md`.
//!
//! Each rule receives an [`OrchestratorContext`]: the typed pipeline and, built once per
//! object, its model ([`OrchestratorContext::pipeline`]): each step's effective timeout,
//! the level it came from, its attempts.

pub mod orc001_conflicting_step_timeouts;
pub mod orc002_unbounded_step;
pub mod orc003_invalid_timeout;
pub mod orc004_retries_multiply_timeout;

use std::cell::OnceCell;
use std::ops::Deref;

use crate::duration::GoDuration;
use crate::manifest::orchestrator::Object;
use crate::model::orchestrator::PipelineModel;

use super::{Context, Rule};

pub static RULES: &[&Rule] = &[
    &orc001_conflicting_step_timeouts::RULE,
    &orc002_unbounded_step::RULE,
    &orc003_invalid_timeout::RULE,
    &orc004_retries_multiply_timeout::RULE,
];

/// What an orchestrator rule may read when it checks one pipeline.
pub struct OrchestratorContext<'a> {
    pub base: &'a Context<'a>,
    pub object: &'a Object<'a>,
    pipeline: OnceCell<PipelineModel>,
}

impl<'a> Deref for OrchestratorContext<'a> {
    type Target = Context<'a>;

    fn deref(&self) -> &Context<'a> {
        self.base
    }
}

impl<'a> OrchestratorContext<'a> {
    pub fn new(base: &'a Context<'a>, object: &'a Object<'a>) -> OrchestratorContext<'a> {
        OrchestratorContext {
            base,
            object,
            pipeline: OnceCell::new(),
        }
    }

    /// The model of the pipeline, built once per object.
    pub fn pipeline(&self) -> &PipelineModel {
        self.pipeline
            .get_or_init(|| PipelineModel::of(self.object, self.base.file))
    }
}

/// `` `timeout: 5400` (1h30m0s) ``: a seconds value as written, and as a duration when
/// that says more.
pub(crate) fn seconds_text(key: &str, raw: &str, d: GoDuration) -> String {
    let canonical = d.canonical();
    let same = canonical == format!("{raw}s");
    let raw = crate::diagnostic::elide(raw);
    if same {
        format!("`{key}: {raw}`")
    } else {
        format!("`{key}: {raw}` ({canonical})")
    }
}

/// "`a`, `b` and `c`".
pub(crate) fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}
