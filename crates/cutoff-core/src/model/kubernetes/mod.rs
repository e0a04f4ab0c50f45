//! The Kubernetes workload model: per Job (and CronJob `jobTemplate`) the effective
//! deadline, grace period, TTL and back-off, with where each value came from, and the
//! promises annotations and env vars make about them. The workloads are read once per
//! run, on first use (a repository without Jobs pays nothing); each object's model is then
//! built where it is asked for (its own check), or all of them once for the readers of
//! them all (`policy:`, `cutoff timeouts`). Rules and `cutoff timeouts` only read it.
//!
//! - Defaults are applied here: `terminationGracePeriodSeconds` 30, `backoffLimit` 6 (none
//!   with `backoffLimitPerIndex`), `concurrencyPolicy: Allow`; no deadline, TTL or starting
//!   deadline when unset.
//! - A Kustomize patch (or a Job without containers, a CronJob without a schedule, a pod
//!   template whose containers lack an `image`) is a partial object: when its base is in
//!   the repository (named by the kustomization that applies the patch, or else the one
//!   whole object of that kind and name), the patch is applied to it (a strategic merge of
//!   the fields read here: containers and env vars by name). Otherwise a field it does not
//!   write is [`Origin::Partial`]: unknown, never "missing"; only a loose object (whole but
//!   for an `image`) still gets Kubernetes' defaults. A base's field that a patch in the
//!   repository writes is [`Origin::Patched`].
//! - Back-off: the Job controller waits 10 s, doubling per failure up to 10 min
//!   (`MaxJobPodFailureBackOff`); with `restartPolicy: OnFailure`, retries are in-place
//!   container restarts paced by the kubelet's crash-loop back-off (10 s doubling, capped
//!   at 5 min). docs/kubernetes-timeouts.md has the sources.

mod build;
pub mod cron;

use std::sync::OnceLock;

use serde::Serialize;

use crate::config::kubernetes::Promise;
use crate::config::Config;
use crate::duration::GoDuration;
use crate::manifest::Family;
use crate::project::{ObjectId, Project};

use super::effective::{Cap, Effective, Subject};
use super::value::{Bound, Loc};
use super::Model;

/// Kubernetes' default `terminationGracePeriodSeconds`.
pub const DEFAULT_GRACE: i64 = 30;
/// Kubernetes' default `backoffLimit`.
pub const DEFAULT_BACKOFF_LIMIT: i64 = 6;
/// The first retry waits this long; each later one twice as long as the one before.
pub const BACKOFF_INITIAL: i64 = 10;
/// The Job controller's cap on its wait before a replacement Pod (`MaxJobPodFailureBackOff`).
pub const BACKOFF_CAP_NEVER: i64 = 600;
/// The kubelet's cap on its crash-loop back-off (container restarts, `OnFailure`).
pub const BACKOFF_CAP_ON_FAILURE: i64 = 300;
/// The shortest `startingDeadlineSeconds` the CronJob docs consider safe.
pub const MIN_STARTING_DEADLINE: i64 = 10;

/// Where a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written in this object.
    Written,
    /// Written in the Kustomize base this patch is applied to.
    Base,
    /// Kubernetes' default.
    Default,
    /// Not set, and there is no default (no deadline, no TTL).
    Unset,
    /// A placeholder, or a value Kubernetes would not accept: not known here.
    Unknown,
    /// Not written in this partial object, whose base is not in the repository.
    Partial,
    /// Not written in this object; a Kustomize patch in the repository writes it.
    Patched,
}

impl Origin {
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Written => "explicit",
            Origin::Base => "from the Kustomize base",
            Origin::Default => "default",
            Origin::Unset => "unset",
            Origin::Unknown => "unknown (templated or not a number)",
            Origin::Partial => "not written here (a partial object: its base may set it)",
            Origin::Patched => "unknown (a Kustomize patch sets it)",
        }
    }

    /// Written in a manifest (this object or its base).
    pub fn is_written(self) -> bool {
        matches!(self, Origin::Written | Origin::Base)
    }
}

/// One effective value: what it is (when known), where it came from and where it is written.
#[derive(Clone, Debug, Serialize)]
pub struct Setting<T> {
    pub value: Option<T>,
    pub origin: Origin,
    /// The value as written. Boxed: a model holds a dozen settings, most of them unset or
    /// defaulted, and an unset one should not carry a whole empty [`Loc`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Box<Loc>>,
}

impl<T: Copy> Setting<T> {
    /// The value, when it is known.
    pub fn get(&self) -> Option<T> {
        self.value
    }
}

