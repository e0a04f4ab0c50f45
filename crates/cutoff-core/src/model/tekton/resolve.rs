//! Cross-file resolution: a run's Pipeline, a pipeline task's Task, and the reverse
//! (which runs use a Pipeline, which pipelines and TaskRuns use a Task).
//!
//! Names are looked up with [`Project::lookup`] (kind, name, namespace); several results
//! (Kustomize base and overlays) are all kept. Resolver and bundle references are remote:
//! not errors, just not checked.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

use crate::duration::GoDuration;
use crate::manifest::tekton::{
    self, Cx, Object, PipelineRun, PipelineSpec, PipelineTask, Ref, TaskRun, TaskSpec,
};
use crate::manifest::{Family, Meta};
use crate::model::Model;
use crate::project::ObjectId;
use crate::source::SourceFile;
use crate::yaml::NodeRef;

use super::value::{Origin, Timed};
use crate::model::value::Loc;

/// Is a reference name a placeholder (`$(params.x)`, `{{ x }}`)?
pub fn is_templated_name(name: &str) -> bool {
    name.contains("$(") || name.contains("{{")
}

/// A git URL in a comparable form: no scheme, no user, no `.git`, `host/owner/repo`.
fn normal_url(u: &str) -> String {
    let u = u.trim().trim_end_matches('/');
    let u = u.strip_suffix(".git").unwrap_or(u);
    let u = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
    let u = u.rsplit_once('@').map(|(_, r)| r).unwrap_or(u);
    // scp-like `host:owner/repo`
    u.replacen(':', "/", 1).to_ascii_lowercase()
}

/// The file a `resolver: git` reference (its node: a `pipelineRef` or `taskRef`) fetches
/// from the linted repository itself: its `url` is the Pipelines-as-Code placeholder
/// `{{ repo_url }}` or one of the repository's own URLs, and its `pathInRepo` names a file of
/// the project (matched by path from the repository root).
pub fn git_self_file<'p>(
    project: &'p crate::project::Project,
    config: &crate::config::Config,
    node: NodeRef<'_>,
) -> Option<&'p SourceFile> {
    if node.get("resolver").and_then(|r| r.as_str()) != Some("git") {
        return None;
    }
    let param = |name: &str| {
        node.get("params")?.items().find_map(|p| {
            (p.get("name")?.as_str()? == name)
                .then(|| p.get("value")?.as_str())
                .flatten()
        })
    };
    let url = param("url")?;
    let placeholder = url.replace(' ', "") == "{{repo_url}}";
    let own = config
        .repository_urls
        .iter()
        .any(|u| normal_url(u) == normal_url(url));
    if !(placeholder || own) {
        return None;
    }
    let path = param("pathInRepo")?.trim_start_matches("./");
    let mut found = project
        .files
        .iter()
        .filter(|f| f.path.as_ref() == path || f.path.ends_with(&format!("/{path}")));
    let f = found.next()?;
    found.next().is_none().then_some(f)
}

pub(crate) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// How many leading directories two paths' folders share.
fn shared_depth(a: &str, b: &str) -> usize {
    dir_of(a)
        .split('/')
        .zip(dir_of(b).split('/'))
        .take_while(|(x, y)| x == y && !x.is_empty())
        .count()
}

/// The candidates a reference from `referrer` (a file path) resolves to, when several
/// objects share the name: Kustomize patches are partial objects, not candidates (unless all
/// are); then the candidates nearest the referrer (sharing the most of its folders) win, when
/// nearness tells them apart; else every candidate stays.
pub fn nearest<T>(
    model: &Model<'_>,
    referrer: &str,
    items: Vec<T>,
    path: impl Fn(&T) -> &str,
) -> Vec<T> {
    if items.len() < 2 {
        return items;
    }
    let whole: Vec<bool> = items
        .iter()
        .map(|i| !model.kustomize.is_patch(path(i)))
        .collect();
    let mut items: Vec<T> = if whole.iter().any(|w| *w) {
        items
            .into_iter()
            .zip(whole)
            .filter_map(|(i, w)| w.then_some(i))
            .collect()
    } else {
        items
    };
    let depths: Vec<usize> = items
        .iter()
        .map(|i| shared_depth(referrer, path(i)))
        .collect();
    let (max, min) = (
        depths.iter().copied().max().unwrap_or(0),
        depths.iter().copied().min().unwrap_or(0),
    );
    if max > min {
        let mut d = depths.into_iter();
        items.retain(|_| d.next() == Some(max));
    }
    items
}

