//! TKN016 retries-exceed-budget: `(retries + 1) × the task's timeout` is longer than the
//! budget it runs in: once an attempt times out, later attempts cannot finish.
//!
//! Facts: tekton-timeouts.md §3 Retries (each attempt gets the full `spec.timeout`,
//! `pkg/reconciler/taskrun/taskrun.go:1402-1412`; PipelineRun timeouts are wall-clock and cap
//! the total; #6419, #4071).

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::scope::Finding;
use crate::model::{Bound, Origin, Place, RunKind, Scope};
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};

use super::tkn010_task_exceeds_budget::{
    budget_place, emit, run_place, shared_scope, timeout_place,
};

pub static RULE: Rule = Rule {
    code: "TKN016",
    name: "retries-exceed-budget",
    severity: Severity::Warning,
    fix: FixKind::None,
    enabled_by_default: true,
    summary: "(retries + 1) × a task's timeout is longer than the budget it runs in: later attempts cannot finish",
    check: Some(check),
    doc: rule_doc!("TKN016"),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    shared_scope(cx, &RULE, out);
}

/// The findings of the checked object, from its [`crate::model::Reach::Runs`] scope.
pub(super) fn findings(cx: &Context<'_>, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Vec::new();
    for m in scope.runs.iter().filter(|m| m.kind == RunKind::PipelineRun) {
        for t in m.all_tasks() {
            if t.retries <= 0 {
                continue;
            }
            let Bound::Finite(each) = t.effective.value else {
                continue;
            };
            let Bound::Finite(budget) = m.budgets.phase(t.finally).value else {
                continue;
            };
            // Nothing chosen by anyone (default timeout under the default budget): silent.
            let phase = m.budgets.phase(t.finally);
            if t.effective.origin == Origin::ClusterDefault
                && phase.origin == Origin::Pipeline
                && m.budgets.pipeline.origin == Origin::ClusterDefault
            {
                continue;
            }
            // A task already longer than its budget is TKN010's (or TKN017's) finding.
            if each > budget {
                continue;
            }
            let attempts = t.retries.saturating_add(1);
            let Some(total) = each.checked_mul(attempts) else {
                continue;
            };
            if total <= budget {
                continue;
            }
            let Some((_, retries)) = t.view.node.entry("retries") else {
                continue;
            };
            let at = crate::model::Loc::new(t.file, retries.span());
            findings.push(Finding {
                places: vec![
                    Place::new(&at, format!("retries: {}", t.retries)),
                    timeout_place(t),
                    budget_place(m, t.finally),
                    run_place(m),
                ],
                message: format!(
                    "task `{}` may make {attempts} attempts of up to {} each (retries: {}), {} in all, longer than {} of {}{}: once an attempt times out, later attempts cannot finish",
                    t.name,
                    each.canonical(),
                    t.retries,
                    total.canonical(),
                    m.budgets.describe_phase(t.finally),
                    m.describe(),
                    m.which_pipeline(),
                ),
                help: Some(format!(
                    "give the task a timeout of at most {} per attempt, lower `retries`, or raise the run's budget",
                    crate::duration::GoDuration(budget.nanos() / attempts).canonical()
                )),
                fix: None::<Fix>,
                run: run_place(m),
            });
        }
    }
    emit(cx, &RULE, scope, findings, out);
}
