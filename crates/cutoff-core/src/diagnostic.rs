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

/// The longest value (in chars) a message echoes whole; a longer one keeps its start and
/// its end around an ellipsis ([`elide`]).
pub const ECHO_MAX: usize = 64;

/// The longest message, help, label or fix description (in chars): a safety net for a
/// value echoed by a rule that does not [`elide`] it (the longest message on a corpus of
/// real repositories, listing runs and tasks by name, has under 900). Anything longer
/// keeps its start and end ([`Diagnostic::bound_text`]).
pub const TEXT_MAX: usize = 4000;

/// A value as a message echoes it: whole when at most [`ECHO_MAX`] chars, else its first
/// and last chars around `…`, with how many were left out. A 5 MB scalar in a timeout
/// field makes a message of a few hundred characters, not of 5 MB.
pub fn elide(s: &str) -> std::borrow::Cow<'_, str> {
    elide_to(s, ECHO_MAX)
}

fn elide_to(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    // Cheap for the common case: a short string has few bytes.
    if s.len() <= max || s.chars().count() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let head_chars = max * 2 / 3;
    let tail_chars = max - head_chars;
    let head_end = s.char_indices().nth(head_chars).map_or(s.len(), |(i, _)| i);
    let tail_start = s
        .char_indices()
        .rev()
        .nth(tail_chars.saturating_sub(1))
        .map_or(head_end, |(i, _)| i.max(head_end));
    let left_out = s[head_end..tail_start].chars().count();
    std::borrow::Cow::Owned(format!(
        "{}…[{left_out} characters]…{}",
        &s[..head_end],
        &s[tail_start..]
    ))
}

impl Diagnostic {
    /// Keeps every text of the finding (message, help, labels, fix description; not the
    /// fix's edits, which must stay exact) within [`TEXT_MAX`] chars, and gives back the
    /// unused part of its buffers.
    pub fn bound_text(&mut self) {
        let bound = |t: &mut String| {
            if let std::borrow::Cow::Owned(short) = elide_to(t, TEXT_MAX) {
                *t = short;
            }
            // `format!` leaves up to half of a message's buffer unused; a run may hold tens
            // of thousands of findings.
            t.shrink_to_fit();
        };
        bound(&mut self.message);
        if let Some(h) = &mut self.help {
            bound(h);
        }
        for l in &mut self.labels {
            bound(&mut l.message);
        }
        self.labels.shrink_to_fit();
        if let Some(f) = &mut self.fix {
            bound(&mut f.description);
            f.edits.shrink_to_fit();
            for e in &mut f.edits {
                e.replacement.shrink_to_fit();
            }
        }
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

#[cfg(test)]
mod tests {
    #[test]
    fn elides_the_middle_of_long_values() {
        use super::elide;
        assert_eq!(elide("1h30m"), "1h30m");
        let long = format!("{}{}", "a".repeat(5_000_000), "z");
        let e = elide(&long);
        assert!(e.chars().count() < 100, "{e}");
        assert!(e.starts_with("aaaa") && e.ends_with('z'), "{e}");
        assert!(e.contains("characters]"), "{e}");
        // Multi-byte chars are cut on char boundaries.
        let wide = "é".repeat(1000);
        assert!(elide(&wide).starts_with("éé"));
        let exact = "x".repeat(super::ECHO_MAX);
        assert_eq!(elide(&exact), exact);
    }
}
