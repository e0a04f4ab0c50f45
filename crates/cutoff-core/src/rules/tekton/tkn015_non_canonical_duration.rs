//! TKN015 non-canonical-duration: a timeout not written in Go's canonical form.
//!
//! Facts (docs/tekton-timeouts.md "Canonical form"): `metav1.Duration` marshals with
//! `time.Duration.String()`, and the Tekton defaulting webhook's round-trip patch stores
//! that form (`90m` is stored as `1h30m0s`, `"0"` as `0s`), so a GitOps tool comparing the
//! manifest with the live object sees a difference. Off by default.
//!
//! Not reported where nothing compares the manifest with a live object: `.tekton/` files
//! (Pipelines-as-Code creates a new run each time), TriggerTemplate resources
//! (`resourcetemplates` are raw JSON, stored as written), objects named only by
//! `metadata.generateName` (created, never applied or synced); nor for fields no version
//! reads (TKN003).

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::manifest::DurationValue;
use crate::rule_doc;
use crate::rules::tekton::TektonContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};
use crate::yaml::{render_scalar, ScalarStyle};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "TKN015",
        name: "non-canonical-duration",
        severity: Severity::Info,
        enabled_by_default: false,
        fix: FixAvailability::Safe,
        fix_title: Some("write the canonical Go form"),
        summary: "A timeout not in Go's canonical form (90m is stored as 1h30m0s: GitOps drift)",
        doc: rule_doc!("TKN015"),
    },
    check: Check::Tekton(check),
};

fn check(cx: &TektonContext<'_>, out: &mut Vec<Diagnostic>) {
    if cx.pac() || cx.trigger_template.is_some() {
        return;
    }
    let metadata = cx.object.meta().root.get("metadata");
    let has = |k: &str| {
        metadata
            .and_then(|m| m.get(k))
            .is_some_and(|v| !v.is_null())
    };
    if has("generateName") && !has("name") {
        return;
    }
    for site in cx.object.timeout_sites(cx.view_cx()) {
        if cx.ignored(site.slot) {
            continue;
        }
        let DurationValue::Valid(d) = site.value else {
            continue;
        };
        let value = site.field.value;
        let Some(written) = value.as_str() else {
            continue;
        };
        let style = value.style().unwrap_or(ScalarStyle::Plain);
        let canonical = d.canonical();
        if written == canonical || style.is_block() {
            continue;
        }
        let raw = cx.src().get(value.span().range()).unwrap_or("");
        let rendered = render_scalar(&canonical, style);
        out.push(
            cx.diag(
                &RULE,
                value.span(),
                format!(
                    "`{}: {raw}` is stored by Tekton as `{canonical}`: a GitOps tool that applies this manifest sees the live object differ from it (drift)",
                    site.path
                ),
            )
            .help(format!("write {rendered}, the form Tekton stores"))
            .fix(Fix::safe(
                format!("write the canonical form {rendered}"),
                vec![Edit::replace(cx.path(), value.span(), rendered.clone())],
            )),
        );
    }
}
