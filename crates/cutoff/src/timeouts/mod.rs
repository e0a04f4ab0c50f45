//! `cutoff timeouts [PATH]`: prints the effective-timeout model, the answer to "why did it
//! die at 1h": every number with where it comes from, the longest chain marked, findings
//! marked by code next to the node they concern. One part per family; `--format json`
//! prints the same model as data, with the family-neutral effective timeouts of every
//! object under `effective`.
//!
//! `--format mermaid` draws each run as a Mermaid `gantt` chart in Markdown
//! ([`mermaid`]).
//!
//! Everything shown is read from [`cutoff_core::model`]; nothing is computed here.

mod kubernetes;
mod mermaid;
mod orchestrator;
mod tekton;
mod tree;

use std::collections::HashSet;
use std::path::PathBuf;

use serde_json::{json, Value};

use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::model::policy::Applied;
use cutoff_core::model::tekton::scope::all_models;
use cutoff_core::model::Model;
use cutoff_core::project::Project;

use tekton::{run_tree, taskrun_tree};
use tree::{Findings, Node};

/// How `cutoff timeouts` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Mermaid,
}

/// Does the tree stand for a place in one of the `touching` files (canonical paths)?
fn touches(t: &Node, project: &Project, touching: Option<&HashSet<PathBuf>>) -> bool {
    let Some(set) = touching else {
        return true;
    };
    let mut stack = vec![t];
    while let Some(n) = stack.pop() {
        for l in &n.locs {
            let hit = project
                .file(&l.path)
                .and_then(|f| f.fs_path.as_ref())
                .and_then(|p| std::fs::canonicalize(p).ok())
                .is_some_and(|c| set.contains(&c));
            if hit {
                return true;
            }
        }
        stack.extend(n.children.iter());
    }
    false
}

/// Prints the model of every run in the project's reported files (with `touching`, only
/// the runs that read one of those files).
pub fn render(
    model: &Model<'_>,
    diagnostics: &[Diagnostic],
    format: Format,
    touching: Option<&HashSet<PathBuf>>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let project = model.project;
    let (mut runs, mut task_runs) = all_models(model, model.config);
    if touching.is_some() {
        runs.retain(|m| touches(&run_tree(m, None), project, touching));
        task_runs.retain(|r| touches(&taskrun_tree(r, None), project, touching));
    }
    if format == Format::Mermaid {
        let mut text = String::new();
        for m in &runs {
            mermaid::chart(m, &mut text);
        }
        if runs.is_empty() && touching.is_none() {
            text.push_str("No PipelineRun or Pipeline found.\n");
        }
        return out.write_all(text.as_bytes());
    }
    let json = format == Format::Json;
    let findings = Findings::new(project, diagnostics);
    let mut jobs = kubernetes::trees(model, json);
    let mut pipelines = orchestrator::trees(model);
    if touching.is_some() {
        jobs.retain(|(t, _)| touches(t, project, touching));
        pipelines.retain(|(t, _)| touches(t, project, touching));
    }
    let mut text = Text { out, first: true };
    if !json && runs.is_empty() && task_runs.is_empty() && jobs.is_empty() && pipelines.is_empty() {
        return writeln!(
            text.out,
            "no PipelineRun, Pipeline, TaskRun, Job, CronJob or orchestrator pipeline found"
        );
    }
    // Text is written tree by tree, and the JSON values are built only for JSON: a
    // repository of 100,000 files has tens of thousands of runs and Jobs.
    let mut run_values = Vec::new();
    for m in &runs {
        let policy = model.run_policy(m);
        let t = run_tree(m, policy.as_ref());
        let values = json.then_some(&mut run_values);
        put(t, m, policy.as_ref(), &findings, project, &mut text, values)?;
    }
    let mut tr_values = Vec::new();
    for r in &task_runs {
        let policy = model.task_run_policy(r);
        let t = taskrun_tree(r, policy.as_ref());
        let values = json.then_some(&mut tr_values);
        put(t, r, policy.as_ref(), &findings, project, &mut text, values)?;
    }
    for (t, v) in jobs.iter_mut().chain(pipelines.iter_mut()) {
        let mut found = Vec::new();
        t.mark(&findings, &mut found);
        if json {
            v["findings"] = findings_json(&found, project);
        } else {
            text.tree(t)?;
        }
    }
    if !json {
        return Ok(());
    }
    let mut doc = json!({
        "runs": run_values,
        "task_runs": tr_values,
        // The same answers, family-neutral: one entry per run, task and TaskRun.
        "effective": model.effective_timeouts(),
    });
    if !jobs.is_empty() {
        doc["jobs"] = jobs.into_iter().map(|(_, v)| v).collect();
    }
    if !pipelines.is_empty() {
        doc["pipelines"] = pipelines.into_iter().map(|(_, v)| v).collect();
    }
    serde_json::to_writer_pretty(&mut *text.out, &doc).map_err(std::io::Error::other)?;
    writeln!(text.out)
}

