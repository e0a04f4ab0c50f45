//! TKN010 task-exceeds-budget: a pipeline task whose own timeout is longer than the
//! tasks budget of the run it runs in; the run cuts it short.
//!
//! Facts: tekton-timeouts.md §3 "Consequences" (a task timeout larger than the time left is
//! copied unchanged; the PipelineRun reconciler cancels the TaskRun when the budget elapses,
//! `pkg/reconciler/pipelinerun/timeout.go:41-66`). Finally tasks are TKN017's.
//!
//! Also home of the helpers the part-2 rules (TKN010–TKN018) share to turn a placed model
//! finding into a diagnostic.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::cache::{settings_key, SettingsKey};
use crate::model::scope::Finding;
use crate::model::{Bound, Place, Placement, Reach, RunKind, RunModel, Scope, TaskModel};
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};

pub static RULE: Rule = Rule {
    code: "TKN010",
    name: "task-exceeds-budget",
    severity: Severity::Warning,
    fix: FixKind::None,
    enabled_by_default: true,
    summary:
        "A pipeline task's own timeout is longer than the run's tasks budget: the run cuts it short",
    check: Some(check),
    doc: rule_doc!("TKN010"),
};

/// The model scope of the checked object.
pub(crate) fn scope<'a>(cx: &Context<'a>, reach: Reach) -> Scope<'a> {
    Scope::of(
        cx.project,
        cx.config,
        cx.file,
        cx.object,
        cx.trigger_template.is_some(),
        reach,
    )
}

/// A part-2 rule that reads the [`Reach::Runs`] scope: its code and its findings.
type Body = fn(&Context<'_>, &Scope<'_>, &mut Vec<Diagnostic>);

/// Every rule that reads the [`Reach::Runs`] scope, so that it is built once per object.
static SHARING: [(&Rule, Body); 6] = [
    (&RULE, findings),
    (
        &super::tkn011_chain_exceeds_budget::RULE,
        super::tkn011_chain_exceeds_budget::findings,
    ),
    (
        &super::tkn012_default_timeout_trap::RULE,
        super::tkn012_default_timeout_trap::findings,
    ),
    (
        &super::tkn016_retries_exceed_budget::RULE,
        super::tkn016_retries_exceed_budget::findings,
    ),
    (
        &super::tkn017_finally_starved::RULE,
        super::tkn017_finally_starved::findings,
    ),
    (
        &super::tkn018_unresolved_reference::RULE,
        super::tkn018_unresolved_reference::findings,
    ),
];

/// The findings of `rule` on the checked object. The [`Reach::Runs`] scope (every model
/// of every run concerning the object) is the costly part, and the same for all the
/// [`SHARING`] rules: the first of them to check an object builds it once and computes
/// the findings of every enabled one; the others take theirs from the project's memo.
pub(crate) fn shared_scope(cx: &Context<'_>, rule: &'static Rule, out: &mut Vec<Diagnostic>) {
    let enabled: Vec<&(&Rule, Body)> = SHARING
        .iter()
        .filter(|(r, _)| r.code == rule.code || cx.config.is_enabled(r.code, r.enabled_by_default))
        .collect();
    let object = cx.object.meta().root.span();
    let key = MemoKey {
        in_tt: cx.trigger_template.is_some(),
        settings: settings_key(cx.config),
        codes: enabled.iter().map(|(r, _)| r.code).collect(),
    };
    let memo = &cx.project.cache.memo;
    if let Some(mine) = memo.take::<MemoKey, Vec<Diagnostic>>(cx.file, object, &key, rule.code) {
        out.extend(mine);
        return;
    }
    let scope = scope(cx, Reach::Runs);
    let mut rest = HashMap::new();
    for (r, body) in enabled {
        let mut found = Vec::new();
        body(cx, &scope, &mut found);
        if r.code == rule.code {
            out.extend(found);
        } else {
            rest.insert(r.code, found);
        }
    }
    memo.put(cx.file, object, key, rest);
}

