//! ORC002 unbounded-step: no level gives a step a timeout (no `timeout`, no
//! `metadata.timeout`, no pipeline `metadata.default_timeout`), so the executor runs it
//! with no time limit. When the pipeline puts its default under `config.default_timeout`
//! (where the framework's documentation puts it, but its executor never reads it), that is
//! the one cause of every such step: one finding, at that key. A step whose 0 or invalid
//! value left it unbounded is ORC003's.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::orchestrator::Level;
use crate::rule_doc;
use crate::rules::orchestrator::OrchestratorContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

use super::list;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ORC002",
        name: "unbounded-step",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "An orchestrator step has no timeout at any level (step, metadata, pipeline default): it can run forever",
        doc: rule_doc!("ORC002"),
    },
    check: Check::Orchestrator(check),
};

fn check(cx: &OrchestratorContext<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.pipeline();
    let unbounded: Vec<_> = p
        .steps
        .iter()
        .filter(|s| s.level == Level::None && s.invalid.is_empty())
        .collect();
    if unbounded.is_empty() {
        return;
    }
    if let (Some(c), None) = (&p.config_default_timeout, &p.default_timeout) {
        let (raw, at) = (&c.value, &c.at);
        let ids: Vec<&str> = unbounded.iter().map(|s| s.id.as_str()).collect();
        let (which, verb) = if ids.len() == 1 {
            (format!("step {}", list(&ids)), "runs")
        } else {
            (format!("steps {}", list(&ids)), "run")
        };
        out.push(
            cx.diag(
                &RULE,
                at.span,
                format!(
                    "`config.default_timeout: {raw}` is not read: the executor takes the pipeline default from the top-level `metadata.default_timeout`, so {which} {verb} with no time limit"
                ),
            )
            .help(format!(
                "move it to the top-level `metadata:` mapping as `default_timeout: {raw}`, or give each step a `timeout`"
            )),
        );
        return;
    }
    for s in unbounded {
        out.push(
            cx.diag(
                &RULE,
                s.at.span,
                format!(
                    "step `{}` has no timeout at any level (no `timeout`, no `metadata.timeout`, no pipeline `metadata.default_timeout`): the executor runs it with no time limit",
                    s.id
                ),
            )
            .help("give the step a `timeout` in seconds, or the pipeline a default under the top-level `metadata.default_timeout`"),
        );
    }
}
