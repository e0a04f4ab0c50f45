//! CRON003 job-outlives-schedule: a CronJob whose runs may last longer than the shortest
//! interval of its schedule (Job deadline + grace period), or that has no Job deadline at
//! all under `concurrencyPolicy: Forbid`.
//!
//! Facts (docs/kubernetes-timeouts.md, "What do `concurrencyPolicy` values do?"): when a run
//! falls due while an earlier Job is still active, `Allow` starts both (overlap), `Forbid`
//! skips the new one, `Replace` cancels the running one. The interval comes from an exact
//! reading of the schedule (model/kubernetes/cron.rs), ignoring daylight-saving shifts.
//! Info under `Forbid` (a skipped run is what Forbid is for), warning otherwise. A zero
//! deadline is JOB010's alone.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::{secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CRON003",
        name: "job-outlives-schedule",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A CronJob's Job deadline (+ grace) is longer than the shortest interval of its schedule (overlapping, skipped or killed runs), or there is no deadline under Forbid",
        doc: rule_doc!("CRON003"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let Some(c) = &j.cron else { return };
    let (Some(interval), Some(policy), Some(sched_at)) = (
        c.interval,
        c.concurrency_policy.value.as_deref(),
        c.schedule.at.as_deref(),
    ) else {
        return;
    };
    let interval = interval as i64;
    let schedule = c.schedule.value.as_deref().unwrap_or("");
    let policy_text = match c.concurrency_policy.origin {
        Origin::Default => "`concurrencyPolicy: Allow` (the default)".to_string(),
        _ => format!("`concurrencyPolicy: {policy}`"),
    };
    let sched_label = (
        sched_at,
        format!(
            "`schedule: {schedule}` runs every {} at the shortest",
            secs(interval)
        ),
    );
    let severity = if policy == "Forbid" {
        Severity::Info
    } else {
        Severity::Warning
    };
    match (
        j.deadline.value,
        j.deadline.at.as_deref(),
        j.deadline.origin,
    ) {
        (Some(d), Some(d_at), _) if d > 0 => {
            let Some(g) = j.grace.value else { return };
            let total = d.saturating_add(g);
            if total <= interval {
                return;
            }
            let effect = match policy {
                "Forbid" => format!(
                    "a run that lasts longer than {} makes the next one be skipped",
                    secs(interval)
                ),
                "Replace" => format!(
                    "the next run cancels one that lasts longer than {}, so it never finishes",
                    secs(interval)
                ),
                _ => format!(
                    "a run that lasts longer than {} overlaps the next one",
                    secs(interval)
                ),
            };
            let grace = match j.grace.origin {
                Origin::Default => format!("{} (the default)", secs(g)),
                _ => secs(g),
            };
            let message = format!(
                "a run may last up to `activeDeadlineSeconds` {} + grace period {grace} = {}, longer than the {} between runs of `{schedule}`; with {policy_text}, {effect}",
                secs(d),
                secs(total),
                secs(interval)
            );
            let places = [(d_at, format!("`activeDeadlineSeconds: {d}`")), sched_label];
            if let Some(mut diag) = cx.report(&RULE, &places, message) {
                diag.severity = severity;
                out.push(diag.help(format!(
                    "keep `activeDeadlineSeconds` + the grace period under {} (the shortest interval), or run the CronJob less often",
                    secs(interval)
                )));
            }
        }
        (None, _, Origin::Unset) if policy == "Forbid" && j.may_report_missing() => {
            let at = c.concurrency_policy.at.as_deref().unwrap_or(sched_at);
            let message = format!(
                "the Jobs of this CronJob have no `activeDeadlineSeconds` and `concurrencyPolicy: Forbid` skips every run due while one is active: a run that hangs blocks all later runs (every {} at the shortest)",
                secs(interval)
            );
            let places = [
                (at, "`concurrencyPolicy: Forbid`".to_string()),
                (sched_at, format!("`schedule: {schedule}`")),
            ];
            if let Some(mut diag) = cx.report(&RULE, &places, message) {
                diag.severity = severity;
                out.push(diag.help(format!(
                    "set `spec.jobTemplate.spec.activeDeadlineSeconds` below {} so a hung run ends before the next is due",
                    secs(interval)
                )));
            }
        }
        _ => {}
    }
}