/// Where a run's Pipeline comes from.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PipelineSource {
    /// `spec.pipelineSpec` of the run.
    Embedded,
    /// A Pipeline in the repository; `of` > 1 when several candidates remain (overlays);
    /// `named`: how many Pipelines in the repository have the name (the candidates are
    /// the nearest of them, see [`nearest`]).
    InRepo {
        name: String,
        at: Loc,
        of: usize,
        named: usize,
    },
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
    Cx::new(&file.text, false)
}

/// Every Pipeline the run may run (several with overlays; one unresolved entry when none).
pub fn pipelines_for_run<'p>(
    model: &'p Model<'p>,
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
        if let Some(f) = git_self_file(model.project, model.config, r.node) {
            let found = pipelines_in_file(f);
            if !found.is_empty() {
                let of = found.len();
                return found
                    .into_iter()
                    .map(|(meta, spec)| resolved_in_repo(f, meta, spec, of, 1))
                    .collect();
            }
        }
        return none(PipelineSource::Remote { at });
    }
    let Some(name) = r.name_str() else {
        return none(PipelineSource::Remote { at });
    };
    if is_templated_name(name) {
        return none(PipelineSource::Templated { at });
    }
    let all = model.lookup(Family::Tekton, "Pipeline", name, run.meta.namespace);
    if all.is_empty() {
        return none(PipelineSource::Unresolved {
            name: name.to_string(),
            at,
        });
    }
    let named = all.len();
    let found = nearest(model, &file.path, all, |(f, _)| &f.path);
    let of = found.len();
    found
        .into_iter()
        .map(|(f, meta)| {
            let spec = match tekton::read_document(meta, &f.text) {
                Some(Object::Pipeline { spec, .. }) => spec,
                _ => None,
            };
            resolved_in_repo(f, meta, spec, of, named)
        })
        .collect()
}

/// The Pipelines of a file (a git-resolver reference fetches the file).
fn pipelines_in_file(f: &SourceFile) -> Vec<(Meta<'_>, Option<PipelineSpec<'_>>)> {
    f.stream
        .documents
        .iter()
        .filter_map(|d| {
            let meta = crate::manifest::identify_meta(d)?;
            match tekton::read_document(meta, &f.text)? {
                Object::Pipeline { meta, spec } => Some((meta, spec)),
                _ => None,
            }
        })
        .collect()
}

fn resolved_in_repo<'p>(
    f: &'p SourceFile,
    meta: Meta<'p>,
    spec: Option<PipelineSpec<'p>>,
    of: usize,
    named: usize,
) -> ResolvedPipeline<'p> {
    let name_at = meta
        .root
        .path(&["metadata", "name"])
        .map(|n| n.span())
        .unwrap_or_else(|| meta.root.span());
    ResolvedPipeline {
        source: PipelineSource::InRepo {
            name: meta.name.unwrap_or("").to_string(),
            at: Loc::new(f, name_at),
            of,
            named,
        },
        file: Some(f),
        meta: Some(meta),
        spec,
    }
}

/// The candidate of `run` that is the Pipeline document rooted at `pipeline_root` in
/// `pipeline_file` (with its `spec`), if the run resolves to it: what
/// [`pipelines_for_run`] would return for that document, without reading the others.
pub fn pipeline_of_run<'p>(
    model: &'p Model<'p>,
    run: &PipelineRun<'p>,
    run_file: &SourceFile,
    pipeline_file: &'p SourceFile,
    pipeline_meta: Meta<'p>,
    pipeline_spec: &PipelineSpec<'p>,
) -> Option<ResolvedPipeline<'p>> {
    if run.pipeline_spec.is_some() {
        return None;
    }
    let r = run.pipeline_ref.as_ref()?;
    if r.remote {
        let f = git_self_file(model.project, model.config, r.node)?;
        if f.path != pipeline_file.path {
            return None;
        }
        let root = pipeline_meta.root.span();
        let found = pipelines_in_file(f);
        let (meta, _) = found.iter().find(|(m, _)| m.root.span() == root)?;
        return Some(resolved_in_repo(
            f,
            *meta,
            Some(pipeline_spec.clone()),
            found.len(),
            1,
        ));
    }
    let name = r.name_str()?;
    if is_templated_name(name) {
        return None;
    }
    let all = model.lookup(Family::Tekton, "Pipeline", name, run.meta.namespace);
    let named = all.len();
    let found = nearest(model, &run_file.path, all, |(f, _)| &f.path);
    let root = pipeline_meta.root.span();
    let (f, meta) = found
        .iter()
        .find(|(f, m)| f.path == pipeline_file.path && m.root.span() == root)?;
    let name_at = meta
        .root
        .path(&["metadata", "name"])
        .map(|n| n.span())
        .unwrap_or_else(|| meta.root.span());
    Some(ResolvedPipeline {
        source: PipelineSource::InRepo {
            name: name.to_string(),
            at: Loc::new(f, name_at),
            of: found.len(),
            named,
        },
        file: Some(f),
        meta: Some(*meta),
        spec: Some(pipeline_spec.clone()),
    })
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

