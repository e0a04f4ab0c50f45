//! TKN014 param-in-timeout: a `$(params.…)`/`$(context.…)` variable in a timeout, or a
//! TriggerTemplate param whose default is not a valid duration.
//!
//! Facts (docs/tekton-timeouts.md "no variable substitution"): timeouts are not
//! among the fields Tekton substitutes (`docs/variables.md`), and the value is parsed as a
//! Go duration when the object is decoded, so `$(params.x)` is always rejected. Triggers
//! substitutes `$(tt.params.x)` textually when it creates the resource, so there the
//! param's `default` (if any) must be a valid duration; `$(tt.params.x)` outside a
//! TriggerTemplate is never substituted.

use crate::diagnostic::{Diagnostic, Severity};
use crate::duration;
use crate::manifest::tekton::TimeoutSite;
use crate::manifest::{DurationValue, Templating};
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN014",
        name: "param-in-timeout",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A $(params.…)/$(context.…) variable in a timeout (never substituted), or a TriggerTemplate param default that is not a duration",
        doc: rule_doc!("TKN014"),
    },
    check: Check::Tekton(check),
};

const TT_PREFIX: &str = "$(tt.params.";

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    for site in cx.object.timeout_sites(cx.view_cx()) {
        if cx.ignored(site.slot) {
            continue;
        }
        match site.value {
            DurationValue::Templated(Templating::TektonVariable) => {
                out.push(never_substituted(cx, &site, false))
            }
            DurationValue::Templated(Templating::TriggerParam) => {
                if cx.trigger_template.is_none() {
                    out.push(never_substituted(cx, &site, true));
                } else if let Some(d) = bad_default(cx, &site) {
                    out.push(d);
                }
            }
            _ => {}
        }
    }
}

fn raw<'s>(cx: &TektonContext<'s>, site: &TimeoutSite<'_>) -> &'s str {
    cx.src().get(site.field.value.span().range()).unwrap_or("")
}

/// [`raw`] as a message echoes it.
fn shown<'s>(cx: &TektonContext<'s>, site: &TimeoutSite<'_>) -> std::borrow::Cow<'s, str> {
    crate::diagnostic::elide(raw(cx, site))
}

fn never_substituted(
    cx: &TektonContext<'_>,
    site: &TimeoutSite<'_>,
    tt_outside: bool,
) -> Diagnostic {
    let value = site.field.value.as_str().unwrap_or_else(|| raw(cx, site));
    let parse_error = duration::parse(value)
        .err()
        .map(|e| format!(" (`{}`)", crate::diagnostic::elide(&e.to_string())))
        .unwrap_or_default();
    let message = if tt_outside {
        format!(
            "`{}: {}` uses a TriggerTemplate param outside a TriggerTemplate: nothing substitutes it, so the value is parsed as a duration and rejected at admission{parse_error}",
            site.path,
            shown(cx, site)
        )
    } else {
        format!(
            "`{}: {}` uses a variable, but Tekton never substitutes variables in timeouts: the value is parsed as a duration when the object is admitted and rejected{parse_error}",
            site.path,
            shown(cx, site)
        )
    };
    cx.diag(&RULE, site.field.value.span(), message).help(
        "write a literal duration such as \"1h\"; to vary it per run, set it from the PipelineRun (`spec.timeouts`, or `spec.taskRunSpecs[].timeout` since Tekton v1.4), or from a TriggerTemplate param (`$(tt.params.…)`)",
    )
}

/// `$(tt.params.x)` whose declared default does not make a valid duration.
fn bad_default(cx: &TektonContext<'_>, site: &TimeoutSite<'_>) -> Option<Diagnostic> {
    let tt = cx.trigger_template?;
    let value = site.field.value.as_str()?;
    // Substitute every `$(tt.params.NAME)` by its default, as Triggers would without a binding.
    let mut substituted = String::new();
    let mut rest = value;
    let mut used = Vec::new();
    while let Some(i) = rest.find(TT_PREFIX) {
        substituted.push_str(&rest[..i]);
        let after = &rest[i + TT_PREFIX.len()..];
        let end = after.find(')')?;
        let name = &after[..end];
        // A param without a default must come from the binding: its value is unknown.
        let default = tt.param_default(name)?;
        let text = default.as_str()?;
        substituted.push_str(text);
        used.push((name, default));
        rest = &after[end + 1..];
    }
    substituted.push_str(rest);
    if substituted.contains("$(") || substituted.contains("{{") {
        return None;
    }
    let problem = match duration::parse(&substituted) {
        Err(e) => format!("rejected (`{}`)", crate::diagnostic::elide(&e.to_string())),
        Ok(d) if d.is_negative() => format!("negative ({}), which is rejected", d.canonical()),
        Ok(_) => return None,
    };
    let (name, default) = *used.first()?;
    let default_raw = crate::diagnostic::elide(cx.src().get(default.span().range()).unwrap_or(""));
    let mut d = cx
        .diag(
            &RULE,
            site.field.value.span(),
            format!(
                "`{}: {}` takes the default of TriggerTemplate param `{name}` (`default: {default_raw}`) when the binding does not set it, and the result `{substituted}` is not a valid timeout: every such run is {problem}",
                site.path,
                shown(cx, site)
            ),
        )
        .help(format!(
            "give param `{name}` a Go duration default such as \"1h\" (a quoted string with a unit), or remove the default so every binding must set it"
        ));
    for (n, def) in &used {
        d = d.label(cx.path(), def.span(), format!("default of `{n}`"));
    }
    Some(d)
}
