//! Tekton runs in `cutoff timeouts`: each PipelineRun (and each Pipeline no PipelineRun
//! references, under the run the cluster creates by default) as pipeline budget →
//! tasks/finally budgets → each task's effective TaskRun timeout → its steps; standalone
//! TaskRuns after them.

use cutoff_core::duration::GoDuration;
use cutoff_core::model::policy::Applied;
use cutoff_core::model::tekton::{
    Origin, PipelineSource, RunKind, RunModel, StepModel, TaskDef, TaskModel, TaskRunModel,
    TaskTarget, Timed,
};
use cutoff_core::model::value::show;
use cutoff_core::model::{Bound, Chain, Loc};

use super::cap_node;
use super::tree::Node;

fn at(l: &Option<Loc>) -> String {
    match l {
        Some(l) => format!(" at {}", l.display()),
        None => String::new(),
    }
}

fn timed(t: &Timed) -> String {
    format!("{} · {}{}", show(t.value), t.origin.describe(), at(&t.at))
}

fn chain_text(c: &Chain) -> String {
    format!("{} = {}", c.tasks.join(" → "), show(c.total))
}

fn steps_node(id: &str, def: &TaskDef<'_>, count: usize) -> Node {
    let title = match &def.name {
        Some(n) => format!("{} {n} · {}", def.kind, def.at.display()),
        None => format!("taskSpec · {}", def.at.display()),
    };
    let title = if count > 1 {
        format!("{title} (one of {count} with that name)")
    } else {
        title
    };
    let mut n = Node::new(format!("{id}/task"), title).at(Some(&def.at));
    if let Some(m) = &def.misplaced_timeout {
        n = n.child(
            Node::new(
                format!("{id}/spec.timeout"),
                format!(
                    "spec.timeout {} · not read by any Tekton version{}",
                    m.value.display(),
                    at(&m.at)
                ),
            )
            .at(m.at.as_ref()),
        );
    }
    for s in &def.steps {
        n = n.child(step_node(id, s));
    }
    n
}

fn step_node(id: &str, s: &StepModel) -> Node {
    let name = s
        .name
        .clone()
        .unwrap_or_else(|| format!("steps[{}]", s.index));
    let text = match &s.timeout {
        Some(t) => format!("step {name}: {}", timed(t)),
        None => format!("step {name}: no timeout of its own"),
    };
    Node::new(format!("step:{id}/{name}"), text)
        .at(Some(&s.at))
        .at(s.timeout.as_ref().and_then(|t| t.at.as_ref()))
}

fn target_nodes(id: &str, target: &TaskTarget<'_>) -> Vec<Node> {
    let line = |t: &str| vec![Node::new(format!("{id}/target"), t.to_string())];
    match target {
        TaskTarget::Embedded { task } => vec![steps_node(id, task, 1)],
        TaskTarget::InRepo { tasks } => tasks
            .iter()
            .map(|d| steps_node(id, d, tasks.len()))
            .collect(),
        TaskTarget::Unresolved { name, ref_kind, at } => line(&format!(
            "{ref_kind} {name}: not in the repository ({}); steps unknown",
            at.display()
        )),
        // Said once per run (see `run_tree`).
        TaskTarget::Remote => Vec::new(),
        TaskTarget::FetchedByPac { name } => line(&format!(
            "Task {name}: fetched by Pipelines-as-Code (`pipelinesascode.tekton.dev/task`); steps unknown"
        )),
        TaskTarget::Custom => line("custom task (CustomRun): no steps"),
        TaskTarget::Templated => line("templated reference: steps unknown"),
        TaskTarget::ChildPipeline => {
            line("child pipeline (its PipelineRun does not get this timeout, #10178)")
        }
        TaskTarget::Missing => Vec::new(),
    }
}

