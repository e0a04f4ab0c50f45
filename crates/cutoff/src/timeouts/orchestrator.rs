//! Orchestrator pipelines in `cutoff timeouts`: each pipeline as its default → each step's
//! effective timeout with the level it came from (step, metadata, pipeline default, none)
//! and its attempts → the longest chain of dependencies with retries counted.

use serde_json::Value;

use cutoff_core::manifest::orchestrator::Retries;
use cutoff_core::model::orchestrator::{
    Level, PipelineModel, StepModel, Written, DEFAULT_MAX_RETRIES,
};
use cutoff_core::model::policy::Applied;
use cutoff_core::model::value::show;
use cutoff_core::model::{Bound, Model};

use super::cap_node;
use super::tree::Node;

fn attempts(s: &StepModel) -> String {
    match (&s.max_retries, s.attempts) {
        (None, Some(n)) => {
            format!("{n} attempts (`max_retries` unset: default {DEFAULT_MAX_RETRIES})")
        }
        (
            Some(Written {
                value: Retries::Count(r),
                ..
            }),
            Some(n),
        ) => format!(
            "{n} attempt{} (`max_retries: {r}`)",
            if n == 1 { "" } else { "s" }
        ),
        _ => "attempts unknown (`max_retries` is not a count)".to_string(),
    }
}

fn step_node(p: &PipelineModel, s: &StepModel, policy: Option<&Applied>) -> Node {
    let id = format!("step:{}", s.id);
    let value = match s.level {
        Level::None => "no timeout: no time limit".to_string(),
        _ => format!(
            "{} · {}{}",
            show(s.timeout),
            s.level.describe(),
            s.timeout_at
                .as_ref()
                .map(|l| format!(" at {}", l.display()))
                .unwrap_or_default()
        ),
    };
    let total = match s.total {
        Bound::Finite(_) if s.attempts.is_some_and(|n| n > 1) => {
            format!(" → {} in all", show(s.total))
        }
        _ => String::new(),
    };
    let mut text = format!("step {}: {value} · {}{total}", s.id, attempts(s));
    if p.chain.as_ref().is_some_and(|c| c.tasks.contains(&s.id)) {
        text.push_str("  ◆ longest chain");
    }
    let mut n = Node::new(id.clone(), text)
        .at(Some(&s.step))
        .at(s.timeout_at.as_ref())
        .at(s.max_retries.as_ref().map(|r| &r.at));
    if let Some(c) = cap_node(&id, policy) {
        n = n.child(c);
    }
    for i in &s.invalid {
        n = n.child(
            Node::new(
                format!("{id}/invalid"),
                format!(
                    "{} `{}` at {} · not a timeout",
                    i.level.describe(),
                    i.raw,
                    i.at.display()
                ),
            )
            .at(Some(&i.at)),
        );
    }
    if !s.after.is_empty() {
        n = n.child(Node::new(
            format!("{id}/after"),
            format!("runs after: {}", s.after.join(", ")),
        ));
    }
    if let Some(e) = &s.on_error {
        n = n.child(Node::new(
            format!("{id}/on_error"),
            format!("on_error: {e}"),
        ));
    }
    n
}

/// One tree (and its JSON) per pipeline of the reported files, in file order.
pub fn trees(model: &Model<'_>) -> Vec<(Node, Value)> {
    let mut out = Vec::new();
    for p in model.orchestrator_pipelines() {
        let policy = model.orchestrator_policy(&p);
        let mut root = Node::new(
            "pipeline",
            format!(
                "orchestrator pipeline {} · {}",
                if p.name.is_empty() {
                    "(unnamed)"
                } else {
                    &p.name
                },
                p.at.display()
            ),
        )
        .at(Some(&p.at));
        root = root.child(
            Node::new(
                "default",
                match &p.default_timeout {
                    Some(d) => format!(
                        "pipeline default: {} · `metadata.default_timeout` at {}",
                        show(d.value),
                        d.at.display()
                    ),
                    None => "pipeline default: none (no `metadata.default_timeout`)".to_string(),
                },
            )
            .at(p.default_timeout.as_ref().map(|d| &d.at)),
        );
        if let Some(c) = &p.config_default_timeout {
            root = root.child(
                Node::new(
                    "config-default",
                    format!(
                        "`config.default_timeout: {}` at {} · not read by the executor (it reads `metadata.default_timeout`)",
                        c.value,
                        c.at.display()
                    ),
                )
                .at(Some(&c.at)),
            );
        }
        for s in &p.steps {
            root = root.child(step_node(&p, s, policy.as_ref()));
        }
        if let Some(c) = &p.chain {
            root = root.child(Node::new(
                "chain",
                format!(
                    "◆ longest chain, retries counted: {} = {}",
                    c.tasks.join(" → "),
                    show(c.total)
                ),
            ));
        }
        let mut v = serde_json::to_value(&p).unwrap_or(Value::Null);
        if let Some(a) = &policy {
            v["policy"] = serde_json::to_value(a).unwrap_or(Value::Null);
        }
        out.push((root, v));
    }
    out
}
