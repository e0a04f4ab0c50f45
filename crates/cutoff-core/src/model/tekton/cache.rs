//! Caches of the Tekton model, one per lint run ([`crate::model::Model`]): what every run
//! using a name would otherwise read again. Each entry is owned (it borrows nothing from the
//! project) and filled lazily, from any thread.
//!
//! - Task definitions by `taskRef` (kind, name, namespace): with Kustomize overlays one
//!   name resolves to tens of Tasks, and every pipeline task of every run using it would
//!   read them all.
//! - The task uses ([`TaskUse`]) of each Pipeline (and PipelineRun with an embedded
//!   `pipelineSpec`), per targeted settings: a Task's check looks at every run of it, and a
//!   Task name is used by many runs and shared by many Tasks (overlays); each run's models
//!   are built once for all of them. Those of an object that references no Task (a
//!   PipelineRun with a `pipelineRef`) are not kept: its own check is their only reader.
//! - How many runs resolve to each Pipeline, counted once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::deps::{self, Deps};
use crate::model::Model;
use crate::project::ObjectId;
use crate::version::Version;
use crate::yaml::Span;

use super::resolve::{self, Defs};
use super::scope::{models_of_root, TaskUse};

/// (kind, name, namespace, the candidates' paths after [`resolve::nearest`]).
type TaskKey = (String, String, Option<String>, Vec<Arc<str>>);

type Uses = Arc<[TaskUse]>;

/// A cached value and what computing it read ([`crate::deps`]), handed to each reader.
type Entry<T> = (T, Arc<Deps>);

/// What the model reads of the configuration ([`super::Settings::new`]).
pub type SettingsKey = (Version, Option<Version>, i64);

pub fn settings_key(config: &Config) -> SettingsKey {
    (
        config.targets.tekton,
        config.targets.pipelines_as_code,
        config.tekton.default_timeout_minutes,
    )
}

#[derive(Default)]
pub struct Cache {
    /// `None`: no object of that kind and name (in a compatible namespace).
    task_defs: Mutex<HashMap<TaskKey, Entry<Option<Defs>>>>,
    uses: Mutex<HashMap<(ObjectId, SettingsKey), Entry<Uses>>>,
    /// [`Cache::task_defs`] by kind, name, namespace and the referrer's folder (which is all
    /// the resolution depends on), so that a hit costs no lookup.
    task_defs_by_dir: Mutex<HashMap<Box<str>, Entry<Option<Defs>>>>,
    /// How many PipelineRuns resolve to each Pipeline (file and root span), built once.
    run_counts: std::sync::OnceLock<HashMap<(Arc<str>, Span), usize>>,
}

impl Cache {
    /// How many PipelineRuns (top-level or in a TriggerTemplate) resolve to the Pipeline
    /// rooted at `root` in `path`, counted once per lint run for every Pipeline.
    pub fn runs_resolving_to(&self, model: &Model<'_>, path: &Arc<str>, root: Span) -> usize {
        let counts = self
            .run_counts
            .get_or_init(|| deps::suspended(|| resolve::count_runs_per_pipeline(model)));
        counts.get(&(path.clone(), root)).copied().unwrap_or(0)
    }

    /// The Task definitions `kind`/`name` resolves to from `namespace`, for a reference in
    /// the file `referrer` (the nearest candidates, see [`resolve::nearest`]), sorted by path
    /// (see [`resolve::read_task_defs`]), read once per project and candidate set.
    pub fn task_defs(
        &self,
        model: &Model<'_>,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
        referrer: &str,
    ) -> Option<Defs> {
        // Each part prefixed by its length, so that no two keys run together.
        let mut short = String::with_capacity(kind.len() + name.len() + referrer.len() + 16);
        let ns = namespace.map(|n| ("+", n)).unwrap_or(("-", ""));
        for part in [kind, name, ns.0, ns.1, resolve::dir_of(referrer)] {
            use std::fmt::Write as _;
            let _ = write!(short, "{}:", part.len());
            short.push_str(part);
        }
        if let Some((hit, d)) = lock(&self.task_defs_by_dir).get(short.as_str()) {
            deps::merge(d);
            return hit.clone();
        }
        let (defs, d) =
            deps::record(|| self.task_defs_uncached(model, kind, name, namespace, referrer));
        lock(&self.task_defs_by_dir)
            .entry(short.into_boxed_str())
            .or_insert((defs, Arc::new(d)))
            .0
            .clone()
    }

