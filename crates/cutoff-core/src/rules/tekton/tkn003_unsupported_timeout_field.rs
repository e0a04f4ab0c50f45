//! TKN003 unsupported-timeout-field: a `timeout` key where no Tekton version reads it.
//!
//! Facts (docs/tekton-timeouts.md): Task specs, `stepTemplate`, `sidecars[]`,
//! `taskRunTemplate`, Pipeline specs and StepActions have no timeout field, and a v1
//! PipelineRun has no `spec.timeout` (only v1beta1 had it). What happens to such a key
//! depends on who submits it: the Tekton webhook decodes strictly (rejects); since v0.70
//! the API server prunes unknown fields in schema-covered parts (kubectl's default
//! `--validate=strict` turns that into an error, other clients lose the field silently);
//! Pipelines-as-Code decodes `.tekton/` files leniently and drops it.
//!
//! The other timeout rules skip these sites (see [`super::TektonContext::ignored`]): the field has no effect, so
//! its value is irrelevant until it is moved where it belongs.
//!
//! Fixes: safe, v1 PipelineRun `spec.timeout` → `spec.timeouts.pipeline` and TaskRun
//! `taskSpec.timeout` → `spec.timeout`. Unsafe, an embedded pipeline task's
//! `taskSpec.timeout` moves up to the pipeline task (or is deleted when the task has a
//! timeout), and a Task's `spec.timeout` is deleted once everything in the repository that
//! runs the Task has a timeout of its own: until then TKN012 reads it as the wanted limit
//! and its fix writes it on the pipeline task, so the deletion waits for that.

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::edit;
use crate::manifest::tekton::{Object, PipelineSpec, Slot, Timeout, TimeoutSite};
use crate::manifest::DurationValue;
use crate::model::tekton::resolve::{self, Referrer};
use crate::model::tekton::versions;
use crate::rule_doc;
use crate::rules::tekton::{fixes, TektonContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};
use crate::yaml::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN003",
        name: "unsupported-timeout-field",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Both,
        fix_title: Some("move the timeout to the field Tekton reads (safe), or delete it where another timeout applies (unsafe)"),
        summary: "A `timeout` where no Tekton version reads it (Task spec, stepTemplate, sidecar, taskRunTemplate, Pipeline spec, StepAction, v1 PipelineRun spec.timeout)",
        doc: rule_doc!("TKN003"),
    },
    check: Check::Tekton(check),
};

/// `spec.tasks[2]` for `spec.tasks[2].taskSpec.timeout`, if the site sits in a Pipeline task's taskSpec.
fn pipeline_task_of(path: &str) -> Option<&str> {
    let i = path.rfind(".taskSpec.timeout")?;
    let owner = &path[..i];
    let last = owner.rsplit('.').next()?;
    (last.starts_with("tasks[") || last.starts_with("finally[")).then_some(owner)
}

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let tcx = cx.view_cx();
    for site in cx.object.timeout_sites(tcx) {
        if !versions::never_read(cx.object, site.slot) {
            continue;
        }
        out.push(diagnose(cx, &site));
    }
}

