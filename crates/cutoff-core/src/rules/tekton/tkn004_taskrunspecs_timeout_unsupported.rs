//! TKN004 taskrunspecs-timeout-unsupported: `taskRunSpecs[].timeout` on a Tekton or
//! Pipelines-as-Code version that does not know it.
//!
//! Facts (docs/tekton-timeouts.md): `PipelineTaskRunSpec.Timeout` was added in Tekton
//! v1.4.0 (`665a03be5`) and never back-ported; PaC v0.38.0 is the first release built
//! against Tekton v1.4 (its `go.mod`). On older versions the key is an unknown field:
//! dropped silently by PaC's lenient decoder and by the API server's pruning, rejected by
//! kubectl's strict validation (or by the webhook before Tekton v0.70).
//!
//! Fix (unsafe): move the value to the matching pipeline task, in the run's embedded
//! `pipelineSpec` or in the one in-repo Pipeline its `pipelineRef` names (a cross-file fix:
//! the insertion and the removal are one fix, applied together or not at all). When that
//! pipeline task already has a `timeout`, the fix only removes the dropped field.
//!
//! TKN012's fix inserts `timeout:` at the same place; the fixer applies one of the two per
//! round, and after either, the other no longer inserts (TKN012 sees the task's own timeout;
//! this rule offers only the removal), so `--unsafe-fixes` converges in either order.

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::duration::GoDuration;
use crate::edit;
use crate::manifest::tekton::{Object, PipelineRun, PipelineSpec, TaskRunSpec, Timeout};
use crate::manifest::{DurationValue, Meta};
use crate::model::tekton::resolve::{self, ResolvedPipeline};
use crate::model::tekton::PipelineSource;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};
use crate::yaml::{NodeRef, Span};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN004",
        name: "taskrunspecs-timeout-unsupported",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Unsafe,
        fix_title: Some("move the timeout to the pipeline task, or remove it where the task has its own"),
        summary: "taskRunSpecs[].timeout on a target older than Tekton v1.4 / Pipelines-as-Code v0.38 (dropped or rejected)",
        doc: rule_doc!("TKN004"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    if run.task_run_specs.iter().all(|t| t.timeout.is_none()) {
        return;
    }
    let Some(why) = cx.reader().task_run_spec_timeout_unread_because() else {
        return;
    };
    let upgrade = if cx.reader().pac_too_old_for_task_run_spec_timeout() {
        "or raise `targets.pipelines-as-code` once you run Pipelines-as-Code v0.38 or later"
    } else {
        "or raise `targets.tekton` once the cluster runs Tekton v1.4 or later"
    };
    for trs in &run.task_run_specs {
        let Some(t) = &trs.timeout else { continue };
        let fate = if cx.pac() {
            if cx.reader().pac_too_old_for_task_run_spec_timeout()
                || cx.config.targets.pipelines_as_code.is_none()
            {
                "Pipelines-as-Code drops it silently".to_string()
            } else {
                "Pipelines-as-Code passes it on, and the API server drops it as an unknown field"
                    .to_string()
            }
        } else {
            cx.reader().unknown_field_fate(&t.path, t.in_embedded_spec)
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
        let plan = plan(cx, run, trs, t);
        for (path, span, note) in plan.labels {
            d = d.label(&path, span, note);
        }
        out.push(
            d.help(format!("{}, {upgrade}", plan.help))
                .with_fix(plan.fix),
        );
    }
}

/// What TKN004 says and offers for one `taskRunSpecs[].timeout`.
struct Plan {
    help: String,
    fix: Option<Fix>,
    labels: Vec<(Arc<str>, Span, String)>,
}

impl Plan {
    fn help(help: impl Into<String>) -> Plan {
        Plan {
            help: help.into(),
            fix: None,
            labels: Vec::new(),
        }
    }
}

fn plan(
    cx: &TektonContext<'_>,
    run: &PipelineRun<'_>,
    trs: &TaskRunSpec<'_>,
    t: &Timeout<'_>,
) -> Plan {
    let Some(name) = trs.pipeline_task_name else {
        return Plan::help("set `timeout` on the task in the Pipeline instead");
    };
    match &run.pipeline_spec {
        Some(spec) => embedded(cx, run, trs, t, spec, name),
        None => referenced(cx, run, trs, t, name),
    }
}

/// The source text of a node.
fn text_of(text: &str, span: Span) -> &str {
    text.get(span.range()).unwrap_or("")
}

/// The run embeds its `pipelineSpec`: move the value to the task there, replacing the task's
/// own timeout (which is what the override was meant to replace, for this run only).
fn embedded(
    cx: &TektonContext<'_>,
    run: &PipelineRun<'_>,
    trs: &TaskRunSpec<'_>,
    t: &Timeout<'_>,
    spec: &PipelineSpec<'_>,
    name: &str,
) -> Plan {
    let Some(task) = spec.task(name) else {
        return Plan::help(format!(
            "`spec.pipelineSpec` has no task `{name}`: set `timeout` on the task that should get it"
        ));
    };
    let mut plan = Plan::help(format!(
        "set the timeout on task `{name}` of `spec.pipelineSpec` instead"
    ));
    let text = cx.src();
    let value_text = text_of(text, t.span());
    if value_text.is_empty() || value_text.contains('\n') {
        return plan;
    }
    let put = match &task.timeout {
        Some(existing) if existing.value == DurationValue::Null => return plan,
        Some(existing) => Some((
            Edit::replace(cx.path(), existing.span(), value_text),
            text_of(text, existing.span()),
        )),
        None => {
            edit::insert_entry(cx.path(), text, task.node, "timeout", value_text).map(|e| (e, ""))
        }
    };
    let (Some((put, replaced)), Some(remove)) = (put, removal(cx, run, trs, t)) else {
        return plan;
    };
    plan.help.push_str(" (`--unsafe-fixes` moves it)");
    let replacing = if replaced.is_empty() {
        String::new()
    } else {
        format!(", replacing its `timeout: {replaced}`")
    };
    plan.fix = Some(Fix::unsafe_(
        format!("move the timeout to task `{name}` of `spec.pipelineSpec`{replacing}"),
        vec![put, remove],
    ));
    plan
}

/// The run references its Pipeline by name: when that is exactly one Pipeline in the
/// repository, move the value into its task (a cross-file fix), or only remove it when the
/// task already has a timeout of its own.
fn referenced(
    cx: &TektonContext<'_>,
    run: &PipelineRun<'_>,
    trs: &TaskRunSpec<'_>,
    t: &Timeout<'_>,
    name: &str,
) -> Plan {
    let candidates: Vec<ResolvedPipeline<'_>> = resolve::pipelines_for_run(cx.model, run, cx.file)
        .into_iter()
        .filter(|p| matches!(p.source, PipelineSource::InRepo { .. }))
        .collect();
    let generic = || {
        Plan::help(format!(
            "set `timeout` on task `{name}` in the referenced Pipeline instead"
        ))
    };
    let [p] = candidates.as_slice() else {
        if candidates.is_empty() {
            return generic();
        }
        // Kustomize base and overlays: which one the cluster gets is not known here.
        let mut plan = generic();
        let paths: Vec<&str> = candidates
            .iter()
            .filter_map(|p| p.file.map(|f| &*f.path))
            .collect();
        plan.help = format!(
            "set `timeout` on task `{name}` in the referenced Pipeline instead ({} Pipelines in the repository share its name: {}; cutoff does not choose which one to edit)",
            candidates.len(),
            paths.join(", ")
        );
        for c in &candidates {
            if let (Some(f), Some(task)) = (c.file, c.spec.as_ref().and_then(|s| s.task(name))) {
                plan.labels.push((
                    f.path.clone(),
                    task.name_span(),
                    format!("task `{name}` in one of the Pipelines of that name"),
                ));
            }
        }
        return plan;
    };
    let (Some(pfile), Some(meta), Some(spec)) = (p.file, p.meta, p.spec.as_ref()) else {
        return generic();
    };
    let pname = meta.name.unwrap_or("");
    let Some(task) = spec.task(name) else {
        return Plan::help(format!(
            "Pipeline `{pname}` ({}) has no task `{name}`: make `pipelineTaskName` name one of its tasks, and set `timeout` on that task",
            pfile.path
        ));
    };
    let place = format!("task `{name}` of Pipeline `{pname}` ({})", pfile.path);
    let mut plan = Plan::help(format!("set the timeout on {place} instead"));
    let label = |note: String| (pfile.path.clone(), task.name_span(), note);

    if let Some(existing) = &task.timeout {
        if existing.value == DurationValue::Null {
            plan.labels
                .push(label(format!("task `{name}` has an empty `timeout` here")));
            return plan;
        }
        // The Pipeline already says how long the task may run: the dropped value only goes.
        let own = crate::diagnostic::elide(text_of(&pfile.text, existing.span()));
        plan.labels.push(label(format!(
            "task `{name}` sets `timeout: {own}` here, which applies instead"
        )));
        plan.help = format!(
            "{place} already sets `timeout: {own}`, which is what applies (change it there if the task needs more): delete this one (`--unsafe-fixes` does)"
        );
        plan.fix = removal(cx, run, trs, t).map(|e| {
            Fix::unsafe_(
                format!(
                    "remove the dropped `taskRunSpecs` timeout: {place} already sets `timeout: {own}`"
                ),
                vec![e],
            )
        });
        return plan;
    }
    plan.labels
        .push(label(format!("task `{name}` has no `timeout` of its own")));
    let value_text = text_of(cx.src(), t.span());
    let value = match &t.value {
        DurationValue::Valid(d) if !d.is_negative() && !value_text.contains('\n') => *d,
        // A placeholder or an invalid value is not carried into another file.
        _ => return plan,
    };
    if !pfile.report {
        plan.help = format!(
            "set `timeout: {value_text}` on {place} instead (`--unsafe-fixes` moves it when that file is linted too)"
        );
        return plan;
    }
    let others = other_runs(cx, run, &meta, name, value);
    if !others.is_empty() {
        plan.help = format!(
            "set `timeout: {value_text}` on {place} instead (not moved automatically: {} also run{} that Pipeline and would get the same timeout)",
            others.join(", "),
            if others.len() == 1 { "s" } else { "" }
        );
        return plan;
    }
    let put = edit::insert_entry(&pfile.path, &pfile.text, task.node, "timeout", value_text);
    let (Some(put), Some(remove)) = (put, removal(cx, run, trs, t)) else {
        return plan;
    };
    plan.help.push_str(" (`--unsafe-fixes` moves it)");
    plan.fix = Some(Fix::unsafe_(
        format!("move the timeout to {place}"),
        vec![put, remove],
    ));
    plan
}

/// The other PipelineRuns in the repository that run the Pipeline `meta` and do not already
/// ask for `value` on task `name` in their own `taskRunSpecs`: moving the value into the
/// Pipeline would change them too.
fn other_runs(
    cx: &TektonContext<'_>,
    run: &PipelineRun<'_>,
    meta: &Meta<'_>,
    name: &str,
    value: GoDuration,
) -> Vec<String> {
    let Some(pname) = meta.name else {
        return Vec::new();
    };
    resolve::runs_referencing(cx.model, pname, meta.namespace)
        .into_iter()
        .filter(|(f, r, _)| !(f.path == cx.file.path && r.meta.root.span() == run.meta.root.span()))
        .filter(|(_, r, _)| {
            !r.task_run_specs.iter().any(|s| {
                s.pipeline_task_name == Some(name)
                    && s.timeout.as_ref().and_then(|t| t.value.valid()) == Some(value)
            })
        })
        .map(|(f, r, _)| {
            let generated = r.meta.root.path(&["metadata", "name"]).is_none();
            let n = r.meta.name.unwrap_or("");
            format!(
                "PipelineRun `{n}{}` ({})",
                if generated && !n.is_empty() { "*" } else { "" },
                f.path
            )
        })
        .collect()
}

/// Removes `taskRunSpecs[i].timeout` so that clean YAML remains: only the `timeout` entry
/// when the item says more than `pipelineTaskName`, else the whole item, else (the last
/// item) the whole `taskRunSpecs` key.
fn removal(
    cx: &TektonContext<'_>,
    run: &PipelineRun<'_>,
    trs: &TaskRunSpec<'_>,
    t: &Timeout<'_>,
) -> Option<Edit> {
    let (path, text) = (cx.path(), cx.src());
    let item = trs.node;
    if !item.is_mapping() {
        return None;
    }
    let says_more = item
        .entries()
        .any(|(k, _)| !matches!(k.as_str(), Some("pipelineTaskName" | "timeout")));
    if says_more {
        return edit::delete_entry(path, text, item, t.field.key, t.field.value);
    }
    let spec = run.spec?;
    let (key, list) = spec.entry("taskRunSpecs")?;
    if list.len() <= 1 {
        return edit::delete_entry(path, text, spec, key, list);
    }
    delete_item(path, text, list, item)
}

/// Deletes one item of a sequence that has others. In a flow sequence, with its comma. In a
/// block sequence, its lines; the edit also takes the newline before them and writes it back,
/// so that removals of two neighbouring items overlap and are never applied in the same
/// round (which could leave an empty list behind: the next round removes the key instead).
fn delete_item(path: &Arc<str>, text: &str, list: NodeRef<'_>, item: NodeRef<'_>) -> Option<Edit> {
    let items: Vec<NodeRef<'_>> = list.items().collect();
    let pos = items.iter().position(|i| i.id == item.id)?;
    if list.is_flow() {
        if let Some(next) = items.get(pos + 1) {
            return Some(Edit::delete(
                path,
                Span::new(item.span().start, next.span().start),
            ));
        }
        let prev = items.get(pos.checked_sub(1)?)?;
        let comma = prev.span().end + text.get(prev.span().end..item.span().start)?.find(',')?;
        return Some(Edit::delete(path, Span::new(comma, item.span().end)));
    }
    let start = item.span().start;
    let line = edit::line_start(text, start);
    if text[line..start].trim() != "-" {
        return None;
    }
    let nl = edit::newline(text);
    let from = line
        .checked_sub(nl.len())
        .filter(|&f| &text[f..line] == nl)?;
    let mut end = item.span().end.min(text.len());
    while end > start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let end = edit::line_end_incl(text, end);
    let back = if text[..end].ends_with('\n') { nl } else { "" };
    Some(Edit::replace(path, Span::new(from, end), back))
}
