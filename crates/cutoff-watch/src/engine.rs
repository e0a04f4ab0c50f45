//! Evaluation: from a snapshot of live objects and the clock, what is found (decisions) and
//! what should be done (planned actions). No I/O here: the runner executes the plan and
//! reports each outcome back with [`Engine::complete`], which is what makes the ladder
//! advance exactly once per step, whatever the watch streams replay.

use crate::deadline::{self, Deadline};
use crate::goduration;
use crate::knowledge::{Finding, Knowledge, Limit, Limits, LiveKind};
use crate::ladder::{Ladder, Step};
use crate::live::{self, Facts, Phase};
use jiff::Timestamp;
use kube::api::DynamicObject;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which findings watch acts on (with `--enforce`); the others are only reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActOn {
    /// Walk the ladder on runs past their deadline.
    pub deadlines: bool,
    /// Delete finished objects whose TTL expired.
    pub ttl: bool,
    /// Delete pods whose owning Job/TaskRun is gone.
    pub orphans: bool,
    /// Walk the ladder on stuck pods' owners and dead runs.
    pub stuck: bool,
}

impl Default for ActOn {
    fn default() -> Self {
        ActOn {
            deadlines: true,
            ttl: true,
            orphans: false,
            stuck: false,
        }
    }
}

impl std::str::FromStr for ActOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut a = ActOn {
            deadlines: false,
            ttl: false,
            orphans: false,
            stuck: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "deadlines" => a.deadlines = true,
                "ttl" => a.ttl = true,
                "orphans" => a.orphans = true,
                "stuck" => a.stuck = true,
                "all" => {
                    a = ActOn {
                        deadlines: true,
                        ttl: true,
                        orphans: true,
                        stuck: true,
                    }
                }
                "none" => {}
                other => {
                    return Err(format!(
                    "unknown --act-on value {other:?} (deadlines, ttl, orphans, stuck, all, none)"
                ))
                }
            }
        }
        Ok(a)
    }
}

/// Engine settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The escalation ladder.
    pub ladder: Ladder,
    /// What to act on.
    pub act_on: ActOn,
    /// A pod whose owner is gone is an orphan once it is this old.
    pub orphan_after: Duration,
    /// Pending pods and runs without pods are stuck after this long.
    pub stuck_after: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ladder: Ladder::default(),
            act_on: ActOn::default(),
            orphan_after: Duration::from_secs(600),
            stuck_after: Duration::from_secs(900),
        }
    }
}

/// The object a decision or action is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Kind.
    pub kind: LiveKind,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Uid.
    pub uid: String,
    /// The resourceVersion the decision was made on.
    pub resource_version: String,
    /// The object's grace period (for the ladder's `grace` delays).
    pub grace: Duration,
    /// The controlling owner's kind, name and uid (pods: for the orphan re-check).
    pub owner: Option<live::Owner>,
}

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Act {
    /// A ladder step.
    Step(Step),
    /// Delete a finished object whose TTL expired (background propagation).
    TtlDelete,
    /// Delete an orphaned pod.
    OrphanDelete,
}

impl Act {
    /// As written in the audit log's `action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Step(s) => s.as_str(),
            Act::TtlDelete | Act::OrphanDelete => "delete",
        }
    }
}

/// A decision or a planned action, with everything the audit log says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The object.
    pub target: Target,
    /// `deadline`, `ttl`, `orphan`, `stuck`, `dead-run`, `drift`, `live` or a lint code.
    pub rule: String,
    /// The source behind it.
    pub reason: Option<String>,
    /// Deadline or expiry.
    pub deadline: Option<Timestamp>,
    /// The limit.
    pub limit: Option<Duration>,
    /// Elapsed since start (or since finishing).
    pub elapsed: Option<Duration>,
    /// For a human.
    pub message: String,
}

/// A planned action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// What the audit log says about it.
    pub entry: Entry,
    /// What to do.
    pub act: Act,
    /// When it was decided (the evaluation's clock time): the time a carried-out step is
    /// recorded at.
    pub at: Timestamp,
}

