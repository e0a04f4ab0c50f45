//! TKN008 budgets-sum-exceeds-pipeline: `timeouts.tasks` + `timeouts.finally` longer than
//! the pipeline timeout.
//!
//! Facts (docs/tekton-timeouts.md): the sum check
//! (`v1/pipelinerun_validation.go:328-333`) runs whenever both are set and has no
//! "0 = unlimited" guard: with `pipeline: "0"` any positive sum is rejected, and a `"0"` in
//! `tasks` or `finally` counts as 0s (`pipeline: "0", tasks: "0", finally: 10m` is
//! rejected with `0s + 10m0s should be <= pipeline duration`). A missing pipeline is the
//! configured default, also when that is 0.

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::tekton::Object;
use crate::model::tekton::admission::{self, known};
use crate::model::tekton::versions;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN008",
        name: "budgets-sum-exceeds-pipeline",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary:
            "timeouts.tasks + timeouts.finally exceeds the pipeline timeout (also when it is \"0\")",
        doc: rule_doc!("TKN008"),
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
    let (Some(tasks), Some(finally)) = (&rt.tasks, &rt.finally) else {
        return;
    };
    let (Some(t), Some(f)) = (known(tasks), known(finally)) else {
        return;
    };
    let sum = t.saturating_add(f);
    if sum <= p.value {
        return;
    }
    // One root cause, one finding: when `tasks` or `finally` alone exceeds a non-zero
    // pipeline timeout, TKN007 reports it, and the sum says nothing more.
    if !p.value.is_zero() && (t > p.value || f > p.value) {
        return;
    }
    let src = cx.src();
    let (tc, fc) = (t.canonical(), f.canonical());
    let zero_note = if p.value.is_zero() {
        "; a pipeline timeout of \"0\" does not exempt the sum, which the webhook compares with 0s"
    } else {
        ""
    };
    let message = format!(
        "{} + {} = {}, more than the pipeline timeout, {}: rejected by the Tekton webhook: `invalid value: {tc} + {fc} should be <= pipeline duration: {}, {}`{zero_note}",
        tasks.shown(src, t),
        finally.shown(src, f),
        sum.canonical(),
        p.describe(src),
        versions::object_path(&finally.path),
        versions::object_path(&tasks.path),
    );
    let help = if p.value.is_zero() {
        if t.is_zero() {
            "for a run without limits set `finally: \"0\"` too (removing `finally` also passes, but leaves finally tasks at the cluster default TaskRun timeout)".to_string()
        } else {
            format!(
                "for a run without limits write `pipeline: \"0\"`, `tasks: \"0\"` and `finally: \"0\"`; otherwise give `pipeline` a duration of at least {}",
                sum.canonical()
            )
        }
    } else {
        format!(
            "make `tasks` + `finally` at most {}, or raise `pipeline` to at least {}",
            p.value.canonical(),
            sum.canonical()
        )
    };
    let mut d = cx.diag(&RULE, finally.span(), message).help(help).label(
        cx.path(),
        tasks.span(),
        "tasks timeout set here",
    );
    if let Some(span) = p.span() {
        d = d.label(cx.path(), span, "pipeline timeout set here");
    }
    out.push(d);
}
