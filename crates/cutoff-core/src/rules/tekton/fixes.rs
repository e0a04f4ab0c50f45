//! Edits that several Tekton rules' fixes share. Not a rule: a toolbox the rules call.

use crate::diagnostic::Edit;
use crate::duration::GoDuration;
use crate::edit;
use crate::manifest::tekton::PipelineRun;
use crate::manifest::DurationValue;
use crate::model::tekton::RunModel;
use crate::model::Bound;
use crate::model::Model;
use crate::yaml::{render_scalar, NodeRef, ScalarStyle, Span};

use super::TektonContext;

/// Edits that turn `spec.timeout: V` into `spec.timeouts.pipeline: V`, keeping the value
/// as written: renames the key in place when there is no `spec.timeouts`, else adds
/// `pipeline` to the existing `timeouts` and deletes `spec.timeout`. `None` when
/// `timeouts.pipeline` is already set or the layout is unusual.
pub fn run_timeout_to_timeouts(cx: &TektonContext<'_>, run: &PipelineRun<'_>) -> Option<Vec<Edit>> {
    let t = run.timeout.as_ref()?;
    if matches!(t.value, DurationValue::Null)
        || cx.config.targets.tekton < crate::model::tekton::versions::TIMEOUTS_FIELD_SINCE
    {
        // (Before v0.36 `timeouts` needs the alpha feature gate.)
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

fn style_of(n: NodeRef<'_>) -> ScalarStyle {
    match n.style() {
        Some(s) if !s.is_block() => s,
        _ => ScalarStyle::Plain,
    }
}

fn replace(path: &std::sync::Arc<str>, n: NodeRef<'_>, d: GoDuration) -> Edit {
    Edit::replace(path, n.span(), render_scalar(&d.canonical(), style_of(n)))
}

fn render(d: GoDuration) -> String {
    render_scalar(&d.canonical(), ScalarStyle::Plain)
}

/// Raises one run's budget so that the tasks phase gets `need` and the finally phase keeps
/// what it had: the edits, and what they write in words. The webhook checks
/// `tasks + finally <= pipeline` whenever both are set, finally tasks or not, so an explicit
/// `timeouts.finally` always counts. When the raised budget goes above the default TaskRun
/// timeout, the tasks that run under that default get it written as their `timeout` (what they
/// already run under), so that the larger budget does not newly trap them (TKN012); those
/// edits are made only where every run in `all_runs` using the same Pipeline already gives
/// the task the default (and `all_runs` holds every run of a shared Pipeline).
/// `None` when a value is templated, the run has no budget fields to edit, the raised
/// budget would be above the policy's cap for the run, or the default cannot be written
/// safely.
/// One fix raising the budget of every run of `runs` to what `need` says for it (see
/// [`raise_run_budget`]), described as doing it `why`; `None` when any run cannot be raised
/// safely.
pub fn raise_runs(
    model: &Model<'_>,
    runs: &[&RunModel<'_>],
    need: impl Fn(&RunModel<'_>) -> Option<GoDuration>,
    all_runs: &[RunModel<'_>],
    why: &str,
) -> Option<crate::diagnostic::Fix> {
    let mut edits = Vec::new();
    let mut writes: Vec<String> = Vec::new();
    for m in runs {
        let (e, w) = raise_run_budget(model, m, need(m)?, all_runs)?;
        edits.extend(e);
        if !writes.contains(&w) {
            writes.push(w);
        }
    }
    let whose = if runs.len() == 1 {
        String::new()
    } else {
        format!(" in {}", crate::model::tekton::run::run_names(runs))
    };
    Some(crate::diagnostic::Fix::unsafe_(
        format!("{why}: set {}{whose}", writes.join("; ")),
        edits,
    ))
}

pub fn raise_run_budget(
    model: &Model<'_>,
    m: &RunModel<'_>,
    need: GoDuration,
    all_runs: &[RunModel<'_>],
) -> Option<(Vec<Edit>, String)> {
    let run = m.run.as_ref()?;
    let file = m.run_file;
    let path = &file.path;
    let text = &file.text;
    let finally_need = match m.budgets.finally.as_ref() {
        Some(f) if f.origin == crate::model::tekton::Origin::Explicit => match f.value {
            Bound::Finite(d) => d,
            _ => return None,
        },
        _ if m.finally.is_empty() => GoDuration::ZERO,
        _ => m
            .finally
            .iter()
            .filter_map(|t| t.effective.value.finite())
            .max()
            .unwrap_or(GoDuration::ZERO),
    };
    let pipeline_need = need.saturating_add(finally_need);
    // Never above the cap the policy sets for the run (POL001 would report it).
    if let Some(cap) = model.run_policy(m).and_then(|p| p.cap) {
        if Bound::Finite(pipeline_need).exceeds(cap.value) == Some(true) {
            return None;
        }
    }
    let old_pipeline = m.budgets.pipeline.value;
    if !old_pipeline.is_known()
        || m.budgets
            .tasks
            .as_ref()
            .is_some_and(|t| !t.value.is_known())
    {
        return None;
    }
    let mut edits = Vec::new();
    let mut writes = Vec::new();
    let pipeline_short = matches!(old_pipeline, Bound::Finite(p) if p < pipeline_need);
    let timeouts = run.timeouts.map(|f| f.value).filter(|v| v.is_mapping());
    if let Some(t) = &run.tasks {
        edits.push(replace(path, t.field.value, need));
        writes.push(format!("`timeouts.tasks: {}`", need.canonical()));
    }
    if pipeline_short {
        let field = if let Some(p) = run
            .pipeline
            .as_ref()
            .filter(|_| !(run.v1beta1 && run.timeout.is_some()))
        {
            edits.push(replace(path, p.field.value, pipeline_need));
            "timeouts.pipeline"
        } else if let (true, Some(t)) = (run.v1beta1, &run.timeout) {
            edits.push(replace(path, t.field.value, pipeline_need));
            "spec.timeout"
        } else if let Some(map) = timeouts {
            edits.push(edit::insert_entry(
                path,
                text,
                map,
                "pipeline",
                &render(pipeline_need),
            )?);
            "timeouts.pipeline"
        } else {
            let spec = run.spec?;
            let e = if spec.is_flow() {
                edit::insert_entry(
                    path,
                    text,
                    spec,
                    "timeouts",
                    &format!("{{pipeline: {}}}", render(pipeline_need)),
                )?
            } else {
                let (first, _) = spec.entries().next()?;
                let indent = edit::column_of(text, first.span().start);
                let nl = edit::newline(text);
                let key = format!("timeouts:{nl}{}pipeline", " ".repeat(indent + 2));
                edit::insert_entry(path, text, spec, &key, &render(pipeline_need))?
            };
            edits.push(e);
            "timeouts.pipeline"
        };
        writes.push(format!("`{field}: {}`", pipeline_need.canonical()));
    }
    if edits.is_empty() {
        return None;
    }
    let (pins, pinned) = pin_defaults(m, need, all_runs)?;
    edits.extend(pins);
    let mut said = writes.join(" and ");
    if !pinned.is_empty() {
        said.push_str(&format!(
            ", and write the {} default they run under on {} as their `timeout`",
            m.settings
                .default
                .map(|d| d.canonical())
                .unwrap_or_default(),
            pinned.join(", ")
        ));
    }
    Some((edits, said))
}

/// The edits writing the default TaskRun timeout on the tasks of `m` that run under it,
/// once the tasks budget is `budget` (none needed when that is not above the default), with
/// the tasks' names. `None` when a task cannot be edited or the edit would change what
/// another run gives it.
fn pin_defaults(
    m: &RunModel<'_>,
    budget: GoDuration,
    all_runs: &[RunModel<'_>],
) -> Option<(Vec<Edit>, Vec<String>)> {
    let Some(default) = m.settings.default else {
        return Some((Vec::new(), Vec::new()));
    };
    if budget <= default {
        return Some((Vec::new(), Vec::new()));
    }
    // Every run of a shared Pipeline must be in view, to know that the edit changes nothing
    // for them.
    let siblings: Vec<&RunModel<'_>> = all_runs
        .iter()
        .filter(|r| r.pipeline_file.map(|f| &f.path) == m.pipeline_file.map(|f| &f.path))
        .filter(|r| {
            r.pipeline_meta.map(|p| p.root.span()) == m.pipeline_meta.map(|p| p.root.span())
        })
        .collect();
    if m.pipeline_runs > siblings.len().max(1) {
        return None;
    }
    let mut edits = Vec::new();
    let mut names = Vec::new();
    // Only the tasks phase grows: finally tasks keep their share.
    for t in &m.tasks {
        if t.effective.origin != crate::model::tekton::Origin::ClusterDefault
            || !t.target.is_task_run()
        {
            continue;
        }
        let same_everywhere = siblings.iter().all(|r| {
            r.task(&t.name)
                .is_none_or(|o| o.effective.origin == crate::model::tekton::Origin::ClusterDefault)
        });
        if !same_everywhere || !t.file.report {
            return None;
        }
        edits.push(edit::insert_entry(
            &t.file.path,
            &t.file.text,
            t.view.node,
            "timeout",
            &render(default),
        )?);
        names.push(format!("`{}`", t.name));
    }
    Some((edits, names))
}
