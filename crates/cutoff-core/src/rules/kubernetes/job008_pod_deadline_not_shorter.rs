//! JOB008 pod-deadline-not-shorter: a pod-level `activeDeadlineSeconds` that can never fire
//! before the Job-level one, or that stands alone.
//!
//! Facts (docs/kubernetes-timeouts.md, "What does pod-level `activeDeadlineSeconds` do?"):
//! the Job's clock starts when the Job starts, before any Pod, so a pod deadline at least
//! as long as the Job's never fires first. A pod deadline alone bounds one Pod; a Pod that
//! hits it counts as a failure and the Job starts another, up to `backoffLimit` times, so
//! the Job as a whole runs for about pod deadline × (backoffLimit + 1), plus the back-off.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::{secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB008",
        name: "pod-deadline-not-shorter",
        severity: Severity::Info,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A pod-level `activeDeadlineSeconds` not shorter than the Job-level one (it never fires first), or alone (the Job runs about pod deadline × (backoffLimit+1))",
        doc: rule_doc!("JOB008"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let (Some(p), Some(p_at)) = (j.pod_deadline.value, j.pod_deadline.at.as_deref()) else {
        return;
    };
    if p <= 0 {
        return;
    }
    match (
        j.deadline.value,
        j.deadline.at.as_deref(),
        j.deadline.origin,
    ) {
        (Some(0), ..) => {} // JOB010's alone
        (Some(d), Some(d_at), _) if p >= d => {
            let message = format!(
                "the pod-level `activeDeadlineSeconds` ({}) is not shorter than the Job-level one ({}): the Job's clock starts first, so the pod deadline never fires",
                secs(p),
                secs(d)
            );
            let places = [
                (p_at, format!("pod-level `activeDeadlineSeconds: {p}`")),
                (d_at, format!("Job-level `activeDeadlineSeconds: {d}`")),
            ];
            cx.push(
                out,
                cx.report(&RULE, &places, message),
                "make the pod deadline shorter than the Job's (a bound per attempt), or remove it",
                None,
            );
        }
        (None, _, Origin::Unset) => {
            let Some(limit) = j.backoff_limit.value else {
                return;
            };
            let attempts = limit.saturating_add(1);
            let total = p.saturating_mul(attempts);
            let back_off = match &j.back_off {
                Some(b) => format!(", plus {} of back-off between attempts", secs(b.total)),
                None => String::new(),
            };
            let limit_text = match j.backoff_limit.origin {
                Origin::Default => format!("{limit} (the default)"),
                _ => limit.to_string(),
            };
            let message = format!(
                "only a pod-level `activeDeadlineSeconds` ({}): it stops one Pod, and with `backoffLimit: {limit_text}` the Job starts up to {attempts} Pods, so it may run about {}{back_off}",
                secs(p),
                secs(total)
            );
            cx.push(
                out,
                cx.report(&RULE, &[(p_at, String::new())], message),
                "set a Job-level `activeDeadlineSeconds` to bound the whole Job, retries included",
                None,
            );
        }
        _ => {}
    }
}
