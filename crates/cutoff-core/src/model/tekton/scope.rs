//! Which models concern the object a rule is checking, and where a finding is shown.
//!
//! A finding names several places (the task in the Pipeline, the run's budget, the step in
//! the Task…), best first. It is shown at the first of them that sits in a reported file,
//! by the check of the object that contains it; the other places become labels. So each
//! finding is reported exactly once however the files are split, and never in a file the
//! user did not ask about (pre-commit passes only changed files; the rest is context).

use std::sync::Arc;

use crate::config::Config;
use crate::manifest::tekton::{self, Object};
use crate::model::Model;
use crate::project::ObjectId;
use crate::source::SourceFile;
use crate::yaml::Span;

use super::resolve::{self, Defs, TaskTarget};
use super::run::{RunKind, RunModel};
use super::taskrun::TaskRunModel;
use super::value::Origin;
use crate::duration::GoDuration;
use crate::model::place::{Finding, Place, Placement};
use crate::model::value::{Bound, Loc};

/// What the rules need to know about the object being checked.
pub struct Scope<'p> {
    pub model: &'p Model<'p>,
    pub file: &'p SourceFile,
    /// The checked object's root span.
    pub object: Span,
    /// With [`Reach::Runs`]: the models of the runs concerning the object.
    pub runs: Vec<RunModel<'p>>,
    pub task_runs: Vec<TaskRunModel<'p>>,
    /// With [`Reach::Tasks`]: the task uses of those runs, in the same order (cached per
    /// project, shared with every object they concern).
    pub uses: Vec<Arc<[TaskUse]>>,
}

/// How far to look for models.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Runs and Pipelines (rules whose findings sit in runs and Pipelines): [`Scope::runs`].
    Runs,
    /// Also, for a Task, every run of it (rules whose findings can sit in a Task's steps):
    /// [`Scope::uses`] instead of [`Scope::runs`]. A Task runs in as many runs as use its
    /// name; their models are built once per project, not once per Task.
    Tasks,
}

/// A run, as the tasks it runs see it.
#[derive(Debug)]
pub struct RunInfo {
    pub kind: RunKind,
    pub name: Box<str>,
    pub at: Loc,
    /// [`RunModel::which_pipeline`].
    pub which_pipeline: Box<str>,
}

impl RunInfo {
    /// [`RunModel::describe`].
    pub fn describe(&self) -> String {
        self.kind.describe(&self.name)
    }
}

/// One (finally) task of one run under a finite TaskRun timeout, with the Task definitions
/// it may run, one of which has step timeouts that add up past it: what a check of those
/// definitions' steps (TKN013) needs of the run. Owned, so it is cached per project; kept
/// small, as a Pipeline's uses hold every task of every run of it.
#[derive(Clone)]
pub struct TaskUse {
    pub run: Arc<RunInfo>,
    pub name: Box<str>,
    /// The task's effective TaskRun timeout ([`super::TaskModel::effective`]), finite.
    pub limit: GoDuration,
    pub origin: Origin,
    /// Where the limit is set: its field, else the task's `name` value.
    pub limit_at: Loc,
    pub defs: Defs,
}

impl TaskUse {
    /// The uses of the tasks of `models` whose steps may outlast their TaskRun, in model and
    /// task order: a task with a finite effective timeout (and, in a default run, a certain
    /// one) that runs a known Task definition whose step timeouts add up past it. No other
    /// task can hold a step finding, so no other is kept (most tasks set no step timeout).
    pub fn of_models(models: &[RunModel<'_>]) -> Vec<TaskUse> {
        let mut out = Vec::new();
        for m in models {
            let mut run: Option<Arc<RunInfo>> = None;
            for t in m.all_tasks() {
                if m.kind == RunKind::DefaultRun && !t.certain {
                    continue;
                }
                let Bound::Finite(limit) = t.effective.value else {
                    continue;
                };
                if !t
                    .target
                    .defs()
                    .iter()
                    .any(|d| d.step_sum().is_some_and(|s| s > limit))
                {
                    continue;
                }
                let defs = match &t.target {
                    TaskTarget::InRepo { tasks } => tasks.clone(),
                    TaskTarget::Embedded { task } => Defs::new(vec![task.detached()]),
                    _ => continue,
                };
                let run = run.get_or_insert_with(|| {
                    Arc::new(RunInfo {
                        kind: m.kind,
                        name: m.name.as_str().into(),
                        at: m.at.clone(),
                        which_pipeline: m.which_pipeline().into(),
                    })
                });
                out.push(TaskUse {
                    run: run.clone(),
                    name: t.name.as_str().into(),
                    limit,
                    origin: t.effective.origin,
                    limit_at: t.effective.at.as_ref().unwrap_or(&t.at).clone(),
                    defs,
                });
            }
        }
        out
    }
}

/// The models of the run or Pipeline at `id` (as [`Scope::of`] builds them with
/// [`Reach::Runs`]); none for other objects.
pub fn models_of_root<'p>(
    model: &'p Model<'p>,
    config: &Config,
    id: ObjectId,
) -> Vec<RunModel<'p>> {
    let (file, meta, in_tt) = model.object(id);
    match meta.kind {
        "Pipeline" if !in_tt => match tekton::read_document(meta, &file.text) {
            Some(Object::Pipeline {
                meta,
                spec: Some(spec),
            }) => models_of_pipeline(model, config, file, meta, &spec),
            _ => Vec::new(),
        },
        "PipelineRun" => RunModel::of_run(
            model,
            config,
            &resolve::read_run(file, meta, in_tt),
            file,
            in_tt,
        ),
        _ => Vec::new(),
    }
}

