//! Who references whom among the project's Tekton objects, indexed once per run: the
//! PipelineRuns of each Pipeline name, and the Pipelines, PipelineRuns and TaskRuns that
//! reference each Task. Every lookup costs what it returns, never a walk over the project.

use std::collections::HashMap;

use crate::manifest::Family;
use crate::project::{ObjectId, Project};
use crate::yaml::NodeRef;

#[derive(Default)]
pub struct Links {
    /// PipelineRuns by `pipelineRef.name` (resolver and bundle references left out), in
    /// object order.
    runs_by_pipeline: HashMap<String, Vec<ObjectId>>,
    /// (taskRef kind, name) → the objects that reference it, in object order: Pipelines
    /// (top-level), PipelineRuns through an embedded `pipelineSpec`, and TaskRuns.
    task_referrers: HashMap<(String, String), Vec<ObjectId>>,
    /// Every object in [`Links::task_referrers`], in object order.
    referrers: Vec<ObjectId>,
}

/// The (kind, name) of the `taskRef`s of a pipeline spec's tasks and finally tasks.
fn spec_task_refs<'a>(spec: NodeRef<'a>, out: &mut Vec<(&'a str, &'a str)>) {
    for list in ["tasks", "finally"] {
        let Some(l) = spec.get(list) else { continue };
        for t in l.items() {
            if let Some(r) = t.get("taskRef") {
                if let Some(name) = r.get("name").and_then(|n| n.as_str()) {
                    let kind = r.get("kind").and_then(|k| k.as_str()).unwrap_or("Task");
                    out.push((kind, name));
                }
            }
        }
    }
}

impl Links {
    pub fn new(project: &Project, config: &crate::config::Config) -> Links {
        let mut links = Links::default();
        let mut refs = Vec::new();
        for (id, o) in project.objects().iter().enumerate() {
            if o.family != Family::Tekton {
                continue;
            }
            let (_, m, embedded) = project.object(id);
            refs.clear();
            match m.kind {
                "PipelineRun" => {
                    let r = m.root.path(&["spec", "pipelineRef"]);
                    // A git-resolver reference to the repository itself runs the Pipelines
                    // of the file it names.
                    if let Some(f) =
                        r.and_then(|r| super::resolve::git_self_file(project, config, r))
                    {
                        for d in &f.stream.documents {
                            if let Some(pm) = crate::manifest::identify_meta(d) {
                                if let (Some(n), "Pipeline") = (pm.name, pm.kind) {
                                    links
                                        .runs_by_pipeline
                                        .entry(n.to_string())
                                        .or_default()
                                        .push(id);
                                }
                            }
                        }
                    }
                    let remote =
                        r.is_some_and(|r| r.get("resolver").is_some() || r.get("bundle").is_some());
                    if let (Some(name), false) = (
                        r.and_then(|r| r.get("name")).and_then(|n| n.as_str()),
                        remote,
                    ) {
                        links
                            .runs_by_pipeline
                            .entry(name.to_string())
                            .or_default()
                            .push(id);
                    }
                    if let Some(s) = m.root.path(&["spec", "pipelineSpec"]) {
                        spec_task_refs(s, &mut refs);
                    }
                }
                "Pipeline" if !embedded => {
                    if let Some(s) = m.root.get("spec") {
                        spec_task_refs(s, &mut refs);
                    }
                }
                "TaskRun" => {
                    if let Some(r) = m.root.path(&["spec", "taskRef"]) {
                        if let Some(name) = r.get("name").and_then(|n| n.as_str()) {
                            let kind = r.get("kind").and_then(|k| k.as_str()).unwrap_or("Task");
                            refs.push((kind, name));
                        }
                    }
                }
                _ => {}
            }
            for &(kind, name) in &refs {
                let list = links
                    .task_referrers
                    .entry((kind.to_string(), name.to_string()))
                    .or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
            if !refs.is_empty() {
                links.referrers.push(id);
            }
        }
        links
    }

    /// The PipelineRuns (top-level or in a TriggerTemplate) whose `pipelineRef.name` is
    /// `name` (not a resolver or bundle reference), in object order; namespaces unchecked.
    pub fn runs_of_pipeline(&self, name: &str) -> &[ObjectId] {
        crate::deps::key(name);
        self.runs_by_pipeline
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The Pipelines, PipelineRuns (through `pipelineSpec`) and TaskRuns whose `taskRef`
    /// names `kind`/`name`, in object order; namespaces unchecked.
    pub fn task_referrers(&self, kind: &str, name: &str) -> &[ObjectId] {
        crate::deps::key(name);
        self.task_referrers
            .get(&(kind.to_string(), name.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Does the object `id` reference a Task (is it among some [`Links::task_referrers`])?
    /// Depends on the object alone, so it records nothing.
    pub fn references_tasks(&self, id: ObjectId) -> bool {
        self.referrers.binary_search(&id).is_ok()
    }
}
