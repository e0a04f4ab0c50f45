//! Cross-file resolution: a run's Pipeline, a pipeline task's Task, and the reverse
//! (which runs use a Pipeline, which pipelines and TaskRuns use a Task).
//!
//! Names are looked up with [`Project::lookup`] (kind, name, namespace); several results
//! (Kustomize base and overlays) are all kept. Resolver and bundle references are remote:
//! not errors, just not checked.

use std::sync::Arc;

use serde::Serialize;

use crate::manifest::tekton::{
    self, Cx, Object, PipelineRun, PipelineSpec, PipelineTask, Ref, TaskRun, TaskSpec,
};
use crate::manifest::{identify, identify_node, Meta};
use crate::project::{Project, SourceFile};
use crate::yaml::NodeRef;

use super::value::{Loc, Origin, Timed};

/// Is a reference name a placeholder (`$(params.x)`, `{{ x }}`)?
pub fn is_templated_name(name: &str) -> bool {
    name.contains("$(") || name.contains("{{")
}

/// Where a run's Pipeline comes from.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PipelineSource {
    /// `spec.pipelineSpec` of the run.
    Embedded,
    /// A Pipeline in the repository; `of` > 1 when several share the name (overlays).
    InRepo { name: String, at: Loc, of: usize },
    /// Named, not in the repository.
    Unresolved { name: String, at: Loc },
    /// A resolver or bundle reference.
    Remote { at: Loc },
    /// The name is a placeholder.
    Templated { at: Loc },
    /// Neither `pipelineRef` nor `pipelineSpec`.
    Missing,
}

/// One candidate Pipeline for a run.
#[derive(Clone)]
pub struct ResolvedPipeline<'p> {
    pub source: PipelineSource,
    pub file: Option<&'p SourceFile>,
    pub meta: Option<Meta<'p>>,
    pub spec: Option<PipelineSpec<'p>>,
}

fn cx(file: &SourceFile) -> Cx<'_> {
    Cx {
        src: &file.text,
        in_trigger_template: false,
    }
}

/// Every Pipeline the run may run (several with overlays; one unresolved entry when none).
pub fn pipelines_for_run<'p>(
    project: &'p Project,
    run: &PipelineRun<'p>,
    file: &'p SourceFile,
) -> Vec<ResolvedPipeline<'p>> {
    if let Some(spec) = &run.pipeline_spec {
        return vec![ResolvedPipeline {
            source: PipelineSource::Embedded,
            file: Some(file),
            meta: None,
            spec: Some(spec.clone()),
        }];
    }
    let none = |source| {
        vec![ResolvedPipeline {
            source,
            file: None,
            meta: None,
            spec: None,
        }]
    };
    let Some(r) = &run.pipeline_ref else {
        return none(PipelineSource::Missing);
    };
    let at = Loc::new(
        file,
        r.name.map(|n| n.span()).unwrap_or_else(|| r.node.span()),
    );
    if r.remote {
        return none(PipelineSource::Remote { at });
    }
    let Some(name) = r.name_str() else {
        return none(PipelineSource::Remote { at });
    };
    if is_templated_name(name) {
        return none(PipelineSource::Templated { at });
    }
    let found = project.lookup("Pipeline", name, run.meta.namespace);
    if found.is_empty() {
        return none(PipelineSource::Unresolved {
            name: name.to_string(),
            at,
        });
    }
    let of = found.len();
    found
        .into_iter()
        .map(|(f, meta)| {
            let spec = match tekton::read_document(meta, &f.text) {
                Some(Object::Pipeline { spec, .. }) => spec,
                _ => None,
            };
            let name_at = meta
                .root
                .path(&["metadata", "name"])
                .map(|n| n.span())
                .unwrap_or_else(|| meta.root.span());
            ResolvedPipeline {
                source: PipelineSource::InRepo {
                    name: name.to_string(),
                    at: Loc::new(f, name_at),
                    of,
                },
                file: Some(f),
                meta: Some(meta),
                spec,
            }
        })
        .collect()
}

