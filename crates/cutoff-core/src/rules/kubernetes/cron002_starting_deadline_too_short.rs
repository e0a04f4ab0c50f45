//! CRON002 starting-deadline-too-short: `startingDeadlineSeconds` below 10.
//!
//! Facts (docs/kubernetes-timeouts.md, "What does `startingDeadlineSeconds` do?"): the
//! CronJob controller requeues each CronJob for its next scheduled time (plus 100 ms) and
//! skips a run, with a Warning event `MissSchedule`, whenever it reaches it later than
//! `startingDeadlineSeconds` after the scheduled time: a controller restart, a leader
//! election or a busy queue is enough. The CronJob docs warn that values under 10 may keep
//! runs from being scheduled. The fix (unsafe: it changes which late runs still start) sets 10.

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::kubernetes::MIN_STARTING_DEADLINE;
use crate::rule_doc;
use crate::rules::kubernetes::{fixes, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CRON002",
        name: "starting-deadline-too-short",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::Unsafe,
        fix_title: Some("set `startingDeadlineSeconds: 10`"),
        summary: "`startingDeadlineSeconds` < 10: any controller delay longer than that skips the run (`MissSchedule`)",
        doc: rule_doc!("CRON002"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let Some(c) = &j.cron else { return };
    let (Some(n), Some(at)) = (c.starting_deadline.value, c.starting_deadline.at.as_deref()) else {
        return;
    };
    if !(0..MIN_STARTING_DEADLINE).contains(&n) {
        return;
    }
    let unit = if n == 1 { "second" } else { "seconds" };
    let message = format!(
        "`startingDeadlineSeconds: {n}`: a run the CronJob controller reaches more than {n} {unit} after its scheduled time (a controller restart, a leader election, a busy queue) is skipped with a `MissSchedule` event; the CronJob documentation warns that values under 10 may keep runs from being scheduled"
    );
    let fix = fixes::set_number(cx, at, MIN_STARTING_DEADLINE)
        .map(|e| Fix::unsafe_("set `startingDeadlineSeconds: 10`", vec![e]));
    cx.push(
        out,
        cx.report(&RULE, &[(at, String::new())], message),
        "allow at least 10 seconds, more if a late run is still worth starting",
        fix,
    );
}
