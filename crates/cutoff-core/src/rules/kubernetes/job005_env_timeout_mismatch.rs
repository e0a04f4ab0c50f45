//! JOB005 env-timeout-mismatch: a timeout env var (by default `*_TIMEOUT`,
//! `*_TIMEOUT_SECONDS`) whose number differs from the Job's deadline, or from the deadline
//! annotation it mirrors.
//!
//! Env names are a weak signal (`DB_TIMEOUT=5`), so the model counts an env var as a
//! promise about the Job only where the Job shows the convention (it also carries a
//! deadline annotation of the same platform: `FLOWFORGE_TIMEOUT` and
//! `flowforge.io/timeout-seconds`) or the configuration names the env patterns; only a literal
//! integer value is compared, never `valueFrom`. What the env var mirrors: the deadline
//! (with `source-of-truth: spec`) or the annotation (with `annotations`), else whichever
//! the Job has. The fix sets the env value.

use crate::config::kubernetes::{Promise, SourceOfTruth};
use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::Loc;
use crate::rule_doc;
use crate::rules::kubernetes::{fixes, secs, KubernetesContext};
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "JOB005",
        name: "env-timeout-mismatch",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("set the env var to the deadline it mirrors"),
        summary: "A timeout env var's number differs from the Job's deadline (or the annotation it mirrors)",
        doc: rule_doc!("JOB005"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(j) = cx.job() else { return };
    if j.deadline.value == Some(0) {
        return; // JOB010's alone
    }
    let path = cx
        .object
        .job
        .as_ref()
        .map(|s| s.path.as_str())
        .unwrap_or("spec");
    // The annotations' value, when they agree.
    let mut annotated: Vec<(i64, &Loc, String)> = j
        .promises(Promise::Deadline)
        .filter(|p| !p.is_env())
        .filter_map(|p| Some((p.value?, &p.at, p.describe())))
        .collect();
    annotated.sort_by_key(|a| a.0);
    annotated.dedup_by_key(|a| a.0);
    let annotation = match annotated.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    let spec = j
        .deadline
        .value
        .zip(j.deadline.at.as_deref())
        .map(|(d, at)| (d, at, format!("`{path}.activeDeadlineSeconds`")));
    let target = match cx.config.kubernetes.source_of_truth {
        SourceOfTruth::Spec => spec.or(annotation),
        SourceOfTruth::Annotations => annotation.or(spec),
    };
    let Some((want, want_at, what)) = target else {
        return;
    };
    for e in j.promises(Promise::Deadline).filter(|p| p.is_env()) {
        let Some(v) = e.value else { continue };
        if v == want {
            continue;
        }
        let message = format!(
            "{} is {}, but {what} is {}: the workload and Kubernetes disagree on how long the Job may run",
            e.describe(),
            secs(v),
            secs(want)
        );
        let places = [
            (&e.at, format!("{}: {v}", e.describe())),
            (want_at, format!("{what}: {want}")),
        ];
        let fix = fixes::set_text(cx, &e.at, want)
            .map(|edit| Fix::safe(format!("set `{}` to \"{want}\"", e.name()), vec![edit]));
        cx.push(
            out,
            cx.report(&RULE, &places, message),
            format!("set `{}` to \"{want}\", the value it mirrors", e.name()),
            fix,
        );
    }
}
