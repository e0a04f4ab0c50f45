//! What the repository says about live objects: the [`Knowledge`] trait and a file-backed
//! implementation for tests ([`StaticKnowledge`]).
//!
//! `cutoff watch` implements [`Knowledge`] over cutoff's linted and validated model of the
//! repository; this crate never parses manifests itself.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The kinds of live objects watch looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LiveKind {
    /// `tekton.dev/v1` PipelineRun
    PipelineRun,
    /// `tekton.dev/v1` TaskRun
    TaskRun,
    /// `batch/v1` Job
    Job,
    /// `v1` Pod (owned by a Job or a TaskRun)
    Pod,
}

impl LiveKind {
    /// All kinds, in a fixed order.
    pub const ALL: [LiveKind; 4] = [
        LiveKind::PipelineRun,
        LiveKind::TaskRun,
        LiveKind::Job,
        LiveKind::Pod,
    ];
    /// The kind as Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LiveKind::PipelineRun => "PipelineRun",
            LiveKind::TaskRun => "TaskRun",
            LiveKind::Job => "Job",
            LiveKind::Pod => "Pod",
        }
    }
    /// `apiVersion` of the kind.
    pub fn api_version(self) -> &'static str {
        match self {
            LiveKind::PipelineRun | LiveKind::TaskRun => "tekton.dev/v1",
            LiveKind::Job => "batch/v1",
            LiveKind::Pod => "v1",
        }
    }
    /// The lower-case plural resource name.
    pub fn plural(self) -> &'static str {
        match self {
            LiveKind::PipelineRun => "pipelineruns",
            LiveKind::TaskRun => "taskruns",
            LiveKind::Job => "jobs",
            LiveKind::Pod => "pods",
        }
    }
}