/// A step and its timeout.
#[derive(Clone, Debug, Serialize)]
pub struct StepModel {
    pub index: usize,
    pub name: Option<String>,
    /// The step's `timeout`; `"0"` (no timeout) is unbounded.
    pub timeout: Option<Timed>,
    /// The step's `name` value, else the step item.
    pub at: Loc,
}

/// A Task (or embedded `taskSpec`) as far as timeouts go.
#[derive(Clone, Serialize)]
pub struct TaskDef<'p> {
    pub name: Option<String>,
    pub kind: &'static str,
    /// `metadata.name` of a Task, or the `taskSpec` key.
    pub at: Loc,
    pub steps: Vec<StepModel>,
    /// `spec.timeout` of the Task: read by no Tekton version, but evidence of what the author wanted.
    pub misplaced_timeout: Option<Timed>,
    #[serde(skip)]
    pub spec: TaskSpec<'p>,
    #[serde(skip)]
    pub file: &'p SourceFile,
}

impl<'p> TaskDef<'p> {
    pub fn read(
        spec: TaskSpec<'p>,
        file: &'p SourceFile,
        name: Option<String>,
        kind: &'static str,
        at: Loc,
    ) -> TaskDef<'p> {
        let steps = spec
            .steps
            .iter()
            .map(|s| StepModel {
                index: s.index,
                name: s.name.map(str::to_string),
                timeout: s
                    .timeout
                    .as_ref()
                    .and_then(|t| Timed::read(t, file, Origin::Explicit)),
                at: Loc::new(
                    file,
                    s.node
                        .get("name")
                        .map(|n| n.span())
                        .unwrap_or_else(|| s.node.span()),
                ),
            })
            .collect();
        let misplaced_timeout = spec
            .timeout
            .as_ref()
            .and_then(|t| Timed::read(t, file, Origin::Explicit));
        TaskDef {
            name,
            kind,
            at,
            steps,
            misplaced_timeout,
            spec,
            file,
        }
    }
}

/// What a pipeline task (or TaskRun) runs.
#[derive(Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskTarget<'p> {
    /// `taskSpec` in place.
    Embedded { task: Box<TaskDef<'p>> },
    /// Task(s) in the repository (several with overlays).
    InRepo { tasks: Vec<TaskDef<'p>> },
    /// Named, not in the repository.
    Unresolved {
        name: String,
        ref_kind: String,
        at: Loc,
    },
    /// Resolver or bundle.
    Remote,
    /// A custom task (CustomRun): no steps known.
    Custom,
    /// The name is a placeholder.
    Templated,
    /// Pipelines in Pipelines: a child PipelineRun (its timeout is not passed on, #10178).
    ChildPipeline,
    /// No taskRef, no taskSpec.
    Missing,
}

impl<'p> TaskTarget<'p> {
    /// The task definitions the run may use (none when not in the repository).
    pub fn defs(&self) -> &[TaskDef<'p>] {
        match self {
            TaskTarget::Embedded { task } => std::slice::from_ref(&**task),
            TaskTarget::InRepo { tasks } => tasks,
            _ => &[],
        }
    }

    /// Is this a TaskRun at all (not a CustomRun or child PipelineRun)?
    pub fn is_task_run(&self) -> bool {
        !matches!(self, TaskTarget::Custom | TaskTarget::ChildPipeline)
    }
}

/// Resolves a `taskRef`/`taskSpec` pair (of a pipeline task or a TaskRun).
pub fn task_target<'p>(
    project: &'p Project,
    file: &'p SourceFile,
    node: NodeRef<'p>,
    task_ref: Option<&Ref<'p>>,
    task_spec: Option<&TaskSpec<'p>>,
    namespace: Option<&str>,
) -> TaskTarget<'p> {
    if let Some(spec) = task_spec {
        let at = node
            .entry("taskSpec")
            .map(|(k, _)| k.span())
            .unwrap_or_else(|| spec.node.span());
        return TaskTarget::Embedded {
            task: Box::new(TaskDef::read(
                spec.clone(),
                file,
                None,
                "taskSpec",
                Loc::new(file, at),
            )),
        };
    }
    if node.get("pipelineRef").is_some() || node.get("pipelineSpec").is_some() {
        return TaskTarget::ChildPipeline;
    }
    let Some(r) = task_ref else {
        return TaskTarget::Missing;
    };
    if r.remote {
        return TaskTarget::Remote;
    }
    let kind = r.kind.unwrap_or("Task");
    if r.node.get("apiVersion").is_some() || !matches!(kind, "Task" | "ClusterTask") {
        return TaskTarget::Custom;
    }
    let Some(name) = r.name_str() else {
        return TaskTarget::Missing;
    };
    if is_templated_name(name) {
        return TaskTarget::Templated;
    }
    let found = project.lookup(kind, name, namespace);
    if found.is_empty() {
        return TaskTarget::Unresolved {
            name: name.to_string(),
            ref_kind: kind.to_string(),
            at: Loc::new(
                file,
                r.name.map(|n| n.span()).unwrap_or_else(|| r.node.span()),
            ),
        };
    }
    let tasks = found
        .into_iter()
        .filter_map(|(f, meta)| {
            let Some(Object::Task {
                spec: Some(spec), ..
            }) = tekton::read_document(meta, &f.text)
            else {
                return None;
            };
            let at = meta
                .root
                .path(&["metadata", "name"])
                .map(|n| n.span())
                .unwrap_or_else(|| meta.root.span());
            Some(TaskDef::read(
                spec,
                f,
                Some(name.to_string()),
                if kind == "ClusterTask" {
                    "ClusterTask"
                } else {
                    "Task"
                },
                Loc::new(f, at),
            ))
        })
        .collect::<Vec<_>>();
    if tasks.is_empty() {
        return TaskTarget::Missing;
    }
    TaskTarget::InRepo { tasks }
}

