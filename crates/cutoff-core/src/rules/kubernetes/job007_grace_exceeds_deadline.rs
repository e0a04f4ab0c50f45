//! JOB007 grace-exceeds-deadline: a grace period at least as long as the Job's or the
//! pod's `activeDeadlineSeconds`.
//!
//! Facts (docs/kubernetes-timeouts.md): when a deadline passes, the Pods are stopped with
//! their grace period; a grace period as long as the deadline lets stopping take as long
//! as running did. Compared with the shorter of the two deadlines; a zero deadline is
//! JOB010's alone.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::{secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB007",
        name: "grace-exceeds-deadline",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary:
            "The grace period is at least as long as the Job's or the pod's `activeDeadlineSeconds`",
        doc: rule_doc!("JOB007"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let Some(g) = j.grace.value else { return };
    let job = j
        .deadline
        .value
        .filter(|d| *d > 0)
        .map(|d| (d, &j.deadline, "Job"));
    let pod = j
        .pod_deadline
        .value
        .filter(|d| *d > 0)
        .map(|d| (d, &j.pod_deadline, "pod"));
    let shortest = match (job, pod) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    };
    let Some((d, setting, level)) = shortest else {
        return;
    };
    if g < d {
        return;
    }
    let Some(d_at) = setting.at.as_deref() else {
        return;
    };
    let grace = match j.grace.origin {
        Origin::Default => format!("{} (the default)", secs(g)),
        _ => secs(g),
    };
    let mut places = Vec::new();
    if let Some(at) = j.grace.at.as_deref() {
        places.push((at, format!("`terminationGracePeriodSeconds: {g}`")));
    }
    places.push((d_at, format!("{level}-level `activeDeadlineSeconds: {d}`")));
    let stopped = if level == "Job" {
        "the Job's Pods"
    } else {
        "a Pod"
    };
    let message = format!(
        "the grace period, {grace}, is not shorter than the {level}-level `activeDeadlineSeconds` ({}): once the deadline passes, {stopped} may take another {} to stop, at least as long as {} was allowed to run",
        secs(d),
        secs(g),
        if level == "Job" { "the Job" } else { "the Pod" }
    );
    let d = cx.report(&RULE, &places, message);
    cx.push(
        out,
        d,
        "give the deadline room for the work: make the grace period a small part of it (lower `terminationGracePeriodSeconds` or raise `activeDeadlineSeconds`)",
        None,
    );
}
