//! TKN010 task-exceeds-budget: a pipeline task whose own timeout is longer than the
//! tasks budget of the run it runs in; the run cuts it short. One finding per task timeout,
//! naming every run it exceeds, grouped by budget.
//!
//! Facts: docs/tekton-timeouts.md (a task timeout larger than the time left is
//! copied unchanged; the PipelineRun reconciler cancels the TaskRun when the budget elapses,
//! `pkg/reconciler/pipelinerun/timeout.go:41-66`). Finally tasks are TKN017's.

use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::GoDuration;
use crate::model::tekton::run::{describe_groups, group_by_budget};
use crate::model::tekton::{Origin, RunKind, RunModel, TaskModel};
use crate::model::{Bound, Finding, Loc, Place};
use crate::rule_doc;
use crate::rules::tekton::{fixes, TektonContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN010",
        name: "task-exceeds-budget",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::Unsafe,
        fix_title: Some("raise the run's budget so that every task fits"),
        summary: "A pipeline task's own timeout is longer than the run's tasks budget: the run cuts it short",
        doc: rule_doc!("TKN010"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let scope = cx.runs();
    // Each task timeout once, with every run whose tasks budget it exceeds.
    let mut found: Vec<(&Loc, &TaskModel<'_>, GoDuration, Vec<&RunModel<'_>>)> = Vec::new();
    for m in scope.runs.iter().filter(|m| m.kind == RunKind::PipelineRun) {
        let Bound::Finite(b) = m.budgets.phase(false).value else {
            continue;
        };
        for t in &m.tasks {
            if !t.authored() || !t.target.is_task_run() {
                continue;
            }
            let (Bound::Finite(own), Some(at)) = (t.effective.value, &t.effective.at) else {
                continue;
            };
            if own <= b {
                continue;
            }
            match found.iter_mut().find(|f| f.0 == at) {
                Some(f) => f.3.push(m),
                None => found.push((at, t, own, vec![m])),
            }
        }
    }
    let mut findings = Vec::new();
    for (at, t, own, runs) in found {
        let groups = group_by_budget(&runs, false);
        let field = if t.effective.origin == Origin::TaskRunSpec {
            "its `taskRunSpecs` timeout"
        } else {
            "its timeout"
        };
        let mut places = vec![Place::new(
            at,
            format!("task `{}` may run {}", t.name, own.canonical()),
        )];
        places.extend(runs.iter().map(|m| m.budget_place(false)));
        let cut = match groups.as_slice() {
            [g] => format!("the run cancels it at {}", g.value.display()),
            _ => "each run cancels it when its own budget runs out".to_string(),
        };
        let which = if runs.len() == 1 {
            runs[0].which_pipeline()
        } else {
            String::new()
        };
        findings.push(Finding {
            places,
            message: format!(
                "task `{}` may run {} ({field}), longer than {}{which}: {cut}",
                t.name,
                own.canonical(),
                describe_groups(&groups),
            ),
            help: Some(
                "raise the run's budget (`timeouts.tasks`/`timeouts.pipeline`) to fit the task, or lower the task's timeout"
                    .into(),
            ),
            // Unsafe: raise each run's budget to its longest chain with every task at its
            // limit, so that this task (and the ones around it) fit.
            fix: fixes::raise_runs(
                cx.model,
                &runs,
                |m| m.effective_chain_total().map(|c| c.max(own)),
                &scope.runs,
                "raise the budget so that every task fits",
            ),
            run: runs[0].place(),
        });
    }
    cx.emit(&RULE, scope, findings, out);
}
