//! TKN011 chain-exceeds-budget: the longest chain of written task timeouts through the
//! pipeline's DAG (`runAfter` and `$(tasks.X.results…)` references) is longer than the run's
//! tasks budget, while each of its tasks fits the budget on its own (else TKN010 says it).
//!
//! The chain is the model's ([`crate::model::tekton::RunModel::chain`]): tasks without a
//! timeout of their own count nothing. One finding per chain: at the Pipeline when several
//! runs share it (their budgets grouped in the message and labelled), else at the run's
//! budget. Facts: docs/tekton-timeouts.md (the budget is one wall clock for all tasks; a task's
//! timeout does not extend it).

use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::GoDuration;
use crate::model::dag::Weight;
use crate::model::tekton::run::{describe_groups, group_by_budget, written_weight};
use crate::model::tekton::{RunKind, RunModel, TaskModel};
use crate::model::{Bound, Finding, Loc, Place};
use crate::rule_doc;
use crate::rules::tekton::{fixes, TektonContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN011",
        name: "chain-exceeds-budget",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::Unsafe,
        fix_title: Some("raise the run's budget to fit the longest chain"),
        summary: "The longest chain of task timeouts through the DAG is longer than the run's tasks budget",
        doc: rule_doc!("TKN011"),
    },
    check: Check::Tekton(check),
};

/// The tasks of `m`'s chain that count (a written timeout), with their weight.
fn counted<'m, 'p>(m: &'m RunModel<'p>, budget: Bound) -> Vec<(&'m TaskModel<'p>, GoDuration)> {
    let Some(chain) = &m.chain else {
        return Vec::new();
    };
    chain
        .indices
        .iter()
        .map(|&i| &m.tasks[i])
        .filter_map(|t| match written_weight(t, budget) {
            Weight::Finite(d) => Some((t, d)),
            _ => None,
        })
        .collect()
}

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let scope = cx.runs();
    // Each chain once (by its counted tasks' places), with the runs it does not fit.
    type Found<'m, 'p> = (
        Vec<Loc>,
        Vec<(&'m TaskModel<'p>, GoDuration)>,
        GoDuration,
        Vec<&'m RunModel<'p>>,
    );
    let mut found: Vec<Found<'_, '_>> = Vec::new();
    for m in scope.runs.iter().filter(|m| m.kind == RunKind::PipelineRun) {
        let budget = m.budgets.phase(false).value;
        let Bound::Finite(b) = budget else {
            continue;
        };
        let tasks = counted(m, budget);
        let total = tasks
            .iter()
            .fold(GoDuration::ZERO, |a, (_, d)| a.saturating_add(*d));
        if tasks.len() < 2 || total <= b || tasks.iter().any(|(_, d)| *d > b) {
            continue;
        }
        let key: Vec<Loc> = tasks
            .iter()
            .map(|(t, _)| t.effective.at.clone().unwrap_or_else(|| t.at.clone()))
            .collect();
        match found.iter_mut().find(|f| f.0 == key) {
            Some(f) => f.3.push(m),
            None => found.push((key, tasks, total, vec![m])),
        }
    }
    let mut findings = Vec::new();
    for (_, tasks, total, runs) in found {
        let groups = group_by_budget(&runs, false);
        let chain_text = tasks
            .iter()
            .map(|(t, d)| format!("`{}` ({})", t.name, d.canonical()))
            .collect::<Vec<_>>()
            .join(" → ");
        let chain_places = tasks.iter().map(|(t, d)| {
            Place::new(
                t.effective.at.as_ref().unwrap_or(&t.at),
                format!("`{}`: {}", t.name, d.canonical()),
            )
        });
        // Shared by several runs: shown at the Pipeline (the key of the first written
        // timeout on the chain), the runs' budgets as labels; else at the run's budget.
        let shared_at = (runs[0].pipeline_runs > 1)
            .then(|| {
                tasks.iter().find_map(|(t, _)| {
                    let key = t.view.timeout.as_ref()?.field.key;
                    Some(Loc::new(t.file, key.span()))
                })
            })
            .flatten();
        let mut places = Vec::new();
        if let Some(at) = &shared_at {
            places.push(Place::new(
                at,
                format!(
                    "the chain's written timeouts add up to {}",
                    total.canonical()
                ),
            ));
        }
        places.extend(runs.iter().map(|m| m.budget_place(false)));
        places.extend(chain_places);
        let which = if runs.len() == 1 {
            runs[0].which_pipeline()
        } else {
            String::new()
        };
        findings.push(Finding {
            places,
            message: format!(
                "the longest chain of written task timeouts, {chain_text}, adds up to {}, longer than {}{which}: the run is cancelled before the last of them can use its timeout",
                total.canonical(),
                describe_groups(&groups),
            ),
            help: Some(format!(
                "raise the run's budget to at least {} (and `timeouts.pipeline` to leave time for finally tasks), or shorten the tasks' timeouts",
                total.canonical()
            )),
            fix: fixes::raise_runs(cx.model, &runs, |_| Some(total), &scope.runs, "raise the budget to fit the longest chain"),
            run: runs[0].place(),
        });
    }
    cx.emit(&RULE, scope, findings, out);
}