/// A Task (or embedded `taskSpec`) as far as timeouts go. Owned (it borrows nothing from
/// the project), so that the definitions behind a `taskRef` are read once per project
/// ([`crate::model::cache`]) and shared by every run that uses them.
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
    _project: PhantomData<&'p crate::project::Project>,
}

impl<'p> TaskDef<'p> {
    pub fn read(
        spec: TaskSpec<'_>,
        file: &SourceFile,
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
            _project: PhantomData,
        }
    }

    /// The path of the file it is defined in.
    pub fn path(&self) -> &Arc<str> {
        &self.at.path
    }

    /// The same definition, for any lifetime (it borrows nothing).
    pub fn detached<'q>(&self) -> TaskDef<'q> {
        TaskDef {
            name: self.name.clone(),
            kind: self.kind,
            at: self.at.clone(),
            steps: self.steps.clone(),
            misplaced_timeout: self.misplaced_timeout.clone(),
            _project: PhantomData,
        }
    }

    /// The sum of the finite step timeouts: the least time the steps may take together
    /// before one of them is cut (`None` when no step has a finite timeout). A step longer
    /// than a limit makes the sum longer too.
    pub fn step_sum(&self) -> Option<GoDuration> {
        self.steps
            .iter()
            .filter_map(|s| s.timeout.as_ref()?.value.finite())
            .reduce(GoDuration::saturating_add)
    }
}

/// The Task definitions a `taskRef` resolves to (several with overlays), read once per
/// project and shared by every run that uses them.
#[derive(Clone)]
pub struct Defs(Arc<[TaskDef<'static>]>);

impl Defs {
    pub fn new(defs: Vec<TaskDef<'static>>) -> Defs {
        Defs(defs.into())
    }

    /// Is it the very same list (one `taskRef` resolution)?
    pub fn same(&self, other: &Defs) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for Defs {
    type Target = [TaskDef<'static>];
    fn deref(&self) -> &[TaskDef<'static>] {
        &self.0
    }
}

impl Serialize for Defs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

/// What a pipeline task (or TaskRun) runs.
#[derive(Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskTarget<'p> {
    /// `taskSpec` in place.
    Embedded { task: Box<TaskDef<'p>> },
    /// Task(s) in the repository (several with overlays).
    InRepo { tasks: Defs },
    /// Named, not in the repository.
    Unresolved {
        name: String,
        ref_kind: String,
        at: Loc,
    },
    /// Resolver or bundle.
    Remote,
    /// Named in the run's `pipelinesascode.tekton.dev/task` annotation: Pipelines-as-Code
    /// fetches it (from the hub, a URL or the repository) and inlines it.
    FetchedByPac { name: String },
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
    model: &'p Model<'p>,
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
        if let Some(f) = git_self_file(model.project, model.config, r.node) {
            let defs: Vec<TaskDef<'static>> = f
                .stream
                .documents
                .iter()
                .filter_map(|d| {
                    let meta = crate::manifest::identify_meta(d)?;
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
                        meta.name.map(str::to_string),
                        "Task",
                        Loc::new(f, at),
                    ))
                })
                .collect();
            if !defs.is_empty() {
                return TaskTarget::InRepo {
                    tasks: Defs::new(defs),
                };
            }
        }
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
    let Some(tasks) = model
        .tekton
        .cache
        .task_defs(model, kind, name, namespace, &file.path)
    else {
        return TaskTarget::Unresolved {
            name: name.to_string(),
            ref_kind: kind.to_string(),
            at: Loc::new(
                file,
                r.name.map(|n| n.span()).unwrap_or_else(|| r.node.span()),
            ),
        };
    };
    if tasks.is_empty() {
        return TaskTarget::Missing;
    }
    TaskTarget::InRepo { tasks }
}

/// Reads the Task definitions of `kind`/`name` in the repository (namespace-compatible
/// with `namespace`), sorted by path; `None` when there is no such object. Use
/// [`crate::model::cache::Cache::task_defs`], which reads them once per project.
pub(crate) fn read_task_defs(
    model: &Model<'_>,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    paths: &[Arc<str>],
) -> Option<Vec<TaskDef<'static>>> {
    let found: Vec<_> = model
        .lookup(Family::Tekton, kind, name, namespace)
        .into_iter()
        .filter(|(f, _)| paths.contains(&f.path))
        .collect();
    if found.is_empty() {
        return None;
    }
    Some(
        found
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
            .collect(),
    )
}

/// The target of a pipeline task.
pub fn pipeline_task_target<'p>(
    model: &'p Model<'p>,
    file: &'p SourceFile,
    pt: &PipelineTask<'p>,
    namespace: Option<&str>,
) -> TaskTarget<'p> {
    task_target(
        model,
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

pub(crate) fn read_run<'p>(file: &'p SourceFile, meta: Meta<'p>, in_tt: bool) -> PipelineRun<'p> {
    let prefix = if in_tt {
        // The index in resourcetemplates is not needed for the model (paths are for messages).
        "spec.resourcetemplates[]".to_string()
    } else {
        String::new()
    };
    PipelineRun::read(meta, &prefix, Cx::new(&file.text, in_tt))
}

/// The roots of the PipelineRuns (top-level or in a TriggerTemplate) whose
/// `pipelineRef.name` is `name`, in a namespace compatible with `namespace`.
pub fn run_roots_referencing<'p>(
    model: &'p Model<'p>,
    name: &str,
    namespace: Option<&str>,
) -> impl Iterator<Item = ObjectId> + 'p {
    if crate::deps::active() {
        // A run may name the Pipeline's file rather than the Pipeline (a git-resolver
        // reference to the repository itself): a new one holds the file's name.
        for (f, _) in model.lookup(Family::Tekton, "Pipeline", name, None) {
            crate::deps::key(crate::cache::base_name(&f.path));
        }
    }
    let namespace = namespace.map(str::to_string);
    model
        .tekton
        .links
        .runs_of_pipeline(name)
        .iter()
        .copied()
        .filter(move |&id| ns_compatible(model.object(id).1.namespace, namespace.as_deref()))
}

