//! ORC003 invalid-timeout: a timeout that is not a positive number of seconds. An action
//! or loop step's own `timeout` is checked by the compiler's schema (a whole number, at
//! least 1): any other value rejects the whole pipeline. Every other timeout (the
//! `timeout` of other steps, `metadata.timeout`, the pipeline's `metadata.default_timeout`)
//! is read at run time only: a 0 (or `false`, `""`) is read as not set and falls through to
//! the next level; a negative number makes every attempt time out at once; a string
//! (`"30"`, `5m`) makes `asyncio.wait_for` raise, so every attempt fails; `true` is read as
//! 1 second. Values behind a level the executor already took are never read and not
//! reported; a broken pipeline default is reported once, naming the steps that reach it.
//! Facts: docs/orchestrator-pipelines.md.

use crate::diagnostic::{Diagnostic, Severity};
use crate::duration;
use crate::manifest::orchestrator::Seconds;
use crate::model::orchestrator::{Invalid, Level, StepModel};
use crate::model::value::show;
use crate::model::Bound;
use crate::rule_doc;
use crate::rules::orchestrator::OrchestratorContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

use super::list;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ORC003",
        name: "invalid-timeout",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "An orchestrator timeout that is not a positive number of seconds: non-numeric, zero or negative",
        doc: rule_doc!("ORC003"),
    },
    check: Check::Orchestrator(check),
};

fn key(level: Level) -> &'static str {
    match level {
        Level::Step => "timeout",
        Level::Metadata => "metadata.timeout",
        Level::PipelineDefault | Level::None => "metadata.default_timeout",
    }
}

/// What a step ends up with after a value read as not set at `level`.
fn fallback(s: &StepModel, level: Level) -> String {
    if s.level == level || s.level == Level::None {
        return format!(
            "step `{}` gets no timeout from another level and runs with no time limit",
            s.id
        );
    }
    match s.timeout {
        Bound::Finite(d) => format!(
            "step `{}` falls back to the {} ({})",
            s.id,
            s.level.describe(),
            d.canonical()
        ),
        _ => format!("step `{}` falls back to the {}", s.id, s.level.describe()),
    }
}

fn help(i: &Invalid) -> String {
    let k = key(i.level);
    if i.rejected {
        if let Seconds::Positive(d) = i.value {
            let up = (d.nanos() + 999_999_999) / 1_000_000_000;
            return format!("round it to whole seconds: `{k}: {}`", up.max(1));
        }
        if matches!(i.value, Seconds::Falsy | Seconds::Negative) {
            return format!(
                "give at least 1 second; to leave the step without a limit, remove `{k}`"
            );
        }
    }
    match i.value {
        Seconds::Falsy => format!(
            "give a positive number of seconds; to leave steps without a limit, remove `{k}`"
        ),
        Seconds::NotANumber => {
            let bare = i.raw.trim_matches(['"', '\'']);
            if !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_digit()) && bare != i.raw {
                return format!("write it unquoted: `{k}: {bare}`");
            }
            match duration::parse(bare) {
                Ok(d) if d.nanos() > 0 && d.nanos() % 1_000_000_000 == 0 => format!(
                    "write the seconds as a plain number: `{k}: {}`",
                    d.nanos() / 1_000_000_000
                ),
                _ => format!("write a number of seconds, unquoted (`{k}: 300`)"),
            }
        }
        _ => format!("write a positive number of seconds (`{k}: 300`)"),
    }
}

fn message(i: &Invalid, who: &str, fallback: impl FnOnce() -> String) -> String {
    let field = format!("`{}: {}`", key(i.level), crate::diagnostic::elide(&i.raw));
    if i.rejected {
        return format!(
            "{field} of {who} is rejected: the framework's schema requires a step `timeout` to be a whole number of seconds, at least 1, so the pipeline does not compile"
        );
    }
    match i.value {
        Seconds::Falsy => format!(
            "{field} is read as not set (the executor skips values Python finds false): {}",
            fallback()
        ),
        Seconds::Negative => format!(
            "{field} is negative: every attempt of {who} times out at once"
        ),
        Seconds::True => format!(
            "{field} is not a number: Python reads it as 1, so each attempt of {who} gets {}",
            show(Bound::Finite(duration::GoDuration::from_secs(1)))
        ),
        _ => format!(
            "{field} is not a number of seconds: `asyncio.wait_for` rejects it, so every attempt of {who} fails without running"
        ),
    }
}

fn check(cx: &OrchestratorContext<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.pipeline();
    for s in &p.steps {
        for i in s
            .invalid
            .iter()
            .filter(|i| i.level != Level::PipelineDefault)
        {
            let who = format!("step `{}`", s.id);
            out.push(
                cx.diag(&RULE, i.at.span, message(i, &who, || fallback(s, i.level)))
                    .help(help(i)),
            );
        }
    }
    // A pipeline default the steps reach: once, naming them.
    let reaching: Vec<(&StepModel, &Invalid)> = p
        .steps
        .iter()
        .filter_map(|s| {
            s.invalid
                .iter()
                .find(|i| i.level == Level::PipelineDefault)
                .map(|i| (s, i))
        })
        .collect();
    if let Some((_, i)) = reaching.first() {
        let ids: Vec<&str> = reaching.iter().map(|(s, _)| s.id.as_str()).collect();
        let who = if ids.len() == 1 {
            format!("step {}", list(&ids))
        } else {
            format!("steps {}", list(&ids))
        };
        let fb = || format!("{who} get no timeout from another level and run with no time limit");
        let msg = if ids.len() == 1 {
            message(i, &who, || fallback(reaching[0].0, Level::PipelineDefault))
        } else {
            message(i, &who, fb)
        };
        out.push(cx.diag(&RULE, i.at.span, msg).help(help(i)));
    }
}
