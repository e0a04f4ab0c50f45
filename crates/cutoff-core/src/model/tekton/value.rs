//! A Tekton timeout as the model sees it: its value, where it came from, and the exact
//! place it was read.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::manifest::tekton::Timeout;
use crate::manifest::DurationValue;
use crate::model::value::{Bound, Loc};
use crate::source::SourceFile;

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
    /// Before Tekton v0.40: the time left in the run when the TaskRun starts.
    TimeLeft,
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
            Origin::TimeLeft => "the time left in the run (before Tekton v0.40)",
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
