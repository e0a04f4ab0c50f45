//! The policy of `.cutoff.yaml`, resolved next to each effective timeout: for every run,
//! task, Job and orchestrator step, the cap and default that apply, which rule of the
//! policy set them and on which line. The policy rules (POL001, POL002, ORC004),
//! `cutoff timeouts` and `watch` read the answer; nothing else resolves it.
//!
//! Resolution, per setting (`max`, `default`, `require-timeout`), most specific first:
//! `policy.names` (the first glob matching the object's name) > `policy.kinds` >
//! `policy.namespaces` > the global setting. The namespace is the object's
//! `metadata.namespace`, else the `namespace:` of the nearest `kustomization.yaml` above its
//! file, else unknown (then only the name, kind and global settings can apply).
//! Orchestrator pipelines are not Kubernetes objects: they have no namespace.
//!
//! What a cap judges ([`over_cap`], [`unbounded`]) is also decided here, so that every
//! reader agrees on it: a Tekton run's budget bounds its tasks, so a task is judged only
//! where no finite run budget bounds it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::config::policy::{Limits, Policy, Setting};
use crate::duration::GoDuration;
use crate::manifest::Family;

use super::effective::{Cap, Effective, Subject};
use super::value::{Bound, Loc};
use super::Model;

/// One setting of the policy as it applies to an object: its value, the key it was
/// written under and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule<T> {
    pub value: T,
    /// `policy.kinds.Job.max`.
    pub set_by: String,
    /// The configuration file, as messages show it.
    pub file: String,
    pub line: usize,
}

impl<T> Rule<T> {
    /// "`policy.kinds.Job.max` (.cutoff.yaml:12)".
    pub fn source(&self) -> String {
        format!("`{}` ({}:{})", self.set_by, self.file, self.line)
    }
}

/// Where the namespace the policy was matched with comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Namespace {
    pub name: String,
    /// `metadata.namespace`, or `kustomization.yaml (path:line)`.
    pub from: String,
}

/// The rules of the policy that apply to one effective timeout.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// `max`: the cap.
    pub cap: Option<Rule<Bound>>,
    /// `default`: what an unbounded run is treated as.
    pub default: Option<Rule<Bound>>,
    /// `require-timeout`.
    pub require_timeout: Option<Rule<bool>>,
    /// The namespace the rules were matched with (`None`: unknown).
    pub namespace: Option<Namespace>,
}

impl Applied {
    /// Is a timeout required (`require-timeout: true` applies)?
    pub fn requires_timeout(&self) -> bool {
        self.require_timeout.as_ref().is_some_and(|r| r.value)
    }

    /// The `cap:` line of `cutoff timeouts`: "6h0m0s (`policy.max`, .cutoff.yaml:3) ·
    /// default 1h0m0s (…) · timeout required (…)".
    pub fn describe(&self) -> String {
        let src = |set_by: &str, file: &str, line: usize| format!("`{set_by}`, {file}:{line}");
        let mut parts = vec![match &self.cap {
            Some(c) => format!(
                "{} ({})",
                super::value::show(c.value),
                src(&c.set_by, &c.file, c.line)
            ),
            None => "none (no rule of the policy sets `max` for it)".to_string(),
        }];
        if let Some(d) = &self.default {
            parts.push(format!(
                "default {} ({})",
                super::value::show(d.value),
                src(&d.set_by, &d.file, d.line)
            ));
        }
        if let Some(r) = &self.require_timeout {
            parts.push(format!(
                "{} ({})",
                if r.value {
                    "timeout required"
                } else {
                    "timeout not required"
                },
                src(&r.set_by, &r.file, r.line)
            ));
        }
        if let Some(ns) = &self.namespace {
            parts.push(format!("namespace {} ({})", ns.name, ns.from));
        }
        parts.join(" · ")
    }
}

/// What the policy is resolved for: an object's kind, name and namespace, and its file
/// (for the namespace a `kustomization.yaml` gives it).
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub family: Family,
    pub kind: &'a str,
    pub name: &'a str,
    /// `metadata.namespace`.
    pub namespace: Option<&'a str>,
    /// The shown path of the object's file.
    pub path: &'a str,
}

fn rule<T: Copy, U>(s: &Setting<T>, file: &str, f: impl Fn(T) -> U) -> Rule<U> {
    Rule {
        value: f(s.value),
        set_by: s.key.clone(),
        file: file.to_string(),
        line: s.line,
    }
}

