//! TKN013 step-exceeds-task: a step timeout, or the sum of a Task's step timeouts, longer
//! than the TaskRun timeout the Task will run under (from the referencing pipeline task, as
//! the model computes it, or from a TaskRun).
//!
//! Facts: docs/tekton-timeouts.md (`v1/container_types.go:117-120`: steps default to no
//! timeout); the webhook never compares step and TaskRun timeouts; steps are enforced only
//! when > 0 (`pkg/entrypoint/entrypointer.go:248-263`); steps run one after another, so
//! their timeouts add up. An unbounded TaskRun (0) never fires.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::duration::GoDuration;
use crate::model::tekton::{Origin, RunKind, StepModel, TaskDef};
use crate::model::Finding;
use crate::model::{Bound, Loc, Place};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN013",
        name: "step-exceeds-task",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A step timeout, or the sum of a Task's step timeouts, is longer than the TaskRun timeout it runs under",
        doc: rule_doc!("TKN013"),
    },
    check: Check::Tekton(check),
};

fn step_name(s: &StepModel) -> String {
    s.name
        .clone()
        .unwrap_or_else(|| format!("steps[{}]", s.index))
}

/// Where [`judge`] puts its finding (the step timeout that crosses `limit`), without
/// writing it.
fn judged_at<'d>(def: &'d TaskDef<'_>, limit: GoDuration) -> Option<&'d Loc> {
    let steps = || {
        def.steps.iter().filter_map(|s| {
            let t = s.timeout.as_ref()?;
            Some((t.value.finite()?, t.at.as_ref()?))
        })
    };
    if let Some((_, at)) = steps().find(|(d, _)| *d > limit) {
        return Some(at);
    }
    let mut sum = GoDuration::ZERO;
    steps().find_map(|(d, at)| {
        sum = sum.saturating_add(d);
        (sum > limit).then_some(at)
    })
}

/// The finding for one Task definition under one TaskRun timeout, if any.
fn judge(def: &TaskDef<'_>, limit: GoDuration) -> Option<(Loc, String, Vec<Place>)> {
    let of_task = match &def.name {
        Some(n) => format!("{} `{n}`", def.kind),
        None => "the embedded taskSpec".to_string(),
    };
    let steps: Vec<(&StepModel, GoDuration, &Loc)> = def
        .steps
        .iter()
        .filter_map(|s| {
            let t = s.timeout.as_ref()?;
            Some((s, t.value.finite()?, t.at.as_ref()?))
        })
        .collect();
    if let Some((s, d, at)) = steps.iter().find(|(_, d, _)| *d > limit) {
        return Some((
            (*at).clone(),
            format!(
                "step `{}` of {of_task} may run {}",
                step_name(s),
                d.canonical()
            ),
            Vec::new(),
        ));
    }
    let mut sum = GoDuration::ZERO;
    for (i, (s, d, at)) in steps.iter().enumerate() {
        sum = sum.saturating_add(*d);
        if sum > limit {
            let others = steps[..i]
                .iter()
                .map(|(o, od, oat)| {
                    Place::new(oat, format!("step `{}`: {}", step_name(o), od.canonical()))
                })
                .collect();
            return Some((
                (*at).clone(),
                format!(
                    "the steps of {of_task} may run {} together (up to step `{}`)",
                    sum.canonical(),
                    step_name(s)
                ),
                others,
            ));
        }
    }
    None
}

fn overlay_note(def: &TaskDef<'_>, count: usize) -> String {
    if count > 1 {
        format!(
            " (the {} of {}, one of {count} with that name)",
            def.kind,
            def.path()
        )
    } else {
        String::new()
    }
}

fn limit_note(value: Bound, origin: Origin) -> String {
    format!("{} ({})", value.display(), origin.describe())
}

