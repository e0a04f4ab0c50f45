//! The rule registry. One rule per file, grouped by family (`tekton/`, later `k8s/`…).
//!
//! A rule is a static [`Rule`]: its code, name, default severity, whether it can
//! fix, and a `check` function that reads one object (with the whole project at
//! hand for cross-file references) and pushes diagnostics. Its documentation page
//! is `rules/<CODE>.md`, embedded here for `cutoff explain`.

pub mod engine;
pub mod tekton;

use std::sync::Arc;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::tekton::Object;
use crate::project::{Project, SourceFile};
use crate::yaml::{Document, Span};

/// Whether a rule offers fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixKind {
    None,
    /// Some findings come with a fix, some do not.
    Sometimes,
    Always,
}

impl FixKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::None => "no",
            FixKind::Sometimes => "sometimes",
            FixKind::Always => "yes",
        }
    }
}

/// Everything a rule may read when it checks one object.
pub struct Context<'a> {
    pub project: &'a Project,
    pub file: &'a SourceFile,
    pub doc: &'a Document,
    /// The typed view of the object; for a TriggerTemplate, each embedded resource
    /// is checked as its own object with `in_trigger_template` set.
    pub object: &'a Object<'a>,
    /// The TriggerTemplate this object is embedded in, if any.
    pub trigger_template: Option<&'a crate::manifest::tekton::TriggerTemplate<'a>>,
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

    pub fn path(&self) -> &Arc<str> {
        &self.file.path
    }

    /// The file is read by Pipelines-as-Code (it sits under `.tekton/`).
    pub fn pac(&self) -> bool {
        self.file.pac
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

pub type CheckFn = fn(&Context<'_>, &mut Vec<Diagnostic>);

pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub fix: FixKind,
    pub enabled_by_default: bool,
    /// One line, for `cutoff rules` and SARIF.
    pub summary: &'static str,
    /// `None` for findings the engine itself produces (syntax errors, suppressions).
    pub check: Option<CheckFn>,
    /// The Markdown page `rules/<CODE>.md`.
    pub doc: &'static str,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

/// Every rule, in code order.
pub fn all() -> &'static [&'static Rule] {
    static ALL: std::sync::OnceLock<Vec<&'static Rule>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Rule> = engine::RULES
            .iter()
            .chain(tekton::RULES.iter())
            .copied()
            .collect();
        v.sort_by_key(|r| r.code);
        v
    })
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
