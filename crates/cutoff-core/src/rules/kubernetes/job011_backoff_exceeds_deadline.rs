//! JOB011 backoff-exceeds-deadline: the waits between retries that `backoffLimit` allows
//! add up, on their own, to more than the Job's deadline.
//!
//! Facts (docs/kubernetes-timeouts.md, "How are failed Jobs retried?"): with
//! `restartPolicy: Never` the Job controller waits 10 s, 20 s, 40 s… before each
//! replacement Pod, capped at 10 minutes (`MaxJobPodFailureBackOff`; the docs say 6: the
//! code runs); with `OnFailure` the kubelet restarts the container in place after its
//! crash-loop back-off, 10 s doubling up to 5 minutes. The deadline counts from the Job's
//! start, back-off included, so the last retries can never start. A zero deadline is
//! JOB010's alone.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kubernetes::{BackOff, Origin};
use crate::rule_doc;
use crate::rules::kubernetes::{secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB011",
        name: "backoff-exceeds-deadline",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "The retry back-off alone (10 s doubling per failure, capped) for `backoffLimit` retries exceeds the Job's deadline",
        doc: rule_doc!("JOB011"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let (Some(b), Some(d), Some(d_at)) = (&j.back_off, j.deadline.value, j.deadline.at.as_deref())
    else {
        return;
    };
    if d <= 0 || b.total <= d {
        return;
    }
    let limit = match j.backoff_limit.origin {
        Origin::Default => format!("`backoffLimit` {} (the default)", b.retries),
        _ => format!("`backoffLimit: {}`", b.retries),
    };
    let pacing = if b.restart_policy == "OnFailure" {
        "with `restartPolicy: OnFailure` the kubelet restarts the container after 10 s, 20 s, 40 s… (crash-loop back-off, at most 5 min each)"
    } else {
        "the Job controller waits 10 s, 20 s, 40 s… before each new Pod (at most 10 min each)"
    };
    let fit = BackOff::retries_within(d, b.cap);
    let message = format!(
        "{limit} allows {} retries, and {pacing}: the waits alone add up to {}, more than `activeDeadlineSeconds` ({}), so at most {fit} of the retries can start before the deadline stops the Job",
        b.retries,
        secs(b.total),
        secs(d)
    );
    let mut places = Vec::new();
    if let Some(at) = j.backoff_limit.at.as_deref() {
        places.push((at, format!("`backoffLimit: {}`", b.retries)));
    }
    places.push((d_at, format!("`activeDeadlineSeconds: {d}`")));
    cx.push(
        out,
        cx.report(&RULE, &places, message),
        format!(
            "set `backoffLimit: {fit}` (the retries that fit), or raise `activeDeadlineSeconds` above {} plus the time the attempts themselves run",
            secs(b.total)
        ),
        None,
    );
}
