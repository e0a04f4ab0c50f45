//! POL001 exceeds-cap: an effective timeout (a Tekton run's budget or a task's timeout, a
//! Job's deadline, an orchestrator step's timeout per attempt, and every later family's)
//! above the cap the policy sets for it. What is judged, and where, is the model's
//! ([`crate::model::policy::over_cap`]): a run's budget bounds its tasks, so a task is
//! judged only under a run with no timeout, or in a Pipeline no run in the repository runs.

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::Object;
use crate::model::policy::over_cap;
use crate::model::value::{human, show};
use crate::model::Place;
use crate::rule_doc;
use crate::rules::{Check, Context, FixAvailability, Rule, RuleMeta};

use super::{emit, PolicyFinding};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "POL001",
        name: "exceeds-cap",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "An effective timeout (run budget, task timeout, Job deadline, orchestrator step) is above the cap the policy in .cutoff.yaml sets for it",
        doc: rule_doc!("POL001"),
    },
    check: Check::Object(check),
};

fn check(cx: &Context<'_>, object: &Object<'_>, out: &mut Vec<Diagnostic>) {
    if cx.config.policy.is_empty() {
        return;
    }
    let mut findings = Vec::new();
    for e in cx.model.policed().in_file(&cx.file.path) {
        let Some(o) = over_cap(e) else {
            continue;
        };
        let value = o.value.canonical();
        // "explicit (deprecated spec.timeout)" → "deprecated spec.timeout".
        let origin = e
            .origin
            .strip_prefix("explicit (")
            .and_then(|o| o.strip_suffix(')'))
            .unwrap_or(e.origin);
        let mut notes: Vec<String> = human(o.value).into_iter().collect();
        if origin != "explicit" {
            notes.push(origin.to_string());
        }
        if let Some(n) = e.attempts {
            notes.push(match o.value.checked_mul(n) {
                Some(total) => format!("{n} attempts, {} in all", total.canonical()),
                None => format!("{n} attempts"),
            });
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        let per = if e.attempts.is_some() {
            " per attempt"
        } else {
            ""
        };
        let cap = show(o.cap.value);
        let src = o.cap.source();
        let message = match o.by {
            Some(by) => format!(
                "{} is above the cap of {cap} set by {src}, and the run has no timeout (\"0\") to cut its tasks shorter",
                by.what
            ),
            None if e.origin == "cluster default" => format!(
                "{} sets no timeout, so it runs under the cluster default of {value}, above the cap of {cap} set by {src}",
                e.describe()
            ),
            None => format!(
                "{} has a timeout of {value}{per}{notes}, above the cap of {cap} set by {src}",
                e.describe()
            ),
        };
        let help = if o.at == e.object {
            format!(
                "set {} to {cap} or less; if it needs longer, give it a cap of its own under `policy.names`",
                e.subject.timeout_field()
            )
        } else {
            format!(
                "lower it to {cap} or less; if it needs longer, give it a cap of its own under `policy.names`"
            )
        };
        findings.push(PolicyFinding {
            entry: e,
            places: vec![
                Place::new(&o.at, format!("{value}, above the cap of {cap}")),
                Place::new(&e.object, e.describe()),
            ],
            message,
            help,
        });
    }
    emit(cx, object, &RULE, findings, out);
}
