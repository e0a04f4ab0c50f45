//! TKN002 negative-timeout: a negative duration in a timeout field.
//!
//! Facts (docs/tekton-timeouts.md): the webhook rejects a negative `timeouts.*`, v1beta1
//! `spec.timeout`, `taskRunSpecs[].timeout`, TaskRun `spec.timeout` and step `timeout`.
//! A Pipeline task's `timeout` is not checked when the Pipeline is admitted; the TaskRun the
//! PipelineRun creates from it is rejected instead, failing the run at that task.

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::tekton::Slot;
use crate::manifest::DurationValue;
use crate::model::tekton::versions;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN002",
        name: "negative-timeout",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A negative duration in a timeout field",
        doc: rule_doc!("TKN002"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    for site in cx.object.timeout_sites(cx.view_cx()) {
        if cx.ignored(site.slot) {
            continue;
        }
        let DurationValue::Valid(d) = site.value else {
            continue;
        };
        if !d.is_negative() {
            continue;
        }
        let canonical = d.canonical();
        let raw = cx.src().get(site.field.value.span().range()).unwrap_or("");
        let obj_path = versions::object_path(&site.path);
        let why = match site.slot {
            Slot::Step => format!(
                "rejected by the Tekton webhook: `invalid value: {canonical}: {}.negative timeout`",
                obj_path.strip_suffix(".timeout").unwrap_or(obj_path)
            ),
            Slot::PipelineTask | Slot::FinallyTask => format!(
                "the Pipeline webhook does not check it, but the TaskRun created for this task is rejected (`invalid value: {canonical} should be >= 0: spec.timeout`), so every run fails at this task"
            ),
            _ => format!("rejected by the Tekton webhook: `invalid value: {canonical} should be >= 0: {obj_path}`"),
        };
        let help = match site.slot {
            Slot::RunPipeline | Slot::RunTasks | Slot::RunFinally | Slot::RunTimeout => {
                "write a positive duration such as \"1h\", or \"0\" for no timeout (a pipeline timeout of \"0\" still leaves each TaskRun at the cluster default unless `tasks` is \"0\" too)"
            }
            _ => "write a positive duration such as \"30m\", or \"0\" for no timeout",
        };
        out.push(
            cx.diag(
                &RULE,
                site.field.value.span(),
                format!("`{}: {raw}` is negative ({canonical}): {why}", site.path),
            )
            .help(help),
        );
    }
}
