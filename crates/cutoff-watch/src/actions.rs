//! Carrying out planned actions against the API server, idempotently.
//!
//! Every action first reads the object's current state: if it is gone, replaced by a new
//! object with the same name (different uid), finished, or already in the state the step
//! would bring it to, the action is skipped and counts as carried out. Patches are JSON
//! merge patches (RFC 7386) carrying the observed `metadata.resourceVersion`, so the API
//! server refuses them with `409 Conflict` if the object changed in between (then watch
//! reads again, up to three times). Deletes carry a `uid` precondition. The warn Event has a
//! name derived from the object's uid and the step, so creating it twice gives
//! `409 AlreadyExists` instead of a second Event.

use crate::clock::Clock;
use crate::engine::{Act, ExecResult, Planned, Target};
use crate::knowledge::LiveKind;
use crate::ladder::Step;
use crate::live::{self, Phase, ESCALATION_ANNOTATION};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams, Preconditions, PropagationPolicy,
};
use kube::Client;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The field manager watch's patches are recorded under.
pub const FIELD_MANAGER: &str = "cutoff-watch";

/// Each API call gives up after this long.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The API resource of a kind, without a discovery round trip.
pub fn api_resource(kind: LiveKind) -> ApiResource {
    match kind {
        LiveKind::PipelineRun => ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("tekton.dev", "v1", "PipelineRun"),
            "pipelineruns",
        ),
        LiveKind::TaskRun => ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("tekton.dev", "v1", "TaskRun"),
            "taskruns",
        ),
        LiveKind::Job => ApiResource::erase::<k8s_openapi::api::batch::v1::Job>(&()),
        LiveKind::Pod => ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()),
    }
}

/// Carries out actions.
pub struct Executor {
    client: Client,
    clock: Arc<dyn Clock>,
    identity: String,
}

fn code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() {
                String::new()
            } else {
                format!(" {}", s.reason)
            };
            format!("API server answered {}{}: {}", s.code, reason, s.message)
        }
        other => other.to_string(),
    }
}

/// Worth retrying: server errors, throttling, conflicts, and anything that is not an API
/// answer (connection trouble, timeouts).
fn retryable(e: &kube::Error) -> bool {
    match code(e) {
        Some(c) => c >= 500 || c == 429 || c == 409,
        None => true,
    }
}

enum Call<T> {
    Ok(T),
    Err(kube::Error),
    Timeout,
}

async fn call<T>(fut: impl std::future::Future<Output = Result<T, kube::Error>>) -> Call<T> {
    match tokio::time::timeout(CALL_TIMEOUT, fut).await {
        Ok(Ok(v)) => Call::Ok(v),
        Ok(Err(e)) => Call::Err(e),
        Err(_) => Call::Timeout,
    }
}

fn timeout_failure(what: &str) -> ExecResult {
    ExecResult::failed(
        format!("{what}: no answer within {}s", CALL_TIMEOUT.as_secs()),
        true,
    )
}

fn fail(what: &str, e: &kube::Error) -> ExecResult {
    ExecResult::failed(format!("{what}: {}", describe(e)), retryable(e))
}

/// Shortens `name` so `name` + `suffix` is a valid object name (253 characters).
fn event_name(obj: &str, step: &str, uid: &str) -> String {
    let uid8: String = uid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let suffix = format!(".cutoff-{step}-{uid8}");
    let keep = 253usize.saturating_sub(suffix.len());
    let mut base: String = obj.chars().take(keep).collect();
    while base.ends_with(['.', '-']) {
        base.pop();
    }
    format!("{base}{suffix}")
}

impl Executor {
    /// An executor writing as `identity`.
    pub fn new(client: Client, clock: Arc<dyn Clock>, identity: String) -> Self {
        Executor {
            client,
            clock,
            identity,
        }
    }