/// What [`Scope::settle`] keeps of the findings at one primary place: the first one's run
/// and message, and the runs it was labelled with since.
struct Kept {
    run: Loc,
    message: String,
    labelled: HashSet<Loc>,
}

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let scope = cx.tasks();
    let mut findings = Vec::new();
    let reported = |path: &str| cx.model.file(path).is_some_and(|f| f.report);
    // Per shared definition list: the definitions whose findings this object may show,
    // and whether their own file is reported (then they are shown at their steps).
    let mut shown: HashMap<*const TaskDef<'static>, Vec<(usize, bool)>> = HashMap::new();
    // A Task runs in many runs: its findings meet at its steps, where `settle` keeps the
    // first and labels each other run once. Findings it would drop are not written.
    let mut kept: HashMap<Loc, Kept> = HashMap::new();
    for t in scope.task_uses() {
        let m = &t.run;
        let (limit, limit_at) = (t.limit, &t.limit_at);
        let defs = &t.defs;
        // The step places lie in the definition, next to its name: skip, before any
        // message is written, what another object shows.
        let candidates = shown.entry(defs.as_ptr()).or_insert_with(|| {
            defs.iter()
                .enumerate()
                .filter_map(|(i, d)| match reported(d.path()) {
                    true => scope.shows(&[&d.at]).then_some((i, true)),
                    false => Some((i, false)),
                })
                .collect()
        });
        for &(i, in_here) in candidates.iter() {
            let def = &defs[i];
            if def.step_sum().is_none_or(|s| s <= limit) {
                continue;
            }
            let primary = if in_here {
                judged_at(def, limit)
            } else if scope.shows(&[limit_at, &m.at]) {
                [limit_at, &m.at].into_iter().find(|l| reported(&l.path))
            } else {
                None
            };
            let Some(primary) = primary else {
                continue;
            };
            if kept
                .get(primary)
                .is_some_and(|k| k.run == m.at || k.labelled.contains(&m.at))
            {
                continue;
            }
            let Some((at, what, mut others)) = judge(def, limit) else {
                continue;
            };
            let describe = m.describe();
            let assumed = if m.kind == RunKind::DefaultRun {
                format!(
                    " (assuming a default run: no PipelineRun in the repository references Pipeline `{}`)",
                    m.name
                )
            } else {
                format!(" in {describe}")
            };
            let mut places = vec![Place::new(&at, what.clone())];
            places.append(&mut others);
            places.push(Place::new(
                limit_at,
                format!(
                    "task `{}` runs under {}",
                    t.name,
                    limit_note(Bound::Finite(limit), t.origin)
                ),
            ));
            places.push(Place::new(&m.at, describe.clone()));
            let finding = Finding {
                places,
                message: format!(
                    "{what}{}, longer than the {} TaskRun timeout ({}) of task `{}`{assumed}{}: the TaskRun times out first",
                    overlay_note(def, defs.len()),
                    limit.canonical(),
                    t.origin.describe(),
                    t.name,
                    m.which_pipeline,
                ),
                help: Some(format!(
                    "give task `{}` a timeout that covers its steps, or shorten the step timeouts",
                    t.name
                )),
                fix: None::<Fix>,
                run: Place::new(&m.at, describe),
            };
            match kept.get_mut(primary) {
                None => {
                    kept.insert(
                        primary.clone(),
                        Kept {
                            run: m.at.clone(),
                            message: finding.message.clone(),
                            labelled: HashSet::new(),
                        },
                    );
                }
                Some(k) if k.message != finding.message => {
                    k.labelled.insert(m.at.clone());
                }
                Some(_) => continue,
            }
            findings.push(finding);
        }
    }
    for r in &scope.task_runs {
        let Bound::Finite(limit) = r.effective.value else {
            continue;
        };
        let defs = r.target.defs();
        for def in defs {
            let Some((at, what, mut others)) = judge(def, limit) else {
                continue;
            };
            let mut places = vec![Place::new(&at, what.clone())];
            places.append(&mut others);
            places.push(Place::new(
                r.effective.at.as_ref().unwrap_or(&r.at),
                format!(
                    "TaskRun `{}` runs under {}",
                    r.name,
                    limit_note(r.effective.value, r.effective.origin)
                ),
            ));
            let run = Place::new(&r.at, format!("TaskRun `{}`", r.name));
            findings.push(Finding {
                places,
                message: format!(
                    "{what}{}, longer than the {} timeout of TaskRun `{}` ({}): the TaskRun times out first",
                    overlay_note(def, defs.len()),
                    limit.canonical(),
                    r.name,
                    r.effective.origin.describe(),
                ),
                help: Some("raise the TaskRun's `spec.timeout` to cover the steps, or shorten the step timeouts".into()),
                fix: None,
                run,
            });
        }
    }
    cx.emit(&RULE, scope, findings, out);
}
