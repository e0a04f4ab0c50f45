//! CRON004 timezone-in-schedule: `CRON_TZ=` or `TZ=` inside `schedule`.
//!
//! Facts (docs/kubernetes-timeouts.md, "What schedule syntax is accepted?"): on create, the
//! API server rejects any schedule containing the text `TZ` with `cannot use TZ or CRON_TZ in
//! schedule, use timeZone field instead`. The fix (safe: the same zone, where the API reads
//! it) moves a `TZ=Zone`/`CRON_TZ=Zone` prefix into `spec.timeZone`.

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::edit;
use crate::model::kubernetes::cron::tz_prefix;
use crate::model::kubernetes::Origin;
use crate::rule_doc;
use crate::rules::kubernetes::KubernetesContext;
use crate::rules::{Check, FixAvailability, Rule, RuleMeta};
use crate::yaml::render_scalar;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CRON004",
        name: "timezone-in-schedule",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("move the zone into `spec.timeZone`"),
        summary: "`CRON_TZ=`/`TZ=` inside `schedule` (rejected by the API server)",
        doc: rule_doc!("CRON004"),
    },
    check: Check::Kubernetes(check),
};

fn check(cx: &KubernetesContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(spec) = cx.object.cron else { return };
    let Some(f) = spec.schedule else { return };
    let Some(schedule) = f.value else { return };
    if !schedule.contains("TZ") {
        return;
    }
    let message = format!(
        "`schedule: {}` is rejected by the API server: `cannot use TZ or CRON_TZ in schedule, use timeZone field instead`",
        cx.src().get(f.entry.value.span().range()).unwrap_or(schedule)
    );
    let prefix = tz_prefix(schedule);
    let other_zone = spec.time_zone.and_then(|t| t.value);
    let help = match (prefix, other_zone) {
        (Some((zone, _)), _) if zone.eq_ignore_ascii_case("local") => {
            "remove the prefix and name an IANA zone in `spec.timeZone` (`Local` is rejected there too)".to_string()
        }
        (Some((zone, rest)), Some(tz)) if tz != zone => format!(
            "the schedule names {zone} but `timeZone` is {tz}: write `schedule: \"{rest}\"` and keep the zone you mean in `timeZone`"
        ),
        (Some((zone, rest)), _) => {
            format!("write `schedule: \"{rest}\"` and `timeZone: \"{zone}\"`")
        }
        (None, _) => "remove `TZ` from the schedule and name the zone in `spec.timeZone`".to_string(),
    };
    let fix = prefix.and_then(|(zone, rest)| fix(cx, spec, f, zone, rest));
    out.push(
        cx.diag(&RULE, f.entry.value.span(), message)
            .help(help)
            .with_fix(fix),
    );
}

fn fix(
    cx: &KubernetesContext<'_>,
    spec: crate::manifest::kubernetes::CronSpec<'_>,
    f: crate::manifest::kubernetes::StrField<'_>,
    zone: &str,
    rest: &str,
) -> Option<Fix> {
    if zone.is_empty() || zone.eq_ignore_ascii_case("local") || rest.contains("TZ") {
        return None;
    }
    let value = f.entry.value;
    let style = value.style()?;
    if style.is_block() {
        return None;
    }
    let mut edits = vec![Edit::replace(
        cx.path(),
        value.span(),
        render_scalar(rest, style),
    )];
    match spec.time_zone {
        Some(tz) if tz.value == Some(zone) => {}
        Some(_) => return None,
        None => {
            let j = cx.job()?;
            let set = j.cron.as_ref()?.time_zone.origin;
            if !matches!(set, Origin::Unset | Origin::Partial) {
                return None;
            }
            let text = cx.src();
            let zone_text = render_scalar(zone, crate::yaml::ScalarStyle::DoubleQuoted);
            if spec.node.is_flow() {
                edits.push(edit::insert_entry(
                    cx.path(),
                    text,
                    spec.node,
                    "timeZone",
                    &zone_text,
                )?);
            } else {
                let key = f.entry.key.span().start;
                let start = edit::line_start(text, key);
                let indent = &text[start..key];
                if !indent.chars().all(|c| c == ' ') || text[value.span().range()].contains('\n') {
                    return None;
                }
                let end = edit::line_end_incl(text, value.span().end);
                let nl = edit::newline(text);
                let lead = if text[..end].ends_with('\n') { "" } else { nl };
                edits.push(Edit::insert(
                    cx.path(),
                    end,
                    format!("{lead}{indent}timeZone: {zone_text}{nl}"),
                ));
            }
        }
    }
    Some(Fix::safe(format!("move `{zone}` into `timeZone`"), edits))
}
