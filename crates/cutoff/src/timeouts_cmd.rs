//! `cutoff timeouts [PATH]`: prints the effective-timeout model, the answer to "why did it
//! die at 1h": for each PipelineRun (and each Pipeline no PipelineRun references, under the
//! run the cluster creates by default) the pipeline budget → tasks/finally budgets → each
//! task's effective TaskRun timeout → its steps, every number with where it comes from; the
//! longest chain marked; findings marked by code next to the node they concern. Standalone
//! TaskRuns follow. `--format json` prints the same model as data.
//!
//! Everything shown is read from [`cutoff_core::model`]; nothing is computed here.

use serde_json::{json, Value};

use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::duration::GoDuration;
use cutoff_core::model::tekton::scope::all_models;
use cutoff_core::model::tekton::{
    Origin, PipelineSource, RunKind, RunModel, StepModel, TaskDef, TaskModel, TaskRunModel,
    TaskTarget, Timed,
};
use cutoff_core::model::value::show;
use cutoff_core::model::{Bound, Chain, Loc, Model};
use cutoff_core::project::Project;

/// One line of the tree.
struct Node {
    /// Stable id for JSON findings: `run`, `budget:tasks`, `task:build`, `step:build/compile`.
    id: String,
    text: String,
    /// Places this node stands for; a finding whose primary span falls in one is marked here.
    locs: Vec<Loc>,
    marks: Vec<&'static str>,
    children: Vec<Node>,
}

impl Node {
    fn new(id: impl Into<String>, text: impl Into<String>) -> Node {
        Node {
            id: id.into(),
            text: text.into(),
            locs: Vec::new(),
            marks: Vec::new(),
            children: Vec::new(),
        }
    }

    fn at(mut self, loc: Option<&Loc>) -> Node {
        if let Some(l) = loc {
            self.locs.push(l.clone());
        }
        self
    }

    fn child(mut self, c: Node) -> Node {
        self.children.push(c);
        self
    }

    /// Marks findings; returns (node id, diagnostic) pairs for JSON.
    /// A finding belongs to a node when its primary span overlaps one of the node's places
    /// or starts on the same line (a key and its value).
    fn mark<'d>(
        &mut self,
        project: &Project,
        diags: &'d [Diagnostic],
        found: &mut Vec<(String, &'d Diagnostic)>,
    ) {
        for d in diags {
            let line = project.file(&d.path).map(|f| f.line_col(d.span.start).0);
            let hit = self.locs.iter().any(|l| {
                *l.path == *d.path
                    && (l.span == d.span
                        || l.span.contains(d.span)
                        || d.span.contains(l.span)
                        || Some(l.line) == line)
            });
            if hit && !self.marks.contains(&d.code) {
                self.marks.push(d.code);
                found.push((self.id.clone(), d));
            }
        }
        for c in &mut self.children {
            c.mark(project, diags, found);
        }
    }

    fn write(&self, prefix: &str, last: bool, root: bool, out: &mut String) {
        let marks = if self.marks.is_empty() {
            String::new()
        } else {
            format!("  [{}]", self.marks.join(", "))
        };
        if root {
            out.push_str(&format!("{}{marks}\n", self.text));
        } else {
            out.push_str(&format!(
                "{prefix}{}{}{marks}\n",
                if last { "└─ " } else { "├─ " },
                self.text
            ));
        }
        let child_prefix = if root {
            String::new()
        } else {
            format!("{prefix}{}", if last { "   " } else { "│  " })
        };
        for (i, c) in self.children.iter().enumerate() {
            c.write(&child_prefix, i + 1 == self.children.len(), false, out);
        }
    }
}

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
        TaskTarget::Remote => line("resolver/bundle reference: steps unknown"),
        TaskTarget::Custom => line("custom task (CustomRun): no steps"),
        TaskTarget::Templated => line("templated reference: steps unknown"),
        TaskTarget::ChildPipeline => {
            line("child pipeline (its PipelineRun does not get this timeout, #10178)")
        }
        TaskTarget::Missing => Vec::new(),
    }
}