fn task_node(m: &RunModel<'_>, t: &TaskModel<'_>, policy: Option<&Applied>) -> Node {
    let id = format!("task:{}", t.name);
    let mut text = format!(
        "{}{}: {}",
        if t.finally { "finally " } else { "" },
        t.name,
        timed(&t.effective)
    );
    if let Some(why) = t.pass_down.why_default(t.finally, &m.budgets, &m.settings) {
        if t.effective.origin == Origin::ClusterDefault {
            text.push_str(&format!(" ({why})"));
        }
    }
    if t.retries > 0 {
        text.push_str(&format!(
            " · retries {} (each attempt gets the full timeout)",
            t.retries
        ));
    }
    if m.chain
        .as_ref()
        .is_some_and(|c| c.total != Bound::Finite(GoDuration::ZERO) && c.tasks.contains(&t.name))
    {
        text.push_str("  ◆ longest chain");
    }
    if m.kind == RunKind::DefaultRun && !t.certain {
        text.push_str(" · a run could change it");
    }
    let retries = t
        .view
        .node
        .get("retries")
        .map(|r| Loc::new(t.file, r.span()));
    let mut n = Node::new(id.clone(), text)
        .at(Some(&t.at))
        .at(t.own.as_ref().and_then(|o| o.at.as_ref()))
        .at(retries.as_ref());
    if let Some(c) = cap_node(&id, policy) {
        n = n.child(c);
    }
    if let Some(trs) = &t.task_run_spec {
        let state = match &t.task_run_spec_dropped {
            Some(why) => format!("dropped: {why}"),
            None if t.effective.origin == Origin::TaskRunSpec => "applies".into(),
            None => "ignored".into(),
        };
        n = n.child(
            Node::new(
                format!("{id}/taskRunSpec"),
                format!(
                    "taskRunSpecs timeout {}{} · {state}",
                    trs.value.display(),
                    at(&trs.at)
                ),
            )
            .at(trs.at.as_ref()),
        );
    }
    if let (Some(own), Origin::TaskRunSpec) = (&t.own, t.effective.origin) {
        n = n.child(Node::new(
            format!("{id}/own"),
            format!(
                "own timeout {} · overridden by taskRunSpecs{}",
                own.value.display(),
                at(&own.at)
            ),
        ));
    }
    if !t.after.is_empty() {
        n = n.child(Node::new(
            format!("{id}/after"),
            format!("runs after: {}", t.after.join(", ")),
        ));
    }
    for c in target_nodes(&id, &t.target) {
        n = n.child(c);
    }
    n
}

