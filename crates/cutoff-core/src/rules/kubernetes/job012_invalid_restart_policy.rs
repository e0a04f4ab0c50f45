//! JOB012 invalid-restart-policy: a Job pod template's `restartPolicy` that the API server
//! rejects, or that the Job API documents as unsupported.
//!
//! Facts (docs/kubernetes-timeouts.md, "Which `restartPolicy` values does a Job accept?"):
//! missing (defaulted to `Always`) or `Always`: `Required value: valid values: "OnFailure",
//! "Never"`; other values: `Unsupported value`; `OnFailure` with `podFailurePolicy`: `only
//! "Never" is supported when podFailurePolicy is specified`. `OnFailure` with
//! `backoffLimitPerIndex` is admitted, but documented as unsupported: a warning. A
//! missing policy is never reported on a partial object. The fix writes `restartPolicy:
//! Never` where it is missing (the Job controller then replaces failed Pods; both allowed
//! values retry up to `backoffLimit`).

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::{fixes, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB012",
        name: "invalid-restart-policy",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("write `restartPolicy: Never` where it is missing"),
        summary: "A Job's pod `restartPolicy` missing or `Always`, or `OnFailure` with `podFailurePolicy` (rejected); `OnFailure` with `backoffLimitPerIndex` (unsupported, admitted: warning)",
        doc: rule_doc!("JOB012"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let path = cx
        .object
        .job
        .as_ref()
        .map(|s| format!("{}.template.spec.restartPolicy", s.path))
        .unwrap_or_else(|| "spec.template.spec.restartPolicy".into());
    let rp = &j.restart_policy;
    let required = format!(
        "rejected by the API server: `{path}: Required value: valid values: \"OnFailure\", \"Never\"`"
    );
    match (rp.value.as_deref(), rp.origin) {
        (None, Origin::Unset) if j.may_report_missing() => {
            let Some(pod_at) = &j.pod_spec_at else { return };
            let message = format!(
                "the Job's pod template has no `restartPolicy`: it defaults to `Always`, which a Job does not allow: {required}"
            );
            let fix = (!fixes::worse(j, j.deadline.value, j.grace.value, Some("Never")))
                .then(|| cx.object.pod_spec())
                .flatten()
                .and_then(|pod| fixes::insert(cx, pod.node, "restartPolicy", "Never"))
                .map(|e| Fix::safe("write `restartPolicy: Never`", vec![e]));
            cx.push(
                out,
                cx.report(&RULE, &[(pod_at, String::new())], message),
                "write `restartPolicy: Never` (a new Pod per retry) or `OnFailure` (the container restarts in place)",
                fix,
            );
        }
        (Some("Always"), _) => {
            let at = rp.at.as_deref().expect("a known value is written");
            let message = format!("`restartPolicy: Always` is not allowed in a Job: {required}");
            cx.push(
                out,
                cx.report(&RULE, &[(at, String::new())], message),
                "use `Never` (a new Pod per retry) or `OnFailure` (the container restarts in place)",
                None,
            );
        }
        (Some("OnFailure"), _) => {
            let at = rp.at.as_deref().expect("a known value is written");
            if let Some(pfp) = &j.pod_failure_policy {
                let message = format!(
                    "`restartPolicy: OnFailure` with a `podFailurePolicy` is rejected by the API server: `{path}: Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified`"
                );
                let places = [
                    (at, "`restartPolicy: OnFailure`".to_string()),
                    (pfp, "`podFailurePolicy`".to_string()),
                ];
                cx.push(
                    out,
                    cx.report(&RULE, &places, message),
                    "use `restartPolicy: Never`: the pod failure policy acts on failed Pods",
                    None,
                );
            } else if let (Some(_), Some(bl_at)) = (
                j.backoff_limit_per_index.value,
                j.backoff_limit_per_index.at.as_deref(),
            ) {
                let message = "`restartPolicy: OnFailure` with `backoffLimitPerIndex`: admitted, but the Job API documents per-index back-off limits only for `restartPolicy: Never`; container restarts in place are not counted per index".to_string();
                let places = [
                    (at, "`restartPolicy: OnFailure`".to_string()),
                    (bl_at, "`backoffLimitPerIndex`".to_string()),
                ];
                if let Some(d) = cx.report(&RULE, &places, message) {
                    let mut d = d.help("use `restartPolicy: Never` with `backoffLimitPerIndex`");
                    d.severity = Severity::Warning;
                    out.push(d);
                }
            }
        }
        (Some("Never"), _) => {}
        (Some(other), _) => {
            let at = rp.at.as_deref().expect("a known value is written");
            let other = crate::diagnostic::elide(other);
            let message = format!(
                "`restartPolicy: {other}` is rejected by the API server (`{path}: Unsupported value: \"{other}\"`): a Job allows only `OnFailure` and `Never`"
            );
            cx.push(
                out,
                cx.report(&RULE, &[(at, String::new())], message),
                "use `Never` (a new Pod per retry) or `OnFailure` (the container restarts in place)",
                None,
            );
        }
        _ => {}
    }
}