impl<T> Setting<T> {
    pub fn unset(origin: Origin) -> Setting<T> {
        Setting {
            value: None,
            origin,
            at: None,
        }
    }

    /// Set to `value` in a manifest, not defaulted.
    pub fn is_written(&self) -> bool {
        self.origin.is_written() && self.value.is_some()
    }
}

impl Setting<i64> {
    /// `7200 s (explicit)`, `30 s (the default)`.
    pub fn describe(&self) -> String {
        match (self.value, self.origin) {
            (Some(v), Origin::Default) => format!("{v} s (the default)"),
            (Some(v), Origin::Base) => format!("{v} s (from the Kustomize base)"),
            (Some(v), _) => format!("{v} s"),
            (None, o) => o.describe().to_string(),
        }
    }
}

/// Where a promise is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PromiseSource {
    Annotation { key: Box<str> },
    Env { container: Box<str>, name: Box<str> },
}

/// A number an annotation or env var promises about the Job.
#[derive(Clone, Debug, Serialize)]
pub struct PromiseSite {
    pub promise: Promise,
    pub source: PromiseSource,
    /// The number, when the value is a literal integer; otherwise it is never compared.
    pub value: Option<i64>,
    /// The value as written.
    pub at: Loc,
    pub origin: Origin,
    /// The value's text, as written.
    pub written: Box<str>,
}

impl PromiseSite {
    /// `annotation `x/timeout-seconds`` or `env var `X_TIMEOUT` (container `worker`)`.
    pub fn describe(&self) -> String {
        match &self.source {
            PromiseSource::Annotation { key } => format!("annotation `{key}`"),
            PromiseSource::Env { container, name } => {
                format!("env var `{name}` (container `{container}`)")
            }
        }
    }

    /// The annotation key or env var name.
    pub fn name(&self) -> &str {
        match &self.source {
            PromiseSource::Annotation { key } => key,
            PromiseSource::Env { name, .. } => name,
        }
    }

    pub fn is_env(&self) -> bool {
        matches!(self.source, PromiseSource::Env { .. })
    }
}

/// What a container's `preStop` hook takes.
#[derive(Clone, Debug, Serialize)]
pub struct PreStopModel {
    pub container: Box<str>,
    /// `sleep.seconds` (validated by the API server against the grace period).
    pub sleep: Option<(i64, Loc)>,
    /// The longest literal `sleep N` in an exec command (never validated).
    pub exec_sleep: Option<(i64, Loc)>,
    /// The `preStop` key.
    pub at: Loc,
}

/// How a failed Job is retried, and how long its waits between attempts add up to.
#[derive(Clone, Debug, Serialize)]
pub struct BackOff {
    /// `Never`: the Job controller replaces failed Pods; `OnFailure`: the kubelet restarts
    /// failed containers in place.
    pub restart_policy: &'static str,
    /// The effective `backoffLimit`.
    pub retries: i64,
    /// The cap on one wait, in seconds.
    pub cap: i64,
    /// The waits before every allowed retry, summed, in seconds.
    pub total: i64,
}

impl BackOff {
    /// The waits before the first `retries` retries (10 s doubling, capped), summed.
    pub fn total_for(retries: i64, cap: i64) -> i64 {
        let mut total: i64 = 0;
        let mut wait = BACKOFF_INITIAL;
        for i in 0..retries.max(0) {
            if wait >= cap {
                return total.saturating_add((retries - i).saturating_mul(cap));
            }
            total += wait;
            wait *= 2;
        }
        total
    }

    /// The largest number of retries whose waits fit in `seconds`.
    pub fn retries_within(seconds: i64, cap: i64) -> i64 {
        let mut n = 0;
        while n < 64 && BackOff::total_for(n + 1, cap) <= seconds {
            n += 1;
        }
        if n == 64 {
            // Past the doubling, every retry waits `cap`.
            let base = BackOff::total_for(n, cap);
            n += (seconds - base) / cap.max(1);
        }
        n
    }
}

/// A CronJob's schedule and policies.
#[derive(Clone, Debug, Serialize)]
pub struct CronModel {
    /// The CronJob's `spec` key.
    pub spec_at: Loc,
    pub schedule: Setting<Box<str>>,
    /// Why the schedule does not parse, if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_error: Option<Box<str>>,
    /// The shortest time between two runs, in seconds.
    pub interval: Option<u64>,
    pub starting_deadline: Setting<i64>,
    pub concurrency_policy: Setting<Box<str>>,
    pub time_zone: Setting<Box<str>>,
}

