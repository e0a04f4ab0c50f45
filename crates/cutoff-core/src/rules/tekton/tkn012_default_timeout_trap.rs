//! TKN012 default-timeout-trap: tasks that will run under the default TaskRun timeout
//! although the team evidently wanted more, or although the run's budget is larger.
//!
//! Two kinds of finding, so that each can be acted on:
//! - per task, only with evidence that this task needs more than the default: a
//!   `taskRunSpecs` timeout the targeted version drops, or a Task `spec.timeout` nobody
//!   reads. The fix (unsafe) writes that value as the pipeline task's `timeout`. Step
//!   timeouts adding up to more than the default are evidence too, but TKN013 reports them
//!   at the step; such tasks get no TKN012 finding of their own and are not listed below.
//! - per run, once: the run's budget is larger than the default but never reaches the tasks
//!   without a timeout of their own. Shown at the budget that suggests more time, with the
//!   capped tasks listed. No fix: which of them need more than the default is unknown,
//!   and giving each the whole budget would drop the only per-task limit they have.
//!
//! Facts: docs/tekton-timeouts.md (child TaskRun timeout; `timeouts.pipeline` is never passed
//! down; tasks/finally only from v1.11 and only when 0 or above the default,
//! `pipelinerun.go:1766-1773`); the default is the configured
//! `default-timeout-minutes`, and at 0 this rule never fires.

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::duration::GoDuration;
use crate::edit;
use crate::model::tekton::{
    Intent, IntentKind, Origin, PassDown, RunKind, RunModel, Scope, TaskModel, Timed,
};
use crate::model::value::human;
use crate::model::Finding;
use crate::model::{Bound, Place};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};
use crate::yaml::{render_scalar, ScalarStyle};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN012",
        name: "default-timeout-trap",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::Unsafe,
        fix_title: Some("set the timeout the team evidently wanted on the task"),
        summary: "Tasks run under the default TaskRun timeout (60 min unless configured) although the team wanted, or the run allows, more",
        doc: rule_doc!("TKN012"),
    },
    check: Check::Tekton(check),
};

/// How many capped tasks a run finding names (and labels) before "… and N more".
const NAMED: usize = 3;

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    findings(cx, cx.runs(), out);
}

/// The findings of the checked object, from its [`crate::model::Reach::Runs`] scope.
fn findings(cx: &TektonContext<'_>, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Vec::new();
    for m in &scope.runs {
        // Tasks without a timeout of their own, capped although the run allows more.
        let mut capped: Vec<&TaskModel<'_>> = Vec::new();
        // Tasks at the default reported on their own (here, or by TKN013 at a step).
        let mut own = 0;
        for t in m.all_tasks() {
            if t.effective.origin != Origin::ClusterDefault || !t.target.is_task_run() || !t.certain
            {
                continue;
            }
            let Bound::Finite(default) = t.effective.value else {
                continue;
            };
            // The first evidence of a wanted timeout above the default.
            if let Some(w) = t
                .intent
                .iter()
                .find(|i| i.value.exceeds(t.effective.value) == Some(true))
            {
                findings.push(task_finding(m, t, w, default));
                own += 1;
                continue;
            }
            if t.target
                .defs()
                .iter()
                .any(|d| d.step_sum().is_some_and(|s| s > default))
            {
                own += 1;
                continue;
            }
            if m.kind == RunKind::PipelineRun
                && m.budgets.phase(t.finally).value.exceeds(t.effective.value) == Some(true)
            {
                capped.push(t);
            }
        }
        if !capped.is_empty() {
            findings.push(run_finding(m, &capped, own > 0));
        }
    }
    cx.emit(&RULE, scope, findings, out);
}

