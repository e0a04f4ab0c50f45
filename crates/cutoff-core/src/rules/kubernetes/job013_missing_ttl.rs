//! JOB013 missing-ttl: a standalone Job without `ttlSecondsAfterFinished`, or a TTL inside a
//! CronJob's `jobTemplate` (kube-linter's `job-ttl-seconds-after-finished`). Off by default;
//! on with `extend-select` or `preset: strict`.
//!
//! Facts (docs/kubernetes-timeouts.md, "What does `ttlSecondsAfterFinished` do?"): without a
//! TTL a finished Job and its Pods stay until someone deletes them. A CronJob keeps its
//! finished Jobs by its history limits (3 succeeded, 1 failed by default); a TTL deletes them
//! regardless. Hook Jobs (`argocd.argoproj.io/hook`, `helm.sh/hook` and their
//! `…/hook-delete-policy`) are deleted by their hook mechanism (before the next run of the
//! hook when no policy is named) and left alone; a missing TTL is never reported on a
//! partial object.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::{secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB013",
        name: "missing-ttl",
        severity: Severity::Info,
        enabled_by_default: false,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A standalone Job without `ttlSecondsAfterFinished` (never cleaned up), or a TTL in a CronJob jobTemplate (conflicts with the history limits)",
        doc: rule_doc!("JOB013"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    if j.is_cron() {
        let (Some(t), Some(at)) = (j.ttl.value, j.ttl.at.as_deref()) else {
            return;
        };
        let message = format!(
            "`ttlSecondsAfterFinished` ({}) in a CronJob's `jobTemplate`: the TTL controller deletes each finished Job after {}, whatever `successfulJobsHistoryLimit` and `failedJobsHistoryLimit` keep",
            secs(t),
            secs(t)
        );
        cx.push(
            out,
            cx.report(&RULE, &[(at, String::new())], message),
            "let the history limits decide how many finished Jobs to keep, and remove the TTL",
            None,
        );
        return;
    }
    if !j.may_report_missing() || j.ttl.origin != Origin::Unset || j.hook.is_some() {
        return;
    }
    let message = "the Job has no `spec.ttlSecondsAfterFinished`: once finished, it and its Pods stay in the cluster until someone deletes them";
    cx.push(
        out,
        cx.report(&RULE, &[(&j.spec_at, String::new())], message),
        "set `spec.ttlSecondsAfterFinished` (e.g. 86400: a day to read the logs), or let a hook delete policy remove it",
        None,
    );
}