/// Every PipelineRun (top-level or in a TriggerTemplate) whose `pipelineRef.name` is `name`,
/// in a namespace compatible with `namespace`. O(matches): read from the project's index.
pub fn runs_referencing<'p>(
    model: &'p Model<'p>,
    name: &str,
    namespace: Option<&str>,
) -> Vec<(&'p SourceFile, PipelineRun<'p>, bool)> {
    run_roots_referencing(model, name, namespace)
        .map(|id| {
            let (file, meta, in_tt) = model.object(id);
            (file, read_run(file, meta, in_tt), in_tt)
        })
        .collect()
}

/// The Task names a Pipelines-as-Code run has fetched through its
/// `pipelinesascode.tekton.dev/task[-N]` annotations: each item of the list, as a hub name
/// (`git-clone`, `git-clone:0.9`), a URL or a path (its file name without the extension; for a
/// path in the repository, also the names of the Tasks in that file).
pub fn pac_fetched_tasks(model: &Model<'_>, run: &PipelineRun<'_>) -> Vec<String> {
    let Some(annotations) = run.meta.annotations() else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for (k, v) in annotations.entries() {
        let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
            continue;
        };
        let Some(rest) = k.strip_prefix("pipelinesascode.tekton.dev/task") else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('-')) {
            continue;
        }
        for item in v
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
        {
            let item = item.trim().trim_matches(|c| c == '"' || c == '\'');
            if item.is_empty() {
                continue;
            }
            let base = item.rsplit('/').next().unwrap_or(item);
            let base = base.split(':').next().unwrap_or(base);
            let base = base
                .strip_suffix(".yaml")
                .or_else(|| base.strip_suffix(".yml"))
                .unwrap_or(base);
            names.push(base.to_string());
            if let Some(f) = model.file(item) {
                for d in &f.stream.documents {
                    if let Some(m) = crate::manifest::identify_meta(d) {
                        if m.kind == "Task" {
                            names.extend(m.name.map(str::to_string));
                        }
                    }
                }
            }
        }
    }
    names
}

