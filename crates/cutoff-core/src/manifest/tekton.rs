//! Typed views of Tekton objects: Pipeline, PipelineRun, Task, TaskRun, StepAction,
//! TriggerTemplate, with embedded `pipelineSpec`/`taskSpec` and the resources inside
//! a TriggerTemplate.
//!
//! Facts: `docs/tekton-timeouts.md` (where Tekton reads timeouts).

use crate::yaml::{NodeRef, Span};

use super::value::{classify, DurationValue};
use super::{identify_node, Meta};

/// The bytes every file holding a Tekton object contains (for the prefilter).
/// (`config-defaults`: the cluster's configuration, where the default timeout is set.)
pub const MARKERS: &[&[u8]] = &[b"tekton.dev", b"config-defaults"];

/// Is an object of this `apiVersion` (and kind) a Tekton one?
pub fn is_tekton(api_version: &str, _kind: &str) -> bool {
    let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
    matches!(group, "tekton.dev" | "triggers.tekton.dev")
}

/// Is the file at `path` read by Pipelines-as-Code (it sits under a `.tekton/` directory)?
pub fn is_pac_path(path: &str) -> bool {
    path.split('/').any(|c| c == ".tekton")
}

/// The identities of the resources a TriggerTemplate embeds (`spec.resourcetemplates`)
/// that are Tekton objects; none for other kinds.
pub fn embedded_roots<'a>(meta: &Meta<'a>) -> Vec<Meta<'a>> {
    if meta.kind != "TriggerTemplate" {
        return Vec::new();
    }
    meta.root
        .path(&["spec", "resourcetemplates"])
        .map(|list| list.items().filter_map(identify_node).collect())
        .unwrap_or_default()
}

/// Where a `timeout` key sits, and so what Tekton does with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    /// PipelineRun `spec.timeouts.pipeline`.
    RunPipeline,
    /// PipelineRun `spec.timeouts.tasks`.
    RunTasks,
    /// PipelineRun `spec.timeouts.finally`.
    RunFinally,
    /// PipelineRun `spec.timeout`: v1beta1 only (deprecated); unknown in v1.
    RunTimeout,
    /// PipelineRun `spec.taskRunSpecs[].timeout` (since Tekton v1.4).
    TaskRunSpec,
    /// Pipeline `spec.tasks[].timeout`.
    PipelineTask,
    /// Pipeline `spec.finally[].timeout`.
    FinallyTask,
    /// TaskRun `spec.timeout`.
    TaskRun,
    /// `steps[].timeout`.
    Step,
    /// `timeout` directly under a Task's spec or an embedded `taskSpec`: read by no version.
    TaskSpec,
    /// `taskRunTemplate.timeout`: read by no version.
    TaskRunTemplate,
    /// `stepTemplate.timeout`: read by no version.
    StepTemplate,
    /// `sidecars[].timeout`: sidecars cannot time out.
    Sidecar,
    /// `timeout` directly under a `pipelineSpec` (or a Pipeline's spec): read by no version.
    PipelineSpec,
    /// StepAction `spec.timeout`: only the referencing step carries one.
    StepAction,
}

impl Slot {
    /// Does any Tekton version read this field? (`RunTimeout` depends on the API version.)
    pub fn is_read(self) -> bool {
        !matches!(
            self,
            Slot::TaskSpec
                | Slot::TaskRunTemplate
                | Slot::StepTemplate
                | Slot::Sidecar
                | Slot::PipelineSpec
                | Slot::StepAction
        )
    }
}

/// A `key: value` pair with its dotted path from the object root.
#[derive(Clone, Copy)]
pub struct Field<'a> {
    pub key: NodeRef<'a>,
    pub value: NodeRef<'a>,
}

