//! Facts read from live objects: start time, state, own timeout, grace period, owners.
//!
//! Every reader tolerates missing and mistyped fields: a live object that does not look as
//! expected yields fewer facts (and a `problems` entry), never a panic.

use crate::goduration;
use crate::knowledge::{Limit, LiveKind, LiveRef};
use crate::ladder::Step;
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;
use std::time::Duration;

/// The annotation watch writes when it carries out a step, so that progress survives a
/// restart and a leader change: `graceful@2030-01-01T02:01:10Z`.
pub const ESCALATION_ANNOTATION: &str = "cutoff.dev/escalation";

/// The default termination grace period of a pod.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

/// Where an object is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not started yet (pending, or a Job suspended by someone else).
    NotStarted,
    /// Running.
    Running,
    /// Finished, at the given time if known.
    Finished(Option<Timestamp>),
}

/// The controlling owner of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Owner kind.
    pub kind: String,
    /// Owner name.
    pub name: String,
    /// Owner uid.
    pub uid: String,
}

/// A pod's state, for orphan and stuck detection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodState {
    /// `status.phase`
    pub phase: String,
    /// The first container waiting reason among init and app containers, e.g. `ImagePullBackOff`.
    pub waiting: Option<String>,
}

/// Everything watch reads from one live object.
#[derive(Clone, Debug)]
pub struct Facts {
    /// Identity and matching keys.
    pub r: LiveRef,
    /// `metadata.resourceVersion`
    pub resource_version: String,
    /// `metadata.creationTimestamp`
    pub created: Option<Timestamp>,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// `status.startTime`
    pub start: Option<Timestamp>,
    /// Life phase.
    pub phase: Phase,
    /// The object's own timeout, when bounded.
    pub own_timeout: Option<Limit>,
    /// The grace period pods get.
    pub grace: Duration,
    /// PipelineRun/TaskRun `spec.status`.
    pub spec_status: Option<String>,
    /// Job `spec.suspend`.
    pub suspended: bool,
    /// The last step watch carried out on it, from [`ESCALATION_ANNOTATION`].
    pub escalation: Option<(Step, Timestamp)>,
    /// The controlling owner (`ownerReferences` with `controller: true`, else the first).
    pub owner: Option<Owner>,
    /// TaskRun `status.podName`.
    pub pod_name: Option<String>,
    /// Pod state (pods only).
    pub pod: Option<PodState>,
    /// Fields that could not be read.
    pub problems: Vec<String>,
}

/// Reads `metadata` of a whole object.
pub fn meta_of(obj: &Value) -> Option<ObjectMeta> {
    serde_json::from_value(obj.get("metadata")?.clone()).ok()
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

fn time_at(v: &Value, ptr: &str, problems: &mut Vec<String>) -> Option<Timestamp> {
    let s = str_at(v, ptr)?;
    match s.parse::<Timestamp>() {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push(format!("{} is not a time ({s:?}): {e}", dotted(ptr)));
            None
        }
    }
}

fn dotted(ptr: &str) -> String {
    ptr.trim_start_matches('/').replace('/', ".")
}

/// Builds the [`LiveRef`] of an object.
pub fn live_ref(kind: LiveKind, meta: &ObjectMeta, body: &Value) -> LiveRef {
    let owner_of = |k: &str| {
        meta.owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|r| r.kind == k))
            .map(|r| r.name.clone())
    };
    LiveRef {
        kind,
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        generate_name: meta.generate_name.clone(),
        pipeline_ref: str_at(body, "/spec/pipelineRef/name").map(str::to_string),
        task_ref: str_at(body, "/spec/taskRef/name").map(str::to_string),
        owner_cronjob: owner_of("CronJob"),
        owner_pipelinerun: owner_of("PipelineRun"),
        labels: meta.labels.clone().unwrap_or_default(),
        annotations: meta.annotations.clone().unwrap_or_default(),
    }
}

/// Parses the value of [`ESCALATION_ANNOTATION`].
pub fn parse_escalation(v: &str) -> Option<(Step, Timestamp)> {
    let (step, at) = v.split_once('@')?;
    Some((step.trim().parse().ok()?, at.trim().parse().ok()?))
}

/// Formats the value of [`ESCALATION_ANNOTATION`].
pub fn format_escalation(step: Step, at: Timestamp) -> String {
    format!("{step}@{at}")
}

fn condition<'a>(body: &'a Value, ty: &str) -> Option<&'a Value> {
    body.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(ty))
}

fn condition_true(body: &Value, ty: &str) -> bool {
    condition(body, ty)
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some("True")
}