/// One evaluation's output.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Newly found things, each reported once.
    pub decisions: Vec<(Entry, String)>,
    /// Actions to take now.
    pub actions: Vec<Planned>,
    /// Objects seen, by kind.
    pub objects: HashMap<LiveKind, usize>,
    /// Running objects past their deadline right now.
    pub overdue: usize,
    /// Deadlines newly found passed, by kind.
    pub new_deadlines: Vec<LiveKind>,
}

/// What came of executing a planned action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecResult {
    /// The audit outcome.
    pub outcome: crate::audit::Outcome,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// The step counts as carried out (done, dry-run, or already in that state/gone).
    pub settled: bool,
    /// When it was carried out, if earlier than now (found in an Event or annotation).
    pub performed_at: Option<Timestamp>,
    /// A failure that may succeed if tried again.
    pub retryable: bool,
}

impl ExecResult {
    /// Done now.
    pub fn done() -> Self {
        ExecResult {
            outcome: crate::audit::Outcome::Done,
            error: None,
            settled: true,
            performed_at: None,
            retryable: false,
        }
    }
    /// Not needed: the object is already in the state the step would bring it to.
    pub fn already(why: impl Into<String>, at: Option<Timestamp>) -> Self {
        ExecResult {
            outcome: crate::audit::Outcome::Skipped,
            error: Some(why.into()),
            settled: true,
            performed_at: at,
            retryable: false,
        }
    }
    /// Not carried out, and not settled (e.g. not the leader).
    pub fn not_now(why: impl Into<String>) -> Self {
        ExecResult {
            outcome: crate::audit::Outcome::Skipped,
            error: Some(why.into()),
            settled: false,
            performed_at: None,
            retryable: false,
        }
    }
    /// Failed.
    pub fn failed(why: impl Into<String>, retryable: bool) -> Self {
        ExecResult {
            outcome: crate::audit::Outcome::Failed,
            error: Some(why.into()),
            settled: false,
            performed_at: None,
            retryable,
        }
    }
    /// Dry-run.
    pub fn dry_run() -> Self {
        ExecResult {
            outcome: crate::audit::Outcome::DryRun,
            error: None,
            settled: true,
            performed_at: None,
            retryable: false,
        }
    }
}

/// A failed step is retried this many times before the ladder moves on.
pub const MAX_ATTEMPTS: u32 = 3;

#[derive(Default)]
struct Track {
    /// The last step carried out (done, dry-run, or found already done) and when.
    last_step: Option<(Step, Timestamp)>,
    failures: u32,
    retry_after: Option<Instant>,
    reported: HashSet<String>,
    no_pod_since: Option<Timestamp>,
    finished_acted: bool,
    cache_rv: String,
    findings: Vec<Finding>,
    ttl: Option<Limit>,
    seen: u64,
}

/// Objects, as the watch streams (or a one-off list) have them.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Every object with its kind.
    pub objects: Vec<(LiveKind, Arc<DynamicObject>)>,
}

/// The evaluator. Keeps, per object uid, which ladder step was carried out and what was
/// already reported.
pub struct Engine {
    settings: Settings,
    knowledge: Arc<dyn Knowledge>,
    tracks: HashMap<String, Track>,
    generation: u64,
}

fn full_value(kind: LiveKind, obj: &DynamicObject) -> serde_json::Value {
    let mut v = serde_json::to_value(obj).unwrap_or(serde_json::Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.entry("apiVersion")
            .or_insert_with(|| kind.api_version().into());
        m.entry("kind").or_insert_with(|| kind.as_str().into());
    }
    v
}

fn pending_reason(f: &Facts) -> Option<String> {
    let p = f.pod.as_ref()?;
    if p.phase != "Pending" {
        return None;
    }
    Some(p.waiting.clone().unwrap_or_else(|| "Pending".to_string()))
}