impl<'a> Field<'a> {
    pub fn of(map: NodeRef<'a>, key: &str) -> Option<Field<'a>> {
        map.entry(key).map(|(key, value)| Field { key, value })
    }

    /// The span of `key: value`, for deletions.
    pub fn entry_span(&self) -> Span {
        Span::new(
            self.key.span().start,
            self.value.span().end.max(self.key.span().end),
        )
    }
}

/// One timeout field of an object.
#[derive(Clone)]
pub struct TimeoutSite<'a> {
    pub slot: Slot,
    pub field: Field<'a>,
    pub value: DurationValue,
    /// Dotted path from the document root, e.g. `spec.tasks[2].timeout`.
    pub path: String,
    /// Inside a TriggerTemplate's `resourcetemplates`.
    pub in_trigger_template: bool,
    /// Inside an embedded `pipelineSpec`/`taskSpec` (see [`Cx::in_embedded_spec`]).
    pub in_embedded_spec: bool,
}

/// The context every view is built in.
#[derive(Clone, Copy)]
pub struct Cx<'s> {
    /// The file text, to read placeholders as written.
    pub src: &'s str,
    pub in_trigger_template: bool,
    /// Inside an embedded `pipelineSpec`/`taskSpec`: parts the CRDs mark
    /// `x-kubernetes-preserve-unknown-fields`, so unknown keys reach the webhook.
    pub in_embedded_spec: bool,
}

impl<'s> Cx<'s> {
    /// The context of a document root (or, with `in_trigger_template`, a TriggerTemplate resource).
    pub fn new(src: &'s str, in_trigger_template: bool) -> Cx<'s> {
        Cx {
            src,
            in_trigger_template,
            in_embedded_spec: false,
        }
    }

    /// The same context, inside an embedded `pipelineSpec`/`taskSpec`.
    fn embedded(self) -> Cx<'s> {
        Cx {
            in_embedded_spec: true,
            ..self
        }
    }
}

fn join(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else {
        format!("{prefix}.{rest}")
    }
}

/// A timeout field with its parsed value.
#[derive(Clone)]
pub struct Timeout<'a> {
    pub field: Field<'a>,
    pub value: DurationValue,
    pub path: String,
    /// Inside an embedded `pipelineSpec`/`taskSpec` (see [`Cx::in_embedded_spec`]).
    pub in_embedded_spec: bool,
}

impl<'a> Timeout<'a> {
    /// The field `key` of `map`, if written; `path` (where it is, for messages) is only
    /// worked out then.
    fn read(
        map: NodeRef<'a>,
        key: &str,
        path: impl FnOnce() -> String,
        cx: Cx<'_>,
    ) -> Option<Timeout<'a>> {
        let field = Field::of(map, key)?;
        Some(Timeout {
            value: classify(field.value, cx.src),
            field,
            path: path(),
            in_embedded_spec: cx.in_embedded_spec,
        })
    }

    fn site(&self, slot: Slot, cx: Cx<'_>) -> TimeoutSite<'a> {
        TimeoutSite {
            slot,
            field: self.field,
            value: self.value.clone(),
            path: self.path.clone(),
            in_trigger_template: cx.in_trigger_template,
            in_embedded_spec: self.in_embedded_spec,
        }
    }

    /// The span of the value.
    pub fn span(&self) -> Span {
        self.field.value.span()
    }

    /// `` `spec.timeouts.tasks: 90m` ``: the field as written in `src`.
    pub fn written(&self, src: &str) -> String {
        format!(
            "`{}: {}`",
            self.path,
            crate::diagnostic::elide(src.get(self.span().range()).unwrap_or(""))
        )
    }

    /// `` `spec.timeouts.tasks: 90m` (1h30m0s) ``: the field as written, and `d` in its
    /// canonical form when that differs.
    pub fn shown(&self, src: &str, d: crate::duration::GoDuration) -> String {
        let raw = src.get(self.span().range()).unwrap_or("");
        let canonical = d.canonical();
        let bare = self.field.value.as_str().unwrap_or(raw);
        let raw = crate::diagnostic::elide(raw);
        if bare == canonical {
            format!("`{}: {raw}`", self.path)
        } else {
            format!("`{}: {raw}` ({canonical})", self.path)
        }
    }
}