impl std::fmt::Display for LiveKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The identity of a live object and what it can be matched to the repository by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRef {
    /// Its kind.
    pub kind: LiveKind,
    /// `metadata.namespace`
    pub namespace: String,
    /// `metadata.name`
    pub name: String,
    /// `metadata.uid`
    pub uid: String,
    /// `metadata.generateName`, if the object was created with one (e.g. `nightly-`).
    pub generate_name: Option<String>,
    /// PipelineRun `spec.pipelineRef.name` (absent for resolver refs and embedded specs).
    pub pipeline_ref: Option<String>,
    /// TaskRun `spec.taskRef.name`.
    pub task_ref: Option<String>,
    /// The CronJob owning a Job (`ownerReferences[kind=CronJob].name`).
    pub owner_cronjob: Option<String>,
    /// The PipelineRun owning a TaskRun.
    pub owner_pipelinerun: Option<String>,
    /// `metadata.labels` (e.g. `tekton.dev/pipeline`, set by Tekton from the resolved Pipeline).
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`
    pub annotations: BTreeMap<String, String>,
}

/// One limit with the human-readable place it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// The limit.
    #[serde(with = "go_duration_serde")]
    pub duration: Duration,
    /// Where it comes from, e.g. `policy kinds.Job.max (.cutoff.yaml:7)` or
    /// `repository tekton/runs/nightly.yaml:12 spec.timeouts.pipeline`.
    pub source: String,
}

impl Limit {
    /// A limit of `duration` from `source`.
    pub fn new(duration: Duration, source: impl Into<String>) -> Self {
        Limit {
            duration,
            source: source.into(),
        }
    }
}

/// The repository's and the policy's limits for one live object. Each is `None` when
/// there is no such bound (an unbounded template, no cap for the kind, no default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The validated effective timeout of the repository template the object matches.
    pub template: Option<Limit>,
    /// The policy cap for the object's kind.
    pub cap: Option<Limit>,
    /// `policy.default`: used only when nothing else bounds the object.
    pub default: Option<Limit>,
}

/// A finding on a live object (drift from the repository, or a lint rule).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// `drift`, or the lint rule's code (e.g. `TKN003`).
    pub rule: String,
    /// What is wrong, for a human.
    pub message: String,
    /// Where the expectation comes from (repository file:line, policy key).
    pub source: Option<String>,
}

/// What the repository (linted and validated) says about live objects.
///
/// Implemented by `cutoff watch` over cutoff's model; [`StaticKnowledge`] is a file-backed
/// implementation for tests. Every method is called from the evaluation loop, often, and
/// must be cheap and must not block on I/O for long.
pub trait Knowledge: Send + Sync + 'static {
    /// The repository's and the policy's limits for a live object: the validated timeout of
    /// its template (matched by pipelineRef name, owner CronJob, or name), the policy cap for
    /// its kind, and `policy.default`. The object's own timeout is read from the live object
    /// by watch itself; the deadline is the smallest of all of them, and `default` applies
    /// only when none of the others exists.
    fn limits(&self, obj: &LiveRef) -> Limits;

    /// Differences between the live object's timeout fields and the repository's validated
    /// ones (drift), and lint findings on the live object itself (misplaced timeouts).
    /// `obj` is the whole live object as the API server returned it.
    fn drift(&self, kind: LiveKind, obj: &serde_json::Value) -> Vec<Finding>;

    /// The TTL of a finished object: from its annotations (the same key patterns as the lint
    /// rules, e.g. keys ending in `/ttl-seconds-after-finished`), or `policy.ttl` for Jobs
    /// without `spec.ttlSecondsAfterFinished`. `None`: keep the object.
    fn ttl(&self, kind: LiveKind, obj: &serde_json::Value) -> Option<Limit>;

    /// Called once per `--interval` tick; an implementation may reload the repository here
    /// (e.g. after git-sync moved it). Errors are logged and the old knowledge is kept.
    fn refresh(&self) -> Result<(), String> {
        Ok(())
    }
}

/// (De)serializes a [`Duration`] as a Go duration string (`"1h30m"`).
pub mod go_duration_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Writes `2h0m0s`.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::goduration::format(*d))
    }
    /// Reads a Go duration (or a number of seconds).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Seconds(u64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(t) => crate::goduration::parse(&t).map_err(serde::de::Error::custom),
            Raw::Seconds(n) => Ok(Duration::from_secs(n)),
        }
    }
}

/// Which live objects a [`StaticKnowledge`] rule applies to; every given field must match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Match {
    /// The kind.
    pub kind: Option<LiveKind>,
    /// The namespace.
    pub namespace: Option<String>,
    /// The exact name, or the `generateName` prefix the object was created with.
    pub name: Option<String>,
    /// PipelineRun `spec.pipelineRef.name` (or the `tekton.dev/pipeline` label).
    pub pipeline_ref: Option<String>,
    /// TaskRun `spec.taskRef.name` (or the `tekton.dev/task` label).
    pub task_ref: Option<String>,
    /// The owning CronJob of a Job.
    pub owner_cron_job: Option<String>,
}

impl Match {
    fn matches_ref(&self, r: &LiveRef) -> bool {
        let eq = |want: &Option<String>, got: Option<&str>| match want {
            None => true,
            Some(w) => got == Some(w.as_str()),
        };
        self.kind.is_none_or(|k| k == r.kind)
            && eq(&self.namespace, Some(&r.namespace))
            && self
                .name
                .as_ref()
                .is_none_or(|n| *n == r.name || r.generate_name.as_deref() == Some(n.as_str()))
            && eq(
                &self.pipeline_ref,
                r.pipeline_ref
                    .as_deref()
                    .or(r.labels.get("tekton.dev/pipeline").map(String::as_str)),
            )
            && eq(
                &self.task_ref,
                r.task_ref
                    .as_deref()
                    .or(r.labels.get("tekton.dev/task").map(String::as_str)),
            )
            && eq(&self.owner_cron_job, r.owner_cronjob.as_deref())
    }
}

/// A repository template's validated timeout.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateRule {
    /// Which live objects it applies to.
    #[serde(rename = "match")]
    pub matches: Match,
    /// The validated timeout.
    #[serde(with = "go_duration_serde")]
    pub timeout: Duration,
    /// Where it comes from.
    pub source: String,
}

/// A policy cap.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CapRule {
    /// The kind it caps.
    pub kind: LiveKind,
    /// The cap.
    #[serde(with = "go_duration_serde")]
    pub max: Duration,
    /// Where it comes from.
    pub source: String,
}

/// A bare limit in the file.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StaticLimit {
    /// The duration.
    #[serde(with = "go_duration_serde")]
    pub duration: Duration,
    /// Where it comes from.
    pub source: String,
}

/// TTL rules.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TtlRules {
    /// Annotation key suffixes holding a TTL in seconds (or a Go duration).
    #[serde(default = "default_ttl_suffixes")]
    pub annotation_suffixes: Vec<String>,
    /// `policy.ttl`: for finished Jobs without `spec.ttlSecondsAfterFinished`.
    pub job_fallback: Option<StaticLimit>,
}

impl Default for TtlRules {
    fn default() -> Self {
        TtlRules {
            annotation_suffixes: default_ttl_suffixes(),
            job_fallback: None,
        }
    }
}

fn default_ttl_suffixes() -> Vec<String> {
    vec!["/ttl-seconds-after-finished".to_string()]
}

/// An expected value of a live field (drift check).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DriftRule {
    /// Which live objects it applies to.
    #[serde(rename = "match")]
    pub matches: Match,
    /// A JSON pointer into the live object, e.g. `/spec/activeDeadlineSeconds`.
    pub pointer: String,
    /// The repository's value (`null`: the field must be absent).
    pub expected: serde_json::Value,
    /// Where the expectation comes from.
    pub source: String,
    /// The rule code to report (default `drift`).
    #[serde(default)]
    pub rule: Option<String>,
}

/// [`Knowledge`] read from a small JSON or YAML file, for tests and the test binary.
///
/// ```yaml
/// templates:
///   - match: {kind: PipelineRun, pipelineRef: nightly}
///     timeout: 2h
///     source: "repository tekton/nightly.yaml:12 spec.timeouts.pipeline"
/// caps:
///   - {kind: Job, max: 2h, source: "policy kinds.Job.max (.cutoff.yaml:7)"}
/// default: {duration: 1h, source: "policy default (.cutoff.yaml:3)"}
/// ttl:
///   annotationSuffixes: ["/ttl-seconds-after-finished"]
///   jobFallback: {duration: 24h, source: "policy ttl (.cutoff.yaml:9)"}
/// drift:
///   - match: {kind: Job, name: backup}
///     pointer: /spec/activeDeadlineSeconds
///     expected: 3600
///     source: "repository deploy/backup.yaml:10"
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StaticKnowledge {
    /// Validated template timeouts; the first matching rule wins.
    #[serde(default)]
    pub templates: Vec<TemplateRule>,
    /// Policy caps per kind; the smallest matching cap wins.
    #[serde(default)]
    pub caps: Vec<CapRule>,
    /// `policy.default`.
    #[serde(default)]
    pub default: Option<StaticLimit>,
    /// TTL rules.
    #[serde(default)]
    pub ttl: TtlRules,
    /// Expected live values.
    #[serde(default)]
    pub drift: Vec<DriftRule>,
}

impl StaticKnowledge {
    /// Reads a file: JSON if it ends in `.json`, YAML otherwise.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text, path.extension().is_some_and(|e| e == "json"))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a knowledge file.
    pub fn parse(text: &str, json: bool) -> Result<Self, String> {
        if json {
            serde_json::from_str(text).map_err(|e| e.to_string())
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())
        }
    }

