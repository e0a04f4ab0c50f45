//! `cutoff timeouts --format mermaid`: per run, a Markdown heading and a Mermaid `gantt`
//! chart, which GitHub renders in Markdown (pull requests, job summaries).
//!
//! Each task is a bar as long as its effective timeout, starting `after` the tasks it
//! runs after, so Mermaid lays the bars out along the DAG and the longest chain reads left
//! to right; finally tasks follow the tasks phase. The budgets are bars of their own, each
//! ending in a milestone. Tasks on the longest chain are `active`, tasks that end past the
//! budget bounding them are `crit` (red). Every value is read from the model: the
//! effective timeouts, budgets and chain of [`RunModel`], and where each task lands in the
//! worst case from [`Timeline`]; this file only writes them down.

use std::fmt::Write as _;

use cutoff_core::model::tekton::{Origin, RunKind, RunModel, TaskModel};
use cutoff_core::model::timeline::{Slot, Timeline};
use cutoff_core::model::value::show;
use cutoff_core::model::Bound;

/// A Mermaid duration: one number and one unit, the largest unit that is exact.
fn duration(b: Bound) -> Option<String> {
    let d = b.finite()?;
    let ns = d.nanos().max(0);
    const S: i64 = 1_000_000_000;
    Some(if ns % (3600 * S) == 0 {
        format!("{}h", ns / (3600 * S))
    } else if ns % (60 * S) == 0 {
        format!("{}m", ns / (60 * S))
    } else if ns % S == 0 {
        format!("{}s", ns / S)
    } else {
        format!("{}ms", (ns + 500_000) / 1_000_000)
    })
}

/// Text Mermaid reads literally in a task name or title: `:`, `;` and `#` (which separate
/// fields, end statements and start entities) as entity codes.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ':' => out.push_str("#58;"),
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Markdown code span content: backticks would end it.
fn code(s: &str) -> String {
    s.replace('`', "'")
}

fn origin(o: Origin) -> &'static str {
    o.describe()
}

/// A budget bar from `start`: `id` is the bar, `id_end` its milestone.
fn budget_lines(out: &mut String, id: &str, what: &str, b: Bound, start: &str) {
    match duration(b) {
        Some(d) => {
            let _ = writeln!(
                out,
                "    {} :done, {id}, {start}, {d}",
                text(&format!("{what} {}", show(b)))
            );
            let _ = writeln!(
                out,
                "    {} ends :milestone, {id}_end, after {id}, 0m",
                text(what)
            );
        }
        None => {
            let _ = writeln!(out, "    %% {what}: {}", b.display());
        }
    }
}

/// One task bar. `start` is a Mermaid start (`00:00` or `after ids`).
fn task_line(
    out: &mut String,
    id: &str,
    t: &TaskModel<'_>,
    slot: &Slot,
    on_chain: bool,
    start: &str,
    cap: Bound,
) {
    let mut tags: Vec<&str> = Vec::new();
    if slot.past_budget {
        tags.push("crit");
    } else if on_chain {
        tags.push("active");
    }
    let e = &t.effective;
    let (label, length) = match (e.value, duration(e.value)) {
        (_, Some(d)) => (
            format!("{} {} ({})", t.name, show(e.value), origin(e.origin)),
            Some(d),
        ),
        // No timeout of its own: drawn up to the budget that cuts it, if there is one.
        (Bound::Unbounded, None) => (
            format!("{} no timeout ({})", t.name, origin(e.origin)),
            duration(cap),
        ),
        (_, None) => (
            format!("{} timeout unknown ({})", t.name, origin(e.origin)),
            None,
        ),
    };
    let length = match length {
        Some(l) => l,
        None => {
            tags.push("milestone");
            "0m".to_string()
        }
    };
    tags.push(id);
    let _ = writeln!(
        out,
        "    {} :{}, {start}, {length}",
        text(&label),
        tags.join(", ")
    );
}