impl Engine {
    /// An engine with no history.
    pub fn new(settings: Settings, knowledge: Arc<dyn Knowledge>) -> Self {
        Engine {
            settings,
            knowledge,
            tracks: HashMap::new(),
            generation: 0,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn track(&mut self, uid: &str) -> &mut Track {
        let g = self.generation;
        let t = self.tracks.entry(uid.to_string()).or_default();
        t.seen = g;
        t
    }

    /// Records `key` as reported for `uid`; `true` the first time.
    fn first_report(&mut self, uid: &str, key: String) -> bool {
        self.track(uid).reported.insert(key)
    }

    /// `true` the first time a skip of `act` for `uid` is reported (not-leader skips are
    /// reported once, not on every tick).
    pub fn first_skip_report(&mut self, uid: &str, act: Act) -> bool {
        self.first_report(uid, format!("skip:{act:?}"))
    }

    /// Evaluates a complete snapshot at `now`.
    pub fn evaluate(&mut self, snap: &Snapshot, now: Timestamp, mono: Instant) -> Plan {
        self.generation += 1;
        let mut plan = Plan::default();
        let facts: Vec<(Facts, &Arc<DynamicObject>)> = snap
            .objects
            .iter()
            .map(|(k, o)| (live::facts(*k, &o.metadata, &o.data), o))
            .collect();
        let mut uids: HashSet<&str> = HashSet::new();
        let mut live_pods_by_owner: HashMap<&str, usize> = HashMap::new();
        let mut live_pods_by_pipelinerun: HashMap<(&str, &str), usize> = HashMap::new();
        let mut running_children: HashMap<&str, usize> = HashMap::new();
        for (f, _) in &facts {
            *plan.objects.entry(f.r.kind).or_default() += 1;
            uids.insert(f.r.uid.as_str());
            let alive = !matches!(f.phase, Phase::Finished(_));
            if f.r.kind == LiveKind::Pod && alive {
                if let Some(o) = &f.owner {
                    *live_pods_by_owner.entry(o.uid.as_str()).or_default() += 1;
                }
                if let Some(pr) = f.r.labels.get("tekton.dev/pipelineRun") {
                    *live_pods_by_pipelinerun
                        .entry((f.r.namespace.as_str(), pr.as_str()))
                        .or_default() += 1;
                }
            }
            if f.r.kind == LiveKind::TaskRun && f.phase == Phase::Running {
                if let Some(o) = &f.owner {
                    *running_children.entry(o.uid.as_str()).or_default() += 1;
                }
            }
        }

        // Pods: orphans and stuck pods (whose owners may get the ladder).
        let mut stuck_owner: HashMap<String, (Timestamp, String)> = HashMap::new();
        for (f, _) in facts.iter().filter(|(f, _)| f.r.kind == LiveKind::Pod) {
            if f.deleting || matches!(f.phase, Phase::Finished(_)) {
                continue;
            }
            let Some(owner) = f
                .owner
                .as_ref()
                .filter(|o| o.kind == "Job" || o.kind == "TaskRun")
            else {
                continue;
            };
            let age = f.created.map(|c| deadline::since(now, c));
            if !uids.contains(owner.uid.as_str()) {
                if age.is_some_and(|a| a >= self.settings.orphan_after) {
                    let entry = Entry {
                        target: target(f),
                        rule: "orphan".into(),
                        reason: Some(format!(
                            "--orphan-after {}",
                            goduration::format(self.settings.orphan_after)
                        )),
                        deadline: None,
                        limit: Some(self.settings.orphan_after),
                        elapsed: age,
                        message: format!(
                            "pod {}/{} is an orphan: its {} {} no longer exists",
                            f.r.namespace, f.r.name, owner.kind, owner.name
                        ),
                    };
                    if self.first_report(&f.r.uid, "orphan".into()) {
                        let act = if self.settings.act_on.orphans {
                            "delete"
                        } else {
                            "report"
                        };
                        plan.decisions.push((entry.clone(), act.into()));
                    }
                    if self.settings.act_on.orphans && self.may_act(&f.r.uid, mono) {
                        let t = self.track(&f.r.uid);
                        if !t.finished_acted {
                            plan.actions.push(Planned {
                                entry,
                                act: Act::OrphanDelete,
                                at: now,
                            });
                        }
                    }
                }
                continue;
            }
            if let (Some(reason), Some(age)) = (pending_reason(f), age) {
                if age >= self.settings.stuck_after {
                    let since = f.created.unwrap_or(now);
                    let msg = format!(
                        "pod {} stuck in {} for {}",
                        f.r.name,
                        reason,
                        goduration::format(round_secs(age))
                    );
                    if self.first_report(&f.r.uid, format!("stuck:{reason}")) {
                        plan.decisions.push((
                            Entry {
                                target: target(f),
                                rule: "stuck".into(),
                                reason: Some(format!(
                                    "--stuck-after {}",
                                    goduration::format(self.settings.stuck_after)
                                )),
                                deadline: Some(deadline::add(since, self.settings.stuck_after)),
                                limit: Some(self.settings.stuck_after),
                                elapsed: Some(age),
                                message: msg.clone(),
                            },
                            "report".into(),
                        ));
                    }
                    stuck_owner.insert(owner.uid.clone(), (since, msg));
                }
            }
        }

        // Runs: deadlines, dead runs, TTL, drift.
        for (f, obj) in facts.iter().filter(|(f, _)| f.r.kind != LiveKind::Pod) {
            self.check_findings(f, obj, &mut plan);
            if f.deleting {
                continue;
            }
            match f.phase {
                Phase::Running => {}
                Phase::Finished(at) => {
                    self.check_ttl(f, at, now, mono, &mut plan);
                    continue;
                }
                Phase::NotStarted => continue,
            }
            // TaskRuns of a PipelineRun are governed through their PipelineRun.
            if f.r.owner_pipelinerun.is_some() {
                continue;
            }
            let Some(start) = f.start else { continue };
            let limits: Limits = self.knowledge.limits(&f.r);
            let mut dl = deadline::compute(start, f.own_timeout.as_ref(), &limits);

            // Dead runs: running with no live pod (or child) for --stuck-after.
            let has_work = match f.r.kind {
                LiveKind::PipelineRun => {
                    running_children.contains_key(f.r.uid.as_str())
                        || live_pods_by_pipelinerun
                            .contains_key(&(f.r.namespace.as_str(), f.r.name.as_str()))
                }
                _ => live_pods_by_owner.contains_key(f.r.uid.as_str()),
            };
            let stuck_after = self.settings.stuck_after;
            let no_pod_since = {
                let t = self.track(&f.r.uid);
                if has_work || f.suspended {
                    t.no_pod_since = None;
                    None
                } else {
                    Some(*t.no_pod_since.get_or_insert(now))
                }
            };
            let mut stuck = stuck_owner.get(&f.r.uid).cloned();
            if let Some(since) = no_pod_since {
                let idle = deadline::since(now, since);
                if idle >= stuck_after && deadline::since(now, start) >= stuck_after {
                    let what = if f.r.kind == LiveKind::PipelineRun {
                        "no running TaskRun or pod"
                    } else {
                        "no pod"
                    };
                    let msg = format!(
                        "{} {} is Running with {what} for {}",
                        f.r.kind,
                        f.r.name,
                        goduration::format(round_secs(idle))
                    );
                    if self.first_report(&f.r.uid, "dead-run".into()) {
                        plan.decisions.push((
                            Entry {
                                target: target(f),
                                rule: "dead-run".into(),
                                reason: Some(format!(
                                    "--stuck-after {}",
                                    goduration::format(stuck_after)
                                )),
                                deadline: Some(deadline::add(since, stuck_after)),
                                limit: Some(stuck_after),
                                elapsed: Some(deadline::since(now, start)),
                                message: msg.clone(),
                            },
                            "report".into(),
                        ));
                    }
                    stuck.get_or_insert((since, msg));
                }
            }
            let mut rule = "deadline";
            if let (true, Some((since, msg))) = (self.settings.act_on.stuck, stuck) {
                let at = deadline::add(since, stuck_after);
                if dl.as_ref().is_none_or(|d| at < d.at) {
                    rule = "stuck";
                    dl = Some(Deadline {
                        start,
                        at,
                        limit: Limit::new(stuck_after, format!("stuck: {msg} (--stuck-after)")),
                        defaulted: false,
                    });
                }
            }
            let Some(dl) = dl else { continue };
            if dl.at > now {
                continue;
            }
            plan.overdue += 1;
            let elapsed = deadline::since(now, start);
            let entry = Entry {
                target: target(f),
                rule: rule.into(),
                reason: Some(dl.limit.source.clone()),
                deadline: Some(dl.at),
                limit: Some(dl.limit.duration),
                elapsed: Some(elapsed),
                message: dl.message(),
            };
            if self.first_report(&f.r.uid, format!("{rule}:{}", dl.at)) {
                plan.new_deadlines.push(f.r.kind);
                let act = if self.settings.act_on.deadlines || rule == "stuck" {
                    "escalate"
                } else {
                    "report"
                };
                let mut e = entry.clone();
                if dl.defaulted {
                    e.message = format!("{} (the object has no timeout of its own)", e.message);
                }
                plan.decisions.push((e, act.into()));
            }
            if !(self.settings.act_on.deadlines || rule == "stuck") {
                continue;
            }
            let last = self.progress(&f.r.uid, f.escalation);
            if let Some(step) = self.settings.ladder.due(dl.at, last, f.grace, now) {
                if self.may_act(&f.r.uid, mono) {
                    plan.actions.push(Planned {
                        entry,
                        act: Act::Step(step),
                        at: now,
                    });
                }
            }
        }

        // Forget objects that are gone.
        let g = self.generation;
        self.tracks.retain(|_, t| t.seen == g);
        plan
    }

    /// The furthest step known to be carried out: ours, or the annotation's.
    fn progress(
        &mut self,
        uid: &str,
        annotated: Option<(Step, Timestamp)>,
    ) -> Option<(Step, Timestamp)> {
        let mine = self.track(uid).last_step;
        match (mine, annotated) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    fn may_act(&mut self, uid: &str, mono: Instant) -> bool {
        self.track(uid).retry_after.is_none_or(|r| mono >= r)
    }

    fn check_findings(&mut self, f: &Facts, obj: &DynamicObject, plan: &mut Plan) {
        let knowledge = self.knowledge.clone();
        let t = self.track(&f.r.uid);
        if t.cache_rv != f.resource_version || t.cache_rv.is_empty() {
            let v = full_value(f.r.kind, obj);
            t.findings = knowledge.drift(f.r.kind, &v);
            t.ttl = knowledge.ttl(f.r.kind, &v);
            t.cache_rv = f.resource_version.clone();
        }
        let mut found: Vec<Finding> = t.findings.clone();
        found.extend(f.problems.iter().map(|p| Finding {
            rule: "live".into(),
            message: format!("cannot read {p}"),
            source: None,
        }));
        for finding in found {
            if self.first_report(
                &f.r.uid,
                format!("finding:{}:{}", finding.rule, finding.message),
            ) {
                plan.decisions.push((
                    Entry {
                        target: target(f),
                        rule: finding.rule.clone(),
                        reason: finding.source.clone(),
                        deadline: None,
                        limit: None,
                        elapsed: None,
                        message: finding.message.clone(),
                    },
                    "report".into(),
                ));
            }
        }
    }

    fn check_ttl(
        &mut self,
        f: &Facts,
        finished: Option<Timestamp>,
        now: Timestamp,
        mono: Instant,
        plan: &mut Plan,
    ) {
        if f.r.owner_pipelinerun.is_some() {
            return;
        }
        let Some(at) = finished else { return };
        let Some(ttl) = self.track(&f.r.uid).ttl.clone() else {
            return;
        };
        let expiry = deadline::add(at, ttl.duration);
        if expiry > now {
            return;
        }
        let entry = Entry {
            target: target(f),
            rule: "ttl".into(),
            reason: Some(ttl.source.clone()),
            deadline: Some(expiry),
            limit: Some(ttl.duration),
            elapsed: Some(deadline::since(now, at)),
            message: format!(
                "finished {} ago, TTL {} ({}) expired",
                goduration::format(round_secs(deadline::since(now, at))),
                goduration::format(ttl.duration),
                ttl.source
            ),
        };
        if self.first_report(&f.r.uid, "ttl".into()) {
            let act = if self.settings.act_on.ttl {
                "delete"
            } else {
                "report"
            };
            plan.decisions.push((entry.clone(), act.into()));
        }
        if self.settings.act_on.ttl
            && !self.track(&f.r.uid).finished_acted
            && self.may_act(&f.r.uid, mono)
        {
            plan.actions.push(Planned {
                entry,
                act: Act::TtlDelete,
                at: now,
            });
        }
    }

    /// Records what came of a planned action.
    pub fn complete(&mut self, p: &Planned, r: &ExecResult, mono: Instant) {
        let now = p.at;
        let t = self.track(&p.entry.target.uid);
        if r.settled {
            t.failures = 0;
            t.retry_after = None;
            match p.act {
                Act::Step(s) => {
                    let at = r.performed_at.filter(|a| *a < now).unwrap_or(now);
                    if t.last_step.is_none_or(|(prev, _)| s > prev) {
                        t.last_step = Some((s, at));
                    }
                }
                Act::TtlDelete | Act::OrphanDelete => t.finished_acted = true,
            }
            return;
        }
        if r.outcome != crate::audit::Outcome::Failed {
            return;
        }
        t.failures += 1;
        if !r.retryable || t.failures >= MAX_ATTEMPTS {
            // Give up on this step; the ladder moves on after its delay.
            t.failures = 0;
            t.retry_after = None;
            match p.act {
                Act::Step(s) => t.last_step = Some((s, now)),
                Act::TtlDelete | Act::OrphanDelete => t.finished_acted = true,
            }
        } else {
            let backoff = Duration::from_secs(2u64.pow(t.failures.min(6)));
            t.retry_after = Some(mono + backoff);
        }
    }
}

fn round_secs(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}

fn target(f: &Facts) -> Target {
    Target {
        kind: f.r.kind,
        namespace: f.r.namespace.clone(),
        name: f.r.name.clone(),
        uid: f.r.uid.clone(),
        resource_version: f.resource_version.clone(),
        grace: f.grace,
        owner: f.owner.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Outcome;
    use crate::knowledge::StaticKnowledge;
    use serde_json::json;

    fn obj(v: serde_json::Value) -> Arc<DynamicObject> {
        Arc::new(serde_json::from_value(v).unwrap())
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn knowledge() -> Arc<dyn Knowledge> {
        Arc::new(
            StaticKnowledge::parse(
                r#"{"caps":[{"kind":"PipelineRun","max":"30m","source":"policy kinds.PipelineRun.max (.cutoff.yaml:7)"}],
                    "default":{"duration":"1h","source":"policy default (.cutoff.yaml:2)"}}"#,
                true,
            )
            .unwrap(),
        )
    }

    fn pr(name: &str, uid: &str, annotations: serde_json::Value) -> Arc<DynamicObject> {
        obj(json!({
            "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
            "metadata": {"name": name, "namespace": "ci", "uid": uid, "resourceVersion": "5",
                "annotations": annotations},
            "spec": {"pipelineRef": {"name": "nightly"}, "timeouts": {"pipeline": "1h0m0s"}},
            "status": {"startTime": "2030-01-01T00:00:00Z",
                "conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running"}]}
        }))
    }

    fn pod_of(name: &str, owner_kind: &str, owner_uid: &str, phase: &str) -> Arc<DynamicObject> {
        obj(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ci", "uid": format!("pod-{name}"), "resourceVersion": "3",
                "creationTimestamp": "2030-01-01T00:00:00Z",
                "ownerReferences": [{"apiVersion": "tekton.dev/v1", "kind": owner_kind, "name": "owner", "uid": owner_uid, "controller": true}]},
            "status": {"phase": phase, "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}
        }))
    }

