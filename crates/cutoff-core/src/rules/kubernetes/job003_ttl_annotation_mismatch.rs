//! JOB003 ttl-annotation-mismatch: a TTL annotation (by default a key ending in
//! `/ttl-seconds-after-finished`) that disagrees with `ttlSecondsAfterFinished`, or
//! promises a TTL the Job does not have (it is then never deleted).
//!
//! The fix rewrites the side that is not the source of truth (`kubernetes.source-of-truth`).

use crate::config::kubernetes::{Promise, SourceOfTruth};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::kubernetes::{JobModel, Origin};
use crate::rule_doc;
use crate::rules::kubernetes::{fixes, secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB003",
        name: "ttl-annotation-mismatch",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("set the side that is not the source of truth"),
        summary:
            "A TTL annotation disagrees with `ttlSecondsAfterFinished` (or the field is missing)",
        doc: rule_doc!("JOB003"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    let truth = cx.config.kubernetes.source_of_truth;
    let path = cx
        .object
        .job
        .as_ref()
        .map(|s| s.path.as_str())
        .unwrap_or("spec");
    let field = format!("{path}.ttlSecondsAfterFinished");
    let annotations: Vec<_> = j.promises(Promise::Ttl).filter(|p| !p.is_env()).collect();
    let one_value = annotations
        .iter()
        .map(|a| a.value)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        == 1;
    for a in &annotations {
        let Some(v) = a.value else { continue };
        match (j.ttl.value, j.ttl.origin) {
            (Some(t), _) if t != v => {
                let at = j.ttl.at.as_deref().expect("a known TTL is written");
                let mut places = vec![
                    (&a.at, format!("{} promises {}", a.describe(), secs(v))),
                    (at, format!("`ttlSecondsAfterFinished: {t}`")),
                ];
                if truth == SourceOfTruth::Annotations {
                    places.swap(0, 1);
                }
                let message = format!(
                    "{} says the finished Job is deleted after {}, but `{field}` is {}: Kubernetes deletes it after {}",
                    a.describe(),
                    secs(v),
                    secs(t),
                    secs(t)
                );
                let (help, fix) = match truth {
                    SourceOfTruth::Spec => (
                        format!(
                            "set the annotation to \"{t}\" (the spec is the source of truth; `kubernetes.source-of-truth: annotations` makes the annotation win), or change both"
                        ),
                        fixes::set_text(cx, &a.at, t).map(|e| {
                            Fix::safe(format!("set `{}` to \"{t}\"", a.name()), vec![e])
                        }),
                    ),
                    SourceOfTruth::Annotations => (
                        format!(
                            "set `ttlSecondsAfterFinished: {v}` (the annotations are the source of truth: `kubernetes.source-of-truth`), or change both"
                        ),
                        spec_fix(cx, j, v, one_value),
                    ),
                };
                cx.push(out, cx.report(&RULE, &places, message), help, fix);
            }
            (None, Origin::Unset) if j.may_report_missing() => {
                let message = format!(
                    "{} says the finished Job is deleted after {}, but it has no `{field}`: Kubernetes never deletes it",
                    a.describe(),
                    secs(v)
                );
                let (help, fix) = match truth {
                    SourceOfTruth::Spec => (
                        format!("set `{field}: {v}` to keep the promise, or remove the annotation"),
                        None,
                    ),
                    SourceOfTruth::Annotations => (
                        format!("set `{field}: {v}` (the annotations are the source of truth)"),
                        spec_fix(cx, j, v, one_value),
                    ),
                };
                let d = cx.report(&RULE, &[(&a.at, String::new())], message);
                cx.push(out, d, help, fix);
            }
            _ => {}
        }
    }
}

/// Sets (or writes) the TTL to the annotations' value, when they agree. Not inside a
/// CronJob's template (a TTL there conflicts with the history limits: JOB013), and never
/// below the configured minimum (JOB014).
fn spec_fix(cx: &KubernetesContext<'_>, j: &JobModel, v: i64, one_value: bool) -> Option<Fix> {
    if !one_value || v < cx.config.kubernetes.min_ttl_seconds {
        return None;
    }
    let edit = match (j.ttl.origin, j.ttl.at.as_deref()) {
        (Origin::Written, Some(at)) => fixes::set_number(cx, at, v)?,
        (Origin::Unset | Origin::Base, _) if !j.is_cron() => {
            let spec = cx.object.job.as_ref()?;
            fixes::insert(cx, spec.node, "ttlSecondsAfterFinished", &v.to_string())?
        }
        _ => return None,
    };
    Some(Fix::safe(
        format!("set `ttlSecondsAfterFinished: {v}`"),
        vec![edit],
    ))
}
