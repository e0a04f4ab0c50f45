//! TKN003 unsupported-timeout-field: a `timeout` key where no Tekton version reads it.
//!
//! Facts (tekton-timeouts.md §1, §4): Task specs, `stepTemplate`, `sidecars[]`,
//! `taskRunTemplate`, Pipeline specs and StepActions have no timeout field, and a v1
//! PipelineRun has no `spec.timeout` (only v1beta1 had it). What happens to such a key
//! depends on who submits it: the Tekton webhook decodes strictly (rejects); since v0.70
//! the API server prunes unknown fields in schema-covered parts (kubectl's default
//! `--validate=strict` turns that into an error, other clients lose the field silently);
//! Pipelines-as-Code decodes `.tekton/` files leniently and drops it.
//!
//! The other timeout rules skip these sites (see [`unread`]): the field has no effect, so
//! its value is irrelevant until it is moved where it belongs.

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::edit;
use crate::manifest::tekton::{Object, Slot, TimeoutSite};
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};
use crate::version::Version;

use super::tkn001_invalid_duration::{object_path, tcx};
use super::tkn004_taskrunspecs_timeout_unsupported::unsupported_because;
use super::tkn005_deprecated_pipelinerun_timeout::run_timeout_to_timeouts;

pub static RULE: Rule = Rule {
    code: "TKN003",
    name: "unsupported-timeout-field",
    severity: Severity::Error,
    fix: FixKind::Sometimes,
    enabled_by_default: true,
    summary: "A `timeout` where no Tekton version reads it (Task spec, stepTemplate, sidecar, taskRunTemplate, Pipeline spec, StepAction, v1 PipelineRun spec.timeout)",
    check: Some(check),
    doc: rule_doc!("TKN003"),
};

/// Tekton v0.70 added structural CRD schemas: from then on the API server prunes unknown
/// fields in schema-covered parts before the webhook sees them.
const PRUNING_SINCE: Version = Version::new(0, 70, 0);

/// Does no Tekton version read this site? (Then TKN003 reports it.)
pub(crate) fn unread(object: &Object<'_>, slot: Slot) -> bool {
    !slot.is_read()
        || (slot == Slot::RunTimeout && matches!(object, Object::PipelineRun(r) if !r.v1beta1))
}

/// Is this site's value irrelevant for the targeted versions? True for fields no version
/// reads (TKN003) and for `taskRunSpecs[].timeout` on targets that do not know it (TKN004):
/// an unknown field is dropped or rejected as a whole, its value is never parsed. The value
/// rules (TKN001, TKN002, TKN014, TKN015) skip these sites.
pub(crate) fn ignored(cx: &Context<'_>, slot: Slot) -> bool {
    unread(cx.object, slot) || (slot == Slot::TaskRunSpec && unsupported_because(cx).is_some())
}

/// Inside an embedded `pipelineSpec`/`taskSpec`: parts the CRDs mark
/// `x-kubernetes-preserve-unknown-fields`, so unknown keys reach the webhook.
fn in_preserved_part(path: &str) -> bool {
    path.contains("pipelineSpec.") || path.contains("taskSpec.")
}

/// What happens to an unknown field at `path` (file-relative), for the message.
pub(crate) fn unknown_field_fate(cx: &Context<'_>, path: &str) -> String {
    let obj_path = object_path(path);
    let key = obj_path.rsplit('.').next().unwrap_or(obj_path);
    let key = key.split('[').next().unwrap_or(key);
    if cx.pac() {
        return "Pipelines-as-Code decodes `.tekton/` files leniently and drops it silently"
            .to_string();
    }
    if in_preserved_part(path) || cx.config.targets.tekton < PRUNING_SINCE {
        return format!(
            "rejected by the Tekton webhook (`cannot decode incoming new object: json: unknown field \"{key}\"`)"
        );
    }
    if cx.trigger_template.is_some() {
        return "Triggers creates the resource without strict field validation, so the API server drops it silently"
            .to_string();
    }
    format!(
        "kubectl rejects it (`strict decoding error: unknown field \"{obj_path}\"`); clients that skip strict field validation have it dropped silently"
    )
}

/// `spec.tasks[2]` for `spec.tasks[2].taskSpec.timeout`, if the site sits in a Pipeline task's taskSpec.
fn pipeline_task_of(path: &str) -> Option<&str> {
    let i = path.rfind(".taskSpec.timeout")?;
    let owner = &path[..i];
    let last = owner.rsplit('.').next()?;
    (last.starts_with("tasks[") || last.starts_with("finally[")).then_some(owner)
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let tcx = tcx(cx);
    for site in cx.object.timeout_sites(tcx) {
        if !unread(cx.object, site.slot) {
            continue;
        }
        out.push(diagnose(cx, &site));
    }
}