/// The first of `levels` (most specific first) that sets the field `get` reads.
fn pick<'p, T: 'p>(
    levels: &[Option<&'p Limits>],
    get: impl Fn(&'p Limits) -> Option<&'p Setting<T>>,
) -> Option<&'p Setting<T>> {
    levels.iter().flatten().find_map(|l| get(l))
}

/// The policy `p` applies to an object of `kind` named `name` in `namespace` (known, or
/// `None`): the one resolution, shared by the model and by `cutoff watch` for live objects.
/// `None` when no policy is configured.
pub fn applied(
    p: &Policy,
    kind: &str,
    name: &str,
    namespace: Option<Namespace>,
) -> Option<Applied> {
    if p.is_empty() {
        return None;
    }
    let levels = [
        p.name(name),
        p.kind(kind),
        namespace.as_ref().and_then(|n| p.namespace(&n.name)),
        Some(&p.global),
    ];
    let file = p.file.as_str();
    Some(Applied {
        cap: pick(&levels, |l| l.max.as_ref()).map(|s| rule(s, file, Bound::Finite)),
        default: pick(&levels, |l| l.default.as_ref()).map(|s| rule(s, file, Bound::Finite)),
        require_timeout: pick(&levels, |l| l.require_timeout.as_ref())
            .map(|s| rule(s, file, |b| b)),
        namespace,
    })
}

impl Model<'_> {
    /// The policy that applies to `t`; `None` when no policy is configured.
    pub fn policy_for(&self, t: &Target<'_>) -> Option<Applied> {
        let p: &Policy = &self.config.policy;
        if p.is_empty() {
            return None;
        }
        let namespace = match t.namespace {
            Some(n) => Some(Namespace {
                name: n.to_string(),
                from: "metadata.namespace".to_string(),
            }),
            None if t.family != Family::Orchestrator => {
                self.kustomize
                    .namespace_for(t.path)
                    .map(|(n, at)| Namespace {
                        name: n.clone(),
                        from: format!("kustomization.yaml, {}", at.display()),
                    })
            }
            None => None,
        };
        applied(p, t.kind, t.name, namespace)
    }

    /// Fills in the policy of the entries whose family left it unresolved, from their own
    /// kind, name, namespace and file.
    pub(crate) fn resolve_policies(&self, out: &mut [Effective]) {
        if self.config.policy.is_empty() {
            return;
        }
        for e in out.iter_mut().filter(|e| e.policy.is_none()) {
            e.policy = self.policy_for(&Target {
                family: e.family,
                kind: &e.kind,
                name: &e.name,
                namespace: e.namespace.as_deref(),
                path: &e.object.path,
            });
        }
    }

    /// The effective timeouts the policy rules judge, with their policy, built once per
    /// lint run (and only when a policy is configured): Tekton runs of every file (a run
    /// outside the reported files may give a reported Pipeline's task its timeout), and
    /// every other family's objects in the reported files.
    pub fn policed(&self) -> &Policed {
        if self.config.policy.is_empty() {
            return self.policed.get_or_init(Policed::default);
        }
        // Built from every file: its readers depend on all of them ([`crate::deps`]).
        crate::deps::all();
        self.policed.get_or_init(|| {
            crate::deps::suspended(|| Policed::new(self.collect_effective(|_| true)))
        })
    }
}

/// The effective timeouts the policy judges, indexed by the files their places lie in.
#[derive(Default)]
pub struct Policed {
    pub entries: Vec<Effective>,
    by_path: HashMap<Arc<str>, Vec<usize>>,
}

impl Policed {
    fn new(entries: Vec<Effective>) -> Policed {
        let mut by_path: HashMap<Arc<str>, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let mut paths: Vec<&Arc<str>> = vec![&e.object.path];
            paths.extend(e.at.iter().map(|l| &l.path));
            paths.extend(e.caps.iter().filter_map(|c| c.at.as_ref()).map(|l| &l.path));
            paths.sort();
            paths.dedup();
            for p in paths {
                by_path.entry(p.clone()).or_default().push(i);
            }
        }
        Policed { entries, by_path }
    }

    /// The entries with a place in the file `path`, in model order.
    pub fn in_file<'s>(&'s self, path: &str) -> impl Iterator<Item = &'s Effective> + 's {
        self.by_path
            .get(path)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i])
    }
}

