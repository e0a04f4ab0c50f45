//! Kubernetes rules, and the context they are called with.

use std::ops::Deref;

use crate::manifest::kubernetes::Object;

use super::{Context, Rule};

pub static RULES: &[&Rule] = &[];

/// What a kubernetes rule may read when it checks one object.
pub struct KubernetesContext<'a> {
    pub base: &'a Context<'a>,
    pub object: &'a Object<'a>,
}

impl<'a> Deref for KubernetesContext<'a> {
    type Target = Context<'a>;

    fn deref(&self) -> &Context<'a> {
        self.base
    }
}

impl<'a> KubernetesContext<'a> {
    pub fn new(base: &'a Context<'a>, object: &'a Object<'a>) -> KubernetesContext<'a> {
        KubernetesContext { base, object }
    }
}
