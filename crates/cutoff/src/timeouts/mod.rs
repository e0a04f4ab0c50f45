//! `cutoff timeouts [PATH]`: prints the effective-timeout model, the answer to "why did it
//! die at 1h": every number with where it comes from, the longest chain marked, findings
//! marked by code next to the node they concern. One part per family; `--format json`
//! prints the same model as data, with the family-neutral effective timeouts of every
//! object under `effective`.
//!
//! Everything shown is read from [`cutoff_core::model`]; nothing is computed here.

mod kubernetes;
mod orchestrator;
mod tekton;
mod tree;

use serde_json::{json, Value};

use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::model::policy::Applied;
use cutoff_core::model::tekton::scope::all_models;
use cutoff_core::model::Model;
use cutoff_core::project::Project;

use tekton::{run_tree, taskrun_tree};
use tree::Node;

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
        let policy = model.run_policy(m);
        let mut t = run_tree(m, policy.as_ref());
        let mut found = Vec::new();
        t.mark(project, diagnostics, &mut found);
        let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
        if let Some(p) = &policy {
            v["policy"] = serde_json::to_value(p).unwrap_or(Value::Null);
        }
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
        let policy = model.task_run_policy(r);
        let mut t = taskrun_tree(r, policy.as_ref());
        let mut found = Vec::new();
        t.mark(project, diagnostics, &mut found);
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        if let Some(p) = &policy {
            v["policy"] = serde_json::to_value(p).unwrap_or(Value::Null);
        }
        v["findings"] = Value::Array(
            found
                .iter()
                .map(|(id, d)| finding_json(id, d, project))
                .collect(),
        );
        tr_values.push(v);
        tr_trees.push(t);
    }
    let mut jobs = kubernetes::trees(model);
    let mut pipelines = orchestrator::trees(model);
    for (t, v) in jobs.iter_mut().chain(pipelines.iter_mut()) {
        let mut found = Vec::new();
        t.mark(project, diagnostics, &mut found);
        v["findings"] = Value::Array(
            found
                .iter()
                .map(|(id, d)| finding_json(id, d, project))
                .collect(),
        );
    }
    if json {
        let mut doc = json!({
            "runs": trees.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
            "task_runs": tr_values,
            // The same answers, family-neutral: one entry per run, task and TaskRun.
            "effective": model.effective_timeouts(),
        });
        if !jobs.is_empty() {
            doc["jobs"] = jobs.iter().map(|(_, v)| v.clone()).collect();
        }
        if !pipelines.is_empty() {
            doc["pipelines"] = pipelines.iter().map(|(_, v)| v.clone()).collect();
        }
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
        return writeln!(out);
    }
    if trees.is_empty() && tr_trees.is_empty() && jobs.is_empty() && pipelines.is_empty() {
        return writeln!(
            out,
            "no PipelineRun, Pipeline, TaskRun, Job, CronJob or orchestrator pipeline found"
        );
    }
    let mut text = String::new();
    for (i, t) in trees
        .iter()
        .map(|(t, _)| t)
        .chain(tr_trees.iter())
        .chain(jobs.iter().map(|(t, _)| t))
        .chain(pipelines.iter().map(|(t, _)| t))
        .enumerate()
    {
        if i > 0 {
            text.push('\n');
        }
        t.write("", true, true, &mut text);
    }
    out.write_all(text.as_bytes())
}

/// The `cap:` line under a value: the rules of the policy that apply to it (none when no
/// policy is configured).
pub(crate) fn cap_node(id: &str, policy: Option<&Applied>) -> Option<Node> {
    policy.map(|p| Node::new(format!("{id}/cap"), format!("cap: {}", p.describe())))
}

fn finding_json(id: &str, d: &Diagnostic, project: &Project) -> Value {
    let (line, column) = project
        .file(&d.path)
        .map(|f| f.line_col(d.span.start))
        .unwrap_or((0, 0));
    json!({"node": id, "code": d.code, "severity": d.severity, "message": d.message, "path": &*d.path, "line": line, "column": column})
}