    #[test]
    fn walks_the_ladder_once_per_step() {
        let settings = Settings {
            stuck_after: Duration::from_secs(36000),
            ..Settings::default()
        };
        let mut e = Engine::new(settings, knowledge());
        let mono = Instant::now();
        let snap = Snapshot {
            objects: vec![(LiveKind::PipelineRun, pr("a", "u-a", json!({})))],
        };
        // Before the deadline: nothing.
        let p = e.evaluate(&snap, ts("2030-01-01T00:09:00Z"), mono);
        assert!(p.actions.is_empty() && p.decisions.is_empty(), "{p:?}");
        // Past the 30m cap: decision + warn.
        let now = ts("2030-01-01T00:30:00Z");
        let p = e.evaluate(&snap, now, mono);
        assert_eq!(p.decisions.len(), 1);
        assert_eq!(
            p.decisions[0].0.message,
            "cut off after 30m0s: policy kinds.PipelineRun.max (.cutoff.yaml:7)"
        );
        assert_eq!(p.actions.len(), 1);
        assert_eq!(p.actions[0].act, Act::Step(Step::Warn));
        e.complete(&p.actions[0], &ExecResult::dry_run(), mono);
        // Same time again (a replayed event): nothing new.
        let p = e.evaluate(&snap, now, mono);
        assert!(p.actions.is_empty() && p.decisions.is_empty(), "{p:?}");
        // A minute later: graceful.
        let now = ts("2030-01-01T00:31:00Z");
        let p = e.evaluate(&snap, now, mono);
        assert_eq!(p.actions[0].act, Act::Step(Step::Graceful));
        e.complete(&p.actions[0], &ExecResult::done(), mono);
        // Grace (30s) later: hard; 5m after that: force.
        let now = ts("2030-01-01T00:31:30Z");
        let p = e.evaluate(&snap, now, mono);
        assert_eq!(p.actions[0].act, Act::Step(Step::Hard));
        e.complete(&p.actions[0], &ExecResult::done(), mono);
        let p = e.evaluate(&snap, ts("2030-01-01T00:36:29Z"), mono);
        assert!(p.actions.is_empty());
        let now = ts("2030-01-01T00:36:30Z");
        let p = e.evaluate(&snap, now, mono);
        assert_eq!(p.actions[0].act, Act::Step(Step::Force));
        e.complete(&p.actions[0], &ExecResult::done(), mono);
        let p = e.evaluate(&snap, ts("2030-01-01T05:00:00Z"), mono);
        assert!(p.actions.is_empty());
    }