    fn live_ref(kind: LiveKind, obj: &serde_json::Value) -> Option<LiveRef> {
        let meta = crate::live::meta_of(obj)?;
        Some(crate::live::live_ref(kind, &meta, obj))
    }
}

fn limit_of(l: &StaticLimit) -> Limit {
    Limit::new(l.duration, l.source.clone())
}

impl Knowledge for StaticKnowledge {
    fn limits(&self, obj: &LiveRef) -> Limits {
        let template = self
            .templates
            .iter()
            .find(|t| t.matches.matches_ref(obj))
            .map(|t| Limit::new(t.timeout, t.source.clone()));
        let cap = self
            .caps
            .iter()
            .filter(|c| c.kind == obj.kind)
            .min_by_key(|c| c.max)
            .map(|c| Limit::new(c.max, c.source.clone()));
        Limits {
            template,
            cap,
            default: self.default.as_ref().map(limit_of),
        }
    }

    fn drift(&self, kind: LiveKind, obj: &serde_json::Value) -> Vec<Finding> {
        let Some(r) = Self::live_ref(kind, obj) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for d in self.drift.iter().filter(|d| d.matches.matches_ref(&r)) {
            let live = obj.pointer(&d.pointer).unwrap_or(&serde_json::Value::Null);
            if *live != d.expected {
                let field = d.pointer.trim_start_matches('/').replace('/', ".");
                let shown = |v: &serde_json::Value| {
                    if v.is_null() {
                        "unset".to_string()
                    } else {
                        v.to_string()
                    }
                };
                out.push(Finding {
                    rule: d.rule.clone().unwrap_or_else(|| "drift".to_string()),
                    message: format!(
                        "{field} is {} on the cluster, the repository says {}",
                        shown(live),
                        shown(&d.expected)
                    ),
                    source: Some(d.source.clone()),
                });
            }
        }
        out
    }

