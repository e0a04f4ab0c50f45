//! TKN010 task-exceeds-budget: a pipeline task whose own timeout is longer than the
//! tasks budget of the run it runs in; the run cuts it short.
//!
//! Facts: docs/tekton-timeouts.md (a task timeout larger than the time left is
//! copied unchanged; the PipelineRun reconciler cancels the TaskRun when the budget elapses,
//! `pkg/reconciler/pipelinerun/timeout.go:41-66`). Finally tasks are TKN017's.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::tekton::{RunKind, Scope};
use crate::model::Finding;
use crate::model::{Bound, Place};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN010",
        name: "task-exceeds-budget",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A pipeline task's own timeout is longer than the run's tasks budget: the run cuts it short",
        doc: rule_doc!("TKN010"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    findings(cx, cx.runs(), out);
}

/// The findings of the checked object, from its [`Reach::Runs`] scope.
fn findings(cx: &TektonContext<'_>, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
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
            let field = if t.effective.origin == crate::model::tekton::Origin::TaskRunSpec {
                "its `taskRunSpecs` timeout"
            } else {
                "its timeout"
            };
            findings.push(Finding {
                places: vec![
                    Place::new(at, format!("task `{}` may run {}", t.name, own.canonical())),
                    m.budget_place(false),
                    m.place(),
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
                run: m.place(),
            });
        }
    }
    cx.emit(&RULE, scope, findings, out);
}
