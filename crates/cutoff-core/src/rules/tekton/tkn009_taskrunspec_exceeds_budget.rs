//! TKN009 taskrunspec-exceeds-budget: a `taskRunSpecs[].timeout` longer than the run's
//! tasks timeout, else its pipeline timeout, else the configured default.
//!
//! Facts (docs/tekton-timeouts.md; `validateTaskRunSpecTimeout` in
//! `v1/pipelinerun_validation.go`, identical from v1.4.0 to HEAD): the limit is an explicit
//! `timeouts.tasks` (never the computed `pipeline − finally`), else `timeouts.pipeline`,
//! else `default-timeout-minutes`; a limit of 0 is not checked. Validation runs after
//! defaulting, so a v1 run without `timeouts.pipeline` is compared with the default as its
//! "pipeline duration". A v1beta1 run is validated with `ps.Timeouts` only: its deprecated
//! `spec.timeout` is ignored and the default applies ("default pipeline duration") — but
//! Pipelines-as-Code converts the run to v1 first, turning `spec.timeout` into
//! `timeouts.pipeline`.
//!
//! Only reported where the targets read `taskRunSpecs[].timeout` at all (else TKN004).

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::tekton::{Object, PipelineRun};
use crate::model::tekton::admission::{known, set, Limit, LimitOrigin};
use crate::model::tekton::versions;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN009",
        name: "taskrunspec-exceeds-budget",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "taskRunSpecs[].timeout exceeds timeouts.tasks, else timeouts.pipeline, else the default (rejected)",
        doc: rule_doc!("TKN009"),
    },
    check: Check::Tekton(check),
};

/// The limit the webhook compares with, and the name its message gives it.
struct Budget<'a> {
    limit: Limit<'a>,
    /// `pipeline tasks duration`, `pipeline duration` or `default pipeline duration`.
    webhook_name: &'static str,
    /// What the message calls it.
    what: &'static str,
}

/// `None` when the limit is unknown (templated or invalid).
fn budget<'a>(cx: &TektonContext<'_>, run: &PipelineRun<'a>) -> Option<Budget<'a>> {
    let field = |t: &crate::manifest::tekton::Timeout<'a>, webhook_name, what| {
        known(t).map(|value| Budget {
            limit: Limit {
                value,
                origin: LimitOrigin::Field(t.clone()),
            },
            webhook_name,
            what,
        })
    };
    let defaulted = |webhook_name, missing| Budget {
        limit: Limit::from_default(&cx.model.tekton.default, missing),
        webhook_name,
        what: "pipeline timeout",
    };
    // Pipelines-as-Code converts v1beta1 `spec.timeout` to `timeouts: {pipeline: …}`, replacing `timeouts`.
    if run.v1beta1 && cx.pac() {
        if let Some(t) = set(&run.timeout) {
            return known(t).map(|value| Budget {
                limit: Limit {
                    value,
                    origin: LimitOrigin::Converted(t.clone()),
                },
                webhook_name: "pipeline duration",
                what: "pipeline timeout",
            });
        }
    }
    if run.has_timeouts() {
        if let Some(t) = set(&run.tasks) {
            return field(t, "pipeline tasks duration", "tasks timeout");
        }
        if let Some(t) = set(&run.pipeline) {
            return field(t, "pipeline duration", "pipeline timeout");
        }
        // Defaulting fills `timeouts.pipeline` first (v1 and v1beta1 alike).
        return Some(defaulted("pipeline duration", "spec.timeouts.pipeline"));
    }
    if run.v1beta1 && !cx.pac() {
        // v1beta1 defaulting sets the deprecated `spec.timeout`, which this check ignores.
        return Some(defaulted("default pipeline duration", "spec.timeouts"));
    }
    // v1 defaulting turns a missing `timeouts` into `{pipeline: <default>}`.
    Some(defaulted("pipeline duration", "spec.timeouts.pipeline"))
}

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    if run.task_run_specs.iter().all(|t| t.timeout.is_none())
        || cx.reader().task_run_spec_timeout_unread_because().is_some()
    {
        return;
    }
    let Some(b) = budget(cx, run) else { return };
    if b.limit.value.is_zero() {
        return;
    }
    let src = cx.src();
    // In v1beta1 (outside PaC) the deprecated `spec.timeout` does not count here.
    let ignored = (run.v1beta1 && !cx.pac() && !run.has_timeouts())
        .then(|| set(&run.timeout))
        .flatten()
        .and_then(|t| known(t).map(|d| (t, d)));
    for trs in &run.task_run_specs {
        let Some(t) = set(&trs.timeout) else { continue };
        let Some(d) = known(t) else { continue };
        if d <= b.limit.value {
            continue;
        }
        let lim = b.limit.value.canonical();
        let mut message = format!(
            "{} is longer than the {}, {}: rejected by the Tekton webhook: `invalid value: {} should be <= {} {lim}: {}`",
            t.shown(src, d),
            b.what,
            b.limit.describe(src),
            d.canonical(),
            b.webhook_name,
            versions::object_path(&t.path),
        );
        let help = if let Some((old, _)) = ignored {
            message.push_str(&format!(
                "; a v1beta1 run's deprecated `{}` does not count for this check",
                old.path
            ));
            format!(
                "move `{}` into `spec.timeouts.pipeline` (TKN005's fix), or lower this timeout to at most {lim}",
                old.path
            )
        } else {
            match b.limit.origin {
                LimitOrigin::Default { .. } => format!(
                    "lower it to at most {lim}, or set `spec.timeouts.pipeline` to at least {}",
                    d.canonical()
                ),
                _ => format!(
                    "lower it to at most {lim}, or raise the {} to at least {}",
                    b.what,
                    d.canonical()
                ),
            }
        };
        let mut diag = cx.diag(&RULE, t.span(), message).help(help);
        if let Some(span) = b.limit.span() {
            diag = diag.label(cx.path(), span, format!("{} set here", b.what));
        }
        out.push(diag);
    }
}
