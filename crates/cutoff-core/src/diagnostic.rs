//! What a rule reports: a finding with its spans, help and an optional fix; and what is
//! known about each rule ([`RuleMeta`]), which reporters receive with the findings.
//!
//! Diagnostics carry byte spans only; reporters turn them into lines and
//! columns with the file's [`crate::yaml::LineIndex`].

use std::sync::Arc;

use serde::Serialize;

use crate::yaml::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix may be applied without a human looking at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the meaning the author evidently intended; applied by `--fix`.
    Safe,
    /// Changes behaviour (e.g. raises a budget); applied only with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Which fixes a rule may offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    None,
    Safe,
    Unsafe,
    /// Safe fixes for some findings, unsafe ones for others.
    Both,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
            FixAvailability::Both => "safe or unsafe",
        }
    }

    /// May a rule with this availability offer a fix of `applicability`?
    pub fn allows(self, applicability: Applicability) -> bool {
        matches!(
            (self, applicability),
            (FixAvailability::Both, _)
                | (FixAvailability::Safe, Applicability::Safe)
                | (FixAvailability::Unsafe, Applicability::Unsafe)
        )
    }
}

/// What is known about a rule without running it. The single source of `cutoff rules`, the
/// README's rules table, the header line of every `rules/<CODE>.md`, and SARIF's rule
/// descriptors; reporters receive it with the diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub enabled_by_default: bool,
    pub fix: FixAvailability,
    /// What the fix does, in a few words; `None` when the rule has no fix.
    pub fix_title: Option<&'static str>,
    /// One line, for `cutoff rules` and SARIF.
    pub summary: &'static str,
    /// The Markdown page `rules/<CODE>.md`.
    pub doc: &'static str,
}

/// Replace the bytes `start..end` of the file at `path` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub path: Arc<str>,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

impl Edit {
    pub fn replace(path: &Arc<str>, span: Span, replacement: impl Into<String>) -> Edit {
        Edit {
            path: path.clone(),
            start: span.start,
            end: span.end,
            replacement: replacement.into(),
        }
    }

    pub fn insert(path: &Arc<str>, at: usize, text: impl Into<String>) -> Edit {
        Edit {
            path: path.clone(),
            start: at,
            end: at,
            replacement: text.into(),
        }
    }

    pub fn delete(path: &Arc<str>, span: Span) -> Edit {
        Edit::replace(path, span, "")
    }
}

/// A set of edits that are applied together or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub description: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(description: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            description: description.into(),
            edits,
        }
    }

    pub fn unsafe_(description: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Unsafe,
            description: description.into(),
            edits,
        }
    }
}

/// A secondary location, e.g. "budget set here", possibly in another file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub path: Arc<str>,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub path: Arc<str>,
    pub span: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn label(mut self, path: &Arc<str>, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            path: path.clone(),
            span,
            message: message.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    /// Sort key: path, then position, then code.
    pub fn sort_key(&self) -> (&str, usize, usize, &'static str, &str) {
        (
            &self.path,
            self.span.start,
            self.span.end,
            self.code,
            &self.message,
        )
    }
}

/// Counts by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub fixable: usize,
}

pub fn counts(diags: &[Diagnostic]) -> Counts {
    let mut c = Counts::default();
    for d in diags {
        match d.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
        if d.fix.is_some() {
            c.fixable += 1;
        }
    }
    c
}