/// An effective timeout above its cap.
#[derive(Clone, Debug)]
pub struct Over<'e> {
    pub entry: &'e Effective,
    /// The cap and the rule of the policy that set it.
    pub cap: &'e Rule<Bound>,
    /// How long it may run (per attempt).
    pub value: GoDuration,
    /// Where that value is written (else the object).
    pub at: Loc,
    /// When a bound above the entry's own timeout decides (a run's `timeouts.tasks`
    /// budget cutting its tasks short), that bound.
    pub by: Option<&'e Cap>,
}

/// Is this effective timeout above the cap that applies to it? `None` when no cap
/// applies, the value is not known, or another entry carries the finding:
/// - a run the cluster would create by default for a Pipeline is an assumption: not judged;
/// - a Tekton task under a PipelineRun whose budget is finite is bounded by it: the run
///   is judged, not the task; under a run with no timeout (`"0"`) the task is judged at the
///   tightest of its own timeout and its phase budget (`timeouts.tasks`/`finally`);
/// - a task's timeout nobody wrote (the cluster default) is the run's affair;
/// - a task of a Pipeline no PipelineRun runs is judged on its own timeout;
/// - an unbounded value is not above a cap: that is [`unbounded`]'s (POL002) affair.
pub fn over_cap(e: &Effective) -> Option<Over<'_>> {
    let cap = e.policy.as_ref()?.cap.as_ref()?;
    let Bound::Finite(limit) = cap.value else {
        return None;
    };
    let own = (
        e.value,
        e.at.clone().unwrap_or_else(|| e.object.clone()),
        None,
    );
    let (value, at, by) = match e.subject {
        Subject::DefaultRun => return None,
        Subject::Task => {
            e.at.as_ref()?;
            if e.kind == "PipelineRun" {
                // caps[0]: the phase budget; the last: the run's pipeline budget.
                let run = e.caps.last()?;
                if run.value != Bound::Unbounded {
                    return None;
                }
                let phase = &e.caps[0];
                match (phase.value, e.value) {
                    (Bound::Unknown, _) => return None,
                    (Bound::Finite(p), Bound::Finite(v)) if p <= v => {
                        (phase.value, phase.at.clone()?, Some(phase))
                    }
                    (Bound::Finite(_), Bound::Unbounded) => {
                        (phase.value, phase.at.clone()?, Some(phase))
                    }
                    _ => own,
                }
            } else {
                own
            }
        }
        _ => {
            // A finite bound above the entry that cuts it shorter than its own value.
            let tighter = e
                .caps
                .iter()
                .filter(|c| c.value.exceeds(e.value) == Some(false))
                .min_by_key(|c| c.value.finite());
            match tighter {
                Some(c) if c.value != e.value || c.at != e.at => return None,
                _ => own,
            }
        }
    };
    let Bound::Finite(v) = value else {
        return None;
    };
    (v > limit).then_some(Over {
        entry: e,
        cap,
        value: v,
        at,
        by,
    })
}

/// A run with no timeout where the policy requires one.
#[derive(Clone, Debug)]
pub struct Unbounded<'e> {
    pub entry: &'e Effective,
    pub rule: &'e Rule<bool>,
    /// Where the `"0"` is written (else the object).
    pub at: Loc,
}