/// What the shared-scope findings of an object depend on besides the object.
#[derive(PartialEq)]
struct MemoKey {
    in_tt: bool,
    settings: SettingsKey,
    /// The enabled [`SHARING`] rules (another configuration never reads the entry).
    codes: Vec<&'static str>,
}

/// Places `findings` and pushes the ones this object shows.
pub(crate) fn emit(
    cx: &Context<'_>,
    rule: &'static Rule,
    scope: &Scope<'_>,
    findings: Vec<Finding<Fix>>,
    out: &mut Vec<Diagnostic>,
) {
    for (p, f) in scope.settle(findings) {
        out.push(to_diag(cx, rule, p, f));
    }
}

fn to_diag(cx: &Context<'_>, rule: &'static Rule, p: Placement, f: Finding<Fix>) -> Diagnostic {
    let mut d = cx.diag(rule, p.primary.span, f.message);
    for l in p.labels {
        d = d.label(&l.at.path, l.at.span, l.note);
    }
    if let Some(h) = f.help {
        d = d.help(h);
    }
    // A fix may only touch reported files.
    let fix = f.fix.filter(|fix| {
        fix.edits
            .iter()
            .all(|e| cx.project.file(&e.path).is_some_and(|file| file.report))
    });
    d.with_fix(fix)
}

/// The run's place: its name, "PipelineRun `x`".
pub(crate) fn run_place(m: &RunModel<'_>) -> Place {
    Place::new(&m.at, m.describe())
}

/// The place of the phase budget (its field, else the run's name).
pub(crate) fn budget_place(m: &RunModel<'_>, finally: bool) -> Place {
    let b = m.budgets.phase(finally);
    let text = m.budgets.describe_phase(finally);
    match &b.at {
        Some(at) => Place::new(at, text),
        None => Place::new(&m.at, format!("{}: {}", m.describe(), text)),
    }
}

/// The place of a task's effective timeout (its field, else the task's name).
pub(crate) fn timeout_place(t: &TaskModel<'_>) -> Place {
    let text = format!(
        "task `{}` runs under {}",
        t.name,
        t.effective.value.display()
    );
    match &t.effective.at {
        Some(at) => Place::new(at, format!("{text} ({})", t.effective.origin.describe())),
        None => Place::new(&t.at, format!("{text} ({})", t.effective.origin.describe())),
    }
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    shared_scope(cx, &RULE, out);
}

/// The findings of the checked object, from its [`Reach::Runs`] scope.
pub(super) fn findings(cx: &Context<'_>, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Vec::new();
    for m in scope.runs.iter().filter(|m| m.kind == RunKind::PipelineRun) {
        let budget = m.budgets.phase(false);
        let Bound::Finite(b) = budget.value else {
            continue;
        };
        for t in &m.tasks {
            if !t.authored() || !t.target.is_task_run() {
                continue;
            }
            let Bound::Finite(own) = t.effective.value else {
                continue;
            };
            if own <= b {
                continue;
            }
            let Some(at) = &t.effective.at else { continue };
            let field = if t.effective.origin == crate::model::Origin::TaskRunSpec {
                "its `taskRunSpecs` timeout"
            } else {
                "its timeout"
            };
            findings.push(Finding {
                places: vec![
                    Place::new(at, format!("task `{}` may run {}", t.name, own.canonical())),
                    budget_place(m, false),
                    run_place(m),
                ],
                message: format!(
                    "task `{}` may run {} ({field}), longer than {} of {}{}: the run cancels it at {}",
                    t.name,
                    own.canonical(),
                    m.budgets.describe_phase(false),
                    m.describe(),
                    m.which_pipeline(),
                    b.canonical()
                ),
                help: Some(
                    "raise the run's budget (`timeouts.tasks`/`timeouts.pipeline`) to fit the task, or lower the task's timeout"
                        .into(),
                ),
                fix: None,
                run: run_place(m),
            });
        }
    }
    emit(cx, &RULE, scope, findings, out);
}