fn diagnose(cx: &TektonContext<'_>, site: &TimeoutSite<'_>) -> Diagnostic {
    let path = &site.path;
    let fate = cx.reader().unknown_field_fate(path, site.in_embedded_spec);
    let kind = cx.object.meta().kind;
    let mut labels: Vec<Place> = Vec::new();
    let (what, help, fix) = match site.slot {
        Slot::RunTimeout => {
            let fix = match cx.object {
                Object::PipelineRun(run) => fixes::run_timeout_to_timeouts(cx, run).map(|edits| {
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
            Object::Task {
                meta,
                spec: Some(spec),
            } if cx.trigger_template.is_none() => {
                let (help, fix, found) = task_spec_timeout(cx, meta, spec.node, site);
                labels = found;
                ("a Task spec has no `timeout`".to_string(), help, fix)
            }
            _ => {
                let (help, fix) = match embedded_task_spec_timeout(cx, site) {
                    Some(plan) => plan,
                    None => (
                        match pipeline_task_of(path) {
                            Some(task) => format!(
                                "move it up to `{task}.timeout`, the pipeline task's timeout, which limits the TaskRun"
                            ),
                            None => "set the limit where Tekton reads it: the TaskRun's `spec.timeout`, the Pipeline task's `timeout` (`spec.tasks[].timeout`), or `timeout` on individual steps".to_string(),
                        },
                        None,
                    ),
                };
                ("a Task spec has no `timeout`".to_string(), help, fix)
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
    let mut d = cx.diag(
        &RULE,
        site.field.key.span(),
        format!("`{path}` is read by no Tekton version: {what}; {fate}"),
    );
    for l in labels {
        d = d.label(&l.path, l.span, l.note);
    }
    d.help(help).with_fix(fix)
}

/// A place in another file (or this one) that a finding points at.
struct Place {
    path: Arc<str>,
    span: Span,
    note: String,
    /// Short, for the help text: "pipeline task `x` (pipeline.yaml)".
    who: String,
}

/// Is this timeout field absent (or empty)?
fn unset(t: Option<&Timeout<'_>>) -> bool {
    t.is_none_or(|t| t.value == DurationValue::Null)
}

/// `one` when `n` is 1, else `many`.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// A Task's `spec.timeout`: the fix (unsafe) deletes it, but only once every pipeline task
/// and TaskRun in the repository that runs the Task has a timeout of its own. Until then the
/// field is the only record of what the author wanted for them, and TKN012 reads it as such
/// (its fix writes the value on the pipeline task); deleting it first would lose that. So the
/// two fixes converge: TKN012's lands, then this deletion.
fn task_spec_timeout(
    cx: &TektonContext<'_>,
    meta: &crate::manifest::Meta<'_>,
    spec: crate::yaml::NodeRef<'_>,
    site: &TimeoutSite<'_>,
) -> (String, Option<Fix>, Vec<Place>) {
    let text = cx.src();
    let value = text.get(site.field.value.span().range()).unwrap_or("");
    let value = if value.is_empty() || value.contains('\n') {
        "…".to_string()
    } else {
        value.to_string()
    };
    let mut lacking: Vec<Place> = Vec::new();
    if let Some(name) = meta.name {
        let runs_it = |r: Option<&crate::manifest::tekton::Ref<'_>>| {
            r.is_some_and(|r| {
                !r.remote && r.name_str() == Some(name) && r.kind.unwrap_or("Task") == meta.kind
            })
        };
        let pipeline_tasks = |file: &crate::source::SourceFile,
                              owner: String,
                              spec: &PipelineSpec<'_>,
                              out: &mut Vec<Place>| {
            for pt in spec.all_tasks() {
                if runs_it(pt.task_ref.as_ref()) && unset(pt.timeout.as_ref()) {
                    out.push(Place {
                        path: file.path.clone(),
                        span: pt.name_span(),
                        note: format!(
                            "pipeline task `{}` of {owner} runs this Task with no `timeout` of its own",
                            pt.name.unwrap_or("?")
                        ),
                        who: format!(
                            "pipeline task `{}` ({})",
                            pt.name.unwrap_or("?"),
                            file.path
                        ),
                    });
                }
            }
        };
        for r in resolve::referrers_of_task(cx.model, meta.kind, name, meta.namespace) {
            match r {
                Referrer::Pipeline {
                    file,
                    meta: pm,
                    spec,
                } => pipeline_tasks(
                    file,
                    format!("Pipeline `{}`", pm.name.unwrap_or("")),
                    &spec,
                    &mut lacking,
                ),
                Referrer::Run { file, run, .. } => {
                    if let Some(spec) = &run.pipeline_spec {
                        pipeline_tasks(
                            file,
                            format!("PipelineRun `{}`", run.meta.name.unwrap_or("")),
                            spec,
                            &mut lacking,
                        );
                    }
                }
                Referrer::TaskRun { file, run, .. } => {
                    if unset(run.timeout.as_ref()) {
                        let span = run
                            .meta
                            .root
                            .path(&["metadata", "name"])
                            .or_else(|| run.meta.root.path(&["metadata", "generateName"]))
                            .map(|n| n.span())
                            .unwrap_or_else(|| run.meta.root.span());
                        lacking.push(Place {
                            path: file.path.clone(),
                            span,
                            note: format!(
                                "TaskRun `{}` runs this Task with no `spec.timeout`",
                                run.meta.name.unwrap_or("")
                            ),
                            who: format!(
                                "TaskRun `{}` ({})",
                                run.meta.name.unwrap_or(""),
                                file.path
                            ),
                        });
                    }
                }
            }
        }
    }
    let give = format!(
        "give the pipeline tasks that run this Task a `timeout: {value}` (TaskRuns: `spec.timeout`), or bound its steps with `steps[].timeout`"
    );
    if !lacking.is_empty() {
        let mut who: Vec<&str> = lacking.iter().take(3).map(|p| p.who.as_str()).collect();
        let more = format!("{} more", lacking.len().saturating_sub(3));
        if lacking.len() > 3 {
            who.push(&more);
        }
        let help = format!(
            "{give}; {} {} none yet, so this field is the only record of the limit wanted: `--unsafe-fixes` deletes it once each has one",
            who.join(", "),
            plural(lacking.len(), "has", "have"),
        );
        return (help, None, lacking);
    }
    let fix =
        edit::delete_entry(cx.path(), text, spec, site.field.key, site.field.value).map(|e| {
            Fix::unsafe_(
                "delete `spec.timeout`, which no Tekton version reads",
                vec![e],
            )
        });
    (
        format!("{give}; `--unsafe-fixes` deletes this field"),
        fix,
        Vec::new(),
    )
}

/// TaskRun `spec.taskSpec.timeout` → `spec.timeout`, when the TaskRun has none.
fn taskrun_spec_timeout_fix(
    cx: &TektonContext<'_>,
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
    let insert = fixes::insert_before_key(cx, ts_key, "timeout", value_text)
        .or_else(|| edit::insert_entry(cx.path(), text, spec_node, "timeout", value_text))?;
    Some(vec![insert, delete])
}

/// `timeout` in the `taskSpec` of a pipeline task (in a Pipeline or a run's `pipelineSpec`):
/// it belongs one level up, on the pipeline task that embeds it. The fix (unsafe: the limit
/// starts to apply) moves it there; when the pipeline task already has a `timeout`, it only
/// deletes the unread one. The value goes where TKN012's fix would insert one (the end of the
/// pipeline task), so the two overlap and never both land: after either, the other stops.
fn embedded_task_spec_timeout(
    cx: &TektonContext<'_>,
    site: &TimeoutSite<'_>,
) -> Option<(String, Option<Fix>)> {
    let spec = match cx.object {
        Object::Pipeline { spec: Some(s), .. } => s,
        Object::PipelineRun(r) => r.pipeline_spec.as_ref()?,
        _ => return None,
    };
    let (pt, ts) = spec.all_tasks().find_map(|pt| {
        let ts = pt.task_spec.as_ref()?;
        (ts.timeout.as_ref()?.field.key.id == site.field.key.id).then_some((pt, ts))
    })?;
    let owner = &pt.path;
    let (path, text) = (cx.path(), cx.src());
    let delete = edit::delete_entry(path, text, ts.node, site.field.key, site.field.value);
    if let Some(own) = &pt.timeout {
        if own.value == DurationValue::Null {
            return None;
        }
        let own = text.get(own.span().range()).unwrap_or("");
        return Some((
            format!("the pipeline task's own `timeout: {own}` is what applies; delete `taskSpec.timeout` (`--unsafe-fixes` does)"),
            delete.map(|e| {
                Fix::unsafe_(
                    format!("delete `taskSpec.timeout`: `{owner}.timeout` applies"),
                    vec![e],
                )
            }),
        ));
    }
    let help = format!(
        "move it up to `{owner}.timeout`, the pipeline task's timeout, which limits the TaskRun"
    );
    let value = text.get(site.field.value.span().range()).unwrap_or("");
    let movable = !value.is_empty()
        && !value.contains('\n')
        && match &site.value {
            DurationValue::Valid(d) => !d.is_negative(),
            DurationValue::Templated(_) => true,
            _ => false,
        };
    if !movable {
        return Some((help, None));
    }
    let (Some(delete), Some(insert)) = (
        delete,
        edit::insert_entry(path, text, pt.node, "timeout", value),
    ) else {
        return Some((help, None));
    };
    let edits = if insert.start >= delete.start && insert.start <= delete.end {
        // The pipeline task ends with this very line: write the new entry in its place.
        let nl = edit::newline(text);
        let line = insert.replacement.strip_prefix(nl)?;
        let back = if text[..delete.end].ends_with('\n') {
            nl
        } else {
            ""
        };
        vec![Edit::replace(
            path,
            crate::yaml::Span::new(delete.start, delete.end),
            format!("{line}{back}"),
        )]
    } else {
        vec![insert, delete]
    };
    Some((
        format!("{help} (`--unsafe-fixes` moves it)"),
        Some(Fix::unsafe_(
            format!("move `taskSpec.timeout` up to `{owner}.timeout`"),
            edits,
        )),
    ))
}
