//! TKN001 invalid-duration: a timeout Go's `time.ParseDuration` rejects, or an unquoted YAML number.
//!
//! Every Tekton timeout is a `*metav1.Duration`: the JSON value must be a string that
//! `time.ParseDuration` accepts (tekton-timeouts.md §5). An unquoted `timeout: 0` is a JSON
//! number and is rejected by the API server's schema check or the webhook's decoder.

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::duration;
use crate::manifest::tekton::Cx;
use crate::manifest::DurationValue;
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};
use crate::yaml::{render_scalar, ScalarStyle};

pub static RULE: Rule = Rule {
    code: "TKN001",
    name: "invalid-duration",
    severity: Severity::Error,
    fix: FixKind::Sometimes,
    enabled_by_default: true,
    summary: "A timeout that Go's time.ParseDuration rejects, or an unquoted YAML number",
    check: Some(check),
    doc: rule_doc!("TKN001"),
};

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let tcx = Cx {
        src: cx.src(),
        in_trigger_template: cx.trigger_template.is_some(),
    };
    for site in cx.object.timeout_sites(tcx) {
        let value = site.field.value;
        let style = value.style().unwrap_or(ScalarStyle::Plain);
        match &site.value {
            DurationValue::Number(n) => {
                let canonical = duration::parse(n).ok();
                let d = cx
                    .diag(
                        &RULE,
                        value.span(),
                        format!("`{}` is the YAML number {n}, but a Tekton timeout must be a string", site.path),
                    )
                    .help(match canonical {
                        Some(_) => format!("quote it: \"{n}\""),
                        None => format!(
                            "write a Go duration string with a unit, e.g. \"{n}m\" or \"{n}s\" (a bare number has no unit)"
                        ),
                    });
                // Only "0" is valid without a unit: quoting it keeps its meaning (no timeout).
                let fix = canonical.map(|_| {
                    Fix::safe(
                        format!("quote the value: \"{n}\""),
                        vec![Edit::replace(cx.path(), value.span(), render_scalar(n, ScalarStyle::DoubleQuoted))],
                    )
                });
                out.push(d.with_fix(fix));
            }
            DurationValue::Invalid(e) => {
                let raw = value.as_str().unwrap_or("");
                let repaired = duration::repair(raw);
                let mut d = cx.diag(
                    &RULE,
                    value.span(),
                    format!("`{}` is not a valid duration: {e}", site.path),
                );
                d = match &repaired {
                    Some(r) => d.help(format!("write \"{r}\"")),
                    None => d.help(
                        "write a Go duration: a number with a unit among h, m, s, ms, us, ns, optionally combined (\"1h30m\"); \"0\" means no timeout",
                    ),
                };
                let fix = repaired.map(|r| {
                    let new_style = if style == ScalarStyle::Plain { ScalarStyle::Plain } else { style };
                    Fix::safe(
                        format!("replace with \"{r}\""),
                        vec![Edit::replace(cx.path(), value.span(), render_scalar(&r, new_style))],
                    )
                });
                out.push(d.with_fix(fix));
            }
            DurationValue::NotAScalar => {
                out.push(
                    cx.diag(&RULE, value.span(), format!("`{}` must be a duration string", site.path))
                        .help("write a Go duration such as \"1h30m\""),
                );
            }
            DurationValue::Valid(_) | DurationValue::Templated(_) | DurationValue::Null => {}
        }
    }
}
