//! TKN008 budgets-sum-exceeds-pipeline: `timeouts.tasks` + `timeouts.finally` longer than
//! the pipeline timeout.
//!
//! Facts (tekton-timeouts.md §2 quirks, §9.6; ERRATA Issue 3 TKN008): the sum check
//! (`v1/pipelinerun_validation.go:328-333`) runs whenever both are set and has no
//! "0 = unlimited" guard: with `pipeline: "0"` any positive sum is rejected, and a `"0"` in
//! `tasks` or `finally` counts as 0s (`pipeline: "0", tasks: "0", finally: 10m` is
//! rejected with `0s + 10m0s should be <= pipeline duration`). A missing pipeline is the
//! configured default, also when that is 0.

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::tekton::Object;
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};

use super::tkn001_invalid_duration::{object_path, shown};
use super::tkn007_budget_exceeds_pipeline::{known, run_timeouts};

pub static RULE: Rule = Rule {
    code: "TKN008",
    name: "budgets-sum-exceeds-pipeline",
    severity: Severity::Error,
    fix: FixKind::None,
    enabled_by_default: true,
    summary:
        "timeouts.tasks + timeouts.finally exceeds the pipeline timeout (also when it is \"0\")",
    check: Some(check),
    doc: rule_doc!("TKN008"),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    let Some(rt) = run_timeouts(cx, run) else {
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
    let src = cx.src();
    let (tc, fc) = (t.canonical(), f.canonical());
    let zero_note = if p.value.is_zero() {
        "; a pipeline timeout of \"0\" does not exempt the sum, which the webhook compares with 0s"
    } else {
        ""
    };
    let message = format!(
        "{} + {} = {}, more than the pipeline timeout, {}: rejected by the Tekton webhook: `invalid value: {tc} + {fc} should be <= pipeline duration: {}, {}`{zero_note}",
        shown(src, tasks, t),
        shown(src, finally, f),
        sum.canonical(),
        p.describe(src),
        object_path(&finally.path),
        object_path(&tasks.path),
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
