//! TKN007 budget-exceeds-pipeline: `timeouts.tasks` or `timeouts.finally` longer than the
//! pipeline timeout, or `"0"` while the pipeline timeout is not.
//!
//! Facts (docs/tekton-timeouts.md): validation runs on the
//! defaulted object, so a missing `timeouts.pipeline` is the configured
//! `default-timeout-minutes` (`v1/pipelinerun_defaults.go:60-62`); a pipeline timeout of 0
//! skips both comparisons (`v1/pipelinerun_validation.go:297-326`). With
//! `default-timeout-minutes: 0`, runs without `timeouts.pipeline` are never reported.
//!
//! Also home to the run-budget view TKN008 and TKN009 share ([`run_timeouts`], [`Limit`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::tekton::Object;
use crate::model::tekton::admission::{self, known, LimitOrigin};
use crate::model::tekton::versions;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN007",
        name: "budget-exceeds-pipeline",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "timeouts.tasks or timeouts.finally exceeds the pipeline timeout (after defaulting), or is \"0\" while it is not",
        doc: rule_doc!("TKN007"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    let Some(rt) = admission::run_timeouts(&cx.model.tekton.default, cx.pac(), run) else {
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
        let webhook_path = versions::object_path(&t.path);
        let (message, help) = if d.is_zero() {
            (
                format!(
                    "{} means no timeout, which is not allowed while the pipeline timeout is {}: rejected by the Tekton webhook: `invalid value: 0s (no timeout) should be <= pipeline duration: {webhook_path}`",
                    t.written(src),
                    p.describe(src)
                ),
                format!(
                    "give `{name}` a duration of at most {}, or run without limits: `pipeline: \"0\"` and `tasks: \"0\"`, with `finally` unset or \"0\"",
                    p.value.canonical()
                ),
            )
        } else if d > p.value {
            let raise = match p.origin {
                LimitOrigin::Default { .. } => {
                    format!("set `spec.timeouts.pipeline` to at least {}", d.canonical())
                }
                _ => format!("raise `pipeline` to at least {}", d.canonical()),
            };
            (
                format!(
                    "{} is longer than the pipeline timeout, {}: rejected by the Tekton webhook: `invalid value: {} should be <= pipeline duration: {webhook_path}`",
                    t.shown(src, d),
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
