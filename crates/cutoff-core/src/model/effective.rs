//! The effective timeout of every object, in every family: one answer per run, task or
//! Job, with where it came from and what caps it. `cutoff timeouts`, the policy caps and
//! `watch` read these; each family's model computes them (Tekton: [`super::tekton`]), and
//! the policy that applies to each is resolved next to it ([`super::policy`]).

use serde::Serialize;

use crate::manifest::Family;

use crate::source::SourceFile;

use super::policy::{Applied, Target};
use super::tekton::scope::all_models_where;
use super::tekton::{Origin, RunKind, RunModel, TaskRunModel, Timed};
use super::value::{Bound, Loc};
use super::Model;

/// What a timeout bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A Job's `activeDeadlineSeconds` (also a CronJob's `jobTemplate`).
    Job,
    /// One step of an orchestrator pipeline, per attempt ([`Effective::attempts`]: its
    /// retries).
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
    /// For a task or an orchestrator step: its name (`id`) in the pipeline.
    pub task: Option<String>,
    /// Where the object is.
    pub object: Loc,
    pub value: Bound,
    /// Where the value came from, in words (`explicit`, `cluster default`, `passed down`…).
    pub origin: &'static str,
    /// Where the value was read, when it was written in a manifest.
    pub at: Option<Loc>,
    /// Bounds above it. For a Tekton task: its phase budget first (`timeouts.tasks` or
    /// `finally`, else the pipeline budget), then the run's pipeline budget when that is
    /// another value.
    pub caps: Vec<Cap>,
    /// How many attempts it may make, each under `value`, when more than one (a Tekton
    /// task's `retries` + 1, an orchestrator step's attempts); `None`: one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    /// The rules of `.cutoff.yaml`'s `policy:` that apply to it; `None` when no policy is
    /// configured. Families leave it `None`; [`Model::effective_timeouts`] resolves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Applied>,
}

impl Subject {
    /// The field that sets a timeout for it, for help texts.
    pub fn timeout_field(self) -> &'static str {
        match self {
            Subject::Job => "`spec.activeDeadlineSeconds`",
            Subject::Step => "`timeout`",
            Subject::Run | Subject::DefaultRun => "`spec.timeouts.pipeline`",
            Subject::Task => "the pipeline task's `timeout`",
            Subject::TaskRun => "`spec.timeout`",
        }
    }
}

impl Effective {
    /// What it is, in words: "PipelineRun `x`", "task `build` of PipelineRun `x`",
    /// "step `fetch` of orchestrator pipeline `p`".
    pub fn describe(&self) -> String {
        let whole = match (self.family, self.kind.as_str()) {
            (Family::Orchestrator, _) => format!("orchestrator pipeline `{}`", self.name),
            (_, kind) => format!("{kind} `{}`", self.name),
        };
        match (&self.task, self.subject) {
            (Some(t), Subject::Step) => format!("step `{t}` of {whole}"),
            (Some(t), _) => format!("task `{t}` of {whole}"),
            (None, _) => whole,
        }
    }
}

impl Serialize for Family {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

fn of(t: &Timed) -> (Bound, &'static str, Option<Loc>) {
    (t.value, t.origin.describe(), t.at.clone())
}

/// The kind a run's entries go by, and its subject.
fn run_kind(m: &RunModel<'_>) -> (&'static str, Subject) {
    match m.kind {
        RunKind::PipelineRun => ("PipelineRun", Subject::Run),
        RunKind::DefaultRun => ("Pipeline", Subject::DefaultRun),
    }
}

/// A run's namespace: the PipelineRun's, else its Pipeline's.
fn run_namespace<'m>(m: &'m RunModel<'_>) -> Option<&'m str> {
    m.run
        .as_ref()
        .and_then(|r| r.meta.namespace)
        .or_else(|| m.pipeline_meta.and_then(|p| p.namespace))
}

impl Model<'_> {
    /// The policy that applies to a Tekton run (its budget and each of its tasks: a task
    /// is held to the rules of the run it runs in); for a default run, the Pipeline's.
    pub fn run_policy(&self, m: &RunModel<'_>) -> Option<Applied> {
        self.policy_for(&Target {
            family: Family::Tekton,
            kind: run_kind(m).0,
            name: &m.name,
            namespace: run_namespace(m),
            path: &m.run_file.path,
        })
    }

    /// The policy that applies to a standalone TaskRun.
    pub fn task_run_policy(&self, r: &TaskRunModel<'_>) -> Option<Applied> {
        self.policy_for(&Target {
            family: Family::Tekton,
            kind: "TaskRun",
            name: &r.name,
            namespace: r.namespace.as_deref(),
            path: &r.at.path,
        })
    }

    /// The effective timeout of every run, task, TaskRun, Job and orchestrator step of the
    /// reported files, in file order, with the policy that applies to each: what
    /// `cutoff timeouts`, the policy and `watch` read.
    pub fn effective_timeouts(&self) -> Vec<Effective> {
        self.collect_effective(|f| f.report)
    }

    /// [`Model::effective_timeouts`], with the Tekton runs of the files `tekton_files`
    /// accepts (the policy reads every run: one outside the reported files may give a
    /// reported Pipeline's task its timeout).
    pub(crate) fn collect_effective(
        &self,
        tekton_files: impl Fn(&SourceFile) -> bool,
    ) -> Vec<Effective> {
        // Read from every file ([`crate::deps`]).
        crate::deps::all();
        let mut out = Vec::new();
        let (runs, task_runs) = all_models_where(self, self.config, &tekton_files);
        for m in &runs {
            let (kind, subject) = run_kind(m);
            let namespace = run_namespace(m).map(str::to_string);
            let policy = self.run_policy(m);
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
                attempts: None,
                policy: policy.clone(),
            });
            for t in m.all_tasks() {
                let phase = m.budgets.phase(t.finally);
                let (value, origin, at) = of(&t.effective);
                let mut caps = vec![Cap {
                    value: phase.value,
                    what: format!(
                        "{} of {}",
                        m.budgets.describe_phase(t.finally),
                        m.describe()
                    ),
                    at: phase.at.clone(),
                }];
                if phase.origin != Origin::Pipeline {
                    let p = &m.budgets.pipeline;
                    caps.push(Cap {
                        value: p.value,
                        what: format!("the pipeline budget of {}", m.describe()),
                        at: p.at.clone(),
                    });
                }
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
                    caps,
                    attempts: (t.retries > 0).then(|| t.retries.saturating_add(1)),
                    policy: policy.clone(),
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
                namespace: r.namespace.clone(),
                task: None,
                object: r.at.clone(),
                value,
                origin,
                at,
                caps: Vec::new(),
                attempts: None,
                policy: self.task_run_policy(r),
            });
        }
        super::kubernetes::effective_timeouts(self, &mut out);
        super::orchestrator::effective_timeouts(self, &mut out);
        self.resolve_policies(&mut out);
        out
    }
}
