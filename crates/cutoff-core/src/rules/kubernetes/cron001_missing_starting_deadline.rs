//! CRON001 missing-starting-deadline: a CronJob without `startingDeadlineSeconds`
//! (kube-score's `cronjob-has-deadline`). Off by default; on with `extend-select` or
//! `preset: strict`.
//!
//! Facts (docs/kubernetes-timeouts.md, "What does `startingDeadlineSeconds` do?"): unset
//! means no deadline: a run missed while the controller was down, or while the CronJob was
//! suspended, starts whenever the controller gets to it, however late.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::KubernetesContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CRON001",
        name: "missing-starting-deadline",
        severity: Severity::Warning,
        enabled_by_default: false,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A CronJob without `startingDeadlineSeconds`: a missed run starts however late",
        doc: rule_doc!("CRON001"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let Some(c) = &j.cron else { return };
    if !j.may_report_missing() || c.starting_deadline.origin != Origin::Unset {
        return;
    }
    let message = "the CronJob has no `spec.startingDeadlineSeconds`: a run missed while the controller was down or the CronJob suspended starts whenever the controller gets to it, however late";
    cx.push(
        out,
        cx.report(&RULE, &[(&c.spec_at, String::new())], message),
        "set `spec.startingDeadlineSeconds` to how late a run may still start (at least 10)",
        None,
    );
}
