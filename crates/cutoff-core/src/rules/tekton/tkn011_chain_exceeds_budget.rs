//! TKN011 chain-exceeds-budget: the longest chain of task timeouts through the pipeline's
//! DAG (`runAfter` and `$(tasks.X.results…)` references) is longer than the run's tasks budget.
//!
//! The chain counts each task's own finite limit (explicit, taskRunSpecs, or the cluster
//! default for tasks without one); passed-down budgets, `"0"` and timeouts equal to the
//! whole budget add nothing ([`crate::model::run::limited_weight`]). It fires only when the
//! chain has at least two tasks (one task alone is TKN010's) and at least one timeout the
//! author wrote. Facts: docs/tekton-timeouts.md (the budget is wall-clock, tasks run in
//! DAG order; `timeouts.tasks` applies to all tasks together, #7793).

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::duration::GoDuration;
use crate::edit;
use crate::model::tekton::run::limited_weight;
use crate::model::tekton::{Origin, RunKind, RunModel, Scope, TaskModel};
use crate::model::Finding;
use crate::model::{Bound, Place};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};
use crate::yaml::{render_scalar, NodeRef, ScalarStyle};

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

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    findings(cx, cx.runs(), out);
}

/// The findings of the checked object, from its [`crate::model::Reach::Runs`] scope.
fn findings(cx: &TektonContext<'_>, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Vec::new();
    for m in scope.runs.iter().filter(|m| m.kind == RunKind::PipelineRun) {
        let budget = m.budgets.phase(false);
        let Bound::Finite(b) = budget.value else {
            continue;
        };
        let Some(chain) = &m.limited_chain else {
            continue;
        };
        let (Bound::Finite(total), Bound::Finite(written)) = (chain.total, chain.chosen_by) else {
            continue;
        };
        // The timeouts the author wrote must exceed the budget by themselves: the default
        // of tasks without one only adds to the total.
        if written <= b || chain.indices.len() < 2 {
            continue;
        }
        let counted: Vec<_> = chain
            .indices
            .iter()
            .map(|&i| &m.tasks[i])
            .filter(|t| limited_weight(t, budget.value) != crate::model::dag::Weight::Zero)
            .collect();
        let defaults = counted
            .iter()
            .filter(|t| t.effective.origin == Origin::ClusterDefault)
            .count();
        let mut places = vec![m.budget_place(false)];
        for &i in &chain.indices {
            let t = &m.tasks[i];
            let w = limited_weight(t, budget.value);
            let note = match w {
                crate::model::dag::Weight::Finite(d) => {
                    format!(
                        "`{}`: {} ({})",
                        t.name,
                        d.canonical(),
                        t.effective.origin.describe()
                    )
                }
                _ => format!("`{}`: no limit of its own", t.name),
            };
            places.push(Place::new(t.effective.at.as_ref().unwrap_or(&t.at), note));
        }
        places.push(m.place());
        let counting = if defaults > 0 {
            format!(
                " ({} of it written as task timeouts, the rest the {} default of {defaults} task{} without one)",
                written.canonical(),
                m.settings.default.map(|d| d.canonical()).unwrap_or_default(),
                if defaults == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        findings.push(Finding {
            places,
            message: format!(
                "the longest chain of tasks, {}, may take {}{counting}, longer than {} of {}{}",
                chain.tasks.join(" → "),
                total.canonical(),
                m.budgets.describe_phase(false),
                m.describe(),
                m.which_pipeline(),
            ),
            help: Some(format!(
                "raise the run's budget to at least {} (and `timeouts.pipeline` to leave time for finally tasks), or shorten the tasks' timeouts",
                total.canonical()
            )),
            fix: raise(m, total, &counted),
            run: m.place(),
        });
    }
    cx.emit(&RULE, scope, findings, out);
}

fn style_of(n: NodeRef<'_>) -> ScalarStyle {
    match n.style() {
        Some(s) if !s.is_block() => s,
        _ => ScalarStyle::Plain,
    }
}

fn replace(path: &std::sync::Arc<str>, n: NodeRef<'_>, d: GoDuration) -> Edit {
    Edit::replace(path, n.span(), render_scalar(&d.canonical(), style_of(n)))
}

fn render(d: GoDuration) -> String {
    render_scalar(&d.canonical(), ScalarStyle::Plain)
}

/// Raises the run's budget so that the tasks phase gets `need` and the finally phase keeps
/// what it had. `None` when a value is templated or the run has no budget fields to edit.
///
/// The chain's tasks that count with the cluster default get that default written on them
/// (`timeout: 1h0m0s`, what they already run under): the raised budget was computed from
/// it, and TKN012 would otherwise report them as capped under the raised budget.
fn raise(m: &RunModel<'_>, need: GoDuration, counted: &[&TaskModel<'_>]) -> Option<Fix> {
    let run = m.run.as_ref()?;
    let file = m.run_file;
    let path = &file.path;
    let text = &file.text;
    // What the finally phase keeps: its own budget, else the longest finally task's limit.
    let finally_need = if m.finally.is_empty() {
        GoDuration::ZERO
    } else {
        match m.budgets.finally.as_ref().map(|f| f.value) {
            Some(Bound::Finite(d)) => d,
            Some(_) => return None,
            None => m
                .finally
                .iter()
                .filter_map(|t| t.effective.value.finite())
                .max()
                .unwrap_or(GoDuration::ZERO),
        }
    };
    let pipeline_need = need.saturating_add(finally_need);
    let old_pipeline = m.budgets.pipeline.value;
    if !old_pipeline.is_known()
        || m.budgets
            .tasks
            .as_ref()
            .is_some_and(|t| !t.value.is_known())
    {
        return None;
    }
    let mut edits = Vec::new();
    let pipeline_short = matches!(old_pipeline, Bound::Finite(p) if p < pipeline_need);
    let timeouts = run.timeouts.map(|f| f.value).filter(|v| v.is_mapping());
    if let Some(t) = &run.tasks {
        edits.push(replace(path, t.field.value, need));
    }
    if pipeline_short {
        if let Some(p) = run
            .pipeline
            .as_ref()
            .filter(|_| !(run.v1beta1 && run.timeout.is_some()))
        {
            edits.push(replace(path, p.field.value, pipeline_need));
        } else if let (true, Some(t)) = (run.v1beta1, &run.timeout) {
            edits.push(replace(path, t.field.value, pipeline_need));
        } else if let Some(map) = timeouts {
            edits.push(edit::insert_entry(
                path,
                text,
                map,
                "pipeline",
                &render(pipeline_need),
            )?);
        } else {
            let spec = run.spec?;
            let e = if spec.is_flow() {
                edit::insert_entry(
                    path,
                    text,
                    spec,
                    "timeouts",
                    &format!("{{pipeline: {}}}", render(pipeline_need)),
                )?
            } else {
                let (first, _) = spec.entries().next()?;
                let indent = edit::column_of(text, first.span().start);
                let nl = edit::newline(text);
                let key = format!("timeouts:{nl}{}pipeline", " ".repeat(indent + 2));
                edit::insert_entry(path, text, spec, &key, &render(pipeline_need))?
            };
            edits.push(e);
        }
    }
    if edits.is_empty() {
        return None;
    }
    let mut pinned = Vec::new();
    for t in counted
        .iter()
        .filter(|t| t.effective.origin == Origin::ClusterDefault && t.file.report)
    {
        let Bound::Finite(d) = t.effective.value else {
            continue;
        };
        if let Some(e) = edit::insert_entry(
            &t.file.path,
            &t.file.text,
            t.view.node,
            "timeout",
            &render(d),
        ) {
            edits.push(e);
            pinned.push(format!("`{}`", t.name));
        }
    }
    let what = if run.tasks.is_some() {
        "`timeouts.tasks`"
    } else {
        "the run's budget"
    };
    let pins = if pinned.is_empty() {
        String::new()
    } else {
        format!(
            ", and write the {} default it counts on {} as their `timeout`",
            m.settings
                .default
                .map(|d| d.canonical())
                .unwrap_or_default(),
            pinned.join(", ")
        )
    };
    Some(Fix::unsafe_(
        format!(
            "raise {what} to {} to fit the longest chain{pins}",
            need.canonical()
        ),
        edits,
    ))
}
