//! Values as the model sees them, in every family: a place in a file ([`Loc`]) and how
//! long something may run ([`Bound`]: finite, unbounded or unknown).

use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::duration::GoDuration;
use crate::source::SourceFile;
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
/// [`Bound::Unbounded`], never zero seconds.
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
