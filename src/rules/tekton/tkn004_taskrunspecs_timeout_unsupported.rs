//! TKN004 taskrunspecs-timeout-unsupported: `taskRunSpecs[].timeout` on a Tekton or
//! Pipelines-as-Code version that does not know it.
//!
//! Facts (tekton-timeouts.md §1, §4): `PipelineTaskRunSpec.Timeout` was added in Tekton
//! v1.4.0 (`665a03be5`) and never back-ported; PaC v0.38.0 is the first release built
//! against Tekton v1.4 (its `go.mod`). On older versions the key is an unknown field:
//! dropped silently by PaC's lenient decoder and by the API server's pruning, rejected by
//! kubectl's strict validation (or by the webhook before Tekton v0.70).
//!
//! Fix (unsafe): move the value to the matching task of the run's embedded `pipelineSpec`.

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::edit;
use crate::manifest::tekton::{Object, PipelineRun, TaskRunSpec};
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};
use crate::version::Version;

use super::tkn003_unsupported_timeout_field::unknown_field_fate;

pub static RULE: Rule = Rule {
    code: "TKN004",
    name: "taskrunspecs-timeout-unsupported",
    severity: Severity::Error,
    fix: FixKind::Sometimes,
    enabled_by_default: true,
    summary: "taskRunSpecs[].timeout on a target older than Tekton v1.4 / Pipelines-as-Code v0.38 (dropped or rejected)",
    check: Some(check),
    doc: rule_doc!("TKN004"),
};

pub(crate) const TEKTON_SINCE: Version = Version::new(1, 4, 0);
pub(crate) const PAC_SINCE: Version = Version::new(0, 38, 0);

/// A `.tekton/` file with a Pipelines-as-Code target older than v0.38.
fn pac_too_old(cx: &Context<'_>) -> bool {
    cx.pac()
        && cx
            .config
            .targets
            .pipelines_as_code
            .is_some_and(|p| p < PAC_SINCE)
}

/// Why the targeted versions do not read `taskRunSpecs[].timeout`, or `None` if they do.
pub(crate) fn unsupported_because(cx: &Context<'_>) -> Option<String> {
    let tekton = cx.config.targets.tekton;
    if pac_too_old(cx) {
        let pac = cx.config.targets.pipelines_as_code.unwrap_or(PAC_SINCE);
        return Some(format!(
            "Pipelines-as-Code reads it only since v0.38 (the first release built against Tekton v1.4); you target {pac} (set `targets.pipelines-as-code` in .cutoff.yaml)"
        ));
    }
    (tekton < TEKTON_SINCE).then(|| {
        format!("it is read only since Tekton v1.4; you target {tekton} (set `targets.tekton` in .cutoff.yaml)")
    })
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    if run.task_run_specs.iter().all(|t| t.timeout.is_none()) {
        return;
    }
    let Some(why) = unsupported_because(cx) else {
        return;
    };
    for trs in &run.task_run_specs {
        let Some(t) = &trs.timeout else { continue };
        let fate = if cx.pac() {
            if pac_too_old(cx) || cx.config.targets.pipelines_as_code.is_none() {
                "Pipelines-as-Code drops it silently".to_string()
            } else {
                "Pipelines-as-Code passes it on, and the API server drops it as an unknown field"
                    .to_string()
            }
        } else {
            unknown_field_fate(cx, &t.path)
        };
        let task = trs
            .pipeline_task_name
            .map(|n| format!("`{n}`"))
            .unwrap_or_else(|| "the task".into());
        let mut d = cx.diag(
            &RULE,
            t.field.key.span(),
            format!(
                "`{}` has no effect: {why}; {fate}, so {task} keeps its own timeout",
                t.path
            ),
        );
        let upgrade = if pac_too_old(cx) {
            "or raise `targets.pipelines-as-code` once you run Pipelines-as-Code v0.38 or later"
        } else {
            "or raise `targets.tekton` once the cluster runs Tekton v1.4 or later"
        };
        let fix = move_fix(cx, run, trs);
        d = d.help(match (&fix, trs.pipeline_task_name, run.pipeline_spec.is_some()) {
            (Some(_), Some(n), _) => format!(
                "set the timeout on task `{n}` of `spec.pipelineSpec` instead (`--unsafe-fixes` moves it), {upgrade}"
            ),
            (None, Some(n), false) => {
                format!("set `timeout` on task `{n}` in the referenced Pipeline instead, {upgrade}")
            }
            _ => format!("set `timeout` on the task in the Pipeline instead, {upgrade}"),
        });
        out.push(d.with_fix(fix.map(|edits| {
            Fix::unsafe_(
                format!("move the timeout to task {task} of `spec.pipelineSpec`"),
                edits,
            )
        })));
    }
}

/// Moves `taskRunSpecs[i].timeout` to the matching task of the embedded `pipelineSpec`
/// (replacing that task's timeout, which the taskRunSpec would have overridden).
fn move_fix(cx: &Context<'_>, run: &PipelineRun<'_>, trs: &TaskRunSpec<'_>) -> Option<Vec<Edit>> {
    let t = trs.timeout.as_ref()?;
    let name = trs.pipeline_task_name?;
    let task = run.pipeline_spec.as_ref()?.task(name)?;
    let text = cx.src();
    let value_text = text.get(t.span().range())?;
    if value_text.contains('\n') {
        return None;
    }
    let delete = edit::delete_entry(cx.path(), text, trs.node, t.field.key, t.field.value)?;
    let put = match &task.timeout {
        Some(existing) => Edit::replace(cx.path(), existing.span(), value_text),
        None => edit::insert_entry(cx.path(), text, task.node, "timeout", value_text)?,
    };
    Some(vec![put, delete])
}
