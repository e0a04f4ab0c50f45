//! A timeout value as the model sees it: finite, unbounded (`"0"`) or unknown, with
//! where it came from and the exact place it was read.

use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::duration::GoDuration;
use crate::manifest::tekton::Timeout;
use crate::manifest::DurationValue;
use crate::project::SourceFile;
use crate::yaml::Span;

/// A place in a file: path and byte span, with the 1-based line and column of its start.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub path: Arc<str>,
    pub span: Span,
    pub line: usize,
    pub column: usize,
}

impl Loc {
    pub fn new(file: &SourceFile, span: Span) -> Loc {
        let (line, column) = file.line_col(span.start);
        Loc {
            path: file.path.clone(),
            span,
            line,
            column,
        }
    }

    /// `path:line:col`.
    pub fn display(&self) -> String {
        format!("{}:{}:{}", self.path, self.line, self.column)
    }
}

impl Serialize for Loc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Loc", 5)?;
        st.serialize_field("path", &*self.path)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("start", &self.span.start)?;
        st.serialize_field("end", &self.span.end)?;
        st.end()
    }
}

/// How long something may run. A Tekton timeout of `"0"` means no timeout: that is
/// [`Bound::Unbounded`], never zero seconds (ERRATA, Issue 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Finite(GoDuration),
    Unbounded,
    /// A placeholder (`{{ }}`, `$(tt.params.x)`) or a value Tekton rejects: not known here.
    Unknown,
}

impl Bound {
    pub fn finite(self) -> Option<GoDuration> {
        match self {
            Bound::Finite(d) => Some(d),
            _ => None,
        }
    }

    pub fn is_known(self) -> bool {
        !matches!(self, Bound::Unknown)
    }

    /// `self > other`, when both are known. Unbounded exceeds every finite value.
    pub fn exceeds(self, other: Bound) -> Option<bool> {
        match (self, other) {
            (Bound::Unknown, _) | (_, Bound::Unknown) => None,
            (Bound::Unbounded, Bound::Unbounded) => Some(false),
            (Bound::Unbounded, Bound::Finite(_)) => Some(true),
            (Bound::Finite(_), Bound::Unbounded) => Some(false),
            (Bound::Finite(a), Bound::Finite(b)) => Some(a > b),
        }
    }

    /// Go's canonical form, `unbounded` or `unknown`.
    pub fn display(self) -> String {
        match self {
            Bound::Finite(d) => d.canonical(),
            Bound::Unbounded => "unbounded".into(),
            Bound::Unknown => "unknown".into(),
        }
    }

    /// A duration from a config default: `None` (0 minutes) is unbounded.
    pub fn from_default(d: Option<GoDuration>) -> Bound {
        d.map(Bound::Finite).unwrap_or(Bound::Unbounded)
    }
}

impl Serialize for Bound {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.display())
    }
}

/// Where a number in the model comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written in the manifest, at `at`.
    Explicit,
    /// v1beta1 `spec.timeout`, which Tekton converts to `timeouts.pipeline`.
    Deprecated,
    /// Tekton computes it: `pipeline − finally` or `pipeline − tasks`.
    Computed,
    /// The cluster's `default-timeout-minutes` (configured in `.cutoff.yaml`).
    ClusterDefault,
    /// The run's tasks/finally budget, passed down to the TaskRun (Tekton v1.11+).
    PassedDown,
    /// `taskRunSpecs[].timeout` of the run (Tekton v1.4+).
    TaskRunSpec,
    /// No budget of its own for this phase: the pipeline budget bounds it.
    Pipeline,
    /// A placeholder filled in later.
    Templated,
    /// A value Tekton rejects (reported by the part-1 rules).
    Invalid,
}

impl Origin {
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Explicit => "explicit",
            Origin::Deprecated => "explicit (deprecated spec.timeout)",
            Origin::Computed => "computed",
            Origin::ClusterDefault => "cluster default",
            Origin::PassedDown => "passed down",
            Origin::TaskRunSpec => "taskRunSpecs override",
            Origin::Pipeline => "the pipeline budget",
            Origin::Templated => "templated",
            Origin::Invalid => "invalid",
        }
    }

    /// Did the manifest's author write this value (for this task or run)?
    pub fn is_authored(self) -> bool {
        matches!(
            self,
            Origin::Explicit | Origin::Deprecated | Origin::TaskRunSpec
        )
    }
}