/// Is this partial object's base known?
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// A whole object.
    Complete,
    /// A patch applied to its base, which is in the repository.
    Merged,
    /// Whole in shape, but a container has no `image` and no base was found: Kubernetes'
    /// defaults apply, but a field it does not write may come from a base elsewhere.
    Loose,
    /// A partial object (a Kustomize patch, a Job without containers, a CronJob without a
    /// schedule) whose base is not in the repository.
    Partial,
}

/// One Job, or one CronJob's `jobTemplate`, with every effective value. The long-running
/// kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet) get one too, for their pod
/// template's grace period and preStop hooks ([`JobModel::is_batch`] tells them apart).
///
/// A run holds one per workload (tens of thousands in a large repository), for the whole
/// run: strings are exact-sized (`Box<str>`, `Box<[_]>`) and the places rarely written are
/// boxed.
#[derive(Clone, Debug, Serialize)]
pub struct JobModel {
    pub kind: &'static str,
    pub name: Box<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Box<str>>,
    /// The object (its root).
    pub at: Loc,
    /// The Job spec (`spec`, or `spec.jobTemplate.spec`): its key.
    pub spec_at: Loc,
    /// The pod template's `spec` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_spec_at: Option<Loc>,
    pub completeness: Completeness,
    /// The Kustomize base this patch is applied to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<Box<Loc>>,
    /// Job-level `activeDeadlineSeconds`.
    pub deadline: Setting<i64>,
    /// Pod-level `activeDeadlineSeconds`.
    pub pod_deadline: Setting<i64>,
    /// Effective `terminationGracePeriodSeconds`.
    pub grace: Setting<i64>,
    pub backoff_limit: Setting<i64>,
    pub backoff_limit_per_index: Setting<i64>,
    /// `podFailurePolicy`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_failure_policy: Option<Box<Loc>>,
    pub ttl: Setting<i64>,
    pub restart_policy: Setting<Box<str>>,
    /// How retries are paced; `None` when the restart policy or the limit is unknown, or
    /// with `backoffLimitPerIndex` (per-index limits).
    pub back_off: Option<BackOff>,
    pub promises: Box<[PromiseSite]>,
    pub pre_stops: Box<[PreStopModel]>,
    /// The Argo CD or Helm hook annotation that makes this Job a hook (deleted by its hook
    /// mechanism: by its delete policy, before the next hook by default), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron: Option<Box<CronModel>>,
}

impl JobModel {
    /// A Job or a CronJob (the other kinds' models hold only their pod template's grace
    /// period and preStop hooks; their Job fields are meaningless).
    pub fn is_batch(&self) -> bool {
        matches!(self.kind, "Job" | "CronJob")
    }

    pub fn is_cron(&self) -> bool {
        self.cron.is_some()
    }

    /// May a rule report a field as *missing* on this object? Only on whole objects:
    /// a partial object's base supplies what it does not write, and a merged patch's
    /// missing fields are its base's to report.
    pub fn may_report_missing(&self) -> bool {
        self.completeness == Completeness::Complete
    }

    /// The promises of one kind.
    pub fn promises(&self, p: Promise) -> impl Iterator<Item = &PromiseSite> {
        self.promises.iter().filter(move |s| s.promise == p)
    }

    /// `Job x` / `CronJob x`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
}

/// Every Job and CronJob of the project, by object.
#[derive(Default)]
pub struct Jobs {
    /// The objects modelled, in project order (increasing).
    pub(super) ids: Vec<ObjectId>,
    /// Their models, in the same order.
    pub(super) models: Vec<JobModel>,
}

impl Jobs {
    /// The model of the workload `id`, of any kind.
    pub fn get(&self, id: ObjectId) -> Option<&JobModel> {
        let i = self.ids.binary_search(&id).ok()?;
        self.models.get(i)
    }

    /// Every Job and CronJob model, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &JobModel> {
        self.models.iter().filter(|j| j.is_batch())
    }
}

/// What the workload model derives from the project once per run.
#[derive(Default)]
pub struct KubernetesModel {
    /// Every workload, read once: what its model's layers need.
    candidates: OnceLock<build::Candidates>,
    /// Every model, for the readers of them all (built on their first use).
    jobs: OnceLock<Jobs>,
}

impl KubernetesModel {
    pub fn new(_project: &Project, _config: &Config) -> KubernetesModel {
        KubernetesModel::default()
    }

    /// Every Job model, built on first use. Whoever reads them all depends on every file
    /// ([`crate::deps`]).
    pub fn jobs(&self, model: &Model<'_>) -> &Jobs {
        crate::deps::all();
        self.jobs
            .get_or_init(|| crate::deps::suspended(|| self.candidates(model).all(model)))
    }

