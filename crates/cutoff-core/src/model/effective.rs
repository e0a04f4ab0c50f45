//! The effective timeout of every object, in every family: one answer per run, task or
//! Job, with where it came from and what caps it. `cutoff timeouts`, the policy caps and
//! `watch` read these; each family's model computes them (Tekton: [`super::tekton`]).

use serde::Serialize;

use crate::manifest::Family;

use super::tekton::scope::all_models;
use super::tekton::{RunKind, Timed};
use super::value::{Bound, Loc};
use super::Model;

/// What a timeout bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A Job's `activeDeadlineSeconds` (also a CronJob's `jobTemplate`).
    Job,
    /// One step of an orchestrator pipeline, with its retries.
    Step,
    /// A whole run: a PipelineRun's pipeline budget.
    Run,
    /// A Pipeline no run in the repository references, under the run the cluster would
    /// create for it by default.
    DefaultRun,
    /// One task (or finally task) of a run: its TaskRun's timeout, per attempt.
    Task,
    /// A standalone TaskRun.
    TaskRun,
}

/// A bound above an effective timeout: it cuts the object short when it is smaller.
#[derive(Clone, Debug, Serialize)]
pub struct Cap {
    pub value: Bound,
    /// What it is, in words: "the `timeouts.tasks` budget of PipelineRun `x`".
    pub what: String,
    pub at: Option<Loc>,
}

/// The effective timeout of one object.
#[derive(Clone, Debug, Serialize)]
pub struct Effective {
    pub family: Family,
    pub subject: Subject,
    /// The manifest kind that carries it (`PipelineRun`, `Pipeline`, `TaskRun`).
    pub kind: String,
    /// The object's name; for a task, the run's name.
    pub name: String,
    pub namespace: Option<String>,
    /// For a task: its name in the pipeline.
    pub task: Option<String>,
    /// Where the object is.
    pub object: Loc,
    pub value: Bound,
    /// Where the value came from, in words (`explicit`, `cluster default`, `passed down`…).
    pub origin: &'static str,
    /// Where the value was read, when it was written in a manifest.
    pub at: Option<Loc>,
    pub caps: Vec<Cap>,
}

impl Serialize for Family {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

fn of(t: &Timed) -> (Bound, &'static str, Option<Loc>) {
    (t.value, t.origin.describe(), t.at.clone())
}

impl Model<'_> {
    /// The effective timeout of every run, task and TaskRun of the reported files, in file
    /// order: what `cutoff timeouts`, the policy and `watch` read.
    pub fn effective_timeouts(&self) -> Vec<Effective> {
        let mut out = Vec::new();
        let (runs, task_runs) = all_models(self, self.config);
        for m in &runs {
            let (kind, subject) = match m.kind {
                RunKind::PipelineRun => ("PipelineRun", Subject::Run),
                RunKind::DefaultRun => ("Pipeline", Subject::DefaultRun),
            };
            let namespace = m
                .run
                .as_ref()
                .and_then(|r| r.meta.namespace)
                .or_else(|| m.pipeline_meta.and_then(|p| p.namespace))
                .map(str::to_string);
            let (value, origin, at) = of(&m.budgets.pipeline);
            out.push(Effective {
                family: Family::Tekton,
                subject,
                kind: kind.to_string(),
                name: m.name.clone(),
                namespace: namespace.clone(),
                task: None,
                object: m.at.clone(),
                value,
                origin,
                at,
                caps: Vec::new(),
            });
            for t in m.all_tasks() {
                let phase = m.budgets.phase(t.finally);
                let (value, origin, at) = of(&t.effective);
                out.push(Effective {
                    family: Family::Tekton,
                    subject: Subject::Task,
                    kind: kind.to_string(),
                    name: m.name.clone(),
                    namespace: namespace.clone(),
                    task: Some(t.name.clone()),
                    object: t.at.clone(),
                    value,
                    origin,
                    at,
                    caps: vec![Cap {
                        value: phase.value,
                        what: format!(
                            "{} of {}",
                            m.budgets.describe_phase(t.finally),
                            m.describe()
                        ),
                        at: phase.at.clone(),
                    }],
                });
            }
        }
        for r in &task_runs {
            let (value, origin, at) = of(&r.effective);
            out.push(Effective {
                family: Family::Tekton,
                subject: Subject::TaskRun,
                kind: "TaskRun".to_string(),
                name: r.name.clone(),
                namespace: None,
                task: None,
                object: r.at.clone(),
                value,
                origin,
                at,
                caps: Vec::new(),
            });
        }
        super::kubernetes::effective_timeouts(self, &mut out);
        super::orchestrator::effective_timeouts(self, &mut out);
        out
    }
}
