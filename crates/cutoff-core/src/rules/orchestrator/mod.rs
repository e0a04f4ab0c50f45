//! Orchestrator rules, and the context they are called with.

use std::ops::Deref;

use crate::manifest::orchestrator::Object;

use super::{Context, Rule};

pub static RULES: &[&Rule] = &[];

/// What a orchestrator rule may read when it checks one object.
pub struct OrchestratorContext<'a> {
    pub base: &'a Context<'a>,
    pub object: &'a Object<'a>,
}

impl<'a> Deref for OrchestratorContext<'a> {
    type Target = Context<'a>;

    fn deref(&self) -> &Context<'a> {
        self.base
    }
}

impl<'a> OrchestratorContext<'a> {
    pub fn new(base: &'a Context<'a>, object: &'a Object<'a>) -> OrchestratorContext<'a> {
        OrchestratorContext { base, object }
    }
}