    fn api(&self, kind: LiveKind, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), ns, &api_resource(kind))
    }

    /// Carries out one planned action.
    pub async fn execute(&self, p: &Planned) -> ExecResult {
        let t = &p.entry.target;
        match p.act {
            Act::Step(Step::Warn) => self.warn(t, &p.entry.message, p.at).await,
            Act::Step(step) => self.escalate(t, step, &p.entry.message, p.at).await,
            Act::TtlDelete => self.delete_finished(t).await,
            Act::OrphanDelete => self.delete_orphan(t).await,
        }
    }

    fn event(&self, t: &Target, step: &str, reason: &str, message: &str, at: Timestamp) -> Event {
        let now = Time(at);
        Event {
            metadata: ObjectMeta {
                name: Some(event_name(&t.name, step, &t.uid)),
                namespace: Some(t.namespace.clone()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference {
                api_version: Some(t.kind.api_version().to_string()),
                kind: Some(t.kind.as_str().to_string()),
                name: Some(t.name.clone()),
                namespace: Some(t.namespace.clone()),
                uid: Some(t.uid.clone()),
                resource_version: Some(t.resource_version.clone()),
                ..ObjectReference::default()
            },
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            type_: Some("Warning".to_string()),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            count: Some(1),
            source: Some(EventSource {
                component: Some(FIELD_MANAGER.to_string()),
                host: None,
            }),
            reporting_component: Some("cutoff.dev/watch".to_string()),
            reporting_instance: Some(self.identity.clone()),
            action: Some(step.to_string()),
            ..Event::default()
        }
    }

    /// Warn: an Event on the object. A second warn finds the first Event (409) and reports
    /// when it was made.
    async fn warn(&self, t: &Target, message: &str, at: Timestamp) -> ExecResult {
        let events: Api<Event> = Api::namespaced(self.client.clone(), &t.namespace);
        let ev = self.event(t, "warn", "CutoffDeadlineExceeded", message, at);
        match call(events.create(&PostParams::default(), &ev)).await {
            Call::Ok(_) => ExecResult::done(),
            Call::Err(e) if code(&e) == Some(409) => {
                let name = ev.metadata.name.clone().unwrap_or_default();
                let at = match call(events.get_opt(&name)).await {
                    Call::Ok(Some(old)) => old
                        .last_timestamp
                        .or(old.first_timestamp)
                        .map(|t| t.0)
                        .or_else(|| old.event_time.map(|t| t.0)),
                    _ => None,
                };
                ExecResult::already("already warned (the Event exists)", at)
            }
            Call::Err(e) => fail("creating the warning Event", &e),
            Call::Timeout => timeout_failure("creating the warning Event"),
        }
    }

    /// Best effort: an Event telling what was done. Its failure does not fail the action.
    async fn tell(&self, t: &Target, step: &str, reason: &str, message: &str) {
        let events: Api<Event> = Api::namespaced(self.client.clone(), &t.namespace);
        let ev = self.event(t, step, reason, message, self.clock.now());
        let _ = call(events.create(&PostParams::default(), &ev)).await;
    }

    /// Reads the object; `Err` is the result to return right away (gone, replaced, done).
    async fn current(&self, t: &Target, step: Option<Step>) -> Result<DynamicObject, ExecResult> {
        let api = self.api(t.kind, &t.namespace);
        let obj = match call(api.get_opt(&t.name)).await {
            Call::Ok(Some(o)) => o,
            Call::Ok(None) => return Err(ExecResult::already("already deleted", None)),
            Call::Err(e) => return Err(fail("reading the object", &e)),
            Call::Timeout => return Err(timeout_failure("reading the object")),
        };
        if obj.metadata.uid.as_deref() != Some(t.uid.as_str()) {
            return Err(ExecResult::already(
                "replaced by a new object with the same name",
                None,
            ));
        }
        if obj.metadata.deletion_timestamp.is_some() {
            return Err(ExecResult::already("already being deleted", None));
        }
        let f = live::facts(t.kind, &obj.metadata, &obj.data);
        if let Some(step) = step {
            if matches!(f.phase, Phase::Finished(_)) {
                return Err(ExecResult::already("already finished", None));
            }
            if let Some((done, at)) = f.escalation {
                if done >= step {
                    return Err(ExecResult::already(
                        format!("step {done} already carried out at {at}"),
                        Some(at),
                    ));
                }
            }
        }
        Ok(obj)
    }

    /// graceful, hard, force.
    async fn escalate(&self, t: &Target, step: Step, message: &str, at: Timestamp) -> ExecResult {
        if step == Step::Force {
            return self.force(t, message).await;
        }
        let mut last_conflict = String::new();
        for _ in 0..3 {
            let obj = match self.current(t, Some(step)).await {
                Ok(o) => o,
                Err(r) => return r,
            };
            let f = live::facts(t.kind, &obj.metadata, &obj.data);
            let status = f.spec_status.as_deref();
            let spec: serde_json::Value = match (t.kind, step) {
                (LiveKind::PipelineRun, Step::Graceful) => {
                    if let Some(s @ ("CancelledRunFinally" | "StoppedRunFinally" | "Cancelled")) =
                        status
                    {
                        return ExecResult::already(
                            format!("already cancelled (spec.status {s})"),
                            None,
                        );
                    }
                    json!({"status": "CancelledRunFinally"})
                }
                (LiveKind::PipelineRun, Step::Hard) => {
                    if status == Some("Cancelled") {
                        return ExecResult::already(
                            "already cancelled (spec.status Cancelled)",
                            None,
                        );
                    }
                    json!({"status": "Cancelled"})
                }
                (LiveKind::TaskRun, Step::Graceful) => {
                    if status == Some("TaskRunCancelled") {
                        return ExecResult::already(
                            "already cancelled (spec.status TaskRunCancelled)",
                            None,
                        );
                    }
                    json!({"status": "TaskRunCancelled"})
                }
                (LiveKind::Job, Step::Graceful) => {
                    if f.suspended {
                        return ExecResult::already("already suspended", None);
                    }
                    json!({"suspend": true})
                }
                (LiveKind::Job | LiveKind::TaskRun, Step::Hard) => {
                    if let Err(r) = self.kill_pods(t).await {
                        return r;
                    }
                    serde_json::Value::Null
                }
                (LiveKind::Pod, _) | (_, Step::Warn) | (_, Step::Force) => {
                    return ExecResult::already("nothing to do for this kind", None)
                }
            };
            let mut patch = json!({
                "metadata": {
                    "resourceVersion": obj.metadata.resource_version.clone().unwrap_or_default(),
                    "annotations": {ESCALATION_ANNOTATION: live::format_escalation(step, at)}
                }
            });
            if !spec.is_null() {
                patch["spec"] = spec;
            }
            let api = self.api(t.kind, &t.namespace);
            let pp = PatchParams {
                field_manager: Some(FIELD_MANAGER.to_string()),
                ..PatchParams::default()
            };
            match call(api.patch(&t.name, &pp, &Patch::Merge(&patch))).await {
                Call::Ok(_) => {
                    let (reason, what) = match step {
                        Step::Graceful => ("CutoffCancelling", "cancelling gracefully"),
                        _ => ("CutoffKilling", "killing"),
                    };
                    self.tell(t, step.as_str(), reason, &format!("{what}: {message}"))
                        .await;
                    return ExecResult::done();
                }
                Call::Err(e) if code(&e) == Some(409) => {
                    last_conflict = describe(&e);
                    continue;
                }
                Call::Err(e) if code(&e) == Some(404) => {
                    return ExecResult::already("already deleted", None)
                }
                Call::Err(e) => return fail("patching the object", &e),
                Call::Timeout => return timeout_failure("patching the object"),
            }
        }
        ExecResult::failed(
            format!("the object kept changing under us (3 conflicts): {last_conflict}"),
            true,
        )
    }

    /// Deletes the pods of a Job or TaskRun with grace period 0. Returns how many.
    async fn kill_pods(&self, t: &Target) -> Result<usize, ExecResult> {
        let pods = self.api(LiveKind::Pod, &t.namespace);
        let selector = match t.kind {
            LiveKind::Job => format!("batch.kubernetes.io/controller-uid={}", t.uid),
            _ => format!("tekton.dev/taskRun={}", t.name),
        };
        let list = match call(pods.list(&ListParams::default().labels(&selector))).await {
            Call::Ok(l) => l,
            Call::Err(e) => return Err(fail("listing the pods", &e)),
            Call::Timeout => return Err(timeout_failure("listing the pods")),
        };
        let mut killed = 0;
        for pod in list.items {
            let owned = pod
                .metadata
                .owner_references
                .as_ref()
                .is_some_and(|o| o.iter().any(|r| r.uid == t.uid));
            let Some(name) = pod.metadata.name.clone() else {
                continue;
            };
            if !owned
                || (pod.metadata.deletion_timestamp.is_some()
                    && pod.metadata.deletion_grace_period_seconds == Some(0))
            {
                continue;
            }
            let dp = DeleteParams {
                grace_period_seconds: Some(0),
                preconditions: Some(Preconditions {
                    uid: pod.metadata.uid.clone(),
                    resource_version: None,
                }),
                ..DeleteParams::default()
            };
            match call(pods.delete(&name, &dp)).await {
                Call::Ok(_) => killed += 1,
                Call::Err(e) if matches!(code(&e), Some(404 | 409)) => {}
                Call::Err(e) => return Err(fail(&format!("deleting pod {name}"), &e)),
                Call::Timeout => return Err(timeout_failure(&format!("deleting pod {name}"))),
            }
        }
        Ok(killed)
    }

    fn delete_params(uid: &str) -> DeleteParams {
        DeleteParams {
            propagation_policy: Some(PropagationPolicy::Background),
            preconditions: Some(Preconditions {
                uid: Some(uid.to_string()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        }
    }

    async fn delete(&self, t: &Target, dp: &DeleteParams) -> ExecResult {
        let api = self.api(t.kind, &t.namespace);
        match call(api.delete(&t.name, dp)).await {
            Call::Ok(_) => ExecResult::done(),
            Call::Err(e) if code(&e) == Some(404) => ExecResult::already("already deleted", None),
            Call::Err(e) if code(&e) == Some(409) => {
                ExecResult::already("replaced by a new object with the same name", None)
            }
            Call::Err(e) => fail("deleting the object", &e),
            Call::Timeout => timeout_failure("deleting the object"),
        }
    }

    /// force: delete the object with background propagation.
    async fn force(&self, t: &Target, message: &str) -> ExecResult {
        if let Err(r) = self.current(t, Some(Step::Force)).await {
            return r;
        }
        let r = self.delete(t, &Self::delete_params(&t.uid)).await;
        if r.outcome == crate::audit::Outcome::Done {
            self.tell(t, "force", "CutoffDeleted", &format!("deleted: {message}"))
                .await;
        }
        r
    }

    /// TTL: delete a finished object.
    async fn delete_finished(&self, t: &Target) -> ExecResult {
        let obj = match self.current(t, None).await {
            Ok(o) => o,
            Err(r) => return r,
        };
        let f = live::facts(t.kind, &obj.metadata, &obj.data);
        if !matches!(f.phase, Phase::Finished(_)) {
            return ExecResult::already("no longer finished", None);
        }
        self.delete(t, &Self::delete_params(&t.uid)).await
    }

    /// Orphan: delete a pod whose owner is gone (checking that it really is gone).
    async fn delete_orphan(&self, t: &Target) -> ExecResult {
        if let Some(owner) = &t.owner {
            let kind = match owner.kind.as_str() {
                "Job" => Some(LiveKind::Job),
                "TaskRun" => Some(LiveKind::TaskRun),
                _ => None,
            };
            if let Some(kind) = kind {
                match call(self.api(kind, &t.namespace).get_opt(&owner.name)).await {
                    Call::Ok(Some(o)) if o.metadata.uid.as_deref() == Some(owner.uid.as_str()) => {
                        return ExecResult::already("its owner exists after all", None)
                    }
                    Call::Ok(_) => {}
                    Call::Err(e) => return fail("reading the owner", &e),
                    Call::Timeout => return timeout_failure("reading the owner"),
                }
            }
        }
        if let Err(r) = self.current(t, None).await {
            return r;
        }
        let dp = DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some(t.uid.clone()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        self.delete(t, &dp).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_stable_and_valid() {
        assert_eq!(
            event_name("nightly-abc", "warn", "4f1c-9a2b-77aa"),
            "nightly-abc.cutoff-warn-4f1c9a2b"
        );
        let long = "a".repeat(300);
        let n = event_name(&long, "graceful", "u");
        assert!(n.len() <= 253);
        assert!(n.ends_with(".cutoff-graceful-u"));
    }

    #[test]
    fn resources() {
        let pr = api_resource(LiveKind::PipelineRun);
        assert_eq!(pr.api_version, "tekton.dev/v1");
        assert_eq!(pr.plural, "pipelineruns");
        let job = api_resource(LiveKind::Job);
        assert_eq!(job.api_version, "batch/v1");
        assert_eq!(job.plural, "jobs");
        assert_eq!(api_resource(LiveKind::Pod).plural, "pods");
    }
}
