//! JOB014 ttl-too-short: `ttlSecondsAfterFinished` below a minimum (`kubernetes.min-ttl-seconds`,
//! 60 by default).
//!
//! Facts (docs/kubernetes-timeouts.md, "What does `ttlSecondsAfterFinished` do?"): the Job is
//! deleted that many seconds after it finishes, its Pods with it, so their status and logs
//! are gone before anyone (or a Helm or Argo CD hook waiter) reads them.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rule_doc;
use crate::rules::kubernetes::{secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB014",
        name: "ttl-too-short",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "`ttlSecondsAfterFinished` below a configurable minimum (60 s by default): the Job, its status and its Pods' logs vanish before anyone reads them",
        doc: rule_doc!("JOB014"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let min = cx.config.kubernetes.min_ttl_seconds;
    let (Some(t), Some(at)) = (j.ttl.value, j.ttl.at.as_deref()) else {
        return;
    };
    if t < 0 || t >= min {
        return;
    }
    let when = if t == 0 {
        "as soon as it finishes".to_string()
    } else {
        format!("{} after it finishes", secs(t))
    };
    let message = format!(
        "`ttlSecondsAfterFinished: {t}` deletes the Job and its Pods {when}, under the {} minimum (`kubernetes.min-ttl-seconds`): its status and logs are gone before anyone can read them",
        secs(min)
    );
    cx.push(
        out,
        cx.report(&RULE, &[(at, String::new())], message),
        format!("raise it to at least {min}, or lower `kubernetes.min-ttl-seconds` if nothing reads finished Jobs"),
        None,
    );
}
