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
use crate::edit;
use crate::model::tekton::run::run_names;
use crate::model::tekton::{
    Intent, IntentKind, Origin, PassDown, PipelineSource, RunKind, RunModel, TaskModel, Timed,
};
use crate::model::value::human;
use crate::model::{Bound, Finding, Loc, Place};
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
    let scope = cx.runs();
    // Per-task findings, one per task (the runs that leave it at the default grouped), and
    // run findings, one per first capped task (the runs that cap the same tasks grouped).
    let mut per_task: Vec<(&Loc, Vec<TaskUse<'_, '_>>)> = Vec::new();
    let mut per_run: Vec<RunGroup<'_, '_>> = Vec::new();
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
                match per_task.iter_mut().find(|g| *g.0 == t.at) {
                    Some(g) => g.1.push((m, t, w)),
                    None => per_task.push((&t.at, vec![(m, t, w)])),
                }
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
                && m.budgets.allowance(t.finally).exceeds(t.effective.value) == Some(true)
            {
                capped.push(t);
            }
        }
        if capped.is_empty() {
            continue;
        }
        let names: Vec<String> = capped.iter().map(|t| t.name.clone()).collect();
        match per_run
            .iter_mut()
            .find(|g| g.first == capped[0].at && g.names == names)
        {
            Some(g) => g.runs.push((m, own > 0)),
            None => per_run.push(RunGroup {
                first: capped[0].at.clone(),
                names,
                capped,
                runs: vec![(m, own > 0)],
            }),
        }
    }
    let mut findings = Vec::new();
    for (_, uses) in per_task {
        findings.push(task_finding(cx.model, &uses, &scope.runs));
    }
    for g in &per_run {
        findings.push(run_finding(g));
    }
    cx.emit(&RULE, scope, findings, out);
}

