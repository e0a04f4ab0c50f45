//! TKN005 deprecated-pipelinerun-timeout: a v1beta1 PipelineRun's `spec.timeout`.
//!
//! Facts (docs/tekton-timeouts.md): `spec.timeout` was deprecated in v0.36 in favour of
//! `spec.timeouts.pipeline`; converting to v1 (storage, Pipelines-as-Code) turns it into
//! `timeouts: {pipeline: <timeout>}`, and v1 has no `spec.timeout` at all. The fix writes
//! that conversion into the file. When `spec.timeouts` is also set, TKN006 reports the run
//! instead.

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::manifest::tekton::Object;
use crate::manifest::DurationValue;
use crate::rule_doc;
use crate::rules::tekton::{fixes, TektonContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN005",
        name: "deprecated-pipelinerun-timeout",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("replace `spec.timeout` with `spec.timeouts.pipeline`"),
        summary: "A v1beta1 PipelineRun uses the deprecated spec.timeout instead of spec.timeouts.pipeline",
        doc: rule_doc!("TKN005"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    if !run.v1beta1 || run.has_timeouts() {
        return;
    }
    let Some(t) = &run.timeout else { return };
    if matches!(t.value, DurationValue::Null) {
        return;
    }
    let raw = cx.src().get(t.span().range()).unwrap_or("");
    let fix = fixes::run_timeout_to_timeouts(cx, run).map(|edits| {
        Fix::safe(
            format!("replace with `timeouts: {{pipeline: {raw}}}`"),
            edits,
        )
    });
    out.push(
        cx.diag(
            &RULE,
            t.field.key.span(),
            format!(
                "`{}` is deprecated since Tekton v0.36 in favour of `spec.timeouts.pipeline`: Tekton converts it to `timeouts: {{pipeline: {raw}}}` when it stores the run as v1, and v1 PipelineRuns have no `spec.timeout`",
                t.path
            ),
        )
        .help(format!(
            "write `timeouts:` with `pipeline: {raw}` instead; `timeouts` also lets you bound `tasks` and `finally` separately"
        ))
        .with_fix(fix),
    );
}
