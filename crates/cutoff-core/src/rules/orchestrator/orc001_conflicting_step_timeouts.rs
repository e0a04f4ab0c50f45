//! ORC001 conflicting-step-timeouts: a step sets both `timeout` and `metadata.timeout`,
//! to different values. The executor reads `timeout` first and ignores the other
//! (docs/orchestrator-pipelines.md). A `timeout` the compiler's schema rejects (0, a
//! string, a fraction) is ORC003's, not a conflict.

use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::orchestrator::Seconds;
use crate::rule_doc;
use crate::rules::orchestrator::OrchestratorContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

use super::seconds_text;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ORC001",
        name: "conflicting-step-timeouts",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A step sets both `timeout` and `metadata.timeout`, to different values: only `timeout` counts",
        doc: rule_doc!("ORC001"),
    },
    check: Check::Orchestrator(check),
};

fn check(cx: &OrchestratorContext<'_>, out: &mut Vec<Diagnostic>) {
    let src = cx.src();
    for s in &cx.object.steps {
        let (Some(t), Some(m)) = (&s.timeout, &s.metadata_timeout) else {
            continue;
        };
        let (Some(Seconds::Positive(a)), Some(Seconds::Positive(b))) =
            (t.seconds(src), m.seconds(src))
        else {
            continue;
        };
        if a == b {
            continue;
        }
        let own = seconds_text("timeout", t.raw(src), a);
        let meta = seconds_text("metadata.timeout", m.raw(src), b);
        out.push(
            cx.diag(
                &RULE,
                m.span(),
                format!(
                    "step `{}` sets {own} and {meta}: the executor reads only `timeout`, so the step gets {} per attempt and `metadata.timeout` is ignored",
                    s.id,
                    a.canonical()
                ),
            )
            .label(cx.path(), t.span(), "this one counts")
            .help("remove `metadata.timeout`, or put the value you want in `timeout`"),
        );
    }
}
