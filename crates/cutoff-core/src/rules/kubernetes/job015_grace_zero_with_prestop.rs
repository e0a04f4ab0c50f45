//! JOB015 grace-zero-with-prestop: `terminationGracePeriodSeconds: 0` with a `preStop` hook, in
//! any pod template (Jobs, CronJobs and the long-running kinds).
//!
//! Facts (docs/kubernetes-timeouts.md, "How does Pod termination use its time?"): the
//! kubelet runs a preStop hook only when there is grace time left; at 0 it skips the hook
//! and kills the container. A `preStop.sleep` with positive seconds is rejected at grace 0:
//! that is JOB006's.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rule_doc;
use crate::rules::kubernetes::KubernetesContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB015",
        name: "grace-zero-with-prestop",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "`terminationGracePeriodSeconds: 0` with a preStop hook: the hook never runs",
        doc: rule_doc!("JOB015"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.workload() else { return };
    let (Some(0), Some(at)) = (j.grace.value, j.grace.at.as_deref()) else {
        return;
    };
    let hooks: Vec<_> = j
        .pre_stops
        .iter()
        .filter(|p| p.sleep.as_ref().is_none_or(|s| s.0 <= 0))
        .collect();
    let Some(first) = hooks.first() else { return };
    let containers: Vec<String> = hooks.iter().map(|p| format!("`{}`", p.container)).collect();
    let message = format!(
        "`terminationGracePeriodSeconds: 0` with a preStop hook (container {}): with no grace period the kubelet skips the hook and stops the container right away",
        containers.join(", ")
    );
    let places = [
        (at, "`terminationGracePeriodSeconds: 0`".to_string()),
        (&first.at, "preStop hook".to_string()),
    ];
    cx.push(
        out,
        cx.report(&RULE, &places, message),
        "give the Pod a grace period longer than the hook needs, or remove the hook",
        None,
    );
}
