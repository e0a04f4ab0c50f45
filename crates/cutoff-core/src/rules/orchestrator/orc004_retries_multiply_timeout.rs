//! ORC004 retries-multiply-timeout: each attempt of a step fits the cap the policy sets
//! for the pipeline, but its attempts together do not. The framework makes `max_retries`
//! attempts in all (at least one; 3 when unset), each under the full timeout
//! (docs/orchestrator-pipelines.md). A step whose single attempt is already above the cap
//! is POL001's. Silent without a policy cap.

use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::GoDuration;
use crate::model::orchestrator::DEFAULT_MAX_RETRIES;
use crate::model::value::show;
use crate::model::Bound;
use crate::rule_doc;
use crate::rules::orchestrator::OrchestratorContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ORC004",
        name: "retries-multiply-timeout",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "max_retries × a step's timeout exceeds the policy cap for the pipeline, though one attempt fits",
        doc: rule_doc!("ORC004"),
    },
    check: Check::Orchestrator(check),
};

fn check(cx: &OrchestratorContext<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.pipeline();
    let Some(policy) = cx.model.orchestrator_policy(p) else {
        return;
    };
    let Some(cap) = &policy.cap else {
        return;
    };
    let Bound::Finite(limit) = cap.value else {
        return;
    };
    for s in &p.steps {
        let (Bound::Finite(each), Some(n), Bound::Finite(total)) = (s.timeout, s.attempts, s.total)
        else {
            continue;
        };
        if n < 2 || each > limit || total <= limit {
            continue;
        }
        let (span, retries) = match &s.max_retries {
            Some(r) => (
                r.at.span,
                format!("`max_retries: {n}` counts every attempt, the first included"),
            ),
            None => (
                s.at.span,
                format!("`max_retries` is unset: the framework's default, {DEFAULT_MAX_RETRIES} attempts in all"),
            ),
        };
        let fits = limit.nanos() / each.nanos().max(1);
        let per = GoDuration(limit.nanos() / n);
        let mut d = cx
            .diag(
                &RULE,
                span,
                format!(
                    "step `{}` may run {} in all: {n} attempts of up to {} each ({retries}), above the cap of {} set by {}",
                    s.id,
                    show(Bound::Finite(total)),
                    each.canonical(),
                    show(cap.value),
                    cap.source()
                ),
            )
            .help(format!(
                "lower `max_retries` to {fits}, or the step's timeout to {} or less; if the pipeline needs longer, give it a cap of its own under `policy.names`",
                per.canonical()
            ));
        if let Some(at) = &s.timeout_at {
            d = d.label(
                &at.path,
                at.span,
                format!("{} per attempt", each.canonical()),
            );
        }
        out.push(d);
    }
}