/// A task with evidence that it needs more than the default: where, why, and the fix.
fn task_finding(
    m: &RunModel<'_>,
    t: &TaskModel<'_>,
    wanted: &Intent,
    default: GoDuration,
) -> Finding<Fix> {
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
    places.push(m.budget_place(t.finally));
    places.push(m.place());
    let what = match wanted.kind {
        IntentKind::DroppedTaskRunSpec => {
            "its `taskRunSpecs` timeout, which the targeted version drops"
        }
        IntentKind::MisplacedTaskTimeout => {
            "the `spec.timeout` of its Task, which no Tekton version reads"
        }
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
    let rendered = match wanted.value {
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
    let mut help =
        format!("set `timeout:` on the {kind} in the Pipeline (read by every Tekton version)");
    if m.settings.pass_down {
        help.push_str(&format!(
            ", or a `timeouts.{}` above the default",
            if t.finally { "finally" } else { "tasks" }
        ));
    }
    Finding {
        places,
        message: format!(
            "{kind} `{}` will run under the default TaskRun timeout of {}{assumed}{}, although it evidently needs {} ({what}){}",
            t.name,
            default.canonical(),
            m.which_pipeline(),
            wanted.value.display(),
            if why.is_empty() { String::new() } else { format!("; {why}") }
        ),
        help: Some(help),
        fix,
        run: m.place(),
    }
}

/// The budget the run finding is shown at, for the phase of `first`: the phase's own
/// `timeouts.tasks`/`finally` when the run sets it, else the pipeline budget
/// (`timeouts.pipeline`, or v1beta1 `spec.timeout`) it comes from.
fn shown_budget(m: &RunModel<'_>, finally: bool) -> Timed {
    match m.budgets.pass_down_candidate(finally) {
        Some(b) if b.origin == Origin::Explicit && b.at.is_some() => b.clone(),
        _ => m.budgets.pipeline.clone(),
    }
}

fn human_of(b: Bound) -> Option<String> {
    b.finite().and_then(human)
}

/// One finding for a run whose budget never reaches its tasks without a timeout.
fn run_finding(m: &RunModel<'_>, capped: &[&TaskModel<'_>], others: bool) -> Finding<Fix> {
    // The tasks phase first: its budget is the one an author raises for long tasks.
    let first = capped.iter().find(|t| !t.finally).unwrap_or(&capped[0]);
    let finally = first.finally;
    let phase = if finally { "finally" } else { "tasks" };
    let default = first.effective.value.display();
    let budget = shown_budget(m, finally);
    let phase_budget = m.budgets.phase(finally);
    // "allows 3h0m0s", "allows its tasks 2h0m0s (`timeouts.tasks`)".
    let whose = if phase_budget.origin == Origin::Pipeline {
        String::new()
    } else if finally {
        "its finally tasks ".to_string()
    } else {
        "its tasks ".to_string()
    };
    // Where the phase budget comes from, when the reason below does not say it.
    let source = match phase_budget.origin {
        Origin::Computed => format!(
            "`timeouts.pipeline` − `timeouts.{}`",
            if finally { "tasks" } else { "finally" }
        ),
        _ => String::new(),
    };
    let allows = match (phase_budget.value, human_of(phase_budget.value)) {
        (Bound::Unbounded, _) => format!("sets {whose}no time limit (\"0\")"),
        (v, Some(h)) if source.is_empty() => format!("allows {whose}{} ({h})", v.display()),
        (v, Some(h)) => format!("allows {whose}{} ({h}, {source})", v.display()),
        (v, None) if source.is_empty() => format!("allows {whose}{}", v.display()),
        (v, None) => format!("allows {whose}{} ({source})", v.display()),
    };
    let target = format!("you target {}", m.settings.tekton);
    let reason = match first.pass_down {
        PassDown::TooOld if m.budgets.pass_down_candidate(finally).is_some() => {
            let what = if phase_budget.origin == Origin::Computed {
                format!("the {phase} budget")
            } else {
                format!("`timeouts.{phase}`")
            };
            format!("Tekton before v1.11 never passes {what} down to TaskRuns ({target})")
        }
        _ => {
            let since = if m.settings.pass_down {
                "from Tekton v1.11".to_string()
            } else {
                format!("from Tekton v1.11; {target}")
            };
            let budget_field = if budget.origin == Origin::Deprecated {
                "the deprecated `spec.timeout` (`timeouts.pipeline` in v1)"
            } else {
                "`timeouts.pipeline`"
            };
            format!(
                "{budget_field} is never passed down to TaskRuns (`timeouts.{phase}` is, {since})"
            )
        }
    };
    let name = |t: &TaskModel<'_>| {
        if t.finally && !finally {
            format!("`{}` (finally)", t.name)
        } else {
            format!("`{}`", t.name)
        }
    };
    let other = if others { "other " } else { "" };
    let noun = if finally { "finally task" } else { "task" };
    let which = if capped.len() == 1 {
        format!(
            "its {other}{noun} without a timeout, {}, is",
            name(capped[0])
        )
    } else {
        // "… and 1 more" says no more than the name would.
        let named = if capped.len() == NAMED + 1 {
            capped.len()
        } else {
            NAMED
        };
        let mut names: Vec<String> = capped.iter().take(named).map(|t| name(t)).collect();
        if capped.len() > named {
            names.push(format!("… and {} more", capped.len() - named));
        }
        format!(
            "each of its {} {other}{noun}s without a timeout ({}) is",
            capped.len(),
            names.join(", ")
        )
    };
    let mut places = vec![match &budget.at {
        Some(at) => Place::new(at, m.budgets.describe_phase(finally)),
        None => m.budget_place(finally),
    }];
    places.push(m.place());
    for t in capped.iter().take(NAMED) {
        places.push(Place::new(
            &t.at,
            format!(
                "{} `{}` has no timeout of its own: capped at {default}",
                if t.finally { "finally task" } else { "task" },
                t.name
            ),
        ));
    }
    let help = if m.settings.pass_down {
        format!(
            "give the tasks that may need more than {default} their own `timeout:` in the Pipeline, or set `timeouts.{phase}` above the default: it is passed down to every {noun} without one"
        )
    } else {
        format!(
            "give the tasks that may need more than {default} their own `timeout:` in the Pipeline (read by every Tekton version); `timeouts.{phase}` above the default reaches them only from Tekton v1.11"
        )
    };
    Finding {
        places,
        message: format!(
            "{}{} {allows}, but {which} capped at the {default} default TaskRun timeout: {reason}",
            m.describe(),
            m.which_pipeline(),
        ),
        help: Some(help),
        fix: None,
        run: m.place(),
    }
}
