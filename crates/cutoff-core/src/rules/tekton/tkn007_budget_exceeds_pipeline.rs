//! TKN007 budget-exceeds-pipeline: `timeouts.tasks` or `timeouts.finally` longer than the
//! pipeline timeout, or `"0"` while the pipeline timeout is not.
//!
//! Facts (tekton-timeouts.md §2, §3; ERRATA Issue 3 TKN007): validation runs on the
//! defaulted object, so a missing `timeouts.pipeline` is the configured
//! `default-timeout-minutes` (`v1/pipelinerun_defaults.go:60-62`); a pipeline timeout of 0
//! skips both comparisons (`v1/pipelinerun_validation.go:297-326`). With
//! `default-timeout-minutes: 0`, runs without `timeouts.pipeline` are never reported.
//!
//! Also home to the run-budget view TKN008 and TKN009 share ([`run_timeouts`], [`Limit`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::GoDuration;
use crate::manifest::tekton::{Object, PipelineRun, Timeout};
use crate::manifest::DurationValue;
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};
use crate::yaml::Span;

use super::tkn001_invalid_duration::{object_path, shown, written};
use super::tkn005_deprecated_pipelinerun_timeout::has_timeouts;

pub static RULE: Rule = Rule {
    code: "TKN007",
    name: "budget-exceeds-pipeline",
    severity: Severity::Error,
    fix: FixKind::None,
    enabled_by_default: true,
    summary: "timeouts.tasks or timeouts.finally exceeds the pipeline timeout (after defaulting), or is \"0\" while it is not",
    check: Some(check),
    doc: rule_doc!("TKN007"),
};

/// Where a limit came from.
#[derive(Clone)]
pub(crate) enum Origin<'a> {
    /// A field of the run, e.g. `spec.timeouts.pipeline`.
    Field(Timeout<'a>),
    /// v1beta1 `spec.timeout`, which Pipelines-as-Code converts to `timeouts.pipeline`.
    Converted(Timeout<'a>),
    /// The configured `default-timeout-minutes`, filled in because `missing` is unset.
    Default { minutes: i64, missing: &'static str },
}

/// A limit a timeout is compared with, and where it came from.
#[derive(Clone)]
pub(crate) struct Limit<'a> {
    pub value: GoDuration,
    pub origin: Origin<'a>,
}

impl<'a> Limit<'a> {
    /// E.g. `` `spec.timeouts.pipeline: 90m` (1h30m0s) `` or
    /// `1h0m0s, the cluster default (…), since `spec.timeouts.pipeline` is not set`.
    pub(crate) fn describe(&self, src: &str) -> String {
        match &self.origin {
            Origin::Field(t) => shown(src, t, self.value),
            Origin::Converted(t) => format!(
                "{}, which Pipelines-as-Code converts to `timeouts.pipeline`",
                shown(src, t, self.value)
            ),
            Origin::Default { minutes, missing } => format!(
                "{}, the cluster default (`tekton.default-timeout-minutes: {minutes}`), since `{missing}` is not set",
                self.value.canonical()
            ),
        }
    }

    /// The field to point a label at, if the limit was written in the file.
    pub(crate) fn span(&self) -> Option<Span> {
        match &self.origin {
            Origin::Field(t) | Origin::Converted(t) => Some(t.span()),
            Origin::Default { .. } => None,
        }
    }

    pub(crate) fn from_default(cx: &Context<'_>, missing: &'static str) -> Limit<'a> {
        let minutes = cx.config.tekton.default_timeout_minutes;
        Limit {
            value: cx
                .config
                .tekton
                .default_timeout()
                .unwrap_or(GoDuration::ZERO),
            origin: Origin::Default { minutes, missing },
        }
    }
}

/// A timeout that is present and not null (a null value is unset for Go).
pub(crate) fn set<'r, 'a>(t: &'r Option<Timeout<'a>>) -> Option<&'r Timeout<'a>> {
    t.as_ref()
        .filter(|t| !matches!(t.value, DurationValue::Null))
}

/// A known, non-negative value (negative ones are TKN002's).
pub(crate) fn known(t: &Timeout<'_>) -> Option<GoDuration> {
    t.value.valid().filter(|d| !d.is_negative())
}

/// `spec.timeouts` as the v1 validation sees it: after Pipelines-as-Code's conversion and
/// after defaulting. `pipeline` is `None` when its value is unknown (templated, invalid).
pub(crate) struct RunTimeouts<'a> {
    pub pipeline: Option<Limit<'a>>,
    pub tasks: Option<Timeout<'a>>,
    pub finally: Option<Timeout<'a>>,
}

/// `None` when the run has no `spec.timeouts`, or when Pipelines-as-Code drops it
/// (v1beta1 with `spec.timeout` as well: TKN006).
pub(crate) fn run_timeouts<'a>(cx: &Context<'_>, run: &PipelineRun<'a>) -> Option<RunTimeouts<'a>> {
    if !has_timeouts(run) {
        return None;
    }
    if run.v1beta1 && cx.pac() && set(&run.timeout).is_some() {
        return None;
    }
    let pipeline = match set(&run.pipeline) {
        Some(t) => known(t).map(|value| Limit {
            value,
            origin: Origin::Field(t.clone()),
        }),
        None => Some(Limit::from_default(cx, "spec.timeouts.pipeline")),
    };
    Some(RunTimeouts {
        pipeline,
        tasks: set(&run.tasks).cloned(),
        finally: set(&run.finally).cloned(),
    })
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    let Some(rt) = run_timeouts(cx, run) else {
        return;
    };
    let Some(p) = rt.pipeline else { return };
    // A pipeline timeout of 0 (explicit, or the default at 0) skips both comparisons.
    if p.value.is_zero() {
        return;
    }
    let src = cx.src();
    for (t, name) in [(&rt.tasks, "tasks"), (&rt.finally, "finally")] {
        let Some(t) = t else { continue };
        let Some(d) = known(t) else { continue };
        let webhook_path = object_path(&t.path);
        let (message, help) = if d.is_zero() {
            (
                format!(
                    "{} means no timeout, which is not allowed while the pipeline timeout is {}: rejected by the Tekton webhook: `invalid value: 0s (no timeout) should be <= pipeline duration: {webhook_path}`",
                    written(src, t),
                    p.describe(src)
                ),
                format!(
                    "give `{name}` a duration of at most {}, or run without limits: `pipeline: \"0\"` and `tasks: \"0\"`, with `finally` unset or \"0\"",
                    p.value.canonical()
                ),
            )
        } else if d > p.value {
            let raise = match p.origin {
                Origin::Default { .. } => {
                    format!("set `spec.timeouts.pipeline` to at least {}", d.canonical())
                }
                _ => format!("raise `pipeline` to at least {}", d.canonical()),
            };
            (
                format!(
                    "{} is longer than the pipeline timeout, {}: rejected by the Tekton webhook: `invalid value: {} should be <= pipeline duration: {webhook_path}`",
                    shown(src, t, d),
                    p.describe(src),
                    d.canonical()
                ),
                format!("lower `{name}` to at most {}, or {raise}", p.value.canonical()),
            )
        } else {
            continue;
        };
        let mut diag = cx.diag(&RULE, t.span(), message).help(help);
        if let Some(span) = p.span() {
            diag = diag.label(cx.path(), span, "pipeline timeout set here");
        }
        out.push(diag);
    }
}
