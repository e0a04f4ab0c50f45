//! Edits that several Tekton rules' fixes share. Not a rule: a toolbox the rules call.

use crate::diagnostic::Edit;
use crate::edit;
use crate::manifest::tekton::PipelineRun;
use crate::manifest::DurationValue;
use crate::yaml::Span;

use super::TektonContext;

/// Edits that turn `spec.timeout: V` into `spec.timeouts.pipeline: V`, keeping the value
/// as written: renames the key in place when there is no `spec.timeouts`, else adds
/// `pipeline` to the existing `timeouts` and deletes `spec.timeout`. `None` when
/// `timeouts.pipeline` is already set or the layout is unusual.
pub fn run_timeout_to_timeouts(cx: &TektonContext<'_>, run: &PipelineRun<'_>) -> Option<Vec<Edit>> {
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

/// Inserts `key: value` on a new line just before the block-mapping key `before`, at its
/// indentation. `None` if `before` does not start its line.
pub fn insert_before_key(
    cx: &TektonContext<'_>,
    before: crate::yaml::NodeRef<'_>,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let text = cx.src();
    let at = before.span().start;
    let start = edit::line_start(text, at);
    let indent = &text[start..at];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let nl = edit::newline(text);
    Some(Edit::insert(
        cx.path(),
        start,
        format!("{indent}{key}: {value}{nl}"),
    ))
}
