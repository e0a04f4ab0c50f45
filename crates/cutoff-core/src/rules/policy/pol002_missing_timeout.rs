//! POL002 missing-timeout: `require-timeout` applies and a run is unbounded (it sets no
//! timeout and the default is none, or it sets `"0"`). Runs are PipelineRuns, TaskRuns
//! and Jobs; a Tekton task runs inside its run, and an orchestrator step without a
//! timeout is ORC002's ([`crate::model::policy::unbounded`]).

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::Object;
use crate::model::policy::unbounded;
use crate::model::value::show;
use crate::model::Place;
use crate::rule_doc;
use crate::rules::{Check, Context, FixAvailability, Rule, RuleMeta};

use super::{emit, written, PolicyFinding};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "POL002",
        name: "missing-timeout",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "The policy requires a timeout (require-timeout) and a run is unbounded: no timeout, or \"0\"",
        doc: rule_doc!("POL002"),
    },
    check: Check::Object(check),
};

fn check(cx: &Context<'_>, object: &Object<'_>, out: &mut Vec<Diagnostic>) {
    if cx.config.policy.is_empty() {
        return;
    }
    let mut findings = Vec::new();
    for e in cx.model.policed().in_file(&cx.file.path) {
        let Some(u) = unbounded(e) else {
            continue;
        };
        let why = match &e.at {
            Some(at) => format!("`{}` means none", written(cx, at)),
            None if e.origin == "cluster default" => {
                "it sets none, and `default-timeout-minutes` is 0".to_string()
            }
            None => format!("it sets none: {}", e.origin),
        };
        let message = format!(
            "{} runs with no timeout ({why}); the policy requires one: {}",
            e.describe(),
            u.rule.source()
        );
        let policy = e.policy.as_ref();
        let mut hint = Vec::new();
        if let Some(c) = policy.and_then(|p| p.cap.as_ref()) {
            hint.push(format!("at most {}, the cap that applies", show(c.value)));
        }
        if let Some(d) = policy.and_then(|p| p.default.as_ref()) {
            hint.push(format!("the policy's default is {}", show(d.value)));
        }
        let help = format!(
            "set {}{}",
            e.subject.timeout_field(),
            if hint.is_empty() {
                String::new()
            } else {
                format!(" ({})", hint.join("; "))
            }
        );
        findings.push(PolicyFinding {
            entry: e,
            places: vec![
                Place::new(&u.at, "no timeout"),
                Place::new(&e.object, e.describe()),
            ],
            message,
            help,
        });
    }
    emit(cx, object, &RULE, findings, out);
}