impl<'p> Scope<'p> {
    /// The models concerning `object` (in `file`):
    /// - a PipelineRun: its own models (one per candidate Pipeline);
    /// - a Pipeline: the models of the runs that reference it, else its default run;
    /// - a Task (with [`Reach::Tasks`]): every model whose tasks run it;
    /// - a TaskRun: its own model.
    pub fn of(
        model: &'p Model<'p>,
        config: &Config,
        file: &'p SourceFile,
        object: &Object<'p>,
        in_tt: bool,
        reach: Reach,
    ) -> Scope<'p> {
        let mut s = Scope {
            model,
            file,
            object: object.meta().root.span(),
            runs: Vec::new(),
            task_runs: Vec::new(),
            uses: Vec::new(),
        };
        if reach == Reach::Tasks {
            s.uses_of(config, object, in_tt);
            return s;
        }
        match object {
            Object::PipelineRun(r) => s.runs = RunModel::of_run(model, config, r, file, in_tt),
            Object::Pipeline {
                meta,
                spec: Some(spec),
            } if !in_tt => {
                s.runs = models_of_pipeline(model, config, file, *meta, spec);
            }
            Object::TaskRun(r) => s
                .task_runs
                .push(TaskRunModel::of(model, config, r, file, in_tt)),
            _ => {}
        }
        s
    }

    /// The scope with [`Reach::Tasks`] of a document-root PipelineRun or Pipeline whose
    /// scope with [`Reach::Runs`] is `runs`: the same task uses as [`Scope::of`] finds, from
    /// the models already built (the cache's, when another object's check built them first).
    /// `read` is what building `runs` read ([`crate::deps`]). `None` for any other object.
    pub fn tasks_from_runs(
        runs: &Scope<'p>,
        read: &crate::deps::Deps,
        config: &Config,
        object: &Object<'p>,
        in_tt: bool,
    ) -> Option<Scope<'p>> {
        let model = runs.model;
        let root = match object {
            Object::PipelineRun(r) if !in_tt => r.meta.root,
            Object::Pipeline {
                meta,
                spec: Some(_),
            } if !in_tt => meta.root,
            _ => return None,
        };
        let id = model.object_at(runs.file, root)?;
        // The models read the object's own file too (not through the project: it is the
        // file being checked), and so does every reader of the cached uses.
        let mut read = read.clone();
        read.files
            .extend(model.index_of(&runs.file.path).map(|i| i as u32));
        read.normalize();
        let uses = model
            .tekton
            .cache
            .uses_from(model, config, id, &read, || TaskUse::of_models(&runs.runs));
        Some(Scope {
            model,
            file: runs.file,
            object: runs.object,
            runs: Vec::new(),
            task_runs: Vec::new(),
            uses: vec![uses],
        })
    }

    /// Fills [`Scope::uses`] (and `task_runs`) for [`Reach::Tasks`].
    fn uses_of(&mut self, config: &Config, object: &Object<'p>, in_tt: bool) {
        let model = self.model;
        let file = self.file;
        let cache = &model.tekton.cache;
        match object {
            Object::PipelineRun(r) => match model.object_at(file, r.meta.root) {
                Some(id) => self.uses.push(cache.uses(model, config, id)),
                None => self.uses.push(
                    TaskUse::of_models(&RunModel::of_run(model, config, r, file, in_tt)).into(),
                ),
            },
            Object::Pipeline {
                meta,
                spec: Some(spec),
            } if !in_tt => match model.object_at(file, meta.root) {
                Some(id) => self.uses.push(cache.uses(model, config, id)),
                None => self.uses.push(
                    TaskUse::of_models(&models_of_pipeline(model, config, file, *meta, spec))
                        .into(),
                ),
            },
            Object::TaskRun(r) => self
                .task_runs
                .push(TaskRunModel::of(model, config, r, file, in_tt)),
            Object::Task {
                meta,
                spec: Some(spec),
            } if !in_tt => {
                // Only a Task with a step timeout can hold a finding.
                let has = spec.steps.iter().any(|st| {
                    st.timeout
                        .as_ref()
                        .and_then(|t| t.value.valid())
                        .is_some_and(|d| d.nanos() > 0)
                });
                let (true, Some(name)) = (has, meta.name) else {
                    return;
                };
                for id in resolve::referrer_roots(model, meta.kind, name, meta.namespace) {
                    let (rf, rm, r_in_tt) = model.object(id);
                    if rm.kind == "TaskRun" {
                        let c = tekton::Cx::new(&rf.text, r_in_tt);
                        let run = tekton::TaskRun::read(rm, "", c);
                        self.task_runs
                            .push(TaskRunModel::of(model, config, &run, rf, r_in_tt));
                    } else {
                        self.uses.push(cache.uses(model, config, id));
                    }
                }
            }
            _ => {}
        }
    }

    /// The task uses of [`Scope::uses`], in order.
    pub fn task_uses(&self) -> impl Iterator<Item = &TaskUse> {
        self.uses.iter().flat_map(|u| u.iter())
    }

    /// Would a finding whose places lie at `locs` (best first) be shown by this object?
    /// The same choice as [`Scope::place`], before any message is written.
    pub fn shows(&self, locs: &[&Loc]) -> bool {
        let Some(c) = locs
            .iter()
            .find(|l| self.model.file(&l.path).is_some_and(|f| f.report))
        else {
            return false;
        };
        c.path == self.file.path && self.object.contains(c.span)
    }

    /// Where to show a finding that concerns `places` (best first); `None` when another
    /// object's check shows it (or no place is in a reported file).
    pub fn place(&self, places: &[Place]) -> Option<Placement> {
        crate::model::place::place_in(self.model, &self.file.path, self.object, places)
    }

    pub fn path(&self) -> &Arc<str> {
        &self.file.path
    }
}

