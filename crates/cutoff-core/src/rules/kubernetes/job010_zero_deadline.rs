//! JOB010 zero-deadline: `activeDeadlineSeconds: 0`.
//!
//! Facts (docs/kubernetes-timeouts.md, "Is `activeDeadlineSeconds: 0` rejected?"): at Job
//! level, validation only rejects negative values, and the controller counts the deadline
//! as passed once `now − startTime ≥ 0`: the Job fails with `DeadlineExceeded` as soon as it
//! starts. At pod level, 0 is rejected (`must be between 1 and 2147483647, inclusive`).
//! One root cause, one finding: the other deadline rules stay silent on a zero deadline.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rule_doc;
use crate::rules::kubernetes::KubernetesContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB010",
        name: "zero-deadline",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "`activeDeadlineSeconds: 0`: the Job fails as soon as it starts (Job level), or the object is rejected (pod level)",
        doc: rule_doc!("JOB010"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let path = cx
        .object
        .job
        .as_ref()
        .map(|s| s.path.as_str())
        .unwrap_or("spec");
    if let (Some(0), Some(at)) = (j.deadline.value, j.deadline.at.as_deref()) {
        let d = cx.report(
            &RULE,
            &[(at, String::new())],
            format!(
                "`{path}.activeDeadlineSeconds: 0` fails the Job as soon as it starts: the deadline counts from the Job's start, and 0 seconds have passed by then (reason `DeadlineExceeded`)"
            ),
        );
        cx.push(
            out,
            d,
            "set the longest the Job may run, retries included, in seconds; remove the field for no deadline",
            None,
        );
    }
    if let (Some(0), Some(at)) = (j.pod_deadline.value, j.pod_deadline.at.as_deref()) {
        let d = cx.report(
            &RULE,
            &[(at, String::new())],
            format!(
                "`{path}.template.spec.activeDeadlineSeconds: 0` is rejected by the API server: `must be between 1 and 2147483647, inclusive`"
            ),
        );
        cx.push(
            out,
            d,
            "set how long one Pod may run, in seconds (at least 1), or remove the field",
            None,
        );
    }
}