fn tekton_timeout(body: &Value, ptr: &str, problems: &mut Vec<String>) -> Option<Limit> {
    let s = str_at(body, ptr)?;
    match goduration::parse_nanos(s) {
        Ok(n) if n > 0 => Some(Limit::new(
            Duration::from_nanos(n as u64),
            format!("live {}", dotted(ptr)),
        )),
        // 0 means "no timeout" in Tekton; a negative one is rejected by Tekton's webhook.
        Ok(_) => None,
        Err(e) => {
            problems.push(format!("{}: {e}", dotted(ptr)));
            None
        }
    }
}

/// Reads the facts of a live object. `body` holds at least `spec` and `status` (a whole
/// object, or a `DynamicObject`'s data).
pub fn facts(kind: LiveKind, meta: &ObjectMeta, body: &Value) -> Facts {
    let mut problems = Vec::new();
    let r = live_ref(kind, meta, body);
    let created = meta.creation_timestamp.as_ref().map(|t| t.0);
    let escalation = r
        .annotations
        .get(ESCALATION_ANNOTATION)
        .and_then(|v| parse_escalation(v));
    let owner = meta.owner_references.as_ref().and_then(|refs| {
        refs.iter()
            .find(|o| o.controller == Some(true))
            .or(refs.first())
            .map(|o| Owner {
                kind: o.kind.clone(),
                name: o.name.clone(),
                uid: o.uid.clone(),
            })
    });
    let mut start = time_at(body, "/status/startTime", &mut problems);
    let spec_status = str_at(body, "/spec/status").map(str::to_string);
    let suspended = body.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
    let mut pod = None;
    let mut pod_name = None;
    let (phase, own_timeout, grace) = match kind {
        LiveKind::PipelineRun | LiveKind::TaskRun => {
            let done = condition(body, "Succeeded")
                .and_then(|c| c.get("status"))
                .and_then(Value::as_str)
                .is_some_and(|s| s == "True" || s == "False");
            let phase = if done {
                Phase::Finished(
                    time_at(body, "/status/completionTime", &mut problems).or_else(|| {
                        condition(body, "Succeeded")
                            .and_then(|c| c.get("lastTransitionTime"))
                            .and_then(Value::as_str)
                            .and_then(|s| s.parse().ok())
                    }),
                )
            } else if start.is_some() && spec_status.as_deref() != Some("PipelineRunPending") {
                Phase::Running
            } else {
                Phase::NotStarted
            };
            let own = if kind == LiveKind::PipelineRun {
                tekton_timeout(body, "/spec/timeouts/pipeline", &mut problems)
            } else {
                pod_name = str_at(body, "/status/podName")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string);
                tekton_timeout(body, "/spec/timeout", &mut problems)
            };
            (phase, own, DEFAULT_GRACE)
        }
        LiveKind::Job => {
            let finished = ["Complete", "Failed", "FailureTarget", "SuccessCriteriaMet"]
                .iter()
                .find(|t| condition_true(body, t));
            let phase = if let Some(t) = finished {
                Phase::Finished(
                    time_at(body, "/status/completionTime", &mut problems).or_else(|| {
                        condition(body, t)
                            .and_then(|c| c.get("lastTransitionTime"))
                            .and_then(Value::as_str)
                            .and_then(|s| s.parse().ok())
                    }),
                )
            } else if suspended && escalation.is_none() {
                // Suspended by someone else: paused, not running.
                Phase::NotStarted
            } else if start.is_some() {
                Phase::Running
            } else {
                Phase::NotStarted
            };
            let own = match body.pointer("/spec/activeDeadlineSeconds") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_u64() {
                    Some(n) if n > 0 => Some(Limit::new(
                        Duration::from_secs(n),
                        "live spec.activeDeadlineSeconds",
                    )),
                    _ => {
                        problems.push(format!(
                            "spec.activeDeadlineSeconds is not a positive integer: {v}"
                        ));
                        None
                    }
                },
            };
            let grace = body
                .pointer("/spec/template/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_u64)
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_GRACE);
            (phase, own, grace)
        }
        LiveKind::Pod => {
            let p = str_at(body, "/status/phase")
                .unwrap_or("Pending")
                .to_string();
            let phase = match p.as_str() {
                "Succeeded" | "Failed" => Phase::Finished(None),
                _ => Phase::Running,
            };
            if start.is_none() {
                start = created;
            }
            let waiting = ["/status/initContainerStatuses", "/status/containerStatuses"]
                .iter()
                .filter_map(|ptr| body.pointer(ptr).and_then(Value::as_array))
                .flatten()
                .find_map(|cs| str_at(cs, "/state/waiting/reason").map(str::to_string));
            pod = Some(PodState { phase: p, waiting });
            let grace = body
                .pointer("/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_u64)
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_GRACE);
            (phase, None, grace)
        }
    };
    Facts {
        r,
        resource_version: meta.resource_version.clone().unwrap_or_default(),
        created,
        deleting: meta.deletion_timestamp.is_some(),
        start,
        phase,
        own_timeout,
        grace,
        spec_status,
        suspended,
        escalation,
        owner,
        pod_name,
        pod,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(kind: LiveKind, obj: Value) -> Facts {
        let meta = meta_of(&obj).unwrap();
        facts(kind, &meta, &obj)
    }

    #[test]
    fn running_pipelinerun() {
        let pr = json!({
            "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
            "metadata": {"name": "nightly-abc", "generateName": "nightly-", "namespace": "ci", "uid": "u1",
                "resourceVersion": "7", "labels": {"tekton.dev/pipeline": "nightly"},
                "annotations": {"cutoff.dev/escalation": "warn@2030-01-01T01:00:00Z"}},
            "spec": {"pipelineRef": {"name": "nightly"}, "timeouts": {"pipeline": "1h30m"}},
            "status": {"startTime": "2030-01-01T00:00:00Z",
                "conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running"}]}
        });
        let x = f(LiveKind::PipelineRun, pr);
        assert_eq!(x.phase, Phase::Running);
        assert_eq!(x.r.pipeline_ref.as_deref(), Some("nightly"));
        assert_eq!(x.own_timeout.unwrap().duration, Duration::from_secs(5400));
        assert_eq!(x.escalation.unwrap().0, Step::Warn);
        assert_eq!(x.resource_version, "7");
    }

    #[test]
    fn zero_timeout_is_unbounded_and_garbage_is_a_problem() {
        let pr = json!({"metadata": {"name": "a"}, "spec": {"timeouts": {"pipeline": "0s"}},
            "status": {"startTime": "2030-01-01T00:00:00Z"}});
        let x = f(LiveKind::PipelineRun, pr);
        assert!(x.own_timeout.is_none());
        assert!(x.problems.is_empty());
        let tr = json!({"metadata": {"name": "a"}, "spec": {"timeout": "ten minutes"},
            "status": {"startTime": "yesterday", "podName": "a-pod"}});
        let x = f(LiveKind::TaskRun, tr);
        assert!(x.own_timeout.is_none());
        assert_eq!(x.problems.len(), 2, "{:?}", x.problems);
        assert_eq!(x.phase, Phase::NotStarted);
        assert_eq!(x.pod_name.as_deref(), Some("a-pod"));
    }

    #[test]
    fn jobs() {
        let job = json!({"metadata": {"name": "j", "ownerReferences": [
                {"apiVersion": "batch/v1", "kind": "CronJob", "name": "backup", "uid": "c", "controller": true}]},
            "spec": {"activeDeadlineSeconds": 600, "template": {"spec": {"terminationGracePeriodSeconds": 5}}},
            "status": {"startTime": "2030-01-01T00:00:00Z", "active": 1}});
        let x = f(LiveKind::Job, job.clone());
        assert_eq!(x.phase, Phase::Running);
        assert_eq!(x.grace, Duration::from_secs(5));
        assert_eq!(x.r.owner_cronjob.as_deref(), Some("backup"));
        assert_eq!(x.owner.unwrap().kind, "CronJob");
        let mut done = job.clone();
        done["status"]["conditions"] = json!([{"type": "Complete", "status": "True",
            "lastTransitionTime": "2030-01-01T00:05:00Z"}]);
        let x = f(LiveKind::Job, done);
        assert_eq!(
            x.phase,
            Phase::Finished(Some("2030-01-01T00:05:00Z".parse().unwrap()))
        );
        let mut paused = job.clone();
        paused["spec"]["suspend"] = json!(true);
        assert_eq!(f(LiveKind::Job, paused.clone()).phase, Phase::NotStarted);
        paused["metadata"]["annotations"] =
            json!({ESCALATION_ANNOTATION: "graceful@2030-01-01T00:11:00Z"});
        assert_eq!(f(LiveKind::Job, paused).phase, Phase::Running);
        let mut bad = job;
        bad["spec"]["activeDeadlineSeconds"] = json!("600");
        assert_eq!(f(LiveKind::Job, bad).problems.len(), 1);
    }

    #[test]
    fn pods() {
        let pod = json!({"metadata": {"name": "p", "creationTimestamp": "2030-01-01T00:00:00Z"},
            "status": {"phase": "Pending", "containerStatuses": [
                {"name": "c", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}});
        let x = f(LiveKind::Pod, pod);
        assert_eq!(x.pod.unwrap().waiting.as_deref(), Some("ImagePullBackOff"));
        assert_eq!(x.start, x.created);
    }

    #[test]
    fn escalation_annotation_round_trip() {
        let t: Timestamp = "2030-01-01T02:01:10Z".parse().unwrap();
        let s = format_escalation(Step::Graceful, t);
        assert_eq!(s, "graceful@2030-01-01T02:01:10Z");
        assert_eq!(parse_escalation(&s), Some((Step::Graceful, t)));
        assert_eq!(parse_escalation("nonsense"), None);
        assert_eq!(parse_escalation("explode@2030-01-01T02:01:10Z"), None);
    }
}