/// A `taskRef`/`pipelineRef`.
#[derive(Clone, Copy)]
pub struct Ref<'a> {
    pub node: NodeRef<'a>,
    /// `name`, unless a resolver or bundle is used.
    pub name: Option<NodeRef<'a>>,
    pub kind: Option<&'a str>,
    /// `resolver:` or `bundle:` set: not resolvable in the repository.
    pub remote: bool,
}

impl<'a> Ref<'a> {
    fn read(node: NodeRef<'a>) -> Ref<'a> {
        let remote = node.get("resolver").is_some() || node.get("bundle").is_some();
        Ref {
            node,
            name: node.get("name").filter(|n| n.as_str().is_some()),
            kind: node.get("kind").and_then(|k| k.as_str()),
            remote,
        }
    }

    pub fn name_str(&self) -> Option<&'a str> {
        self.name.and_then(|n| n.as_str())
    }
}

#[derive(Clone)]
pub struct Step<'a> {
    pub node: NodeRef<'a>,
    pub index: usize,
    pub name: Option<&'a str>,
    pub timeout: Option<Timeout<'a>>,
}

/// A Task's spec, or an embedded `taskSpec`.
#[derive(Clone)]
pub struct TaskSpec<'a> {
    pub node: NodeRef<'a>,
    pub path: String,
    pub steps: Vec<Step<'a>>,
    /// `timeout` directly in the spec: read by no version.
    pub timeout: Option<Timeout<'a>>,
    pub step_template_timeout: Option<Timeout<'a>>,
    pub sidecar_timeouts: Vec<Timeout<'a>>,
}