/// The tree of one run; `policy`: the rules of the policy that apply to it (and to its
/// tasks), shown as a `cap:` line under each value.
pub fn run_tree(m: &RunModel<'_>, policy: Option<&Applied>) -> Node {
    let title = match m.kind {
        RunKind::PipelineRun => format!(
            "PipelineRun {} · {}{}",
            m.name,
            m.at.display(),
            if m.in_trigger_template { " (in a TriggerTemplate)" } else { "" }
        ),
        RunKind::DefaultRun => format!(
            "Pipeline {} · {} — no PipelineRun in the repository references it; assuming the run the cluster creates by default",
            m.name,
            m.at.display()
        ),
    };
    let mut root = Node::new("run", title).at(Some(&m.at));
    let pipeline = match &m.pipeline {
        PipelineSource::Embedded => "pipeline: embedded pipelineSpec".to_string(),
        PipelineSource::InRepo {
            name,
            at,
            of,
            named,
        } => format!(
            "pipeline: {name} · {}{}",
            at.display(),
            if *of > 1 {
                format!(" (one of {of} with that name)")
            } else if *named > 1 {
                format!(" (the nearest of {named} with that name)")
            } else {
                String::new()
            }
        ),
        PipelineSource::Unresolved { name, at } => format!(
            "pipeline: {name} · not in the repository ({})",
            at.display()
        ),
        PipelineSource::Remote { at } => format!(
            "pipeline: resolver/bundle reference ({}) · tasks unknown",
            at.display()
        ),
        PipelineSource::Templated { at } => {
            format!("pipeline: templated reference ({})", at.display())
        }
        PipelineSource::Missing => "pipeline: none".to_string(),
    };
    if m.kind == RunKind::PipelineRun {
        root = root.child(Node::new("pipeline", pipeline));
    }
    let s = &m.settings;
    let mut facts = vec![
        format!("Tekton {}", s.tekton),
        format!(
            "default-timeout-minutes {} ({})",
            s.default_timeout_minutes, s.default_source
        ),
    ];
    facts.push(if s.time_left {
        "each TaskRun gets the time left in the run (before v0.40)".into()
    } else if s.pass_down {
        "budgets passed down (v1.11+)".into()
    } else {
        "no pass-down (before v1.11)".into()
    });
    if !s.task_run_spec_timeout {
        facts.push("taskRunSpecs timeouts dropped".into());
    }
    if s.pac {
        facts.push("Pipelines-as-Code".into());
    }
    let remote: Vec<&str> = m
        .all_tasks()
        .filter(|t| matches!(t.target, TaskTarget::Remote))
        .map(|t| t.name.as_str())
        .collect();
    if !remote.is_empty() {
        root = root.child(Node::new(
            "remote-tasks",
            format!(
                "from resolvers or bundles outside the repository (steps unknown): {}",
                remote.join(", ")
            ),
        ));
    }
    root = root.child(Node::new(
        "settings",
        format!("target: {}", facts.join(" · ")),
    ));
    for d in &m.budgets.dropped {
        root = root.child(
            Node::new(
                "dropped",
                format!(
                    "dropped {} at {}: {}",
                    d.value.display(),
                    d.at.display(),
                    d.why
                ),
            )
            .at(Some(&d.at)),
        );
    }
    let mut budget = Node::new(
        "budget:pipeline",
        format!("pipeline budget: {}", timed(&m.budgets.pipeline)),
    )
    .at(m.budgets.pipeline.at.as_ref());
    if let Some(c) = cap_node("budget:pipeline", policy) {
        budget = budget.child(c);
    }
    let phases: &[(bool, &Vec<TaskModel<'_>>)] = &[(false, &m.tasks), (true, &m.finally)];
    for (finally, tasks) in phases {
        if *finally && tasks.is_empty() {
            continue;
        }
        let name = if *finally { "finally" } else { "tasks" };
        let b = m.budgets.phase(*finally);
        let text = match b.origin {
            Origin::Pipeline => format!(
                "{name} budget: {} · no `timeouts.{name}`: bounded by the pipeline budget",
                show(b.value)
            ),
            _ => format!("{name} budget: {}", timed(&b)),
        };
        let mut phase = Node::new(format!("budget:{name}"), text)
            .at(b.at.as_ref().filter(|_| b.origin != Origin::Pipeline));
        for t in tasks.iter() {
            phase = phase.child(task_node(m, t, policy));
        }
        if !*finally {
            if let Some(c) = m
                .chain
                .as_ref()
                .filter(|c| c.total != Bound::Finite(GoDuration::ZERO))
            {
                phase = phase.child(Node::new(
                    "chain",
                    format!("◆ longest chain of written timeouts: {}", chain_text(c)),
                ));
            }
        } else if let Some(f) = &m.longest_finally {
            phase = phase.child(Node::new(
                "finally-longest",
                format!("finally tasks run in parallel; longest: {f}"),
            ));
        }
        budget = budget.child(phase);
    }
    root.child(budget)
}

pub fn taskrun_tree(r: &TaskRunModel<'_>, policy: Option<&Applied>) -> Node {
    let mut n = Node::new(
        "run",
        format!(
            "TaskRun {} · {}{}",
            r.name,
            r.at.display(),
            if r.in_trigger_template {
                " (in a TriggerTemplate)"
            } else {
                ""
            }
        ),
    )
    .at(Some(&r.at));
    let mut timeout = Node::new(
        "timeout",
        format!("timeout (per attempt): {}", timed(&r.effective)),
    )
    .at(r.effective.at.as_ref());
    if let Some(c) = cap_node("timeout", policy) {
        timeout = timeout.child(c);
    }
    n = n.child(timeout);
    for c in target_nodes("taskrun", &r.target) {
        n = n.child(c);
    }
    n
}