    fn ttl(&self, kind: LiveKind, obj: &serde_json::Value) -> Option<Limit> {
        if let Some(annotations) = obj
            .pointer("/metadata/annotations")
            .and_then(|a| a.as_object())
        {
            for (key, value) in annotations {
                if self
                    .ttl
                    .annotation_suffixes
                    .iter()
                    .any(|s| key.ends_with(s.as_str()))
                {
                    let Some(text) = value.as_str() else { continue };
                    let parsed = text
                        .trim()
                        .parse::<u64>()
                        .map(Duration::from_secs)
                        .or_else(|_| crate::goduration::parse(text));
                    if let Ok(d) = parsed {
                        return Some(Limit::new(d, format!("annotation {key}")));
                    }
                }
            }
        }
        if kind == LiveKind::Job && obj.pointer("/spec/ttlSecondsAfterFinished").is_none() {
            return self.ttl.job_fallback.as_ref().map(limit_of);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const YAML: &str = r#"
templates:
  - match: {kind: PipelineRun, pipelineRef: nightly}
    timeout: 2h
    source: "repository tekton/nightly.yaml:12 spec.timeouts.pipeline"
  - match: {kind: Job, ownerCronJob: backup}
    timeout: 30m
    source: "repository deploy/backup.yaml:20 spec.jobTemplate.spec.activeDeadlineSeconds"
caps:
  - {kind: Job, max: 2h, source: "policy kinds.Job.max (.cutoff.yaml:7)"}
  - {kind: Job, max: 3h, source: "policy kinds.Job.max (.cutoff.yaml:8)"}
default: {duration: 1h, source: "policy default (.cutoff.yaml:3)"}
ttl:
  jobFallback: {duration: 24h, source: "policy ttl (.cutoff.yaml:9)"}
drift:
  - match: {kind: Job, name: backup-}
    pointer: /spec/activeDeadlineSeconds
    expected: 1800
    source: "repository deploy/backup.yaml:20"
"#;

    fn job(annotations: serde_json::Value, ttl: Option<i64>) -> serde_json::Value {
        let mut j = json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "backup-123", "generateName": "backup-", "namespace": "ops",
                "uid": "u1", "annotations": annotations,
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "backup", "uid": "c1", "controller": true}]},
            "spec": {"activeDeadlineSeconds": 7200, "template": {"spec": {"containers": []}}}
        });
        if let Some(t) = ttl {
            j["spec"]["ttlSecondsAfterFinished"] = json!(t);
        }
        j
    }

    #[test]
    fn loads_yaml_and_matches() {
        let k = StaticKnowledge::parse(YAML, false).unwrap();
        let j = job(json!({}), None);
        let r = StaticKnowledge::live_ref(LiveKind::Job, &j).unwrap();
        let l = k.limits(&r);
        assert_eq!(l.template.unwrap().duration, Duration::from_secs(1800));
        let cap = l.cap.unwrap();
        assert_eq!(cap.duration, Duration::from_secs(7200));
        assert_eq!(cap.source, "policy kinds.Job.max (.cutoff.yaml:7)");
        assert_eq!(l.default.unwrap().duration, Duration::from_secs(3600));
    }

    #[test]
    fn drift_and_ttl() {
        let k = StaticKnowledge::parse(YAML, false).unwrap();
        let j = job(
            json!({"example.com/ttl-seconds-after-finished": "600"}),
            None,
        );
        let f = k.drift(LiveKind::Job, &j);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "spec.activeDeadlineSeconds is 7200 on the cluster, the repository says 1800"
        );
        let ttl = k.ttl(LiveKind::Job, &j).unwrap();
        assert_eq!(ttl.duration, Duration::from_secs(600));
        assert_eq!(
            ttl.source,
            "annotation example.com/ttl-seconds-after-finished"
        );
        let j = job(json!({}), None);
        assert_eq!(
            k.ttl(LiveKind::Job, &j).unwrap().source,
            "policy ttl (.cutoff.yaml:9)"
        );
        let j = job(json!({}), Some(100));
        assert!(k.ttl(LiveKind::Job, &j).is_none());
    }

    #[test]
    fn rejects_unknown_fields_and_bad_durations() {
        assert!(StaticKnowledge::parse(
            r#"{"caps":[{"kind":"Job","max":"2x","source":"s"}]}"#,
            true
        )
        .unwrap_err()
        .contains("unknown unit"));
        assert!(StaticKnowledge::parse(r#"{"nope":1}"#, true).is_err());
    }
}