/// A value with its origin and, when read from a field, the field's value span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    pub value: Bound,
    pub origin: Origin,
    pub at: Option<Loc>,
}

impl Timed {
    pub fn new(value: Bound, origin: Origin, at: Option<Loc>) -> Timed {
        Timed { value, origin, at }
    }

    /// Reads a timeout field; `None` when it is null/empty (unset).
    pub fn read(t: &Timeout<'_>, file: &SourceFile, origin: Origin) -> Option<Timed> {
        let at = Some(Loc::new(file, t.span()));
        let (value, origin) = match &t.value {
            DurationValue::Null => return None,
            DurationValue::Valid(d) if d.is_zero() => (Bound::Unbounded, origin),
            DurationValue::Valid(d) if d.is_negative() => (Bound::Unknown, Origin::Invalid),
            DurationValue::Valid(d) => (Bound::Finite(*d), origin),
            DurationValue::Templated(_) => (Bound::Unknown, Origin::Templated),
            DurationValue::Number(_) | DurationValue::Invalid(_) | DurationValue::NotAScalar => {
                (Bound::Unknown, Origin::Invalid)
            }
        };
        Some(Timed { value, origin, at })
    }

    /// `1h0m0s (explicit, pipeline.yaml:12:18)`.
    pub fn describe(&self) -> String {
        match &self.at {
            Some(at) => format!(
                "{} ({}, {})",
                self.value.display(),
                self.origin.describe(),
                at.display()
            ),
            None => format!("{} ({})", self.value.display(), self.origin.describe()),
        }
    }
}

impl Serialize for Timed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Timed", 4)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field(
            "seconds",
            &self.value.finite().map(|d| d.nanos() as f64 / 1e9),
        )?;
        st.serialize_field("origin", &self.origin)?;
        st.serialize_field("at", &self.at)?;
        st.end()
    }
}

/// A human form for durations of a day or more, which Go writes in hours
/// (`240h0m0s` → `10 days`); `None` when the canonical form says it plainly.
pub fn human(d: GoDuration) -> Option<String> {
    let secs = d.nanos() / 1_000_000_000;
    if d.nanos() % 1_000_000_000 != 0 || secs < 86_400 {
        return None;
    }
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} day{}", if days == 1 { "" } else { "s" }));
    }
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 {
        parts.push(format!("{s} s"));
    }
    Some(parts.join(" "))
}

/// Canonical form followed by the human form, when that helps: `240h0m0s (10 days)`.
pub fn show(b: Bound) -> String {
    match b {
        Bound::Finite(d) => match human(d) {
            Some(h) => format!("{} ({h})", d.canonical()),
            None => d.canonical(),
        },
        other => other.display(),
    }
}

/// Adds two bounds: unbounded wins, unknown poisons.
pub fn add(a: Bound, b: Bound) -> Bound {
    match (a, b) {
        (Bound::Unknown, _) | (_, Bound::Unknown) => Bound::Unknown,
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => Bound::Unbounded,
        (Bound::Finite(x), Bound::Finite(y)) => Bound::Finite(x.saturating_add(y)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_forms() {
        assert_eq!(human(GoDuration::from_mins(90)), None);
        assert_eq!(human(GoDuration::from_hours(240)), Some("10 days".into()));
        assert_eq!(
            human(GoDuration::from_mins(26 * 60 + 30)),
            Some("1 day 2 h 30 min".into())
        );
        assert_eq!(show(Bound::Finite(GoDuration::from_hours(1))), "1h0m0s");
        assert_eq!(
            show(Bound::Finite(GoDuration::from_hours(48))),
            "48h0m0s (2 days)"
        );
        assert!(Bound::Unbounded
            .exceeds(Bound::Finite(GoDuration::from_hours(1)))
            .unwrap());
        assert_eq!(Bound::Unknown.exceeds(Bound::Unbounded), None);
    }
}