/// A run, one of its tasks left at the default, and the evidence it needs more.
type TaskUse<'m, 'p> = (&'m RunModel<'p>, &'m TaskModel<'p>, &'m Intent);

/// Runs that cap the same tasks at the default, for one run finding.
struct RunGroup<'m, 'p> {
    /// The first capped task's place: where the finding is shown.
    first: Loc,
    names: Vec<String>,
    capped: Vec<&'m TaskModel<'p>>,
    /// Each run, and whether it also has tasks reported on their own.
    runs: Vec<(&'m RunModel<'p>, bool)>,
}

/// A task with evidence that it needs more than the default, in every run that leaves it
/// there: where, why, and the fix.
fn task_finding(
    model: &crate::model::Model<'_>,
    uses: &[TaskUse<'_, '_>],
    all_runs: &[RunModel<'_>],
) -> Finding<Fix> {
    let (m, t, wanted) = uses[0];
    let default = t.effective.value.display();
    // Why the default applies, in every run (each reason once).
    let mut whys: Vec<String> = Vec::new();
    for (m, t, _) in uses {
        if let Some(w) = t.pass_down.why_default(t.finally, &m.budgets, &m.settings) {
            if !whys.contains(&w) {
                whys.push(w);
            }
        }
    }
    let why = whys.join("; ");
    let mut places = vec![Place::new(
        &t.at,
        format!("task `{}` has no timeout of its own", t.name),
    )];
    for (_, t, _) in uses {
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
    }
    for (m, t, _) in uses {
        places.push(m.budget_place(t.finally));
    }
    let kind = if t.finally { "finally task" } else { "task" };
    let runs: Vec<&RunModel<'_>> = uses.iter().map(|(m, _, _)| *m).collect();
    let assumed = if m.kind == RunKind::DefaultRun {
        format!(
            " (assuming a default run: no PipelineRun in the repository references Pipeline `{}`)",
            m.name
        )
    } else {
        format!(" in {}", run_names(&runs))
    };
    // Every piece of evidence once (a Task's misplaced timeout is the same for every run;
    // a dropped taskRunSpecs timeout belongs to one run).
    let mut evidence: Vec<(&Intent, &RunModel<'_>)> = Vec::new();
    for (m, t, _) in uses {
        for i in t
            .intent
            .iter()
            .filter(|i| i.value.exceeds(t.effective.value) == Some(true))
        {
            if !evidence.iter().any(|(e, _)| e.at == i.at) {
                evidence.push((i, m));
            }
        }
    }
    let why_of = |(w, r): &(&Intent, &RunModel<'_>)| match w.kind {
        IntentKind::DroppedTaskRunSpec if runs.len() > 1 => format!(
            "the `taskRunSpecs` timeout of `{}`, which the targeted version drops",
            r.name
        ),
        IntentKind::DroppedTaskRunSpec => {
            "its `taskRunSpecs` timeout, which the targeted version drops".to_string()
        }
        IntentKind::MisplacedTaskTimeout => {
            "the `spec.timeout` of its Task, which no Tekton version reads".to_string()
        }
    };
    let same = evidence.iter().all(|(w, _)| w.value == wanted.value);
    let needs = if same {
        format!(
            "{} ({})",
            wanted.value.display(),
            evidence
                .iter()
                .map(why_of)
                .collect::<Vec<_>>()
                .join("; and ")
        )
    } else {
        evidence
            .iter()
            .map(|e| format!("{} ({})", e.0.value.display(), why_of(e)))
            .collect::<Vec<_>>()
            .join(", or ")
    };
    // The fix writes the wanted value on the pipeline task, only when it is one value, every
    // run using the Pipeline is in view, and each lets the task use it or can have its budget
    // raised (TKN010's fix, in the next round).
    // (A default run is assumed, not written: its budget is whatever the one who starts it
    // gives, so it cuts nothing here.)
    let fits = uses.iter().all(|(m, t, _)| {
        m.kind == RunKind::DefaultRun
            || wanted.value.exceeds(m.budgets.allowance(t.finally)) == Some(false)
    });
    let in_view = uses.len() >= m.pipeline_runs.max(1);
    let raisable = in_view
        && uses.iter().all(|(m, t, _)| {
            m.kind == RunKind::DefaultRun
                || wanted.value.exceeds(m.budgets.allowance(t.finally)) == Some(false)
                || match (wanted.value, t.finally) {
                    (Bound::Finite(w), false) => {
                        super::fixes::raise_run_budget(model, m, w, all_runs).is_some()
                    }
                    _ => false,
                }
        });
    let rendered = match wanted.value {
        Bound::Finite(d) => Some(render_scalar(&d.canonical(), ScalarStyle::Plain)),
        Bound::Unbounded => Some("\"0\"".to_string()),
        Bound::Unknown => None,
    };
    let fix = rendered.filter(|_| same && raisable).and_then(|r| {
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
    if !fits {
        help.push_str(", and raise the run's budget so that the task can use it");
    }
    Finding {
        places,
        message: format!(
            "{kind} `{}` will run under the default TaskRun timeout of {default} ({}){assumed}{}, although it evidently needs {needs}{}",
            t.name,
            m.settings.default_source,
            if runs.len() == 1 { m.which_pipeline() } else { String::new() },
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

/// Why the default applies to the capped tasks of `m` (phase of `first`), for messages.
fn reason(m: &RunModel<'_>, first: &TaskModel<'_>) -> String {
    let finally = first.finally;
    let phase = if finally { "finally" } else { "tasks" };
    let phase_budget = m.budgets.phase(finally);
    let budget = shown_budget(m, finally);
    let target = format!("you target {}", m.settings.tekton);
    match first.pass_down {
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
    }
}

/// "allows 3h0m0s", "allows its tasks 2h0m0s (`timeouts.tasks`)": how long the run lets
/// the phase of the capped tasks run (never more than the pipeline budget).
fn allows(m: &RunModel<'_>, finally: bool) -> String {
    let phase_budget = m.budgets.phase(finally);
    let value = m.budgets.allowance(finally);
    let whose = if phase_budget.origin == Origin::Pipeline {
        String::new()
    } else if finally {
        "its finally tasks ".to_string()
    } else {
        "its tasks ".to_string()
    };
    // Where the phase budget comes from, when the reason does not say it.
    let source = match (phase_budget.origin, phase_budget.value) {
        (Origin::Computed, Bound::Unbounded) => {
            "the pipeline budget: they have no budget of their own".to_string()
        }
        (Origin::Computed, _) => format!(
            "`timeouts.pipeline` − `timeouts.{}`",
            if finally { "tasks" } else { "finally" }
        ),
        _ => String::new(),
    };
    match (value, human_of(value)) {
        (Bound::Unbounded, _) if source.is_empty() => {
            format!("sets {whose}no time limit (\"0\")")
        }
        (Bound::Unbounded, _) => format!("sets {whose}no time limit ({source})"),
        (v, Some(h)) if source.is_empty() => format!("allows {whose}{} ({h})", v.display()),
        (v, Some(h)) => format!("allows {whose}{} ({h}, {source})", v.display()),
        (v, None) if source.is_empty() => format!("allows {whose}{}", v.display()),
        (v, None) => format!("allows {whose}{} ({source})", v.display()),
    }
}

/// One finding for the runs whose budget never reaches the same tasks without a timeout:
/// shown at the first capped task (where a timeout is missing), the runs' budgets labelled.
fn run_finding(g: &RunGroup<'_, '_>) -> Finding<Fix> {
    let capped = &g.capped;
    let (m, others) = g.runs[0];
    // The tasks phase first: its budget is the one an author raises for long tasks.
    let first = capped.iter().find(|t| !t.finally).unwrap_or(&capped[0]);
    let finally = first.finally;
    let phase = if finally { "finally" } else { "tasks" };
    let default = first.effective.value.display();
    let name = |t: &TaskModel<'_>| {
        if t.finally && !finally {
            format!("`{}` (finally)", t.name)
        } else {
            format!("`{}`", t.name)
        }
    };
    let single = g.runs.len() == 1;
    let other = if others && single { "other " } else { "" };
    let noun = if finally { "finally task" } else { "task" };
    let whose = if single {
        "its".to_string()
    } else {
        match &m.pipeline {
            PipelineSource::InRepo { name, .. } => format!("the Pipeline `{name}`'s"),
            _ => "their".to_string(),
        }
    };
    let which = if capped.len() == 1 {
        format!(
            "{whose} {other}{noun} without a timeout, {}, is",
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
            "each of {whose} {} {other}{noun}s without a timeout ({}) is",
            capped.len(),
            names.join(", ")
        )
    };
    let mut places = vec![Place::new(
        &capped[0].at,
        format!(
            "{} `{}` has no timeout of its own: capped at {default}",
            if capped[0].finally {
                "finally task"
            } else {
                "task"
            },
            capped[0].name
        ),
    )];
    for (r, _) in &g.runs {
        let budget = shown_budget(r, finally);
        places.push(match &budget.at {
            Some(at) => Place::new(
                at,
                format!("{}: {}", r.describe(), r.budgets.describe_phase(finally)),
            ),
            None => r.budget_place(finally),
        });
    }
    for t in capped.iter().skip(1).take(NAMED - 1) {
        places.push(Place::new(
            &t.at,
            format!(
                "{} `{}` has no timeout of its own: capped at {default}",
                if t.finally { "finally task" } else { "task" },
                t.name
            ),
        ));
    }
    let mut reasons: Vec<String> = Vec::new();
    for (r, _) in &g.runs {
        let why = reason(r, first);
        if !reasons.contains(&why) {
            reasons.push(why);
        }
    }
    let message = if single {
        format!(
            "{}{} {}, but {which} capped at the {default} default TaskRun timeout ({}): {}",
            m.describe(),
            m.which_pipeline(),
            allows(m, finally),
            m.settings.default_source,
            reasons.join("; ")
        )
    } else {
        // One clause per distinct allowance: never one number for runs that differ.
        let mut groups: Vec<(String, Vec<&RunModel<'_>>)> = Vec::new();
        for (r, _) in &g.runs {
            let a = allows(r, finally);
            match groups.iter_mut().find(|(x, _)| *x == a) {
                Some((_, rs)) => rs.push(r),
                None => groups.push((a, vec![r])),
            }
        }
        let clauses = groups
            .iter()
            .map(|(a, rs)| {
                let a = if rs.len() > 1 {
                    a.replacen("allows", "allow", 1).replacen("sets", "set", 1)
                } else {
                    a.clone()
                };
                format!("{} {a}", run_names(rs))
            })
            .collect::<Vec<_>>()
            .join("; ");
        format!(
            "{clauses}, but {which} capped at the {default} default TaskRun timeout ({}) in every one of them: {}",
            m.settings.default_source,
            reasons.join("; ")
        )
    };
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
        message,
        help: Some(help),
        fix: None,
        run: m.place(),
    }
}