fn diagnose(cx: &Context<'_>, site: &TimeoutSite<'_>) -> Diagnostic {
    let path = &site.path;
    let fate = unknown_field_fate(cx, path);
    let kind = cx.object.meta().kind;
    let (what, help, fix) = match site.slot {
        Slot::RunTimeout => {
            let fix = match cx.object {
                Object::PipelineRun(run) => run_timeout_to_timeouts(cx, run).map(|edits| {
                    Fix::safe("move `spec.timeout` to `spec.timeouts.pipeline`", edits)
                }),
                _ => None,
            };
            let help = match cx.object {
                Object::PipelineRun(run) if run.pipeline.is_some() => {
                    "`spec.timeout` existed only in v1beta1; `spec.timeouts.pipeline` is already set, so delete `spec.timeout`".to_string()
                }
                _ => "`spec.timeout` existed only in v1beta1 (deprecated there); in v1 write `spec.timeouts.pipeline`".to_string(),
            };
            ("a v1 PipelineRun has no `spec.timeout`".to_string(), help, fix)
        }
        Slot::TaskSpec => match cx.object {
            Object::TaskRun(tr) => {
                let fix = taskrun_spec_timeout_fix(cx, tr, site).map(|edits| {
                    Fix::safe("move `taskSpec.timeout` to the TaskRun's `spec.timeout`", edits)
                });
                let help = if tr.timeout.is_some() {
                    "the TaskRun's own `spec.timeout` is what limits it; delete `taskSpec.timeout`".to_string()
                } else {
                    "move it to the TaskRun's `spec.timeout`".to_string()
                };
                ("a Task spec has no `timeout`".to_string(), help, fix)
            }
            _ => {
                let help = match pipeline_task_of(path) {
                    Some(task) => format!(
                        "move it up to `{task}.timeout`, the pipeline task's timeout (it limits the TaskRun)"
                    ),
                    None => "set the limit where Tekton reads it: the TaskRun's `spec.timeout`, the Pipeline task's `timeout` (`spec.tasks[].timeout`), or `timeout` on individual steps".to_string(),
                };
                ("a Task spec has no `timeout`".to_string(), help, None)
            }
        },
        Slot::TaskRunTemplate => (
            "`taskRunTemplate` has no `timeout`".to_string(),
            "limit all tasks together with `spec.timeouts.tasks`, one task with its `timeout` in the Pipeline, or (Tekton v1.4 and later) `spec.taskRunSpecs[].timeout`".to_string(),
            None,
        ),
        Slot::StepTemplate => (
            "`stepTemplate` has no `timeout`".to_string(),
            "set `timeout` on each step that needs one (`steps[].timeout`)".to_string(),
            None,
        ),
        Slot::Sidecar => (
            "sidecars cannot time out (they are stopped when the steps finish)".to_string(),
            "remove it; bound the steps (`steps[].timeout`) or the TaskRun (`spec.timeout`) instead".to_string(),
            None,
        ),
        Slot::PipelineSpec => {
            let help = if kind == "PipelineRun" {
                "move it to the PipelineRun's `spec.timeouts.pipeline`".to_string()
            } else {
                "a Pipeline's run time is limited by the PipelineRun: set `spec.timeouts.pipeline` there, or `timeout` on each task".to_string()
            };
            ("a Pipeline spec has no `timeout`".to_string(), help, None)
        }
        Slot::StepAction => (
            "a StepAction has no `timeout`".to_string(),
            "set `timeout` on the step that references it (next to `steps[].ref`)".to_string(),
            None,
        ),
        _ => (String::new(), String::new(), None),
    };
    cx.diag(
        &RULE,
        site.field.key.span(),
        format!("`{path}` is read by no Tekton version: {what}; {fate}"),
    )
    .help(help)
    .with_fix(fix)
}

/// TaskRun `spec.taskSpec.timeout` → `spec.timeout`, when the TaskRun has none.
fn taskrun_spec_timeout_fix(
    cx: &Context<'_>,
    tr: &crate::manifest::tekton::TaskRun<'_>,
    site: &TimeoutSite<'_>,
) -> Option<Vec<Edit>> {
    if tr.timeout.is_some() {
        return None;
    }
    // Only `spec.taskSpec.timeout` itself, not a step's.
    let spec_node = tr.spec?;
    let task_spec = tr.task_spec.as_ref()?;
    if task_spec.timeout.as_ref()?.field.key != site.field.key {
        return None;
    }
    let text = cx.src();
    let value_text = text.get(site.field.value.span().range())?;
    let delete = edit::delete_entry(
        cx.path(),
        text,
        task_spec.node,
        site.field.key,
        site.field.value,
    )?;
    let (ts_key, _) = spec_node.entry("taskSpec")?;
    let insert = insert_before_key(cx, ts_key, "timeout", value_text)
        .or_else(|| edit::insert_entry(cx.path(), text, spec_node, "timeout", value_text))?;
    Some(vec![insert, delete])
}

/// Inserts `key: value` on a new line just before the block-mapping key `before`, at its
/// indentation. `None` if `before` does not start its line.
pub(crate) fn insert_before_key(
    cx: &Context<'_>,
    before: crate::yaml::NodeRef<'_>,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let text = cx.src();
    let at = before.span().start;
    let start = edit::line_start(text, at);
    let indent = &text[start..at];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let nl = edit::newline(text);
    Some(Edit::insert(
        cx.path(),
        start,
        format!("{indent}{key}: {value}{nl}"),
    ))
}
