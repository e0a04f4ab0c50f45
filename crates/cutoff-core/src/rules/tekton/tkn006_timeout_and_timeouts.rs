//! TKN006 timeout-and-timeouts: a v1beta1 PipelineRun with both `spec.timeout` and `spec.timeouts`.
//!
//! Facts (docs/tekton-timeouts.md): the v1beta1 webhook rejects
//! the run (`must not set the field(s): spec.timeout, spec.timeouts`,
//! `v1beta1/pipelinerun_validation.go:104-108`). Pipelines-as-Code converts v1beta1 to v1
//! on the client before any webhook sees it, and the conversion replaces `timeouts` by
//! `{pipeline: <timeout>}` (`v1beta1/pipelinerun_conversion.go:72-79`): in `.tekton/` the
//! run is admitted and `tasks`/`finally` are silently dropped.

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::tekton::Object;
use crate::manifest::DurationValue;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN006",
        name: "timeout-and-timeouts",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A v1beta1 PipelineRun sets both spec.timeout and spec.timeouts (rejected; under Pipelines-as-Code, timeouts is dropped)",
        doc: rule_doc!("TKN006"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    if !run.v1beta1 || !run.has_timeouts() {
        return;
    }
    let Some(t) = &run.timeout else { return };
    if matches!(t.value, DurationValue::Null) {
        return;
    }
    let Some(timeouts) = run.timeouts else { return };
    let src = cx.src();
    let raw = |s: crate::yaml::Span| {
        crate::diagnostic::elide(src.get(s.range()).unwrap_or("")).into_owned()
    };
    let timeout_raw = raw(t.span());
    let mut d = if cx.pac() {
        let lost: Vec<String> = [&run.tasks, &run.finally, &run.pipeline]
            .into_iter()
            .flatten()
            .map(|x| {
                format!(
                    "`{}: {}`",
                    x.path.rsplit('.').next().unwrap_or(""),
                    raw(x.span())
                )
            })
            .collect();
        if lost.is_empty() {
            // An empty `timeouts: {}` loses nothing in the conversion.
            return;
        }
        let lost = format!(
            "{} {} silently dropped",
            lost.join(", "),
            if lost.len() == 1 { "is" } else { "are" }
        );
        cx.diag(
            &RULE,
            t.field.key.span(),
            format!(
                "`{}` and `{}` are both set: Pipelines-as-Code admits the run, but converting it to v1 replaces `timeouts` by `{{pipeline: {timeout_raw}}}`, so {lost}",
                t.path,
                timeouts_path(&t.path)
            ),
        )
        .help(format!(
            "keep `timeouts` only: put the run's limit in `timeouts.pipeline` and delete `{}`, so every value you wrote takes effect",
            t.path
        ))
    } else {
        cx.diag(
            &RULE,
            t.field.key.span(),
            format!(
                "`{}` and `{}` are both set: rejected by the Tekton webhook: `must not set the field(s): spec.timeout, spec.timeouts`",
                t.path,
                timeouts_path(&t.path)
            ),
        )
        .help(format!(
            "keep `timeouts` only: move `{}` into `timeouts.pipeline` (if that is not set) and delete it",
            t.path
        ))
    };
    d = d.label(cx.path(), timeouts.key.span(), "`timeouts` set here");
    out.push(d);
}

fn timeouts_path(timeout_path: &str) -> String {
    format!("{}s", timeout_path)
}
