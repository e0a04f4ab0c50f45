//! JOB004 grace-annotation-mismatch: a grace-period annotation or env var (by default a key
//! ending in `/grace-period-seconds`, an env var named `*_GRACE_PERIOD` or
//! `*_GRACE_PERIOD_SECONDS`) that disagrees with the pod's effective
//! `terminationGracePeriodSeconds` (30 when unset).
//!
//! Facts (docs/kubernetes-timeouts.md, "How does Pod termination use its time?"): the kubelet
//! kills the container when the grace period ends, whatever the shutdown handler is doing.
//! A promise of more time than the pod gets means a handler that relies on it is killed.
//! One finding per promised value; the fix (unsafe: it changes how long Pods may take to
//! stop) sets the grace period to the promise, when every grace promise agrees.

use crate::config::kubernetes::Promise;
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::kubernetes::{Origin, PromiseSite};
use crate::rule_doc;
use crate::rules::kubernetes::{fixes, secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB004",
        name: "grace-annotation-mismatch",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Unsafe,
        fix_title: Some("set `terminationGracePeriodSeconds` to the promised value"),
        summary: "A grace-period annotation or env var disagrees with the pod's effective `terminationGracePeriodSeconds` (30 when unset)",
        doc: rule_doc!("JOB004"),
    },
    check: Check::Kubernetes(check),
};

fn names(sites: &[&PromiseSite]) -> String {
    let mut v: Vec<String> = sites.iter().map(|s| s.describe()).collect();
    match v.len() {
        0 | 1 => v.pop().unwrap_or_default(),
        _ => {
            let last = v.pop().unwrap_or_default();
            format!("{} and {last}", v.join(", "))
        }
    }
}

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let Some(g) = j.grace.value else { return };
    let promises: Vec<&PromiseSite> = j
        .promises(Promise::Grace)
        .filter(|p| p.value.is_some())
        .collect();
    let mut values: Vec<i64> = promises.iter().filter_map(|p| p.value).collect();
    values.sort_unstable();
    values.dedup();
    let pod_path = cx
        .object
        .pod_spec()
        .map(|p| p.path.clone())
        .unwrap_or_else(|| "spec.template.spec".into());
    let field = format!("{pod_path}.terminationGracePeriodSeconds");
    let gets = match j.grace.origin {
        Origin::Default => format!("{} (the default: no `{field}`)", secs(g)),
        Origin::Base => format!("{} (`{field}` in the Kustomize base)", secs(g)),
        _ => format!("{} (`{field}`)", secs(g)),
    };
    for &v in values.iter().filter(|v| **v != g) {
        let sites: Vec<&PromiseSite> = promises
            .iter()
            .copied()
            .filter(|p| p.value == Some(v))
            .collect();
        let mut places: Vec<(&crate::model::Loc, String)> = sites
            .iter()
            .map(|s| (&s.at, format!("{} promises {}", s.describe(), secs(v))))
            .collect();
        if let Some(at) = j.grace.at.as_deref() {
            places.push((at, format!("`terminationGracePeriodSeconds: {g}`")));
        }
        let verb = if sites.len() == 1 {
            "promises"
        } else {
            "promise"
        };
        let consequence = if v > g {
            format!(
                "a shutdown that needs the promised time is killed after {}",
                secs(g)
            )
        } else {
            format!(
                "Pods may take up to {} to stop, not the promised {}",
                secs(g),
                secs(v)
            )
        };
        let message = format!(
            "{} {verb} a {} grace period, but the pod gets {gets}: {consequence}",
            names(&sites),
            secs(v),
        );
        let fix = (values.len() == 1
            && !fixes::worse(
                j,
                j.deadline.value,
                Some(v),
                j.restart_policy.value.as_deref(),
            ))
        .then(|| fixes::set_grace(cx, j, v))
        .flatten()
        .map(|e| Fix::unsafe_(format!("set `terminationGracePeriodSeconds: {v}`"), vec![e]));
        let help = format!(
            "set `terminationGracePeriodSeconds: {v}` in the pod template, or make the promise say {g}"
        );
        cx.push(out, cx.report(&RULE, &places, message), help, fix);
    }
}
