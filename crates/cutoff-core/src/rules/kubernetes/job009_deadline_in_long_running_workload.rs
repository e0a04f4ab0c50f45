//! JOB009 deadline-in-long-running-workload: `activeDeadlineSeconds` in the pod template of a
//! Deployment, ReplicaSet, StatefulSet or DaemonSet.
//!
//! Facts (docs/kubernetes-timeouts.md, "What does pod-level `activeDeadlineSeconds` do, and
//! where is it allowed?"): the apps validation rejects it with a `Forbidden` error; a
//! Deployment gets the ReplicaSet wording. The fix removes the field (safe: the object is
//! rejected as written, so nothing that runs depends on it).

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::edit;
use crate::manifest::kubernetes::Kind;
use crate::rule_doc;
use crate::rules::kubernetes::KubernetesContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB009",
        name: "deadline-in-long-running-workload",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("remove `activeDeadlineSeconds`"),
        summary: "Pod-template `activeDeadlineSeconds` in a Deployment, ReplicaSet, StatefulSet or DaemonSet (rejected by the API server)",
        doc: rule_doc!("JOB009"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let o = cx.object;
    let wording = match o.kind {
        Kind::Deployment | Kind::ReplicaSet => "ReplicaSet",
        Kind::StatefulSet => "StatefulSet",
        Kind::DaemonSet => "DaemonSet",
        Kind::Job | Kind::CronJob => return,
    };
    let Some(pod) = &o.pod else { return };
    let Some(f) = pod.active_deadline else { return };
    if f.entry.value.is_null() {
        return;
    }
    let raw = cx.src().get(f.entry.value.span().range()).unwrap_or("");
    let deployment = if o.kind == Kind::Deployment {
        " (Deployments are checked as ReplicaSets)"
    } else {
        ""
    };
    let message = format!(
        "`{}.activeDeadlineSeconds: {raw}` in a {} is rejected by the API server: `Forbidden: activeDeadlineSeconds in {wording} is not Supported`{deployment}; a long-running workload's Pods must not stop on a deadline",
        pod.path,
        o.kind.as_str()
    );
    let fix = edit::delete_entry(cx.path(), cx.src(), pod.node, f.entry.key, f.entry.value)
        .map(|e| Fix::safe("remove `activeDeadlineSeconds`", vec![e]));
    out.push(
        cx.diag(&RULE, f.entry.key.span(), message)
            .help("remove it; to bound one-off work, run it as a Job")
            .with_fix(fix),
    );
}
