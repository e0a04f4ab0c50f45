//! Orchestrator pipelines: a YAML format of LLM-orchestration frameworks, recognised by its
//! shape (no `apiVersion`; a `steps` list of mappings with `id`).

use crate::yaml::NodeRef;

use super::Meta;

/// The bytes every file holding an orchestrator pipeline contains (for the prefilter).
pub const MARKERS: &[&[u8]] = &[];

/// The identity of an orchestrator pipeline rooted at `root`, if it is one.
pub fn identify(_root: NodeRef<'_>) -> Option<Meta<'_>> {
    None
}

/// A typed view of an orchestrator pipeline.
#[derive(Clone)]
pub struct Object<'a> {
    pub meta: Meta<'a>,
}

/// Reads the pipeline identified as `meta`.
pub fn read<'a>(_meta: Meta<'a>, _src: &str) -> Option<Object<'a>> {
    None
}