/// The target of a pipeline task.
pub fn pipeline_task_target<'p>(
    project: &'p Project,
    file: &'p SourceFile,
    pt: &PipelineTask<'p>,
    namespace: Option<&str>,
) -> TaskTarget<'p> {
    task_target(
        project,
        file,
        pt.node,
        pt.task_ref.as_ref(),
        pt.task_spec.as_ref(),
        namespace,
    )
}

fn ns_compatible(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Calls `f` for every Tekton object root in the project: document roots, and the
/// resources of TriggerTemplates (with `true`).
fn each_root<'p>(project: &'p Project, mut f: impl FnMut(&'p SourceFile, Meta<'p>, bool)) {
    for file in &project.files {
        if file.skip.is_some() {
            continue;
        }
        for doc in &file.stream.documents {
            let Some(meta) = identify(doc) else { continue };
            if meta.kind == "TriggerTemplate" {
                if let Some(list) = meta.root.path(&["spec", "resourcetemplates"]) {
                    for r in list.items() {
                        if let Some(m) = identify_node(r) {
                            f(file, m, true);
                        }
                    }
                }
            } else {
                f(file, meta, false);
            }
        }
    }
}

fn read_run<'p>(file: &'p SourceFile, meta: Meta<'p>, in_tt: bool) -> Option<PipelineRun<'p>> {
    let prefix = if in_tt {
        // The index in resourcetemplates is not needed for the model (paths are for messages).
        "spec.resourcetemplates[]".to_string()
    } else {
        String::new()
    };
    Some(PipelineRun::read(
        meta,
        &prefix,
        Cx {
            src: &file.text,
            in_trigger_template: in_tt,
        },
    ))
}