    #[test]
    fn annotation_progress_is_honoured_and_failures_retry_then_move_on() {
        let mut e = Engine::new(Settings::default(), knowledge());
        let mono = Instant::now();
        let snap = Snapshot {
            objects: vec![(
                LiveKind::PipelineRun,
                pr(
                    "a",
                    "u-a",
                    json!({"cutoff.dev/escalation": "graceful@2030-01-01T00:31:00Z"}),
                ),
            )],
        };
        let now = ts("2030-01-01T00:31:10Z");
        let p = e.evaluate(&snap, now, mono);
        assert!(p.actions.is_empty(), "hard is due 30s after graceful");
        let now = ts("2030-01-01T00:31:30Z");
        let p = e.evaluate(&snap, now, mono);
        assert_eq!(p.actions[0].act, Act::Step(Step::Hard));
        e.complete(&p.actions[0], &ExecResult::failed("boom", true), mono);
        // Backing off: not planned again right away.
        assert!(e.evaluate(&snap, now, mono).actions.is_empty());
        let later = mono + Duration::from_secs(3);
        let p = e.evaluate(&snap, now, later);
        assert_eq!(p.actions[0].act, Act::Step(Step::Hard));
        e.complete(&p.actions[0], &ExecResult::failed("boom", false), later);
        // A permanent failure gives up on the step: next is force, 5m later.
        assert!(e.evaluate(&snap, now, later).actions.is_empty());
        let p = e.evaluate(&snap, ts("2030-01-01T00:36:30Z"), later);
        assert_eq!(p.actions[0].act, Act::Step(Step::Force));
    }

