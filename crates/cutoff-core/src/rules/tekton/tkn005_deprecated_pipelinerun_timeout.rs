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
use crate::model::tekton::versions;
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
    let raw = crate::diagnostic::elide(cx.src().get(t.span().range()).unwrap_or(""));
    let target = cx.config.targets.tekton;
    // Before v0.36 `timeouts` is behind the alpha feature gate: rewriting into it would make
    // the webhook reject the run on a cluster without that gate.
    let gated = target < versions::TIMEOUTS_FIELD_SINCE;
    let fix = fixes::run_timeout_to_timeouts(cx, run).map(|edits| {
        Fix::safe(
            format!("replace with `timeouts: {{pipeline: {raw}}}`"),
            edits,
        )
    });
    let (message, help) = if gated {
        (
            format!(
                "`{}` is deprecated from Tekton v0.36 in favour of `spec.timeouts.pipeline`; you target {target}, where `timeouts` is an alpha field the webhook rejects unless the `feature-flags` ConfigMap sets `enable-api-fields: \"alpha\"`",
                t.path
            ),
            format!(
                "keep `spec.timeout` while the cluster runs a Tekton older than v0.36 (or enable alpha API fields), and write `timeouts: {{pipeline: {raw}}}` once it runs v0.36 or later (then raise `targets.tekton` in .cutoff.yaml)"
            ),
        )
    } else {
        (
            format!(
                "`{}` is deprecated since Tekton v0.36 in favour of `spec.timeouts.pipeline`: Tekton converts it to `timeouts: {{pipeline: {raw}}}` when it stores the run as v1, and v1 PipelineRuns have no `spec.timeout`",
                t.path
            ),
            format!(
                "write `timeouts:` with `pipeline: {raw}` instead; `timeouts` also lets you bound `tasks` and `finally` separately"
            ),
        )
    };
    out.push(
        cx.diag(&RULE, t.field.key.span(), message)
            .help(help)
            .with_fix(fix.filter(|_| !gated)),
    );
}
