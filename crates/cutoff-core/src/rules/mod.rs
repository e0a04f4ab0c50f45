//! The rule registry. One rule per file, grouped by family (`engine/`, `tekton/`; later
//! `kubernetes/`…): a rule is a static [`Rule`] holding its [`RuleMeta`] and its check.
//!
//! A rule of a family receives that family's typed object through its family's hook
//! ([`Check`]); the engine calls it for every object of that family in a reported file.
//! Rules read the manifest views and the model and push diagnostics, nothing else: no
//! rule imports another rule. Its documentation page is `rules/<CODE>.md`, embedded for
//! `cutoff explain`; its fixtures are `fixtures/<CODE>/`.

pub mod docs;
pub mod engine;
pub mod kubernetes;
pub mod orchestrator;
pub mod policy;
pub mod tekton;

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::Model;
use crate::source::SourceFile;
use crate::yaml::{Document, Span};

pub use crate::diagnostic::{FixAvailability, RuleMeta};

/// How the engine runs a rule.
#[derive(Clone, Copy)]
pub enum Check {
    /// Findings the engine itself produces (syntax errors, skipped files, suppressions).
    Engine,
    /// Called for every Tekton object (a TriggerTemplate's resources each on their own).
    Tekton(fn(&tekton::TektonContext<'_>, &mut Vec<Diagnostic>)),
    /// Called for every Kubernetes workload.
    Kubernetes(fn(&kubernetes::KubernetesContext<'_>, &mut Vec<Diagnostic>)),
    /// Called for every orchestrator pipeline.
    Orchestrator(fn(&orchestrator::OrchestratorContext<'_>, &mut Vec<Diagnostic>)),
    /// Called for every object of every family (family-neutral rules such as the policy's,
    /// which read the model's effective timeouts).
    Object(fn(&Context<'_>, &crate::manifest::Object<'_>, &mut Vec<Diagnostic>)),
}

/// A rule: what is known about it, and how it runs.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

impl Deref for Rule {
    type Target = RuleMeta;

    fn deref(&self) -> &RuleMeta {
        &self.meta
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

/// Everything a rule of any family may read when it checks one object.
pub struct Context<'a> {
    pub model: &'a Model<'a>,
    pub file: &'a SourceFile,
    pub doc: &'a Document,
    pub config: &'a Config,
}

impl<'a> Context<'a> {
    /// Starts a diagnostic of `rule` at `span` in this file.
    pub fn diag(&self, rule: &'static Rule, span: Span, message: impl Into<String>) -> Diagnostic {
        new_diagnostic(rule, &self.file.path, span, message)
    }

    pub fn src(&self) -> &'a str {
        &self.file.text
    }

    pub fn path(&self) -> &'a Arc<str> {
        &self.file.path
    }
}

pub fn new_diagnostic(
    rule: &'static Rule,
    path: &Arc<str>,
    span: Span,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic {
        code: rule.code,
        name: rule.name,
        severity: rule.severity,
        path: path.clone(),
        span,
        message: message.into(),
        labels: Vec::new(),
        help: None,
        fix: None,
    }
}

/// Every rule, in code order.
pub fn all() -> &'static [&'static Rule] {
    static ALL: std::sync::OnceLock<Vec<&'static Rule>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Rule> = engine::RULES
            .iter()
            .chain(tekton::RULES.iter())
            .chain(kubernetes::RULES.iter())
            .chain(orchestrator::RULES.iter())
            .chain(policy::RULES.iter())
            .copied()
            .collect();
        v.sort_by_key(|r| r.code);
        v
    })
}

/// The metadata of every rule, in code order (what reporters are handed).
pub fn metas() -> Vec<RuleMeta> {
    all().iter().map(|r| r.meta).collect()
}

pub fn by_code(code: &str) -> Option<&'static Rule> {
    all()
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code) || r.name == code)
}

/// Embeds `rules/<CODE>.md`.
#[macro_export]
macro_rules! rule_doc {
    ($code:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../rules/",
            $code,
            ".md"
        ))
    };
}
