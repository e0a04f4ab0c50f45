//! TKN017 finally-starved: the run has finally tasks, but its tasks budget equals the
//! pipeline budget (nothing is left for them), or a finally task's own timeout is longer
//! than the finally budget.
//!
//! Facts: docs/tekton-timeouts.md (tasks/finally budgets, `v1/pipelinerun_types.go:123-153`;
//! finally tasks skipped or cut when the run times out, `pipelinerunresolution.go:477-480,
//! 632-635`; since v1.13 they still start after the tasks timeout, but `timeouts.pipeline`
//! still cancels them). Finally tasks longer than the finally budget are reported here,
//! not by TKN010.

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::tekton::{Origin, RunKind, Scope};
use crate::model::Finding;
use crate::model::{Bound, Place};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN017",
        name: "finally-starved",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "Finally tasks get no time (tasks budget = pipeline budget), or a finally task's timeout exceeds the finally budget",
        doc: rule_doc!("TKN017"),
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
        if m.finally.is_empty() {
            continue;
        }
        let names: Vec<String> = m.finally.iter().map(|t| format!("`{}`", t.name)).collect();
        // (a) The tasks budget is the whole pipeline budget.
        if let (Some(tasks), Bound::Finite(p)) = (&m.budgets.tasks, m.budgets.pipeline.value) {
            if tasks.origin == Origin::Explicit
                && tasks.value == Bound::Finite(p)
                && m.budgets
                    .finally
                    .as_ref()
                    .is_none_or(|f| f.origin != Origin::Explicit)
            {
                if let Some(at) = &tasks.at {
                    let pipeline = match m.budgets.pipeline.origin {
                        Origin::ClusterDefault => format!(
                            "the default pipeline budget ({}; no `timeouts.pipeline`)",
                            p.canonical()
                        ),
                        _ => format!("`timeouts.pipeline` ({})", p.canonical()),
                    };
                    let mut places = vec![Place::new(at, "`timeouts.tasks`")];
                    if let Some(pat) = &m.budgets.pipeline.at {
                        places.push(Place::new(pat, "the pipeline budget"));
                    }
                    places.extend(
                        m.finally
                            .iter()
                            .map(|t| Place::new(&t.at, format!("finally task `{}`", t.name))),
                    );
                    places.push(m.place());
                    findings.push(Finding {
                        places,
                        message: format!(
                            "`timeouts.tasks` of {} equals {pipeline}: if the tasks use their budget, the finally task{} {} {} no time",
                            m.describe(),
                            if names.len() == 1 { "" } else { "s" },
                            names.join(", "),
                            if names.len() == 1 { "gets" } else { "get" }
                        ),
                        help: Some("set `timeouts.tasks` below `timeouts.pipeline` (or raise the pipeline budget), leaving the finally tasks the difference".into()),
                        fix: None::<Fix>,
                        run: m.place(),
                    });
                }
            }
        }
        // (b) A finally task's own timeout exceeds the finally budget.
        let budget = m.budgets.phase(true);
        let Bound::Finite(b) = budget.value else {
            continue;
        };
        for t in &m.finally {
            if !t.authored() {
                continue;
            }
            let Bound::Finite(own) = t.effective.value else {
                continue;
            };
            let Some(at) = &t.effective.at else { continue };
            if own <= b {
                continue;
            }
            findings.push(Finding {
                places: vec![
                    Place::new(at, format!("finally task `{}` may run {}", t.name, own.canonical())),
                    m.budget_place(true),
                    m.place(),
                ],
                message: format!(
                    "finally task `{}` may run {}, longer than {} of {}{}: the run cancels it at {}",
                    t.name,
                    own.canonical(),
                    m.budgets.describe_phase(true),
                    m.describe(),
                    m.which_pipeline(),
                    b.canonical()
                ),
                help: Some("raise the finally budget (`timeouts.finally`, or `timeouts.pipeline` − `timeouts.tasks`), or lower the task's timeout".into()),
                fix: None,
                run: m.place(),
            });
        }
    }
    cx.emit(&RULE, scope, findings, out);
}