    #[test]
    fn not_leader_does_not_advance() {
        let mut e = Engine::new(Settings::default(), knowledge());
        let mono = Instant::now();
        let snap = Snapshot {
            objects: vec![(LiveKind::PipelineRun, pr("a", "u-a", json!({})))],
        };
        let now = ts("2030-01-01T00:30:00Z");
        let p = e.evaluate(&snap, now, mono);
        assert!(e.first_skip_report("u-a", p.actions[0].act));
        e.complete(&p.actions[0], &ExecResult::not_now("not the leader"), mono);
        let p = e.evaluate(&snap, now, mono);
        assert_eq!(p.actions[0].act, Act::Step(Step::Warn));
        assert!(!e.first_skip_report("u-a", p.actions[0].act));
    }

    #[test]
    fn orphans_stuck_and_ttl() {
        let settings = Settings {
            act_on: "all".parse().unwrap(),
            ..Settings::default()
        };
        let mut e = Engine::new(settings, knowledge());
        let mono = Instant::now();
        let job = obj(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "namespace": "ci", "uid": "job-1", "resourceVersion": "9",
                "annotations": {"example.com/ttl-seconds-after-finished": "60"}},
            "spec": {"template": {"spec": {}}},
            "status": {"startTime": "2030-01-01T00:00:00Z", "completionTime": "2030-01-01T00:10:00Z",
                "conditions": [{"type": "Complete", "status": "True"}]}
        }));
        let tr = obj(json!({
            "apiVersion": "tekton.dev/v1", "kind": "TaskRun",
            "metadata": {"name": "t", "namespace": "ci", "uid": "tr-1", "resourceVersion": "4"},
            "spec": {"timeout": "2h"},
            "status": {"startTime": "2030-01-01T00:00:00Z", "podName": "t-pod",
                "conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Pending"}]}
        }));
        let snap = Snapshot {
            objects: vec![
                (LiveKind::Job, job),
                (LiveKind::TaskRun, tr),
                (LiveKind::Pod, pod_of("t-pod", "TaskRun", "tr-1", "Pending")),
                (LiveKind::Pod, pod_of("lost", "Job", "gone-uid", "Running")),
            ],
        };
        let now = ts("2030-01-01T00:20:00Z");
        let p = e.evaluate(&snap, now, mono);
        let rules: Vec<&str> = p.decisions.iter().map(|(d, _)| d.rule.as_str()).collect();
        assert!(rules.contains(&"orphan"), "{rules:?}");
        assert!(rules.contains(&"stuck"), "{rules:?}");
        assert!(rules.contains(&"ttl"), "{rules:?}");
        let acts: Vec<(Act, &str)> = p
            .actions
            .iter()
            .map(|a| (a.act, a.entry.target.name.as_str()))
            .collect();
        assert!(acts.contains(&(Act::OrphanDelete, "lost")), "{acts:?}");
        assert!(acts.contains(&(Act::TtlDelete, "j")), "{acts:?}");
        // The stuck pod makes its TaskRun escalate (act-on stuck), starting with warn.
        assert!(acts.contains(&(Act::Step(Step::Warn), "t")), "{acts:?}");
        for a in &p.actions {
            e.complete(a, &ExecResult::done(), mono);
        }
        let p = e.evaluate(&snap, now, mono);
        assert!(p.actions.is_empty(), "{:?}", p.actions);
        assert!(p.decisions.is_empty());
        assert_eq!(Outcome::Done.as_str(), "done");
    }

    #[test]
    fn act_on_parsing() {
        assert!(!"none".parse::<ActOn>().unwrap().deadlines);
        assert!("ttl,orphans".parse::<ActOn>().unwrap().orphans);
        assert!("bogus".parse::<ActOn>().is_err());
    }
}
