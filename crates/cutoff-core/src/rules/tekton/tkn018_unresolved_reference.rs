//! TKN018 unresolved-reference: a `pipelineRef`/`taskRef` whose name is not in the
//! repository; the cross-file checks (TKN010–TKN017) skip it. Resolver and bundle
//! references, custom tasks and templated names are not reported. Off by default: many
//! repositories use catalog Tasks installed on the cluster.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::tekton::{PipelineSource, Scope, TaskTarget};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN018",
        name: "unresolved-reference",
        severity: Severity::Info,
        enabled_by_default: false,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A pipelineRef/taskRef names nothing in the repository; cross-file checks are skipped for it",
        doc: rule_doc!("TKN018"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    findings(cx, cx.runs(), out);
}

/// The findings of the checked object, from its [`crate::model::Reach::Runs`] scope.
fn findings(cx: &TektonContext<'_>, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    let mut report = |at: &crate::model::Loc, msg: String| {
        if at.path == cx.file.path && scope.object.contains(at.span) && seen.insert(at.span) {
            out.push(
                cx.diag(&RULE, at.span, msg)
                    .help("add it to the repository, or reference it with a resolver (`resolver: hub`, `git`, `bundles`) if it lives elsewhere"),
            );
        }
    };
    for m in &scope.runs {
        if let PipelineSource::Unresolved { name, at } = &m.pipeline {
            let what = if name.is_empty() {
                "`pipelineRef` names no Pipeline (its `name` is empty)".to_string()
            } else {
                format!("Pipeline `{name}` is not in the repository")
            };
            report(
                at,
                format!(
                    "{what}: cross-file timeout checks are skipped for {}",
                    m.describe()
                ),
            );
        }
        for t in m.all_tasks() {
            if let TaskTarget::Unresolved { name, ref_kind, at } = &t.target {
                report(at, unresolved_task(name, ref_kind));
            }
        }
    }
    for r in &scope.task_runs {
        if let TaskTarget::Unresolved { name, ref_kind, at } = &r.target {
            report(at, unresolved_task(name, ref_kind));
        }
    }
}

fn unresolved_task(name: &str, ref_kind: &str) -> String {
    if name.is_empty() {
        "`taskRef` names no Task (its `name` is empty): its step timeouts are not checked"
            .to_string()
    } else {
        format!("{ref_kind} `{name}` is not in the repository: its step timeouts are not checked")
    }
}
