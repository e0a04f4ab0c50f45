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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::project::{Project, RootId};
use crate::version::Version;

use super::resolve::{self, Defs};
use super::scope::{models_of_root, TaskUse};

type TaskKey = (String, String, Option<String>);

/// What the model reads of the configuration ([`super::Settings::new`]).
type SettingsKey = (Version, Option<Version>, i64);

fn settings_key(config: &Config) -> SettingsKey {
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
    uses: Mutex<HashMap<(RootId, SettingsKey), Arc<[TaskUse]>>>,
}

impl Cache {
    /// The Task definitions `kind`/`name` resolves to from `namespace`, sorted by path
    /// (see [`resolve::read_task_defs`]), read once per project.
    pub fn task_defs(
        &self,
        project: &Project,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Option<Defs> {
        let key = (
            kind.to_string(),
            name.to_string(),
            namespace.map(str::to_string),
        );
        if let Some(hit) = lock(&self.task_defs).get(&key) {
            return hit.clone();
        }
        // Read outside the lock; a concurrent reader may do the same work once.
        let defs = resolve::read_task_defs(project, kind, name, namespace).map(Defs::new);
        lock(&self.task_defs).entry(key).or_insert(defs).clone()
    }
}

impl Cache {
    /// The task uses of the models of the run or Pipeline at `id`
    /// ([`models_of_root`]), built once per project and settings.
    pub fn uses(&self, project: &Project, config: &Config, id: RootId) -> Arc<[TaskUse]> {
        let key = (id, settings_key(config));
        if let Some(hit) = lock(&self.uses).get(&key) {
            return hit.clone();
        }
        let uses: Arc<[TaskUse]> = TaskUse::of_models(&models_of_root(project, config, id)).into();
        lock(&self.uses).entry(key).or_insert(uses).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
