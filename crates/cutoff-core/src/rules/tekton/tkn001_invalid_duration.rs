//! TKN001 invalid-duration: a timeout Go's `time.ParseDuration` rejects, or an unquoted YAML number.
//!
//! Every Tekton timeout is a `*metav1.Duration`: the JSON value must be a string that
//! `time.ParseDuration` accepts (docs/tekton-timeouts.md). An unquoted `timeout: 0` is a JSON
//! number and is rejected by the API server's schema check or the webhook's decoder.
//!
//! Also home to small helpers the other Tekton timeout rules share ([`tcx`],
//! [`object_path`], [`shown`]).

use crate::diagnostic::{elide, Diagnostic, Edit, Fix, Severity};
use crate::duration::{self};
use crate::edit;
use crate::manifest::tekton::{Object, TimeoutSite};
use crate::manifest::value::classify;
use crate::manifest::DurationValue;
use crate::model::tekton::versions;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};
use crate::yaml::{render_scalar, ScalarStyle};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN001",
        name: "invalid-duration",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("quote or repair the value into the Go duration it evidently means"),
        summary: "A timeout that Go's time.ParseDuration rejects, or an unquoted YAML number",
        doc: rule_doc!("TKN001"),
    },
    check: Check::Tekton(check),
};

/// A duration parse error as a message quotes it: Go's error echoes the value, which is
/// elided when long ([`elide`]).
pub(crate) fn elide_error(e: &impl std::fmt::Display) -> String {
    elide(&e.to_string()).into_owned()
}

/// How admission rejects a JSON number in this field.
fn number_rejection(cx: &TektonContext<'_>, site: &TimeoutSite<'_>, n: &str) -> String {
    if cx.pac() {
        return "Pipelines-as-Code cannot decode the run (`error decoding yaml document: …`)"
            .to_string();
    }
    if site.in_embedded_spec {
        return "rejected by the Tekton webhook (`cannot decode incoming new object: json: cannot unmarshal number into Go struct field … of type string`)".to_string();
    }
    let ty = if n
        .trim_start_matches(['+', '-'])
        .bytes()
        .all(|b| b.is_ascii_digit())
    {
        "integer"
    } else {
        "number"
    };
    format!(
        "rejected by the API server (`{} in body must be of type string: \"{ty}\"`)",
        versions::object_path(&site.path)
    )
}

/// `spec.timeouts: 1h`: a scalar where Tekton expects the `{pipeline, tasks, finally}`
/// struct. Go cannot decode a string into it, so the run is rejected; a valid duration was
/// evidently meant for the whole run and is nested under `pipeline`.
fn scalar_timeouts(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    let Some(f) = run.timeouts else { return };
    let value = f.value;
    if value.is_mapping() || value.is_null() {
        return;
    }
    let class = classify(value, cx.src());
    if class.is_templated() {
        return;
    }
    let text = cx.src();
    let raw = text.get(value.span().range()).unwrap_or("");
    let path = if run.prefix.is_empty() {
        "spec.timeouts".to_string()
    } else {
        format!("{}.spec.timeouts", run.prefix)
    };
    let mut d = cx
        .diag(
            &RULE,
            value.span(),
            format!(
                "`{path}: {raw}` must be a mapping with `pipeline`, `tasks` and `finally`, not a single value: rejected when the object is admitted (Go cannot decode a {} into `TimeoutFields`)",
                if value.is_sequence() { "list" } else { "string" }
            ),
        )
        .help(format!("write `timeouts:` with `pipeline: {raw}` nested under it"));
    // Same line, plain block layout: `timeouts: 1h` → `timeouts:⏎    pipeline: 1h`.
    let key = f.key;
    let gap = text.get(key.span().end..value.span().start).unwrap_or("\n");
    let start = edit::line_start(text, key.span().start);
    let indent = &text[start..key.span().start];
    if class.valid().is_some()
        && !gap.contains('\n')
        && !raw.contains('\n')
        && indent.chars().all(|c| c == ' ' || c == '\t')
        && run.spec.is_some_and(|s| !s.is_flow())
    {
        let nl = edit::newline(text);
        d = d.fix(Fix::safe(
            "nest the value under `timeouts.pipeline`",
            vec![Edit::replace(
                cx.path(),
                crate::yaml::Span::new(key.span().end, value.span().start),
                format!(":{nl}{indent}  pipeline: "),
            )],
        ));
    }
    out.push(d);
}

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    scalar_timeouts(cx, out);
    for site in cx.object.timeout_sites(cx.view_cx()) {
        // A field the targets do not read (TKN003, TKN004) is dropped or rejected whole: its value does not matter.
        if cx.ignored(site.slot) {
            continue;
        }
        let value = site.field.value;
        let style = value.style().unwrap_or(ScalarStyle::Plain);
        match &site.value {
            DurationValue::Number(n) => {
                let canonical = duration::parse(n).ok();
                let d = cx
                    .diag(
                        &RULE,
                        value.span(),
                        format!(
                            "`{}: {n}` is a YAML number, but a Tekton timeout must be a string: {}",
                            site.path,
                            number_rejection(cx, &site, n)
                        ),
                    )
                    .help(match canonical {
                        Some(_) => format!("quote it: \"{n}\" (no timeout)"),
                        None => format!(
                            "write a Go duration string with a unit, e.g. \"{n}m\" or \"{n}s\" (a bare number has no unit, so cutoff cannot pick one)"
                        ),
                    });
                // Only "0" is valid without a unit: quoting it keeps its meaning (no timeout).
                let fix = canonical.map(|_| {
                    Fix::safe(
                        format!("quote the value: \"{n}\""),
                        vec![Edit::replace(
                            cx.path(),
                            value.span(),
                            render_scalar(n, ScalarStyle::DoubleQuoted),
                        )],
                    )
                });
                out.push(d.with_fix(fix));
            }
            DurationValue::Invalid(e) => {
                let raw = value.as_str().unwrap_or("");
                // A block scalar cannot be replaced by a one-line value without re-indenting.
                let repaired = duration::repair(raw).filter(|_| !style.is_block());
                let written = elide(cx.src().get(value.span().range()).unwrap_or(raw));
                let error = elide_error(&e);
                let mut d = cx.diag(
                    &RULE,
                    value.span(),
                    format!(
                        "`{}: {written}` is not a valid Go duration: {} (`{error}`)",
                        site.path,
                        if cx.pac() {
                            "Pipelines-as-Code cannot decode the run"
                        } else {
                            "rejected when the object is admitted"
                        }
                    ),
                );
                d = match &repaired {
                    Some(r) => d.help(format!("write \"{}\"", elide(r))),
                    None => d.help(
                        "write a Go duration: a number with a unit among h, m, s, ms, us, ns, optionally combined (\"1h30m\"); \"0\" means no timeout",
                    ),
                };
                let fix = repaired.map(|r| {
                    Fix::safe(
                        format!("replace with \"{}\"", elide(&r)),
                        vec![Edit::replace(
                            cx.path(),
                            value.span(),
                            render_scalar(&r, style),
                        )],
                    )
                });
                out.push(d.with_fix(fix));
            }
            DurationValue::NotAScalar => {
                out.push(
                    cx.diag(
                        &RULE,
                        value.span(),
                        format!("`{}` must be a duration string", site.path),
                    )
                    .help("write a Go duration such as \"1h30m\""),
                );
            }
            DurationValue::Valid(_) | DurationValue::Templated(_) | DurationValue::Null => {}
        }
    }
}
