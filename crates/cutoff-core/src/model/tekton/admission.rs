//! A PipelineRun's budgets as the webhook checks them when the run is created: after
//! Pipelines-as-Code's v1beta1 conversion and after defaulting, before any controller runs.
//! TKN007, TKN008 and TKN009 compare against these limits.
//!
//! Facts: `docs/tekton-timeouts.md` (admission checks).

use super::defaults::ClusterDefault;
use crate::duration::GoDuration;
use crate::manifest::tekton::{PipelineRun, Timeout};
use crate::manifest::DurationValue;
use crate::yaml::Span;

/// Where a limit came from.
#[derive(Clone)]
pub enum LimitOrigin<'a> {
    /// A field of the run, e.g. `spec.timeouts.pipeline`.
    Field(Timeout<'a>),
    /// v1beta1 `spec.timeout`, which Pipelines-as-Code converts to `timeouts.pipeline`.
    Converted(Timeout<'a>),
    /// The cluster's `default-timeout-minutes`, filled in because `missing` is unset;
    /// `source`: where that default came from.
    Default {
        minutes: i64,
        source: String,
        missing: &'static str,
    },
}

/// A limit a timeout is compared with, and where it came from.
#[derive(Clone)]
pub struct Limit<'a> {
    pub value: GoDuration,
    pub origin: LimitOrigin<'a>,
}

impl<'a> Limit<'a> {
    /// E.g. `` `spec.timeouts.pipeline: 90m` (1h30m0s) `` or
    /// `1h0m0s, the cluster default (…), since `spec.timeouts.pipeline` is not set`.
    pub fn describe(&self, src: &str) -> String {
        match &self.origin {
            LimitOrigin::Field(t) => t.shown(src, self.value),
            LimitOrigin::Converted(t) => format!(
                "{}, which Pipelines-as-Code converts to `timeouts.pipeline`",
                t.shown(src, self.value)
            ),
            LimitOrigin::Default {
                minutes,
                source,
                missing,
            } => format!(
                "{}, the cluster default (`default-timeout-minutes: {minutes}`, {source}), since `{missing}` is not set",
                self.value.canonical()
            ),
        }
    }

    /// The field to point a label at, if the limit was written in the file.
    pub fn span(&self) -> Option<Span> {
        match &self.origin {
            LimitOrigin::Field(t) | LimitOrigin::Converted(t) => Some(t.span()),
            LimitOrigin::Default { .. } => None,
        }
    }

    /// The cluster default, standing in for the unset field `missing`.
    pub fn from_default(default: &ClusterDefault, missing: &'static str) -> Limit<'a> {
        Limit {
            value: default.duration().unwrap_or(GoDuration::ZERO),
            origin: LimitOrigin::Default {
                minutes: default.minutes,
                source: default.describe(),
                missing,
            },
        }
    }
}

/// A timeout that is present and not null (a null value is unset for Go).
pub fn set<'r, 'a>(t: &'r Option<Timeout<'a>>) -> Option<&'r Timeout<'a>> {
    t.as_ref()
        .filter(|t| !matches!(t.value, DurationValue::Null))
}

/// A known, non-negative value (negative ones are TKN002's).
pub fn known(t: &Timeout<'_>) -> Option<GoDuration> {
    t.value.valid().filter(|d| !d.is_negative())
}

/// `spec.timeouts` as the v1 validation sees it: after Pipelines-as-Code's conversion and
/// after defaulting. `pipeline` is `None` when its value is unknown (templated, invalid).
pub struct RunTimeouts<'a> {
    pub pipeline: Option<Limit<'a>>,
    pub tasks: Option<Timeout<'a>>,
    pub finally: Option<Timeout<'a>>,
}

/// `None` when the run has no `spec.timeouts`, or when Pipelines-as-Code (`pac`) drops it
/// (v1beta1 with `spec.timeout` as well: TKN006).
pub fn run_timeouts<'a>(
    default: &ClusterDefault,
    pac: bool,
    run: &PipelineRun<'a>,
) -> Option<RunTimeouts<'a>> {
    if !run.has_timeouts() {
        return None;
    }
    if run.v1beta1 && pac && set(&run.timeout).is_some() {
        return None;
    }
    let pipeline = match set(&run.pipeline) {
        Some(t) => known(t).map(|value| Limit {
            value,
            origin: LimitOrigin::Field(t.clone()),
        }),
        None => Some(Limit::from_default(default, "spec.timeouts.pipeline")),
    };
    Some(RunTimeouts {
        pipeline,
        tasks: set(&run.tasks).cloned(),
        finally: set(&run.finally).cloned(),
    })
}
