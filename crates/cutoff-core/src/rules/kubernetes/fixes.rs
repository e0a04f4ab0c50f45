//! Edits the Kubernetes rules' fixes share, and the check that keeps a fix from making
//! things worse: a fix that changes a deadline, grace period or restart policy is offered
//! only when it brings no relation rule to fire that did not fire before
//! ([`relations`]). Not a rule: a toolbox the rules call.

use std::collections::BTreeSet;

use crate::diagnostic::Edit;
use crate::edit;
use crate::model::kubernetes::{
    BackOff, JobModel, Origin, BACKOFF_CAP_NEVER, BACKOFF_CAP_ON_FAILURE,
};
use crate::model::Loc;
use crate::yaml::NodeRef;

use super::KubernetesContext;

/// Replaces an integer field's value at `at` with `n`.
pub fn set_number(cx: &KubernetesContext<'_>, at: &Loc, n: i64) -> Option<Edit> {
    cx.is_here(at)
        .then(|| Edit::replace(cx.path(), at.span, n.to_string()))
}

/// Replaces a text value (an annotation or env value) at `at` with the number `n`, in the
/// value's own quoting; `None` for block scalars or values outside this object.
pub fn set_text(cx: &KubernetesContext<'_>, at: &Loc, n: i64) -> Option<Edit> {
    if !cx.is_here(at) {
        return None;
    }
    let raw = cx.src().get(at.span.range())?;
    let text = match raw.chars().next() {
        Some('"') => format!("\"{n}\""),
        Some('\'') => format!("'{n}'"),
        Some('|' | '>') => return None,
        _ => n.to_string(),
    };
    Some(Edit::replace(cx.path(), at.span, text))
}

/// Inserts `key: value` into the mapping `map`: on a new line before its first key, at
/// that key's indentation, when the key starts its line; else after its last entry.
pub fn insert(
    cx: &KubernetesContext<'_>,
    map: NodeRef<'_>,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let text = cx.src();
    if !map.is_mapping() {
        return None;
    }
    if !map.is_flow() {
        let (first, _) = map.entries().next()?;
        let at = first.span().start;
        let start = edit::line_start(text, at);
        let indent = &text[start..at];
        if indent.chars().all(|c| c == ' ') {
            let nl = edit::newline(text);
            return Some(Edit::insert(
                cx.path(),
                start,
                format!("{indent}{key}: {value}{nl}"),
            ));
        }
    }
    edit::insert_entry(cx.path(), text, map, key, value)
}

/// Sets the pod's `terminationGracePeriodSeconds` to `n`: rewrites it where this object
/// writes it, else writes it into this object's pod template.
pub fn set_grace(cx: &KubernetesContext<'_>, j: &JobModel, n: i64) -> Option<Edit> {
    if j.grace.origin == Origin::Written {
        return set_number(cx, j.grace.at.as_deref()?, n);
    }
    if !matches!(j.grace.origin, Origin::Default | Origin::Base) {
        return None;
    }
    let pod = cx.object.pod_spec()?;
    insert(
        cx,
        pod.node,
        "terminationGracePeriodSeconds",
        &n.to_string(),
    )
}

/// The relation rules (JOB006, JOB007, JOB008, JOB011, JOB015, CRON003) that would fire
/// on `j` with this deadline, grace period and restart policy: what a fix compares before
/// and after.
pub fn relations(
    j: &JobModel,
    deadline: Option<i64>,
    grace: Option<i64>,
    restart: Option<&str>,
) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    let deadline_unset = deadline.is_none() && j.deadline.origin == Origin::Unset;
    let d = deadline.filter(|d| *d > 0);
    let pd = j.pod_deadline.value.filter(|d| *d > 0);
    if let Some(g) = grace {
        for p in &j.pre_stops {
            let sleep = p.sleep.as_ref().map(|s| s.0);
            let exec = p.exec_sleep.as_ref().map(|s| s.0);
            if g == 0 {
                if sleep.is_some_and(|s| s > 0) {
                    out.insert("JOB006");
                } else {
                    out.insert("JOB015");
                }
            } else if sleep.is_some_and(|s| s >= g) || exec.is_some_and(|s| s >= g) {
                out.insert("JOB006");
            }
        }
        let shortest = match (d, pd) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if shortest.is_some_and(|s| g >= s) {
            out.insert("JOB007");
        }
    }
    if let Some(p) = pd {
        if d.is_some_and(|d| p >= d) || deadline_unset {
            out.insert("JOB008");
        }
    }
    if let (Some(d), Some(retries), Origin::Unset) =
        (d, j.backoff_limit.value, j.backoff_limit_per_index.origin)
    {
        let cap = match restart {
            Some("Never") => Some(BACKOFF_CAP_NEVER),
            Some("OnFailure") => Some(BACKOFF_CAP_ON_FAILURE),
            _ => None,
        };
        if cap.is_some_and(|cap| BackOff::total_for(retries, cap) > d) {
            out.insert("JOB011");
        }
    }
    if let Some(c) = &j.cron {
        if let (Some(i), Some(policy)) = (c.interval, c.concurrency_policy.value.as_deref()) {
            let outlives = match (d, grace) {
                (Some(d), Some(g)) => d.saturating_add(g) > i as i64,
                _ => false,
            };
            if outlives || (deadline_unset && policy == "Forbid") {
                out.insert("CRON003");
            }
        }
    }
    out
}

/// The relations of `j` as it is.
pub fn current_relations(j: &JobModel) -> BTreeSet<&'static str> {
    relations(
        j,
        j.deadline.value,
        j.grace.value,
        j.restart_policy.value.as_deref(),
    )
}

/// Would changing the deadline and grace period to these values bring a relation rule to
/// fire that does not fire now?
pub fn worse(
    j: &JobModel,
    deadline: Option<i64>,
    grace: Option<i64>,
    restart: Option<&str>,
) -> bool {
    let before = current_relations(j);
    !relations(j, deadline, grace, restart).is_subset(&before)
}