impl<'a> TaskSpec<'a> {
    pub fn read(node: NodeRef<'a>, path: &str, cx: Cx<'_>) -> TaskSpec<'a> {
        let steps = node
            .get("steps")
            .map(|s| {
                s.items()
                    .enumerate()
                    .map(|(i, n)| Step {
                        node: n,
                        index: i,
                        name: n.get("name").and_then(|x| x.as_str()),
                        timeout: Timeout::read(
                            n,
                            "timeout",
                            || join(path, &format!("steps[{i}].timeout")),
                            cx,
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let sidecar_timeouts = node
            .get("sidecars")
            .map(|s| {
                s.items()
                    .enumerate()
                    .filter_map(|(i, n)| {
                        Timeout::read(
                            n,
                            "timeout",
                            || join(path, &format!("sidecars[{i}].timeout")),
                            cx,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        TaskSpec {
            node,
            path: path.to_string(),
            steps,
            timeout: Timeout::read(node, "timeout", || join(path, "timeout"), cx),
            step_template_timeout: node.get("stepTemplate").and_then(|t| {
                Timeout::read(t, "timeout", || join(path, "stepTemplate.timeout"), cx)
            }),
            sidecar_timeouts,
        }
    }

    fn sites(&self, cx: Cx<'_>, out: &mut Vec<TimeoutSite<'a>>) {
        if let Some(t) = &self.timeout {
            out.push(t.site(Slot::TaskSpec, cx));
        }
        if let Some(t) = &self.step_template_timeout {
            out.push(t.site(Slot::StepTemplate, cx));
        }
        for t in &self.sidecar_timeouts {
            out.push(t.site(Slot::Sidecar, cx));
        }
        for s in &self.steps {
            if let Some(t) = &s.timeout {
                out.push(t.site(Slot::Step, cx));
            }
        }
    }
}

/// One entry of a Pipeline's `tasks` or `finally`.
#[derive(Clone)]
pub struct PipelineTask<'a> {
    pub node: NodeRef<'a>,
    pub index: usize,
    pub finally: bool,
    pub name: Option<&'a str>,
    pub path: String,
    pub timeout: Option<Timeout<'a>>,
    pub retries: Option<i64>,
    pub task_ref: Option<Ref<'a>>,
    pub task_spec: Option<TaskSpec<'a>>,
    /// `runAfter` names.
    pub run_after: Vec<&'a str>,
    /// Tasks whose results this task reads (`$(tasks.X.results…)` anywhere in it).
    pub result_deps: Vec<String>,
}

/// Collects `X` from every `$(tasks.X.` in the text.
fn result_refs(text: &str, own: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("$(tasks.") {
        rest = &rest[i + 8..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if !name.is_empty()
            && Some(name) != own
            && rest[end..].starts_with('.')
            && !out.iter().any(|n| n == name)
        {
            out.push(name.to_string());
        }
    }
    out
}

impl<'a> PipelineTask<'a> {
    fn read(
        node: NodeRef<'a>,
        index: usize,
        finally: bool,
        prefix: &str,
        cx: Cx<'_>,
    ) -> PipelineTask<'a> {
        let list = if finally { "finally" } else { "tasks" };
        let path = if prefix.is_empty() {
            format!("{list}[{index}]")
        } else {
            format!("{prefix}.{list}[{index}]")
        };
        let name = node.get("name").and_then(|n| n.as_str());
        let run_after = node
            .get("runAfter")
            .map(|r| r.items().filter_map(|i| i.as_str()).collect())
            .unwrap_or_default();
        // Result references can sit in params, when, matrix, workspaces…; not in an embedded taskSpec's own steps.
        let mut result_deps = Vec::new();
        for (k, v) in node.entries() {
            if matches!(k.as_str(), Some("taskSpec") | Some("name")) {
                continue;
            }
            if let Some(text) = cx.src.get(v.span().range()) {
                for d in result_refs(text, name) {
                    if !result_deps.contains(&d) {
                        result_deps.push(d);
                    }
                }
            }
        }
        PipelineTask {
            node,
            index,
            finally,
            name,
            timeout: Timeout::read(node, "timeout", || join(&path, "timeout"), cx),
            retries: node
                .get("retries")
                .and_then(|r| r.as_str())
                .and_then(|s| s.parse().ok()),
            task_ref: node
                .get("taskRef")
                .filter(|r| r.is_mapping())
                .map(Ref::read),
            task_spec: node
                .get("taskSpec")
                .filter(|s| s.is_mapping())
                .map(|s| TaskSpec::read(s, &join(&path, "taskSpec"), cx.embedded())),
            run_after,
            result_deps,
            path,
        }
    }

    /// The key span to point at when the task itself is meant (its `name` value, else the item).
    pub fn name_span(&self) -> Span {
        self.node
            .get("name")
            .map(|n| n.span())
            .unwrap_or_else(|| self.node.span())
    }
}

/// A Pipeline's spec, or an embedded `pipelineSpec`.
#[derive(Clone)]
pub struct PipelineSpec<'a> {
    pub node: NodeRef<'a>,
    pub path: String,
    pub tasks: Vec<PipelineTask<'a>>,
    pub finally: Vec<PipelineTask<'a>>,
    /// `timeout` directly in the spec: read by no version.
    pub timeout: Option<Timeout<'a>>,
}

impl<'a> PipelineSpec<'a> {
    pub fn read(node: NodeRef<'a>, path: &str, cx: Cx<'_>) -> PipelineSpec<'a> {
        let list = |key: &str, finally: bool| -> Vec<PipelineTask<'a>> {
            node.get(key)
                .map(|s| {
                    s.items()
                        .enumerate()
                        .filter(|(_, n)| n.is_mapping())
                        .map(|(i, n)| PipelineTask::read(n, i, finally, path, cx))
                        .collect()
                })
                .unwrap_or_default()
        };
        PipelineSpec {
            node,
            path: path.to_string(),
            tasks: list("tasks", false),
            finally: list("finally", true),
            timeout: Timeout::read(node, "timeout", || join(path, "timeout"), cx),
        }
    }

    pub fn all_tasks(&self) -> impl Iterator<Item = &PipelineTask<'a>> {
        self.tasks.iter().chain(self.finally.iter())
    }

    pub fn task(&self, name: &str) -> Option<&PipelineTask<'a>> {
        self.all_tasks().find(|t| t.name == Some(name))
    }

    fn sites(&self, cx: Cx<'_>, out: &mut Vec<TimeoutSite<'a>>) {
        if let Some(t) = &self.timeout {
            out.push(t.site(Slot::PipelineSpec, cx));
        }
        for task in self.all_tasks() {
            if let Some(t) = &task.timeout {
                out.push(t.site(
                    if task.finally {
                        Slot::FinallyTask
                    } else {
                        Slot::PipelineTask
                    },
                    cx,
                ));
            }
            if let Some(spec) = &task.task_spec {
                spec.sites(cx, out);
            }
        }
    }
}

/// One entry of a PipelineRun's `taskRunSpecs`.
#[derive(Clone)]
pub struct TaskRunSpec<'a> {
    pub node: NodeRef<'a>,
    pub index: usize,
    pub pipeline_task_name: Option<&'a str>,
    pub timeout: Option<Timeout<'a>>,
}

#[derive(Clone)]
pub struct PipelineRun<'a> {
    pub meta: Meta<'a>,
    pub prefix: String,
    pub spec: Option<NodeRef<'a>>,
    pub v1beta1: bool,
    /// `spec.timeouts` itself (a mapping).
    pub timeouts: Option<Field<'a>>,
    pub pipeline: Option<Timeout<'a>>,
    pub tasks: Option<Timeout<'a>>,
    pub finally: Option<Timeout<'a>>,
    /// `spec.timeout` (v1beta1, deprecated; unknown in v1).
    pub timeout: Option<Timeout<'a>>,
    pub task_run_template_timeout: Option<Timeout<'a>>,
    pub task_run_specs: Vec<TaskRunSpec<'a>>,
    pub pipeline_ref: Option<Ref<'a>>,
    pub pipeline_spec: Option<PipelineSpec<'a>>,
}

impl<'a> PipelineRun<'a> {
    /// Is `spec.timeouts` present with a value (a null `timeouts:` is unset for Go)?
    pub fn has_timeouts(&self) -> bool {
        self.timeouts.is_some_and(|f| !f.value.is_null())
    }