    /// Reads the workloads now, in parallel, when any of `files` (indexes into the
    /// project's files) holds one: called before the files are checked in parallel, where
    /// they would otherwise be read on first use, on one thread.
    pub fn prepare(&self, model: &Model<'_>, files: impl Iterator<Item = usize>) {
        let project = model.project;
        let mut files = files;
        crate::deps::suspended(|| {
            let any = files.any(|f| {
                project.objects()[project.objects_of_file(f)]
                    .iter()
                    .any(|r| r.family == crate::manifest::Family::Kubernetes)
            });
            if any {
                self.candidates(model);
            }
        });
    }

    /// Whether every workload of the file at `file` (an index into the project's files) is
    /// whole on its own ([`build::Candidates::whole`]).
    pub fn whole_only(&self, model: &Model<'_>, file: usize) -> bool {
        let ids = model.project.objects_of_file(file);
        self.candidates(model).whole(ids)
    }

    fn candidates(&self, model: &Model<'_>) -> &build::Candidates {
        self.candidates
            .get_or_init(|| crate::deps::suspended(|| build::Candidates::new(model)))
    }

    /// The model of the workload `id`, of any kind (for the rules about pod templates),
    /// built for the caller (the object's own check is its only reader).
    pub fn workload(&self, model: &Model<'_>, id: ObjectId) -> Option<JobModel> {
        let j = match self.jobs.get() {
            Some(all) => all.get(id).cloned(),
            None => crate::deps::suspended(|| self.candidates(model).model(model, id)),
        };
        // What one model reads ([`crate::deps`]): its object's file, its Kustomize base's,
        // and the objects of its name (the patches applied to it, the base it may have).
        let (_, meta, _) = model.object(id);
        if let Some(name) = meta.name {
            crate::deps::key(name);
        }
        if let Some(base) = j.as_ref().and_then(|j| j.base.as_ref()) {
            model.index_of(&base.path);
        }
        j
    }
}

fn secs(n: i64) -> Bound {
    Bound::Finite(GoDuration::from_secs(n))
}

/// The effective timeouts of the workloads of the reported files, in file order: one per
/// Job and CronJob `jobTemplate`, its Job-level deadline.
pub fn effective_timeouts(model: &Model<'_>, out: &mut Vec<Effective>) {
    for j in model.kubernetes.jobs(model).iter() {
        if !model.is_reported(&j.at.path) {
            continue;
        }
        let value = match (j.deadline.value, j.deadline.origin) {
            (Some(n), _) => secs(n),
            (None, Origin::Unset) => Bound::Unbounded,
            (None, _) => Bound::Unknown,
        };
        let mut caps = Vec::new();
        if let Some(c) = &j.cron {
            if c.concurrency_policy.value.as_deref() == Some("Replace") {
                if let Some(i) = c.interval {
                    caps.push(Cap {
                        value: secs(i as i64),
                        what: format!(
                            "the shortest interval of the schedule of {} (`concurrencyPolicy: Replace` cancels the running Job)",
                            j.describe()
                        ),
                        at: c.schedule.at.as_deref().cloned(),
                    });
                }
            }
        }
        out.push(Effective {
            family: Family::Kubernetes,
            subject: Subject::Job,
            kind: j.kind.to_string(),
            name: j.name.to_string(),
            namespace: j.namespace.as_deref().map(str::to_string),
            task: None,
            object: j.at.clone(),
            value,
            origin: j.deadline.origin.describe(),
            at: j.deadline.at.as_deref().cloned(),
            caps,
            attempts: None,
            policy: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_sums() {
        assert_eq!(BackOff::total_for(6, BACKOFF_CAP_NEVER), 630);
        assert_eq!(BackOff::total_for(0, BACKOFF_CAP_NEVER), 0);
        // 10+20+40+80+160+320+600+600
        assert_eq!(BackOff::total_for(8, BACKOFF_CAP_NEVER), 1830);
        // OnFailure: 10+20+40+80+160+300
        assert_eq!(BackOff::total_for(6, BACKOFF_CAP_ON_FAILURE), 610);
        assert_eq!(
            BackOff::total_for(2_147_483_647, BACKOFF_CAP_NEVER),
            630 + (2_147_483_647 - 6) * 600
        );
        assert_eq!(BackOff::retries_within(300, BACKOFF_CAP_NEVER), 4);
        assert_eq!(BackOff::retries_within(630, BACKOFF_CAP_NEVER), 6);
        assert_eq!(BackOff::retries_within(5, BACKOFF_CAP_NEVER), 0);
        assert_eq!(BackOff::retries_within(1830, BACKOFF_CAP_NEVER), 8);
    }
}
