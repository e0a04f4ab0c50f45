//! Per-project caches of the model: what every run using a name would otherwise read
//! again. Each entry is owned (it borrows nothing from the project), so the cache lives
//! in the [`Project`] it describes and is filled lazily, from any thread.
//!
//! - Task definitions by `taskRef` (kind, name, namespace): with Kustomize overlays one
//!   name resolves to tens of Tasks, and every pipeline task of every run using it would
//!   read them all.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::project::Project;

use super::resolve::{self, Defs};

type TaskKey = (String, String, Option<String>);

#[derive(Default)]
pub struct Cache {
    /// `None`: no object of that kind and name (in a compatible namespace).
    task_defs: Mutex<HashMap<TaskKey, Option<Defs<'static>>>>,
}

impl Cache {
    /// The Task definitions `kind`/`name` resolves to from `namespace`, sorted by path
    /// (see [`resolve::read_task_defs`]), read once per project.
    pub fn task_defs<'p>(
        &self,
        project: &Project,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Option<Defs<'p>> {
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
        lock(&self.task_defs)
            .entry(key)
            .or_insert_with(|| defs.clone());
        defs
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
