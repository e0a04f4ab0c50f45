//! JOB006 prestop-exceeds-grace: a `preStop` hook that sleeps at least as long as the
//! pod's effective grace period (30 s when unset), in any pod template (Jobs, CronJobs and
//! the long-running kinds).
//!
//! Facts (docs/kubernetes-timeouts.md, "Does the preStop hook get its own time?" and "When
//! is a `preStop.sleep` rejected?"): the grace period covers the hook and the container's
//! own shutdown together. The API server rejects `sleep.seconds` greater than the grace
//! period, after defaulting it to 30 (`must be non-negative and less than
//! terminationGracePeriodSeconds (N)` since Kubernetes 1.33); a value equal to it is
//! admitted but leaves no time for SIGTERM; an exec `sleep N` is never checked. A hook
//! still running when the grace period ends is cut short, and the kubelet gives the
//! container a one-off 2 s before SIGKILL. With a
//! grace period of 0 the kubelet skips the hook (JOB015), but a positive `sleep.seconds`
//! is still rejected. The fix (unsafe) raises the grace period to the hook's time plus 30 s
//! for the container's own shutdown, and the grace promises of the Job with it.

use crate::config::kubernetes::Promise;
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::kubernetes::{JobModel, Origin};
use crate::rule_doc;
use crate::rules::kubernetes::{fixes, secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB006",
        name: "prestop-exceeds-grace",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Unsafe,
        fix_title: Some("raise the grace period to the hook's time plus 30 s"),
        summary: "A preStop `sleep` (action or exec `sleep N`) at least as long as the effective grace period (30 s when unset): rejected, or no time left for SIGTERM",
        doc: rule_doc!("JOB006"),
    },
    check: Check::Kubernetes(check),
};

/// Time the container keeps for its own shutdown after the hook, in the fix.
const SHUTDOWN: i64 = 30;

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.workload() else { return };
    let Some(g) = j.grace.value else { return };
    let grace = match j.grace.origin {
        Origin::Default => format!(
            "{} (the default: no `terminationGracePeriodSeconds`)",
            secs(g)
        ),
        _ => secs(g),
    };
    let longest = j
        .pre_stops
        .iter()
        .filter_map(|p| p.sleep.as_ref().or(p.exec_sleep.as_ref()).map(|s| s.0))
        .max()
        .unwrap_or(0);
    for p in &j.pre_stops {
        let grace_at = j
            .grace
            .at
            .as_deref()
            .map(|at| (at, format!("`terminationGracePeriodSeconds: {g}`")));
        if let Some((s, at)) = &p.sleep {
            let s = *s;
            let message = if s > g {
                format!(
                    "container `{}`: `preStop.sleep.seconds: {s}` is longer than the grace period, {grace}: rejected by the API server (`must be non-negative and less than terminationGracePeriodSeconds ({g})`)",
                    p.container
                )
            } else if s == g && g > 0 {
                format!(
                    "container `{}`: `preStop.sleep.seconds: {s}` uses the whole grace period, {grace}: admitted, but the container gets SIGTERM only when the grace period is over, and SIGKILL about 2 s later: no time to shut down",
                    p.container
                )
            } else {
                continue;
            };
            let places: Vec<_> =
                std::iter::once((at, format!("preStop of container `{}`", p.container)))
                    .chain(grace_at)
                    .collect();
            let d = cx.report(&RULE, &places, message);
            cx.push(out, d, help(s), fix(cx, j, longest));
        } else if let Some((s, at)) = &p.exec_sleep {
            let s = *s;
            if g == 0 || s < g {
                continue;
            }
            let how = if s > g {
                format!(
                    "the hook is cut short {} in, and the container gets SIGTERM then and SIGKILL about 2 s later: no time to shut down",
                    secs(g)
                )
            } else {
                "the container gets SIGTERM only when the grace period is over, and SIGKILL about 2 s later: no time to shut down".to_string()
            };
            let message = format!(
                "container `{}`: the preStop command sleeps {}, at least the grace period, {grace}: the hook and the container's shutdown share the grace period, so {how} (the API server does not check exec hooks)",
                p.container,
                secs(s)
            );
            let places: Vec<_> =
                std::iter::once((at, format!("preStop of container `{}`", p.container)))
                    .chain(grace_at)
                    .collect();
            let d = cx.report(&RULE, &places, message);
            cx.push(out, d, help(s), fix(cx, j, longest));
        }
    }
}

fn help(s: i64) -> String {
    format!(
        "set `terminationGracePeriodSeconds` to the hook's {s} s plus the time the container needs to stop (e.g. {}), or shorten the hook",
        s + SHUTDOWN
    )
}

/// Raises the grace period to `longest + 30`, and the grace promises with it, when every
/// promise is in this object and no relation rule starts to fire.
fn fix(cx: &KubernetesContext<'_>, j: &JobModel, longest: i64) -> Option<Fix> {
    let new = longest.checked_add(SHUTDOWN)?;
    if fixes::worse(
        j,
        j.deadline.value,
        Some(new),
        j.restart_policy.value.as_deref(),
    ) {
        return None;
    }
    let mut edits = vec![fixes::set_grace(cx, j, new)?];
    for p in j.promises(Promise::Grace) {
        if p.value.is_none_or(|v| v == new) {
            continue;
        }
        edits.push(fixes::set_text(cx, &p.at, new)?);
    }
    Some(Fix::unsafe_(
        format!("set `terminationGracePeriodSeconds: {new}`"),
        edits,
    ))
}