    pub fn read(meta: Meta<'a>, prefix: &str, cx: Cx<'_>) -> PipelineRun<'a> {
        let spec = meta.root.get("spec").filter(|s| s.is_mapping());
        let sp = join(prefix, "spec");
        let timeouts = spec.and_then(|s| Field::of(s, "timeouts"));
        let tmap = timeouts.map(|f| f.value).filter(|v| v.is_mapping());
        let tget = |k: &str| {
            tmap.and_then(|m| Timeout::read(m, k, || join(&sp, &format!("timeouts.{k}")), cx))
        };
        let task_run_specs = spec
            .and_then(|s| s.get("taskRunSpecs"))
            .map(|l| {
                l.items()
                    .enumerate()
                    .map(|(i, n)| TaskRunSpec {
                        node: n,
                        index: i,
                        pipeline_task_name: n.get("pipelineTaskName").and_then(|x| x.as_str()),
                        timeout: Timeout::read(
                            n,
                            "timeout",
                            || join(&sp, &format!("taskRunSpecs[{i}].timeout")),
                            cx,
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default();
        PipelineRun {
            v1beta1: meta.version() == "v1beta1",
            prefix: prefix.to_string(),
            spec,
            timeouts,
            pipeline: tget("pipeline"),
            tasks: tget("tasks"),
            finally: tget("finally"),
            timeout: spec.and_then(|s| Timeout::read(s, "timeout", || join(&sp, "timeout"), cx)),
            task_run_template_timeout: spec.and_then(|s| s.get("taskRunTemplate")).and_then(|t| {
                Timeout::read(t, "timeout", || join(&sp, "taskRunTemplate.timeout"), cx)
            }),
            task_run_specs,
            pipeline_ref: spec
                .and_then(|s| s.get("pipelineRef"))
                .filter(|r| r.is_mapping())
                .map(Ref::read),
            pipeline_spec: spec
                .and_then(|s| s.get("pipelineSpec"))
                .filter(|s| s.is_mapping())
                .map(|s| PipelineSpec::read(s, &join(&sp, "pipelineSpec"), cx.embedded())),
            meta,
        }
    }

    fn sites(&self, cx: Cx<'_>, out: &mut Vec<TimeoutSite<'a>>) {
        for (t, slot) in [
            (&self.pipeline, Slot::RunPipeline),
            (&self.tasks, Slot::RunTasks),
            (&self.finally, Slot::RunFinally),
            (&self.timeout, Slot::RunTimeout),
            (&self.task_run_template_timeout, Slot::TaskRunTemplate),
        ] {
            if let Some(t) = t {
                out.push(t.site(slot, cx));
            }
        }
        for trs in &self.task_run_specs {
            if let Some(t) = &trs.timeout {
                out.push(t.site(Slot::TaskRunSpec, cx));
            }
        }
        if let Some(ps) = &self.pipeline_spec {
            ps.sites(cx, out);
        }
    }
}

#[derive(Clone)]
pub struct TaskRun<'a> {
    pub meta: Meta<'a>,
    pub spec: Option<NodeRef<'a>>,
    pub timeout: Option<Timeout<'a>>,
    pub task_ref: Option<Ref<'a>>,
    pub task_spec: Option<TaskSpec<'a>>,
}

impl<'a> TaskRun<'a> {
    pub fn read(meta: Meta<'a>, prefix: &str, cx: Cx<'_>) -> TaskRun<'a> {
        let spec = meta.root.get("spec").filter(|s| s.is_mapping());
        let sp = join(prefix, "spec");
        TaskRun {
            spec,
            timeout: spec.and_then(|s| Timeout::read(s, "timeout", || join(&sp, "timeout"), cx)),
            task_ref: spec
                .and_then(|s| s.get("taskRef"))
                .filter(|r| r.is_mapping())
                .map(Ref::read),
            task_spec: spec
                .and_then(|s| s.get("taskSpec"))
                .filter(|s| s.is_mapping())
                .map(|s| TaskSpec::read(s, &join(&sp, "taskSpec"), cx.embedded())),
            meta,
        }
    }
}

/// A TriggerTemplate's declared params and the resources it creates.
#[derive(Clone)]
pub struct TriggerTemplate<'a> {
    pub meta: Meta<'a>,
    /// (name, `default` value node) per declared param.
    pub params: Vec<(&'a str, Option<NodeRef<'a>>)>,
    pub resources: Vec<NodeRef<'a>>,
}

impl<'a> TriggerTemplate<'a> {
    pub fn read(meta: Meta<'a>) -> TriggerTemplate<'a> {
        let spec = meta.root.get("spec");
        let params = spec
            .and_then(|s| s.get("params"))
            .map(|p| {
                p.items()
                    .filter_map(|i| Some((i.get("name")?.as_str()?, i.get("default"))))
                    .collect()
            })
            .unwrap_or_default();
        let resources = spec
            .and_then(|s| s.get("resourcetemplates"))
            .map(|r| r.items().filter(|i| i.is_mapping()).collect())
            .unwrap_or_default();
        TriggerTemplate {
            meta,
            params,
            resources,
        }
    }

    pub fn param_default(&self, name: &str) -> Option<NodeRef<'a>> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, d)| *d)
    }
}

/// A Tekton object, typed.
#[derive(Clone)]
pub enum Object<'a> {
    Pipeline {
        meta: Meta<'a>,
        spec: Option<PipelineSpec<'a>>,
    },
    PipelineRun(Box<PipelineRun<'a>>),
    Task {
        meta: Meta<'a>,
        spec: Option<TaskSpec<'a>>,
    },
    TaskRun(Box<TaskRun<'a>>),
    StepAction {
        meta: Meta<'a>,
        timeout: Option<Timeout<'a>>,
    },
    TriggerTemplate(TriggerTemplate<'a>),
}

impl<'a> Object<'a> {
    /// Reads a Tekton object rooted at `meta.root`, whose path from the document root is `prefix`.
    pub fn read(meta: Meta<'a>, prefix: &str, cx: Cx<'_>) -> Option<Object<'a>> {
        let spec = || meta.root.get("spec").filter(|s| s.is_mapping());
        let sp = join(prefix, "spec");
        Some(match meta.kind {
            "Pipeline" => Object::Pipeline {
                meta,
                spec: spec().map(|s| PipelineSpec::read(s, &sp, cx)),
            },
            "PipelineRun" => Object::PipelineRun(Box::new(PipelineRun::read(meta, prefix, cx))),
            "Task" | "ClusterTask" => Object::Task {
                meta,
                spec: spec().map(|s| TaskSpec::read(s, &sp, cx)),
            },
            "TaskRun" => Object::TaskRun(Box::new(TaskRun::read(meta, prefix, cx))),
            "StepAction" => Object::StepAction {
                meta,
                timeout: spec()
                    .and_then(|s| Timeout::read(s, "timeout", || join(&sp, "timeout"), cx)),
            },
            "TriggerTemplate" => Object::TriggerTemplate(TriggerTemplate::read(meta)),
            _ => return None,
        })
    }

    pub fn meta(&self) -> &Meta<'a> {
        match self {
            Object::Pipeline { meta, .. }
            | Object::Task { meta, .. }
            | Object::StepAction { meta, .. } => meta,
            Object::PipelineRun(r) => &r.meta,
            Object::TaskRun(r) => &r.meta,
            Object::TriggerTemplate(t) => &t.meta,
        }
    }

    /// Every timeout field in this object, embedded specs included. A TriggerTemplate has
    /// none of its own: its resources are read as objects of their own ([`TriggerTemplate::embedded`]).
    pub fn timeout_sites(&self, cx: Cx<'_>) -> Vec<TimeoutSite<'a>> {
        let mut out = Vec::new();
        match self {
            Object::Pipeline { spec: Some(s), .. } => s.sites(cx, &mut out),
            Object::PipelineRun(r) => r.sites(cx, &mut out),
            Object::Task { spec: Some(s), .. } => s.sites(cx, &mut out),
            Object::TaskRun(r) => {
                if let Some(t) = &r.timeout {
                    out.push(t.site(Slot::TaskRun, cx));
                }
                if let Some(s) = &r.task_spec {
                    s.sites(cx, &mut out);
                }
            }
            Object::StepAction {
                timeout: Some(t), ..
            } => out.push(t.site(Slot::StepAction, cx)),
            _ => {}
        }
        out
    }
}

impl<'a> TriggerTemplate<'a> {
    /// The Tekton objects among the resource templates, with their index.
    pub fn embedded(&self, cx: Cx<'_>) -> Vec<(Object<'a>, usize)> {
        let inner = Cx {
            in_trigger_template: true,
            ..cx
        };
        self.resources
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let meta = identify_node(*r)?;
                let obj = Object::read(meta, &format!("spec.resourcetemplates[{i}]"), inner)?;
                Some((obj, i))
            })
            .collect()
    }
}

/// Reads a Tekton object rooted at a document root.
pub fn read_document<'a>(meta: Meta<'a>, src: &str) -> Option<Object<'a>> {
    Object::read(meta, "", Cx::new(src, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_references() {
        assert_eq!(
            result_refs("$(tasks.build.results.digest) and $(tasks.test.results.x) $(tasks.build.results.y)", None),
            vec!["build", "test"]
        );
        assert_eq!(result_refs("$(tasks.status)", None), Vec::<String>::new());
        assert_eq!(
            result_refs("$(tasks.me.results.a)", Some("me")),
            Vec::<String>::new()
        );
    }
}