/// The models of a Pipeline document: one per referencing run (with this document as
/// the Pipeline), else its default run.
pub fn models_of_pipeline<'p>(
    model: &'p Model<'p>,
    config: &Config,
    file: &'p SourceFile,
    meta: crate::manifest::Meta<'p>,
    spec: &crate::manifest::tekton::PipelineSpec<'p>,
) -> Vec<RunModel<'p>> {
    let mut out = Vec::new();
    if let Some(name) = meta.name {
        for (rf, run, in_tt) in resolve::runs_referencing(model, name, meta.namespace) {
            if let Some(m) = RunModel::of_run_with(model, config, &run, rf, in_tt, file, meta, spec)
            {
                out.push(m);
            }
        }
    }
    if out.is_empty() {
        out.push(RunModel::default_run(model, config, meta, spec, file));
    }
    out
}

/// Every model in the project, for `cutoff timeouts`: each PipelineRun (per candidate
/// Pipeline), each unreferenced Pipeline under a default run, each standalone TaskRun.
pub fn all_models<'p>(
    model: &'p Model<'p>,
    config: &Config,
) -> (Vec<RunModel<'p>>, Vec<TaskRunModel<'p>>) {
    all_models_where(model, config, &|f: &SourceFile| f.report)
}

/// [`all_models`] over the files `files` accepts (reported or not).
pub fn all_models_where<'p>(
    model: &'p Model<'p>,
    config: &Config,
    files: &dyn Fn(&SourceFile) -> bool,
) -> (Vec<RunModel<'p>>, Vec<TaskRunModel<'p>>) {
    // Read from every file ([`crate::deps`]).
    crate::deps::all();
    let mut runs = Vec::new();
    let mut task_runs = Vec::new();
    for file in model.files.iter().filter(|f| files(f) && f.skip.is_none()) {
        for doc in &file.stream.documents {
            let Some(meta) = crate::manifest::identify_meta(doc) else {
                continue;
            };
            if meta.family != crate::manifest::Family::Tekton {
                continue;
            }
            let Some(obj) = crate::manifest::tekton::read_document(meta, &file.text) else {
                continue;
            };
            let mut objects = vec![(obj.clone(), false)];
            if let Object::TriggerTemplate(tt) = &obj {
                objects.extend(
                    tt.embedded(resolve::plain_cx(file))
                        .into_iter()
                        .map(|(o, _)| (o, true)),
                );
            }
            for (o, in_tt) in objects {
                match &o {
                    Object::PipelineRun(r) => {
                        runs.extend(RunModel::of_run(model, config, r, file, in_tt))
                    }
                    Object::Pipeline {
                        meta,
                        spec: Some(spec),
                    } if !in_tt => {
                        let referenced = meta.name.is_some_and(|n| {
                            resolve::run_roots_referencing(model, n, meta.namespace)
                                .next()
                                .is_some()
                        });
                        if !referenced {
                            runs.push(RunModel::default_run(model, config, *meta, spec, file));
                        }
                    }
                    Object::TaskRun(r) => {
                        task_runs.push(TaskRunModel::of(model, config, r, file, in_tt))
                    }
                    _ => {}
                }
            }
        }
    }
    (runs, task_runs)
}

impl<'p> Scope<'p> {
    /// Places the findings this object shows; findings from several runs at the same
    /// primary span are merged into the first, with a label for each other run.
    pub fn settle<F>(&self, findings: Vec<Finding<F>>) -> Vec<(Placement, Finding<F>)> {
        crate::model::place::settle(self.model, &self.file.path, self.object, findings)
    }
}
