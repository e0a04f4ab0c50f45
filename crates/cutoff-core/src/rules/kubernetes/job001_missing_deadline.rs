//! JOB001 missing-deadline: a Job (or a CronJob's `jobTemplate`) with no Job-level
//! `activeDeadlineSeconds`. Off by default: almost every real Job omits it (see the
//! README's "Kubernetes workloads"); on with `extend-select` or `preset: strict`.
//!
//! Facts (docs/kubernetes-timeouts.md): only the Job-level deadline bounds the whole Job,
//! retries and back-off included; a pod-level deadline bounds one Pod, and the Job creates
//! new Pods up to `backoffLimit` times. Never reported on a partial object (a Kustomize
//! patch, or a pod template without images): its base may set the deadline.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::{secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB001",
        name: "missing-deadline",
        severity: Severity::Warning,
        enabled_by_default: false,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A Job (or CronJob jobTemplate) has no Job-level `activeDeadlineSeconds`: nothing bounds how long it runs",
        doc: rule_doc!("JOB001"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    if !j.may_report_missing() || j.deadline.origin != Origin::Unset {
        return;
    }
    let path = cx
        .object
        .job
        .as_ref()
        .map(|s| s.path.as_str())
        .unwrap_or("spec");
    let what = if j.is_cron() {
        "the Jobs of this CronJob have"
    } else {
        "this Job has"
    };
    let pod = match j.pod_deadline.value.filter(|d| *d > 0) {
        Some(p) => format!(
            "; the pod-level deadline ({}) bounds one Pod, and the Job replaces failed Pods",
            secs(p)
        ),
        None => String::new(),
    };
    let d = cx.report(
        &RULE,
        &[(&j.spec_at, String::new())],
        format!("{what} no `{path}.activeDeadlineSeconds`: nothing stops a run that hangs{pod}"),
    );
    cx.push(
        out,
        d,
        format!(
            "set `{path}.activeDeadlineSeconds` to the longest a run may take, retries included"
        ),
        None,
    );
}
