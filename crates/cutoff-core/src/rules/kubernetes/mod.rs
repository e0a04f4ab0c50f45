//! Kubernetes rules, and the context they are called with. Facts:
//! `docs/kubernetes-timeouts.md`.
//!
//! Each rule receives a [`KubernetesContext`]: the typed view of the workload and, for a
//! Job or CronJob, the model's [`JobModel`] of it ([`KubernetesContext::job`]): every
//! effective number, where it came from and where it is written. A finding names places,
//! best first; it is shown at the first that lies in the object being checked, the others
//! become labels ([`KubernetesContext::report`]). A finding resting only on a Kustomize
//! base's values is the base's to report.

pub mod cron001_missing_starting_deadline;
pub mod cron002_starting_deadline_too_short;
pub mod cron003_job_outlives_schedule;
pub mod cron004_timezone_in_schedule;
pub mod fixes;
pub mod job001_missing_deadline;
pub mod job002_deadline_annotation_mismatch;
pub mod job003_ttl_annotation_mismatch;
pub mod job004_grace_annotation_mismatch;
pub mod job005_env_timeout_mismatch;
pub mod job006_prestop_exceeds_grace;
pub mod job007_grace_exceeds_deadline;
pub mod job008_pod_deadline_not_shorter;
pub mod job009_deadline_in_long_running_workload;
pub mod job010_zero_deadline;
pub mod job011_backoff_exceeds_deadline;
pub mod job012_invalid_restart_policy;
pub mod job013_missing_ttl;
pub mod job014_ttl_too_short;
pub mod job015_grace_zero_with_prestop;

use std::cell::OnceCell;
use std::ops::Deref;

use crate::diagnostic::{Diagnostic, Fix};
use crate::manifest::kubernetes::Object;
use crate::model::kubernetes::JobModel;
use crate::model::Loc;

use super::{Context, Rule};

pub static RULES: &[&Rule] = &[
    &job001_missing_deadline::RULE,
    &job002_deadline_annotation_mismatch::RULE,
    &job003_ttl_annotation_mismatch::RULE,
    &job004_grace_annotation_mismatch::RULE,
    &job005_env_timeout_mismatch::RULE,
    &job006_prestop_exceeds_grace::RULE,
    &job007_grace_exceeds_deadline::RULE,
    &job008_pod_deadline_not_shorter::RULE,
    &job009_deadline_in_long_running_workload::RULE,
    &job010_zero_deadline::RULE,
    &job011_backoff_exceeds_deadline::RULE,
    &job012_invalid_restart_policy::RULE,
    &job013_missing_ttl::RULE,
    &job014_ttl_too_short::RULE,
    &job015_grace_zero_with_prestop::RULE,
    &cron001_missing_starting_deadline::RULE,
    &cron002_starting_deadline_too_short::RULE,
    &cron003_job_outlives_schedule::RULE,
    &cron004_timezone_in_schedule::RULE,
];

/// What a kubernetes rule may read when it checks one object.
pub struct KubernetesContext<'a> {
    pub base: &'a Context<'a>,
    pub object: &'a Object<'a>,
    workload: OnceCell<Option<JobModel>>,
}

impl<'a> Deref for KubernetesContext<'a> {
    type Target = Context<'a>;

    fn deref(&self) -> &Context<'a> {
        self.base
    }
}

impl<'a> KubernetesContext<'a> {
    pub fn new(base: &'a Context<'a>, object: &'a Object<'a>) -> KubernetesContext<'a> {
        KubernetesContext {
            base,
            object,
            workload: OnceCell::new(),
        }
    }

    /// The model of this Job or CronJob (`None` for the long-running kinds).
    pub fn job(&self) -> Option<&JobModel> {
        self.workload().filter(|j| j.is_batch())
    }

    /// The model of this workload, of any kind: for the rules about a pod template's grace
    /// period and preStop hooks, which also hold for Deployments and their kin.
    pub fn workload(&self) -> Option<&JobModel> {
        self.workload
            .get_or_init(|| {
                let model = self.base.model;
                let id = model
                    .project
                    .object_at(self.base.file, self.object.meta.root)?;
                model.kubernetes.workload(model, id)
            })
            .as_ref()
    }

    /// Does `loc` lie in the object being checked?
    pub fn is_here(&self, loc: &Loc) -> bool {
        *loc.path == **self.path() && self.object.meta.root.span().contains(loc.span)
    }

    /// A finding about `places` (best first, each with its label): shown at the first that
    /// lies in this object, the others as labels; `None` when none does (another object
    /// reports it).
    pub fn report(
        &self,
        rule: &'static Rule,
        places: &[(&Loc, String)],
        message: impl Into<String>,
    ) -> Option<Diagnostic> {
        let primary = places.iter().position(|(l, _)| self.is_here(l))?;
        let mut d = self.diag(rule, places[primary].0.span, message);
        for (i, (l, note)) in places.iter().enumerate() {
            if i != primary && !note.is_empty() {
                d = d.label(&l.path, l.span, note.clone());
            }
        }
        Some(d)
    }

    /// Pushes `d` with `help` and `fix`.
    pub fn push(
        &self,
        out: &mut Vec<Diagnostic>,
        d: Option<Diagnostic>,
        help: impl Into<String>,
        fix: Option<Fix>,
    ) {
        if let Some(d) = d {
            out.push(d.help(help).with_fix(fix));
        }
    }
}

/// `1 s`, `90 s (1m30s)`, `7200 s (2h)`: seconds, with a shorter form when it helps.
pub fn secs(n: i64) -> String {
    if n < 120 {
        return format!("{n} s");
    }
    let (h, m, s) = (n / 3600, (n % 3600) / 60, n % 60);
    let mut short = String::new();
    if h > 0 {
        short.push_str(&format!("{h}h"));
    }
    if m > 0 {
        short.push_str(&format!("{m}m"));
    }
    if s > 0 {
        short.push_str(&format!("{s}s"));
    }
    format!("{n} s ({short})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds() {
        assert_eq!(secs(30), "30 s");
        assert_eq!(secs(7200), "7200 s (2h)");
        assert_eq!(secs(630), "630 s (10m30s)");
        assert_eq!(secs(3630), "3630 s (1h30s)");
    }
}