/// Is this a run with no timeout while `require-timeout` applies to it? Runs are
/// PipelineRuns, TaskRuns and Jobs (every subject that is a whole run); a Tekton task
/// runs inside a run (its run's finding covers it), an orchestrator step's missing
/// timeout is ORC002's, and a default run is an assumption.
pub fn unbounded(e: &Effective) -> Option<Unbounded<'_>> {
    let rule = e.policy.as_ref()?.require_timeout.as_ref()?;
    if !rule.value
        || e.value != Bound::Unbounded
        || matches!(
            e.subject,
            Subject::Task | Subject::Step | Subject::DefaultRun
        )
    {
        return None;
    }
    // Bounded after all by something above it.
    if e.caps.iter().any(|c| c.value != Bound::Unbounded) {
        return None;
    }
    Some(Unbounded {
        entry: e,
        rule,
        at: e.at.clone().unwrap_or_else(|| e.object.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::lint::lint_texts;
    use crate::project::Project;
    use crate::source::SourceFile;

    fn project(files: &[(&str, &str)]) -> Project {
        Project::new(
            files
                .iter()
                .map(|(p, t)| SourceFile::new(Arc::from(*p), None, t.to_string(), true))
                .collect(),
        )
    }

    const POLICY: &str = "policy:
  max: 6h
  default: 1h
  namespaces:
    ml: {max: 12h, require-timeout: true}
  kinds:
    Job: {max: 2h}
  names:
    \"nightly-*\": {max: 10h}
";

    fn target<'a>(kind: &'a str, name: &'a str, ns: Option<&'a str>, path: &'a str) -> Target<'a> {
        Target {
            family: Family::Kubernetes,
            kind,
            name,
            namespace: ns,
            path,
        }
    }

    #[test]
    fn most_specific_rule_wins_per_setting() {
        let config = Config::parse(POLICY, ".cutoff.yaml").unwrap();
        let p = project(&[(
            "team/kustomization.yaml",
            "namespace: ml\nresources: [job.yaml]\n",
        )]);
        let m = Model::new(&p, &config);
        let cap = |t: Target<'_>| {
            let a = m.policy_for(&t).unwrap();
            (
                a.cap.map(|c| (c.value.display(), c.set_by, c.line)),
                a.default.map(|d| d.set_by),
                a.require_timeout.map(|r| r.set_by),
            )
        };
        // Global.
        assert_eq!(
            cap(target("PipelineRun", "x", None, "a.yaml")),
            (
                Some(("6h0m0s".into(), "policy.max".into(), 2)),
                Some("policy.default".into()),
                None
            )
        );
        // Kind over global; namespace (from kustomization.yaml) below kind.
        let (c, _, r) = cap(target("Job", "x", None, "team/job.yaml"));
        assert_eq!(c.unwrap().1, "policy.kinds.Job.max");
        assert_eq!(r.as_deref(), Some("policy.namespaces.ml.require-timeout"));
        // Namespace over global; metadata.namespace over the kustomization's.
        let (c, _, _) = cap(target("PipelineRun", "x", Some("ml"), "b.yaml"));
        assert_eq!(c.unwrap().1, "policy.namespaces.ml.max");
        let (c, _, r) = cap(target("PipelineRun", "x", Some("other"), "team/run.yaml"));
        assert_eq!(c.unwrap().1, "policy.max");
        assert_eq!(r, None);
        // Name over everything.
        let (c, _, _) = cap(target("Job", "nightly-etl", Some("ml"), "team/job.yaml"));
        assert_eq!(c.unwrap().0, "10h0m0s");
        // Orchestrator pipelines have no namespace.
        let a = m
            .policy_for(&Target {
                family: Family::Orchestrator,
                ..target("OrchestratorPipeline", "p", None, "team/p.yaml")
            })
            .unwrap();
        assert_eq!(a.namespace, None);
        // No policy: nothing resolved.
        let none = Config::default();
        let m = Model::new(&p, &none);
        assert!(m.policy_for(&target("Job", "x", None, "a.yaml")).is_none());
    }

    /// Jobs arrive as family-neutral entries (`Subject::Job`); the policy judges them
    /// like any other run.
    #[test]
    fn judges_job_entries() {
        let config = Config::parse(POLICY, ".cutoff.yaml").unwrap();
        let (p, _) = lint_texts(&[], &config);
        let m = Model::new(&p, &config);
        let file = SourceFile::new(Arc::from("job.yaml"), None, "x: 1\n".into(), true);
        let loc = Loc::new(&file, crate::yaml::Span::new(0, 1));
        let job = |value: Bound, ns: Option<&str>| {
            let mut e = Effective {
                family: Family::Kubernetes,
                subject: Subject::Job,
                kind: "Job".into(),
                name: "etl".into(),
                namespace: ns.map(str::to_string),
                task: None,
                object: loc.clone(),
                value,
                origin: "explicit",
                at: Some(loc.clone()),
                caps: Vec::new(),
                attempts: None,
                policy: None,
            };
            m.resolve_policies(std::slice::from_mut(&mut e));
            e
        };
        let e = job(Bound::Finite(GoDuration::from_hours(3)), None);
        let over = over_cap(&e).unwrap();
        assert_eq!(over.cap.set_by, "policy.kinds.Job.max");
        assert!(over_cap(&job(Bound::Finite(GoDuration::from_hours(2)), None)).is_none());
        assert!(unbounded(&job(Bound::Unbounded, None)).is_none());
        let u = job(Bound::Unbounded, Some("ml"));
        assert_eq!(
            unbounded(&u).unwrap().rule.set_by,
            "policy.namespaces.ml.require-timeout"
        );
        assert!(over_cap(&u).is_none());
    }
}