fn task_node(m: &RunModel<'_>, t: &TaskModel<'_>) -> Node {
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
    if m.chain.as_ref().is_some_and(|c| c.tasks.contains(&t.name)) {
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

fn run_tree(m: &RunModel<'_>) -> Node {
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
        PipelineSource::InRepo { name, at, of } => format!(
            "pipeline: {name} · {}{}",
            at.display(),
            if *of > 1 {
                format!(" (one of {of} with that name)")
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
        format!("default-timeout-minutes {}", s.default_timeout_minutes),
    ];
    facts.push(if s.pass_down {
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
            phase = phase.child(task_node(m, t));
        }
        if !*finally {
            if let Some(c) = &m.chain {
                phase = phase.child(Node::new(
                    "chain",
                    format!("◆ longest chain: {}", chain_text(c)),
                ));
            }
            if let (Some(l), Some(c)) = (&m.limited_chain, &m.chain) {
                if (l.total != c.total || l.tasks != c.tasks)
                    && l.total != Bound::Finite(GoDuration::ZERO)
                {
                    phase = phase.child(Node::new(
                        "limited-chain",
                        format!(
                            "longest chain of the tasks' own limits (TKN011): {}",
                            chain_text(l)
                        ),
                    ));
                }
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

fn taskrun_tree(r: &TaskRunModel<'_>) -> Node {
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
    n = n.child(
        Node::new(
            "timeout",
            format!("timeout (per attempt): {}", timed(&r.effective)),
        )
        .at(r.effective.at.as_ref()),
    );
    for c in target_nodes("taskrun", &r.target) {
        n = n.child(c);
    }
    n
}

fn finding_json(id: &str, d: &Diagnostic, project: &Project) -> Value {
    let (line, column) = project
        .file(&d.path)
        .map(|f| f.line_col(d.span.start))
        .unwrap_or((0, 0));
    json!({"node": id, "code": d.code, "severity": d.severity, "message": d.message, "path": &*d.path, "line": line, "column": column})
}

/// Prints the model of every run in the project's reported files.
pub fn render(
    model: &Model<'_>,
    diagnostics: &[Diagnostic],
    json: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let project = model.project;
    let (runs, task_runs) = all_models(model, model.config);
    let mut trees: Vec<(Node, Value)> = Vec::new();
    for m in &runs {
        let mut t = run_tree(m);
        let mut found = Vec::new();
        t.mark(project, diagnostics, &mut found);
        let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
        v["findings"] = Value::Array(
            found
                .iter()
                .map(|(id, d)| finding_json(id, d, project))
                .collect(),
        );
        trees.push((t, v));
    }
    let mut tr_values = Vec::new();
    let mut tr_trees = Vec::new();
    for r in &task_runs {
        let mut t = taskrun_tree(r);
        let mut found = Vec::new();
        t.mark(project, diagnostics, &mut found);
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        v["findings"] = Value::Array(
            found
                .iter()
                .map(|(id, d)| finding_json(id, d, project))
                .collect(),
        );
        tr_values.push(v);
        tr_trees.push(t);
    }
    if json {
        let doc = json!({
            "runs": trees.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
            "task_runs": tr_values,
            // The same answers, family-neutral: one entry per run, task and TaskRun.
            "effective": model.effective_timeouts(),
        });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
        return writeln!(out);
    }
    if trees.is_empty() && tr_trees.is_empty() {
        return writeln!(out, "no PipelineRun, Pipeline or TaskRun found");
    }
    let mut text = String::new();
    for (i, t) in trees
        .iter()
        .map(|(t, _)| t)
        .chain(tr_trees.iter())
        .enumerate()
    {
        if i > 0 {
            text.push('\n');
        }
        t.write("", true, true, &mut text);
    }
    out.write_all(text.as_bytes())
}
