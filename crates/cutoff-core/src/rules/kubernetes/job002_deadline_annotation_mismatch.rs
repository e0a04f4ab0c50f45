//! JOB002 deadline-annotation-mismatch: a deadline annotation (by default a key ending in
//! `/timeout-seconds` or `/active-deadline-seconds`) that disagrees with the Job's
//! `activeDeadlineSeconds`, or promises a deadline the Job does not have.
//!
//! Kubernetes enforces only the spec field; tools and people read the annotation. The fix
//! rewrites the side that is not the source of truth (`kubernetes.source-of-truth`,
//! `spec` by default). A zero deadline is JOB010's alone.

use crate::config::kubernetes::{Promise, SourceOfTruth};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::{fixes, secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB002",
        name: "deadline-annotation-mismatch",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("set the side that is not the source of truth"),
        summary: "A deadline annotation disagrees with the Job's `activeDeadlineSeconds` (or the Job has none)",
        doc: rule_doc!("JOB002"),
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
    let field = format!("{path}.activeDeadlineSeconds");
    let annotations: Vec<_> = j
        .promises(Promise::Deadline)
        .filter(|p| !p.is_env())
        .collect();
    // The annotations agree among themselves: a fix of the spec has one value to write.
    let one_value = annotations
        .iter()
        .map(|a| a.value)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        == 1;
    for a in &annotations {
        let Some(v) = a.value else { continue };
        match (j.deadline.value, j.deadline.origin) {
            (Some(0), _) => return,
            (Some(d), _) if d != v => {
                let at = j
                    .deadline
                    .at
                    .as_deref()
                    .expect("a known deadline is written");
                let mut places = vec![
                    (&a.at, format!("{} promises {}", a.describe(), secs(v))),
                    (at, format!("`activeDeadlineSeconds: {d}`")),
                ];
                if truth == SourceOfTruth::Annotations {
                    places.swap(0, 1);
                }
                let message = format!(
                    "{} promises a {} deadline, but `{field}` is {}: Kubernetes stops the Job after {}",
                    a.describe(),
                    secs(v),
                    secs(d),
                    secs(d)
                );
                let (help, fix) = match truth {
                    SourceOfTruth::Spec => (
                        format!(
                            "set the annotation to \"{d}\" (the spec is the source of truth; `kubernetes.source-of-truth: annotations` makes the annotation win), or change both"
                        ),
                        fixes::set_text(cx, &a.at, d).map(|e| {
                            Fix::safe(format!("set `{}` to \"{d}\"", a.name()), vec![e])
                        }),
                    ),
                    SourceOfTruth::Annotations => (
                        format!(
                            "set `activeDeadlineSeconds: {v}` (the annotations are the source of truth: `kubernetes.source-of-truth`), or change both"
                        ),
                        spec_fix(cx, j, v, one_value),
                    ),
                };
                cx.push(out, cx.report(&RULE, &places, message), help, fix);
            }
            (None, Origin::Unset) if j.may_report_missing() => {
                let message = format!(
                    "{} promises a {} deadline, but the Job has no `{field}`: nothing stops it",
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

/// Sets (or writes) the Job's deadline to the annotations' value, when they agree and no
/// relation rule would start to fire.
fn spec_fix(
    cx: &KubernetesContext<'_>,
    j: &crate::model::kubernetes::JobModel,
    v: i64,
    one_value: bool,
) -> Option<Fix> {
    if !one_value
        || v <= 0
        || fixes::worse(j, Some(v), j.grace.value, j.restart_policy.value.as_deref())
    {
        return None;
    }
    let edit = match (j.deadline.origin, j.deadline.at.as_deref()) {
        (Origin::Written, Some(at)) => fixes::set_number(cx, at, v)?,
        (Origin::Unset | Origin::Base, _) => {
            let spec = cx.object.job.as_ref()?;
            fixes::insert(cx, spec.node, "activeDeadlineSeconds", &v.to_string())?
        }
        _ => return None,
    };
    Some(Fix::safe(
        format!("set `activeDeadlineSeconds: {v}`"),
        vec![edit],
    ))
}
