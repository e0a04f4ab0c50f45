//! TKN005 deprecated-pipelinerun-timeout: a v1beta1 PipelineRun's `spec.timeout`.
//!
//! Facts (tekton-timeouts.md §1, §6): `spec.timeout` was deprecated in v0.36 in favour of
//! `spec.timeouts.pipeline`; converting to v1 (storage, Pipelines-as-Code) turns it into
//! `timeouts: {pipeline: <timeout>}`, and v1 has no `spec.timeout` at all. The fix writes
//! that conversion into the file. When `spec.timeouts` is also set, TKN006 reports the run
//! instead.

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::edit;
use crate::manifest::tekton::{Object, PipelineRun};
use crate::manifest::DurationValue;
use crate::rule_doc;
use crate::rules::{Context, FixKind, Rule};
use crate::yaml::Span;

pub static RULE: Rule = Rule {
    code: "TKN005",
    name: "deprecated-pipelinerun-timeout",
    severity: Severity::Warning,
    fix: FixKind::Always,
    enabled_by_default: true,
    summary:
        "A v1beta1 PipelineRun uses the deprecated spec.timeout instead of spec.timeouts.pipeline",
    check: Some(check),
    doc: rule_doc!("TKN005"),
};

/// Is `spec.timeouts` present with a value (a null `timeouts:` is unset for Go)?
pub(crate) fn has_timeouts(run: &PipelineRun<'_>) -> bool {
    run.timeouts.is_some_and(|f| !f.value.is_null())
}

/// Edits that turn `spec.timeout: V` into `spec.timeouts.pipeline: V`, keeping the value
/// as written: renames the key in place when there is no `spec.timeouts`, else adds
/// `pipeline` to the existing `timeouts` and deletes `spec.timeout`. `None` when
/// `timeouts.pipeline` is already set or the layout is unusual.
pub(crate) fn run_timeout_to_timeouts(
    cx: &Context<'_>,
    run: &PipelineRun<'_>,
) -> Option<Vec<Edit>> {
    let t = run.timeout.as_ref()?;
    if matches!(t.value, DurationValue::Null) {
        return None;
    }
    let spec = run.spec?;
    let text = cx.src();
    let path = cx.path();
    let (key, value) = (t.field.key, t.field.value);
    let value_text = text.get(value.span().range())?;
    if value_text.contains('\n') || text.get(key.span().end..value.span().start)?.contains('\n') {
        return None;
    }
    match run.timeouts {
        None => {
            if spec.is_flow() {
                return Some(vec![Edit::replace(
                    path,
                    Span::new(key.span().start, value.span().end),
                    format!("timeouts: {{pipeline: {value_text}}}"),
                )]);
            }
            let start = edit::line_start(text, key.span().start);
            let indent = &text[start..key.span().start];
            if !indent.chars().all(|c| c == ' ' || c == '\t') {
                return None;
            }
            // The file's indentation step: how far `spec`'s entries sit from `spec:` itself.
            let step = run
                .meta
                .root
                .entry("spec")
                .map(|(k, _)| {
                    edit::column_of(text, key.span().start)
                        .saturating_sub(edit::column_of(text, k.span().start))
                })
                .filter(|s| (1..=8).contains(s))
                .unwrap_or(2);
            let nl = edit::newline(text);
            Some(vec![Edit::replace(
                path,
                key.span(),
                format!("timeouts:{nl}{indent}{}pipeline", " ".repeat(step)),
            )])
        }
        Some(f) => {
            let map = f.value;
            if !map.is_mapping() || map.get("pipeline").is_some() {
                return None;
            }
            let insert = edit::insert_entry(path, text, map, "pipeline", value_text)?;
            let delete = edit::delete_entry(path, text, spec, key, value)?;
            Some(vec![insert, delete])
        }
    }
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Object::PipelineRun(run) = cx.object else {
        return;
    };
    if !run.v1beta1 || has_timeouts(run) {
        return;
    }
    let Some(t) = &run.timeout else { return };
    if matches!(t.value, DurationValue::Null) {
        return;
    }
    let raw = cx.src().get(t.span().range()).unwrap_or("");
    let fix = run_timeout_to_timeouts(cx, run).map(|edits| {
        Fix::safe(
            format!("replace with `timeouts: {{pipeline: {raw}}}`"),
            edits,
        )
    });
    out.push(
        cx.diag(
            &RULE,
            t.field.key.span(),
            format!(
                "`{}` is deprecated since Tekton v0.36 in favour of `spec.timeouts.pipeline`: Tekton converts it to `timeouts: {{pipeline: {raw}}}` when it stores the run as v1, and v1 PipelineRuns have no `spec.timeout`",
                t.path
            ),
        )
        .help(format!(
            "write `timeouts:` with `pipeline: {raw}` instead; `timeouts` also lets you bound `tasks` and `finally` separately"
        ))
        .with_fix(fix),
    );
}