    fn task_defs_uncached(
        &self,
        model: &Model<'_>,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
        referrer: &str,
    ) -> Option<Defs> {
        let found = model.lookup(crate::manifest::Family::Tekton, kind, name, namespace);
        let paths: Vec<Arc<str>> = resolve::nearest(model, referrer, found, |(f, _)| &f.path)
            .into_iter()
            .map(|(f, _)| f.path.clone())
            .collect();
        let key = (
            kind.to_string(),
            name.to_string(),
            namespace.map(str::to_string),
            paths,
        );
        if let Some((hit, d)) = lock(&self.task_defs).get(&key) {
            deps::merge(d);
            return hit.clone();
        }
        // Read outside the lock; a concurrent reader may do the same work once.
        let (defs, d) = deps::record(|| {
            resolve::read_task_defs(model, kind, name, namespace, &key.3).map(Defs::new)
        });
        lock(&self.task_defs)
            .entry(key)
            .or_insert((defs, Arc::new(d)))
            .0
            .clone()
    }
}

impl Cache {
    /// The task uses of the models of the run or Pipeline at `id`
    /// ([`models_of_root`]), built once per project and settings when another object's
    /// check may read them too ([`Cache::keeps`]).
    pub fn uses(&self, model: &Model<'_>, config: &Config, id: ObjectId) -> Arc<[TaskUse]> {
        if !Cache::keeps(model, id) {
            return TaskUse::of_models(&models_of_root(model, config, id)).into();
        }
        let key = (id, settings_key(config));
        if let Some((hit, d)) = lock(&self.uses).get(&key) {
            deps::merge(d);
            return hit.clone();
        }
        let (uses, d) = deps::record(|| {
            let uses: Arc<[TaskUse]> =
                TaskUse::of_models(&models_of_root(model, config, id)).into();
            uses
        });
        lock(&self.uses)
            .entry(key)
            .or_insert((uses, Arc::new(d)))
            .0
            .clone()
    }

    /// [`Cache::uses`], from `models` when they are not cached yet: the models of the root
    /// `id` ([`models_of_root`]) that the caller has built anyway.
    /// `read` is what building the models read ([`crate::deps`]): the entry's readers
    /// depend on it.
    pub fn uses_from(
        &self,
        model: &Model<'_>,
        config: &Config,
        id: ObjectId,
        read: &Deps,
        models: impl FnOnce() -> Vec<TaskUse>,
    ) -> Arc<[TaskUse]> {
        if !Cache::keeps(model, id) {
            return models().into();
        }
        let key = (id, settings_key(config));
        if let Some((hit, d)) = lock(&self.uses).get(&key) {
            deps::merge(d);
            return hit.clone();
        }
        let (uses, mut d) = deps::record(|| {
            let uses: Arc<[TaskUse]> = models().into();
            uses
        });
        d.merge(read);
        d.normalize();
        lock(&self.uses)
            .entry(key)
            .or_insert((uses, Arc::new(d)))
            .0
            .clone()
    }
}

impl Cache {
    /// Are the task uses of the object `id` worth keeping: may a Task's check read them?
    /// Only if it references a Task itself ([`super::resolve::referrer_roots`]); otherwise
    /// its own check is their only reader (a PipelineRun's tasks reach their Tasks through
    /// its Pipeline, whose uses hold this run's).
    fn keeps(model: &Model<'_>, id: ObjectId) -> bool {
        model.tekton.links.references_tasks(id)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