/// The chart of one run.
pub fn chart(m: &RunModel<'_>, out: &mut String) {
    let title = match m.kind {
        RunKind::PipelineRun => format!("PipelineRun `{}`", code(&m.name)),
        RunKind::DefaultRun => format!("Pipeline `{}` (its default run)", code(&m.name)),
    };
    let _ = writeln!(
        out,
        "#### {title} · `{}`{}\n",
        code(&m.at.display()),
        m.which_pipeline()
    );
    let Some(timeline) = Timeline::of(m) else {
        let _ = writeln!(
            out,
            "Its tasks run after each other in a cycle (Tekton rejects it): no chart.\n"
        );
        return;
    };
    let tasks_budget = m.budgets.phase(false);
    let finally_budget = m.budgets.phase(true);
    let pipeline = &m.budgets.pipeline;

    out.push_str("```mermaid\ngantt\n");
    let _ = writeln!(
        out,
        "    title {}",
        text(&format!(
            "{} {}",
            match m.kind {
                RunKind::PipelineRun => "PipelineRun",
                RunKind::DefaultRun => "Pipeline",
            },
            m.name
        ))
    );
    out.push_str("    dateFormat HH:mm\n    axisFormat %H:%M\n    todayMarker off\n");

    let mut budgets = String::new();
    budget_lines(
        &mut budgets,
        "pipeline",
        "pipeline budget",
        pipeline.value,
        "00:00",
    );
    if tasks_budget.origin != Origin::Pipeline {
        budget_lines(
            &mut budgets,
            "tasks_budget",
            "tasks budget",
            tasks_budget.value,
            "00:00",
        );
    }
    if budgets.lines().any(|l| !l.trim_start().starts_with("%%")) {
        out.push_str("    section budgets\n");
    }
    out.push_str(&budgets);
    // The bar the tasks phase is measured against.
    let tasks_bar = if tasks_budget.origin != Origin::Pipeline {
        "tasks_budget"
    } else {
        "pipeline"
    };

    let ids: Vec<String> = (0..m.tasks.len()).map(|i| format!("t{i}")).collect();
    let effective = m.effective_chain();
    let chain: &[String] = effective
        .as_ref()
        .map(|c| c.tasks.as_slice())
        .unwrap_or(&[]);
    if !m.tasks.is_empty() {
        out.push_str("    section tasks\n");
        for (i, (t, slot)) in m.tasks.iter().zip(&timeline.tasks).enumerate() {
            let after: Vec<&str> = t
                .after
                .iter()
                .filter_map(|a| m.tasks.iter().position(|o| o.name == *a))
                .map(|j| ids[j].as_str())
                .collect();
            let start = if after.is_empty() {
                "00:00".to_string()
            } else {
                format!("after {}", after.join(" "))
            };
            task_line(
                out,
                &ids[i],
                t,
                slot,
                chain.contains(&t.name),
                &start,
                tasks_budget.value,
            );
        }
    }
    if !m.finally.is_empty() {
        out.push_str("    section finally\n");
        let start = if timeline.finally_at_budget && duration(tasks_budget.value).is_some() {
            format!("after {tasks_bar}")
        } else if ids.is_empty() {
            "00:00".to_string()
        } else {
            format!("after {}", ids.join(" "))
        };
        // The finally budget counts from the start of the finally tasks.
        if finally_budget.origin != Origin::Pipeline {
            budget_lines(
                out,
                "finally_budget",
                "finally budget",
                finally_budget.value,
                &start,
            );
        }
        for (i, (t, slot)) in m.finally.iter().zip(&timeline.finally).enumerate() {
            task_line(
                out,
                &format!("f{i}"),
                t,
                slot,
                false,
                &start,
                finally_budget.value,
            );
        }
    }
    out.push_str("```\n\n");

    // The same in words, for readers without the picture.
    let _ = writeln!(
        out,
        "Budgets: pipeline {}{}{}.",
        show(pipeline.value),
        if tasks_budget.origin != Origin::Pipeline {
            format!(", tasks {}", show(tasks_budget.value))
        } else {
            String::new()
        },
        if !m.finally.is_empty() && finally_budget.origin != Origin::Pipeline {
            format!(", finally {}", show(finally_budget.value))
        } else {
            String::new()
        }
    );
    if let Some(c) = &effective {
        let _ = writeln!(
            out,
            "Longest chain: {} = {}.",
            c.tasks
                .iter()
                .map(|t| format!("`{}`", code(t)))
                .collect::<Vec<_>>()
                .join(" → "),
            show(c.total)
        );
    }
    let late: Vec<String> = m
        .tasks
        .iter()
        .zip(&timeline.tasks)
        .chain(m.finally.iter().zip(&timeline.finally))
        .filter(|(_, s)| s.past_budget)
        .map(|(t, s)| match s.end {
            Bound::Unbounded => format!("`{}` (no timeout bounds it)", code(&t.name)),
            end => format!("`{}` (ends at {})", code(&t.name), show(end)),
        })
        .collect();
    let unknown = m.all_tasks().any(|t| !t.effective.value.is_known());
    if late.is_empty() {
        out.push_str(if unknown {
            "Every task whose timeout is known ends within its budget, even if each takes its whole timeout.\n\n"
        } else {
            "Every task ends within its budget, even if each takes its whole timeout.\n\n"
        });
    } else {
        let _ = writeln!(
            out,
            "Past the budget, if each task takes its whole timeout: {}.\n",
            late.join(", ")
        );
    }
}
