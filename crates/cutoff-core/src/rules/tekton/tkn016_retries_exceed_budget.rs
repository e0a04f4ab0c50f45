//! TKN016 retries-exceed-budget: `(retries + 1) × the task's timeout` is longer than the
//! budget it runs in: once an attempt times out, later attempts cannot finish.
//!
//! Facts: docs/tekton-timeouts.md (each attempt gets the full `spec.timeout`,
//! `pkg/reconciler/taskrun/taskrun.go:1402-1412`; PipelineRun timeouts are wall-clock and cap
//! the total; #6419, #4071).

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::tekton::{Origin, RunKind, Scope};
use crate::model::Finding;
use crate::model::{Bound, Place};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN016",
        name: "retries-exceed-budget",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "(retries + 1) × a task's timeout is longer than the budget it runs in: later attempts cannot finish",
        doc: rule_doc!("TKN016"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    findings(cx, cx.runs(), out);
}

/// The findings of the checked object, from its [`crate::model::Reach::Runs`] scope.
fn findings(cx: &TektonContext<'_>, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
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
                    t.timeout_place(),
                    m.budget_place(t.finally),
                    m.place(),
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
                run: m.place(),
            });
        }
    }
    cx.emit(&RULE, scope, findings, out);
}