/// Marks the tree `t` of the run or TaskRun `m`; then, for JSON (`values`), adds `m`'s value
/// with its policy and findings, else writes the tree.
fn put<M: serde::Serialize>(
    mut t: Node,
    m: &M,
    policy: Option<&Applied>,
    findings: &Findings<'_>,
    project: &Project,
    text: &mut Text<'_>,
    values: Option<&mut Vec<Value>>,
) -> std::io::Result<()> {
    let mut found = Vec::new();
    t.mark(findings, &mut found);
    let Some(values) = values else {
        return text.tree(&t);
    };
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    if let Some(p) = policy {
        v["policy"] = serde_json::to_value(p).unwrap_or(Value::Null);
    }
    v["findings"] = findings_json(&found, project);
    values.push(v);
    Ok(())
}

/// The text output: trees separated by a blank line, each written as soon as it is built.
struct Text<'o> {
    out: &'o mut dyn std::io::Write,
    first: bool,
}

impl Text<'_> {
    fn tree(&mut self, t: &Node) -> std::io::Result<()> {
        let mut s = String::new();
        if !self.first {
            s.push('\n');
        }
        self.first = false;
        t.write("", true, true, &mut s);
        self.out.write_all(s.as_bytes())
    }
}

/// The `cap:` line under a value: the rules of the policy that apply to it (none when no
/// policy is configured).
pub(crate) fn cap_node(id: &str, policy: Option<&Applied>) -> Option<Node> {
    policy.map(|p| Node::new(format!("{id}/cap"), format!("cap: {}", p.describe())))
}

/// One output from the renderings of several groups (see `groups.rs`): texts follow each
/// other, JSON documents merge key by key.
pub fn join(format: Format, parts: Vec<Vec<u8>>) -> Result<String, String> {
    let mut parts: Vec<String> = parts
        .into_iter()
        .map(|p| String::from_utf8_lossy(&p).into_owned())
        .collect();
    if parts.len() == 1 {
        return Ok(parts.pop().unwrap_or_default());
    }
    match format {
        Format::Json => {
            let mut doc = serde_json::Map::new();
            for p in &parts {
                let v: Value = serde_json::from_str(p).map_err(|e| e.to_string())?;
                for (k, v) in v.as_object().cloned().unwrap_or_default() {
                    match (doc.get_mut(&k), v) {
                        (Some(Value::Array(a)), Value::Array(b)) => a.extend(b),
                        (None, v) => {
                            doc.insert(k, v);
                        }
                        _ => {}
                    }
                }
            }
            let mut s =
                serde_json::to_string_pretty(&Value::Object(doc)).map_err(|e| e.to_string())?;
            s.push('\n');
            Ok(s)
        }
        Format::Text => {
            let none =
                "no PipelineRun, Pipeline, TaskRun, Job, CronJob or orchestrator pipeline found\n";
            let found: Vec<&String> = parts.iter().filter(|p| p.as_str() != none).collect();
            if found.is_empty() {
                return Ok(none.to_string());
            }
            Ok(found
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n"))
        }
        Format::Mermaid => {
            let none = "No PipelineRun or Pipeline found.\n";
            let found: Vec<&String> = parts.iter().filter(|p| p.as_str() != none).collect();
            if found.is_empty() {
                return Ok(none.to_string());
            }
            Ok(found.iter().map(|s| s.as_str()).collect())
        }
    }
}

/// The findings marked in one tree, for its JSON.
fn findings_json(found: &[(String, &Diagnostic)], project: &Project) -> Value {
    Value::Array(
        found
            .iter()
            .map(|(id, d)| finding_json(id, d, project))
            .collect(),
    )
}

fn finding_json(id: &str, d: &Diagnostic, project: &Project) -> Value {
    let (line, column) = project
        .file(&d.path)
        .map(|f| f.line_col(d.span.start))
        .unwrap_or((0, 0));
    json!({"node": id, "code": d.code, "severity": d.severity, "message": d.message, "path": &*d.path, "line": line, "column": column})
}
