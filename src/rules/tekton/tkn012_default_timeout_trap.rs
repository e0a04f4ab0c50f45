//! TKN012 default-timeout-trap: a task that will run under the default TaskRun timeout
//! although the run's budget is larger, or although the team evidently wanted more (a
//! `taskRunSpecs` timeout the targeted version drops, a Task `spec.timeout` nobody reads).
//!
//! Facts: tekton-timeouts.md §3 (child TaskRun timeout; `timeouts.pipeline` is never passed
//! down; tasks/finally only from v1.11 and only when 0 or above the default,
//! `pipelinerun.go:1766-1773`); ERRATA Issue 4: the default is the configured
//! `default-timeout-minutes`, and at 0 this rule never fires.

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::edit;
use crate::model::scope::Finding;
use crate::model::{Bound, IntentKind, Origin, Place, Reach, RunKind};
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};
use crate::yaml::{render_scalar, ScalarStyle};

use super::tkn010_task_exceeds_budget::{budget_place, emit, run_place, scope};

pub static RULE: Rule = Rule {
    code: "TKN012",
    name: "default-timeout-trap",
    severity: Severity::Warning,
    fix: FixKind::Sometimes,
    enabled_by_default: true,
    summary: "A task runs under the default TaskRun timeout (60 min unless configured) although the run allows, or the team wanted, more",
    check: Some(check),
    doc: rule_doc!("TKN012"),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let scope = scope(cx, Reach::Runs);
    let mut findings = Vec::new();
    for m in &scope.runs {
        for t in m.all_tasks() {
            if t.effective.origin != Origin::ClusterDefault || !t.target.is_task_run() || !t.certain
            {
                continue;
            }
            let Bound::Finite(default) = t.effective.value else {
                continue;
            };
            let budget = m.budgets.phase(t.finally);
            let budget_larger = m.kind == RunKind::PipelineRun
                && budget.value.exceeds(t.effective.value) == Some(true);
            // The first evidence of a wanted timeout above the default.
            let wanted = t
                .intent
                .iter()
                .find(|i| i.value.exceeds(t.effective.value) == Some(true));
            if !budget_larger && wanted.is_none() {
                continue;
            }
            let why = t
                .pass_down
                .why_default(t.finally, &m.budgets, &m.settings)
                .unwrap_or_default();
            let mut places = vec![Place::new(
                &t.at,
                format!("task `{}` has no timeout of its own", t.name),
            )];
            for i in &t.intent {
                let note = match i.kind {
                    IntentKind::DroppedTaskRunSpec => format!(
                        "{} here is dropped: {}",
                        i.value.display(),
                        t.task_run_spec_dropped.clone().unwrap_or_default()
                    ),
                    IntentKind::MisplacedTaskTimeout => format!(
                        "{} here is read by no Tekton version: a Task has no `spec.timeout`",
                        i.value.display()
                    ),
                };
                places.push(Place::new(&i.at, note));
            }
            places.push(budget_place(m, t.finally));
            places.push(run_place(m));
            let (reason, value) = match wanted {
                Some(w) => {
                    let what = match w.kind {
                        IntentKind::DroppedTaskRunSpec => {
                            "its `taskRunSpecs` timeout, which the targeted version drops"
                        }
                        IntentKind::MisplacedTaskTimeout => {
                            "the `spec.timeout` of its Task, which no Tekton version reads"
                        }
                    };
                    (
                        format!("it evidently needs {} ({what})", w.value.display()),
                        w.value,
                    )
                }
                None => (
                    format!("{} is larger", m.budgets.describe_phase(t.finally)),
                    budget.value,
                ),
            };
            let kind = if t.finally { "finally task" } else { "task" };
            let assumed = if m.kind == RunKind::DefaultRun {
                format!(
                    " (assuming a default run: no PipelineRun in the repository references Pipeline `{}`)",
                    m.name
                )
            } else {
                format!(" in {}", m.describe())
            };
            let rendered = match value {
                Bound::Finite(d) => Some(render_scalar(&d.canonical(), ScalarStyle::Plain)),
                Bound::Unbounded => Some("\"0\"".to_string()),
                Bound::Unknown => None,
            };
            let fix = rendered.and_then(|r| {
                let e = edit::insert_entry(&t.file.path, &t.file.text, t.view.node, "timeout", &r)?;
                Some(Fix::unsafe_(
                    format!(
                        "set `timeout: {}` on {kind} `{}`",
                        r.trim_matches('"'),
                        t.name
                    ),
                    vec![e],
                ))
            });
            let mut help = format!(
                "set `timeout:` on the {kind} in the Pipeline (read by every Tekton version)"
            );
            if m.settings.pass_down {
                help.push_str(&format!(
                    ", or a `timeouts.{}` above the default",
                    if t.finally { "finally" } else { "tasks" }
                ));
            }
            findings.push(Finding {
                places,
                message: format!(
                    "{kind} `{}` will run under the default TaskRun timeout of {}{assumed}{}, although {reason}{}",
                    t.name,
                    default.canonical(),
                    m.which_pipeline(),
                    if why.is_empty() { String::new() } else { format!("; {why}") }
                ),
                help: Some(help),
                fix,
                run: run_place(m),
            });
        }
    }
    emit(cx, &RULE, &scope, findings, out);
}
