//! Per-project caches of the model: what every run using a name would otherwise read
//! again. Each entry is owned (it borrows nothing from the project), so the cache lives
//! in the [`Project`] it describes and is filled lazily, from any thread.
//!
//! - Task definitions by `taskRef` (kind, name, namespace): with Kustomize overlays one
//!   name resolves to tens of Tasks, and every pipeline task of every run using it would
//!   read them all.
//! - The task uses ([`TaskUse`]) of each run and Pipeline, per targeted settings: a Task's
//!   check looks at every run of it, and a Task name is used by many runs and shared by
//!   many Tasks (overlays); each run's models are built once for all of them.
//! - Per-object results of rules that share one scope ([`ObjectMemo`]): the first of them
//!   to check an object computes them all; each of the others takes its own.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::model::Model;
use crate::project::ObjectId;
use crate::source::SourceFile;
use crate::version::Version;
use crate::yaml::Span;

use super::resolve::{self, Defs};
use super::scope::{models_of_root, TaskUse};

/// (kind, name, namespace, the candidates' paths after [`resolve::nearest`]).
type TaskKey = (String, String, Option<String>, Vec<Arc<str>>);

type Uses = Arc<[TaskUse]>;

/// An object: its file's path and its root's span.
type Slot = (Arc<str>, Span);

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
    task_defs: Mutex<HashMap<TaskKey, Option<Defs>>>,
    uses: Mutex<HashMap<(ObjectId, SettingsKey), Uses>>,
    pub memo: ObjectMemo,
}

/// Results computed for one object (file and root span) on behalf of several rules, by
/// rule code, waiting to be taken. An entry holds its key `K` (what else the results
/// depend on: configuration, enabled rules); a lookup with another key finds nothing.
#[derive(Default)]
pub struct ObjectMemo {
    entries: Mutex<HashMap<Slot, Box<dyn Any + Send>>>,
}

type Entry<K, V> = (K, HashMap<&'static str, V>);

impl ObjectMemo {
    /// Removes and returns the result for `code`, if one is waiting under `key`.
    pub fn take<K: PartialEq + Send + 'static, V: Send + 'static>(
        &self,
        file: &SourceFile,
        object: Span,
        key: &K,
        code: &'static str,
    ) -> Option<V> {
        let mut entries = lock(&self.entries);
        let slot = (file.path.clone(), object);
        let entry = entries.get_mut(&slot)?.downcast_mut::<Entry<K, V>>()?;
        if entry.0 != *key {
            return None;
        }
        let v = entry.1.remove(code)?;
        if entry.1.is_empty() {
            entries.remove(&slot);
        }
        Some(v)
    }

    /// Leaves `results` for the other rules (replacing whatever was waiting).
    pub fn put<K: PartialEq + Send + 'static, V: Send + 'static>(
        &self,
        file: &SourceFile,
        object: Span,
        key: K,
        results: HashMap<&'static str, V>,
    ) {
        let slot = (file.path.clone(), object);
        let mut entries = lock(&self.entries);
        if results.is_empty() {
            entries.remove(&slot);
        } else {
            entries.insert(slot, Box::new((key, results)));
        }
    }
}

impl Cache {
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
        if let Some(hit) = lock(&self.task_defs).get(&key) {
            return hit.clone();
        }
        // Read outside the lock; a concurrent reader may do the same work once.
        let defs = resolve::read_task_defs(model, kind, name, namespace, &key.3).map(Defs::new);
        lock(&self.task_defs).entry(key).or_insert(defs).clone()
    }
}

impl Cache {
    /// The task uses of the models of the run or Pipeline at `id`
    /// ([`models_of_root`]), built once per project and settings.
    pub fn uses(&self, model: &Model<'_>, config: &Config, id: ObjectId) -> Arc<[TaskUse]> {
        let key = (id, settings_key(config));
        if let Some(hit) = lock(&self.uses).get(&key) {
            return hit.clone();
        }
        let uses: Arc<[TaskUse]> = TaskUse::of_models(&models_of_root(model, config, id)).into();
        lock(&self.uses).entry(key).or_insert(uses).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