/// Every PipelineRun (top-level or in a TriggerTemplate) whose `pipelineRef.name` is `name`,
/// in a namespace compatible with `namespace`.
pub fn runs_referencing<'p>(
    project: &'p Project,
    name: &str,
    namespace: Option<&str>,
) -> Vec<(&'p SourceFile, PipelineRun<'p>, bool)> {
    let mut out = Vec::new();
    if !project.pipeline_is_referenced(name) {
        return out;
    }
    each_root(project, |file, meta, in_tt| {
        if meta.kind != "PipelineRun" {
            return;
        }
        let r = meta.root.path(&["spec", "pipelineRef"]);
        if r.and_then(|r| r.get("name")).and_then(|n| n.as_str()) != Some(name) {
            return;
        }
        if r.is_some_and(|r| r.get("resolver").is_some() || r.get("bundle").is_some()) {
            return;
        }
        if !ns_compatible(meta.namespace, namespace) {
            return;
        }
        if let Some(run) = read_run(file, meta, in_tt) {
            out.push((file, run, in_tt));
        }
    });
    out
}

fn spec_refers_to(spec: NodeRef<'_>, kind: &str, name: &str) -> bool {
    ["tasks", "finally"].iter().any(|list| {
        spec.get(list).is_some_and(|l| {
            l.items().any(|t| {
                t.get("taskRef").is_some_and(|r| {
                    r.get("name").and_then(|n| n.as_str()) == Some(name)
                        && r.get("kind").and_then(|k| k.as_str()).unwrap_or("Task") == kind
                })
            })
        })
    })
}

/// Who runs a Task.
#[allow(clippy::large_enum_variant)] // short-lived, a handful at a time
pub enum Referrer<'p> {
    /// A Pipeline document whose tasks reference it.
    Pipeline {
        file: &'p SourceFile,
        meta: Meta<'p>,
        spec: PipelineSpec<'p>,
    },
    /// A PipelineRun whose embedded `pipelineSpec` references it.
    Run {
        file: &'p SourceFile,
        run: PipelineRun<'p>,
        in_tt: bool,
    },
    /// A TaskRun whose `taskRef` names it.
    TaskRun {
        file: &'p SourceFile,
        run: TaskRun<'p>,
        in_tt: bool,
    },
}

/// Everything in the project that references the Task `kind`/`name`.
pub fn referrers_of_task<'p>(
    project: &'p Project,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> Vec<Referrer<'p>> {
    let mut out = Vec::new();
    each_root(project, |file, meta, in_tt| {
        if !ns_compatible(meta.namespace, namespace) {
            return;
        }
        let c = Cx {
            src: &file.text,
            in_trigger_template: in_tt,
        };
        match meta.kind {
            "Pipeline" if !in_tt => {
                let refers = meta
                    .root
                    .get("spec")
                    .is_some_and(|s| spec_refers_to(s, kind, name));
                if let Some(Object::Pipeline {
                    spec: Some(spec), ..
                }) = refers
                    .then(|| tekton::read_document(meta, &file.text))
                    .flatten()
                {
                    out.push(Referrer::Pipeline { file, meta, spec });
                }
            }
            "PipelineRun" => {
                let refers = meta
                    .root
                    .path(&["spec", "pipelineSpec"])
                    .is_some_and(|s| spec_refers_to(s, kind, name));
                if let Some(run) = refers.then(|| read_run(file, meta, in_tt)).flatten() {
                    out.push(Referrer::Run { file, run, in_tt });
                }
            }
            "TaskRun" => {
                let r = meta.root.path(&["spec", "taskRef"]);
                let hit = r.is_some_and(|r| {
                    r.get("name").and_then(|n| n.as_str()) == Some(name)
                        && r.get("kind").and_then(|k| k.as_str()).unwrap_or("Task") == kind
                });
                if hit {
                    out.push(Referrer::TaskRun {
                        file,
                        run: TaskRun::read(meta, "", c),
                        in_tt,
                    });
                }
            }
            _ => {}
        }
    });
    out
}

/// The project's files by path, for callers holding only a [`Loc`].
pub fn file_of<'p>(project: &'p Project, path: &Arc<str>) -> Option<&'p SourceFile> {
    project.file(path)
}

pub(crate) fn plain_cx(file: &SourceFile) -> Cx<'_> {
    cx(file)
}