/// How many PipelineRuns (top-level or in a TriggerTemplate) resolve to the Pipeline `meta`
/// of `pipeline_file` (by name and namespace, and by nearness among Pipelines of that name).
pub fn runs_resolving_to(model: &Model<'_>, pipeline_file: &SourceFile, meta: Meta<'_>) -> usize {
    // The counts are built from every run with recording suspended; this answer depends
    // on the runs that name the Pipeline, or its file (a git-resolver reference), and on
    // the other Pipelines of its name ([`crate::deps`]).
    if let Some(name) = meta.name {
        crate::deps::key(name);
    }
    crate::deps::key(crate::cache::base_name(&pipeline_file.path));
    model.index_of(&pipeline_file.path);
    model
        .tekton
        .cache
        .runs_resolving_to(model, &pipeline_file.path, meta.root.span())
}

/// For every Pipeline (file and root span), how many PipelineRuns resolve to it: each run's
/// candidates once.
pub(crate) fn count_runs_per_pipeline(
    model: &Model<'_>,
) -> std::collections::HashMap<(Arc<str>, crate::yaml::Span), usize> {
    let mut counts = std::collections::HashMap::new();
    for (id, o) in model.objects().iter().enumerate() {
        if o.family != Family::Tekton {
            continue;
        }
        let (file, meta, _) = model.object(id);
        if meta.kind != "PipelineRun" {
            continue;
        }
        let r = meta.root.path(&["spec", "pipelineRef"]);
        if meta.root.path(&["spec", "pipelineSpec"]).is_some() {
            continue;
        }
        if let Some(f) = r.and_then(|r| git_self_file(model.project, model.config, r)) {
            for (m, _) in pipelines_in_file(f) {
                *counts.entry((f.path.clone(), m.root.span())).or_insert(0) += 1;
            }
            continue;
        }
        let remote = r.is_some_and(|r| r.get("resolver").is_some() || r.get("bundle").is_some());
        let Some(name) = r.and_then(|r| r.get("name")).and_then(|n| n.as_str()) else {
            continue;
        };
        if remote {
            continue;
        }
        let all = model.lookup(Family::Tekton, "Pipeline", name, meta.namespace);
        for (f, m) in nearest(model, &file.path, all, |(f, _)| &f.path) {
            *counts.entry((f.path.clone(), m.root.span())).or_insert(0) += 1;
        }
    }
    counts
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

/// The roots of everything in the project that references the Task `kind`/`name` (see
/// [`referrers_of_task`]), in root order.
pub fn referrer_roots<'p>(
    model: &'p Model<'p>,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> impl Iterator<Item = ObjectId> + 'p {
    let namespace = namespace.map(str::to_string);
    model
        .tekton
        .links
        .task_referrers(kind, name)
        .iter()
        .copied()
        .filter(move |&id| {
            let (_, meta, in_tt) = model.object(id);
            ns_compatible(meta.namespace, namespace.as_deref())
                && matches!(
                    (meta.kind, in_tt),
                    ("Pipeline", false) | ("PipelineRun", _) | ("TaskRun", _)
                )
        })
}

/// Everything in the project that references the Task `kind`/`name`. O(matches): read
/// from the project's index.
pub fn referrers_of_task<'p>(
    model: &'p Model<'p>,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> Vec<Referrer<'p>> {
    let mut out = Vec::new();
    for &id in model.tekton.links.task_referrers(kind, name) {
        let (file, meta, in_tt) = model.object(id);
        if !ns_compatible(meta.namespace, namespace) {
            continue;
        }
        let c = Cx::new(&file.text, in_tt);
        match meta.kind {
            "Pipeline" if !in_tt => {
                if let Some(Object::Pipeline {
                    spec: Some(spec), ..
                }) = tekton::read_document(meta, &file.text)
                {
                    out.push(Referrer::Pipeline { file, meta, spec });
                }
            }
            "PipelineRun" => out.push(Referrer::Run {
                file,
                run: read_run(file, meta, in_tt),
                in_tt,
            }),
            "TaskRun" => out.push(Referrer::TaskRun {
                file,
                run: TaskRun::read(meta, "", c),
                in_tt,
            }),
            _ => {}
        }
    }
    out
}

/// The project's files by path, for callers holding only a [`Loc`].
pub fn file_of<'p>(model: &'p Model<'p>, path: &Arc<str>) -> Option<&'p SourceFile> {
    model.file(path)
}

pub(crate) fn plain_cx(file: &SourceFile) -> Cx<'_> {
    cx(file)
}
