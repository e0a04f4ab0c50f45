//! Kubernetes workloads: Jobs, CronJobs (their `jobTemplate`), and the pod templates of
//! Deployments, ReplicaSets, StatefulSets and DaemonSets, as typed views with spans.
//!
//! Every field keeps its key and value nodes; numbers are classified as valid, templated
//! (`{{ }}`, `$(tt.params.x)`, an alias: unknown) or invalid. Facts:
//! `docs/kubernetes-timeouts.md`.

use crate::yaml::{NodeRef, ScalarStyle, Span};

use super::value::templating;
use super::Meta;

/// The bytes every file holding a workload this family reads contains (for the prefilter):
/// `Job` (also in `CronJob`) and the long-running kinds' names.
pub const MARKERS: &[&[u8]] = &[
    b"Job",
    b"Deployment",
    b"ReplicaSet",
    b"StatefulSet",
    b"DaemonSet",
];

/// The kinds this family reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Job,
    CronJob,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
            Kind::Deployment => "Deployment",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
        }
    }

    fn of(api_version: &str, kind: &str) -> Option<Kind> {
        // `batch/v1`; `apps/v1`, and the old `extensions/v1beta1` for the long-running kinds.
        let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        let k = match kind {
            "Job" => Kind::Job,
            "CronJob" => Kind::CronJob,
            "Deployment" => Kind::Deployment,
            "ReplicaSet" => Kind::ReplicaSet,
            "StatefulSet" => Kind::StatefulSet,
            "DaemonSet" => Kind::DaemonSet,
            _ => return None,
        };
        let ok = match k {
            Kind::Job | Kind::CronJob => group == "batch",
            _ => matches!(group, "apps" | "extensions"),
        };
        ok.then_some(k)
    }

    /// A Job or a CronJob: something with a Job spec.
    pub fn is_batch(self) -> bool {
        matches!(self, Kind::Job | Kind::CronJob)
    }
}

/// Is an object of this `apiVersion` and `kind` a workload this family reads?
pub fn is_kubernetes(api_version: &str, kind: &str) -> bool {
    Kind::of(api_version, kind).is_some()
}

/// A `key: value` entry of a mapping.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    pub key: NodeRef<'a>,
    pub value: NodeRef<'a>,
}

impl<'a> Entry<'a> {
    pub fn of(map: NodeRef<'a>, key: &str) -> Option<Entry<'a>> {
        map.entry(key).map(|(key, value)| Entry { key, value })
    }

    /// From the key's first byte to the value's last.
    pub fn span(&self) -> Span {
        Span::new(
            self.key.span().start,
            self.value.span().end.max(self.key.span().end),
        )
    }
}

/// How a number reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int {
    Valid(i64),
    /// A placeholder (`{{ }}`, `$(…)`, an alias): unknown here.
    Templated,
    /// Not a number Kubernetes accepts here (a quoted number in an integer field, text…).
    Invalid,
    /// `~`, `null` or empty: unset.
    Null,
}

impl Int {
    pub fn valid(self) -> Option<i64> {
        match self {
            Int::Valid(n) => Some(n),
            _ => None,
        }
    }
}

fn raw<'s>(node: NodeRef<'_>, src: &'s str) -> &'s str {
    src.get(node.span().range()).unwrap_or("")
}

fn is_templated(node: NodeRef<'_>, src: &str) -> bool {
    node.is_alias() || templating(raw(node, src)).is_some()
}

/// An integer field (`activeDeadlineSeconds: 600`): only a plain YAML integer is valid.
pub fn int_field(node: NodeRef<'_>, src: &str) -> Int {
    if is_templated(node, src) {
        return Int::Templated;
    }
    if node.is_null() {
        return Int::Null;
    }
    match (node.as_str(), node.style()) {
        (Some(s), Some(ScalarStyle::Plain)) if node.tag().is_none() => parse_int(s),
        _ => Int::Invalid,
    }
}

/// A number written as text (annotation and env values are strings): `"7200"`, `7200`.
pub fn int_text(node: NodeRef<'_>, src: &str) -> Int {
    if is_templated(node, src) {
        return Int::Templated;
    }
    if node.is_null() {
        return Int::Null;
    }
    match node.as_str() {
        Some(s) => parse_int(s.trim()),
        None => Int::Invalid,
    }
}

fn parse_int(s: &str) -> Int {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Int::Invalid;
    }
    s.parse::<i64>().map(Int::Valid).unwrap_or(Int::Invalid)
}

/// An integer field: its entry and its value.
#[derive(Clone, Copy)]
pub struct IntField<'a> {
    pub entry: Entry<'a>,
    pub value: Int,
}

impl<'a> IntField<'a> {
    fn read(map: NodeRef<'a>, key: &str, src: &str) -> Option<IntField<'a>> {
        let entry = Entry::of(map, key)?;
        Some(IntField {
            value: int_field(entry.value, src),
            entry,
        })
    }
}

/// A string field (`restartPolicy: Never`).
#[derive(Clone, Copy)]
pub struct StrField<'a> {
    pub entry: Entry<'a>,
    /// The value, unless templated, null or not a scalar.
    pub value: Option<&'a str>,
    pub templated: bool,
}

impl<'a> StrField<'a> {
    fn read(map: NodeRef<'a>, key: &str, src: &str) -> Option<StrField<'a>> {
        let entry = Entry::of(map, key)?;
        let templated = is_templated(entry.value, src);
        let value = if templated || entry.value.is_null() {
            None
        } else {
            entry.value.as_str()
        };
        Some(StrField {
            entry,
            value,
            templated,
        })
    }
}

/// One `env` entry of a container.
#[derive(Clone, Copy)]
pub struct EnvVar<'a> {
    pub node: NodeRef<'a>,
    pub name: &'a str,
    /// The `value` entry, when the value is literal.
    pub value: Option<Entry<'a>>,
    /// `valueFrom` instead of a literal value: never compared.
    pub value_from: bool,
}

/// A `sleep N` found in an exec `preStop` command.
#[derive(Clone, Copy, Debug)]
pub struct ExecSleep {
    pub seconds: i64,
    /// The command item holding it.
    pub span: Span,
}

/// A container's `lifecycle.preStop` hook.
#[derive(Clone, Copy)]
pub struct PreStop<'a> {
    pub entry: Entry<'a>,
    /// `sleep.seconds`.
    pub sleep: Option<IntField<'a>>,
    /// The longest literal `sleep N` in an `exec.command`.
    pub exec_sleep: Option<ExecSleep>,
}

/// A container (or init container) of a pod template.
#[derive(Clone)]
pub struct Container<'a> {
    pub node: NodeRef<'a>,
    pub name: Option<&'a str>,
    pub init: bool,
    pub has_image: bool,
    pub env: Vec<EnvVar<'a>>,
    pub pre_stop: Option<PreStop<'a>>,
}

/// A pod template's `spec`.
#[derive(Clone)]
pub struct PodSpec<'a> {
    /// The `spec` key of the template.
    pub key: NodeRef<'a>,
    pub node: NodeRef<'a>,
    /// Dotted path from the object root: `spec.template.spec`.
    pub path: String,
    pub active_deadline: Option<IntField<'a>>,
    pub grace: Option<IntField<'a>>,
    pub restart_policy: Option<StrField<'a>>,
    pub containers: Vec<Container<'a>>,
}

impl<'a> PodSpec<'a> {
    fn read(template: NodeRef<'a>, path: String, src: &str) -> Option<PodSpec<'a>> {
        let (key, node) = template.entry("spec").filter(|(_, v)| v.is_mapping())?;
        let mut containers = Vec::new();
        for (key, init) in [("initContainers", true), ("containers", false)] {
            for c in node.get(key).into_iter().flat_map(|l| l.items()) {
                if c.is_mapping() {
                    containers.push(Container::read(c, init, src));
                }
            }
        }
        Some(PodSpec {
            active_deadline: IntField::read(node, "activeDeadlineSeconds", src),
            grace: IntField::read(node, "terminationGracePeriodSeconds", src),
            restart_policy: StrField::read(node, "restartPolicy", src),
            containers,
            key,
            node,
            path,
        })
    }

    /// The (non-init) containers.
    pub fn main_containers(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers.iter().filter(|c| !c.init)
    }

    /// Does it look complete, or like a patch a base completes? A pod template with no
    /// containers, or a container without an `image`, is partial.
    pub fn looks_complete(&self) -> bool {
        self.main_containers().next().is_some() && self.containers.iter().all(|c| c.has_image)
    }
}

impl<'a> Container<'a> {
    fn read(node: NodeRef<'a>, init: bool, src: &str) -> Container<'a> {
        let env = node
            .get("env")
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|e| {
                let name = e.get("name")?.as_str()?;
                Some(EnvVar {
                    node: e,
                    name,
                    value: Entry::of(e, "value"),
                    value_from: e.get("valueFrom").is_some(),
                })
            })
            .collect();
        let pre_stop = node
            .get("lifecycle")
            .and_then(|l| Entry::of(l, "preStop"))
            .filter(|e| e.value.is_mapping())
            .map(|entry| PreStop {
                sleep: entry
                    .value
                    .get("sleep")
                    .and_then(|s| IntField::read(s, "seconds", src)),
                exec_sleep: entry
                    .value
                    .path(&["exec", "command"])
                    .and_then(|c| exec_sleep(c, src)),
                entry,
            });
        Container {
            name: node.get("name").and_then(|n| n.as_str()),
            has_image: node.get("image").is_some_and(|i| !i.is_null()),
            env,
            pre_stop,
            init,
            node,
        }
    }
}

/// The longest literal `sleep N` (N in seconds, or with an `s`/`m`/`h`/`d` suffix as GNU
/// and busybox `sleep` accept) in an exec command, with the item that holds it. A longest
/// single sleep is a lower bound of how long the hook runs, whatever the shell does around it.
fn exec_sleep(command: NodeRef<'_>, src: &str) -> Option<ExecSleep> {
    let items: Vec<NodeRef<'_>> = if command.is_sequence() {
        command.items().collect()
    } else {
        vec![command]
    };
    let mut best: Option<ExecSleep> = None;
    let mut pending_sleep = false;
    for item in items {
        if is_templated(item, src) {
            pending_sleep = false;
            continue;
        }
        let Some(text) = item.as_str() else {
            pending_sleep = false;
            continue;
        };
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`'))
            .filter(|w| !w.is_empty())
            .map(|w| w.trim_matches(['"', '\'']))
            .collect();
        for w in words {
            if pending_sleep {
                pending_sleep = false;
                if let Some(n) = sleep_seconds(w) {
                    if best.is_none_or(|b| n > b.seconds) {
                        best = Some(ExecSleep {
                            seconds: n,
                            span: item.span(),
                        });
                    }
                    continue;
                }
            }
            if w == "sleep" || w.ends_with("/sleep") {
                pending_sleep = true;
            }
        }
    }
    best
}

/// `10`, `10s`, `2m`, `1h`, `1d` → seconds; anything else (`0.5`, `$T`, `infinity`) → None.
fn sleep_seconds(w: &str) -> Option<i64> {
    let (num, mult) = match w.as_bytes().last()? {
        b's' => (&w[..w.len() - 1], 1),
        b'm' => (&w[..w.len() - 1], 60),
        b'h' => (&w[..w.len() - 1], 3600),
        b'd' => (&w[..w.len() - 1], 86_400),
        _ => (w, 1),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<i64>().ok()?.checked_mul(mult)
}

/// A Job's spec (also a CronJob's `jobTemplate.spec`).
#[derive(Clone)]
pub struct JobSpec<'a> {
    /// The `spec` key.
    pub key: NodeRef<'a>,
    pub node: NodeRef<'a>,
    /// Dotted path from the object root: `spec` or `spec.jobTemplate.spec`.
    pub path: String,
    pub active_deadline: Option<IntField<'a>>,
    pub backoff_limit: Option<IntField<'a>>,
    pub backoff_limit_per_index: Option<IntField<'a>>,
    pub pod_failure_policy: Option<Entry<'a>>,
    pub ttl: Option<IntField<'a>>,
    /// `template.spec`.
    pub pod: Option<PodSpec<'a>>,
}

impl<'a> JobSpec<'a> {
    fn read(key: NodeRef<'a>, node: NodeRef<'a>, path: String, src: &str) -> JobSpec<'a> {
        let pod = node
            .get("template")
            .and_then(|t| PodSpec::read(t, format!("{path}.template.spec"), src));
        JobSpec {
            key,
            active_deadline: IntField::read(node, "activeDeadlineSeconds", src),
            backoff_limit: IntField::read(node, "backoffLimit", src),
            backoff_limit_per_index: IntField::read(node, "backoffLimitPerIndex", src),
            pod_failure_policy: Entry::of(node, "podFailurePolicy").filter(|e| !e.value.is_null()),
            ttl: IntField::read(node, "ttlSecondsAfterFinished", src),
            pod,
            node,
            path,
        }
    }
}

/// A CronJob's own fields.
#[derive(Clone, Copy)]
pub struct CronSpec<'a> {
    /// The `spec` key.
    pub key: NodeRef<'a>,
    pub node: NodeRef<'a>,
    pub schedule: Option<StrField<'a>>,
    pub starting_deadline: Option<IntField<'a>>,
    pub concurrency_policy: Option<StrField<'a>>,
    pub time_zone: Option<StrField<'a>>,
}

/// One annotation.
#[derive(Clone, Copy)]
pub struct Annotation<'a> {
    pub key: &'a str,
    pub entry: Entry<'a>,
}

/// A typed view of a workload.
#[derive(Clone)]
pub struct Object<'a> {
    pub meta: Meta<'a>,
    pub kind: Kind,
    /// A Job's spec, or a CronJob's `jobTemplate.spec`.
    pub job: Option<JobSpec<'a>>,
    /// A CronJob's spec.
    pub cron: Option<CronSpec<'a>>,
    /// A long-running workload's `spec.template.spec`.
    pub pod: Option<PodSpec<'a>>,
    /// The annotations about the Job: a Job's own; for a CronJob, its `jobTemplate`'s then
    /// its own.
    pub annotations: Vec<Annotation<'a>>,
}

impl<'a> Object<'a> {
    /// The pod template the Job runs, or the long-running workload's.
    pub fn pod_spec(&self) -> Option<&PodSpec<'a>> {
        match &self.job {
            Some(j) => j.pod.as_ref(),
            None => self.pod.as_ref(),
        }
    }

    /// The annotation with this key, if any.
    pub fn annotation(&self, key: &str) -> Option<&Annotation<'a>> {
        self.annotations.iter().find(|a| a.key == key)
    }
}

fn annotations<'a>(meta: Option<NodeRef<'a>>, out: &mut Vec<Annotation<'a>>) {
    let Some(map) = meta.and_then(|m| m.get("annotations")) else {
        return;
    };
    for (k, v) in map.entries() {
        if let Some(key) = k.as_str() {
            if !out.iter().any(|a| a.key == key) {
                out.push(Annotation {
                    key,
                    entry: Entry { key: k, value: v },
                });
            }
        }
    }
}

/// Reads the workload identified as `meta`.
pub fn read<'a>(meta: Meta<'a>, src: &str) -> Option<Object<'a>> {
    let kind = Kind::of(meta.api_version, meta.kind)?;
    let root = meta.root;
    let spec_entry = root.entry("spec").filter(|(_, s)| s.is_mapping());
    let spec = spec_entry.map(|(_, s)| s);
    let mut object = Object {
        meta,
        kind,
        job: None,
        cron: None,
        pod: None,
        annotations: Vec::new(),
    };
    match kind {
        Kind::Job => {
            object.job = spec_entry.map(|(k, s)| JobSpec::read(k, s, "spec".into(), src));
            annotations(root.get("metadata"), &mut object.annotations);
        }
        Kind::CronJob => {
            let template = spec.and_then(|s| s.get("jobTemplate"));
            object.job = template
                .and_then(|t| t.entry("spec"))
                .filter(|(_, s)| s.is_mapping())
                .map(|(k, s)| JobSpec::read(k, s, "spec.jobTemplate.spec".into(), src));
            object.cron = spec_entry.map(|(k, s)| CronSpec {
                key: k,
                node: s,
                schedule: StrField::read(s, "schedule", src),
                starting_deadline: IntField::read(s, "startingDeadlineSeconds", src),
                concurrency_policy: StrField::read(s, "concurrencyPolicy", src),
                time_zone: StrField::read(s, "timeZone", src),
            });
            annotations(
                template.and_then(|t| t.get("metadata")),
                &mut object.annotations,
            );
            annotations(root.get("metadata"), &mut object.annotations);
        }
        _ => {
            object.pod = spec
                .and_then(|s| s.get("template"))
                .and_then(|t| PodSpec::read(t, "spec.template.spec".into(), src));
        }
    }
    Some(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    #[test]
    fn kinds() {
        assert!(is_kubernetes("batch/v1", "Job"));
        assert!(is_kubernetes("batch/v1beta1", "CronJob"));
        assert!(is_kubernetes("apps/v1", "Deployment"));
        assert!(is_kubernetes("extensions/v1beta1", "DaemonSet"));
        assert!(!is_kubernetes("batch.volcano.sh/v1alpha1", "Job"));
        assert!(!is_kubernetes("v1", "Pod"));
        assert!(!is_kubernetes("tekton.dev/v1", "Task"));
    }

    #[test]
    fn sleeps_in_commands() {
        let src = "a: [/bin/sh, -c, \"/app/save.sh; sleep 10 && sleep 2m\"]\nb: [sleep, \"45\"]\nc: [sh, -c, sleep $T]\n";
        let s = yaml::parse(src);
        let root = s.documents[0].root_ref().unwrap();
        let a = exec_sleep(root.get("a").unwrap(), src).unwrap();
        assert_eq!(a.seconds, 120);
        assert_eq!(exec_sleep(root.get("b").unwrap(), src).unwrap().seconds, 45);
        assert!(exec_sleep(root.get("c").unwrap(), src).is_none());
        assert_eq!(sleep_seconds("1d"), Some(86_400));
        assert_eq!(sleep_seconds("0.5"), None);
    }

    #[test]
    fn numbers() {
        let src = "a: 7200\nb: \"7200\"\nc: \"{{ .Values.t }}\"\nd: ~\ne: 1h\n";
        let s = yaml::parse(src);
        let root = s.documents[0].root_ref().unwrap();
        let f = |k: &str| int_field(root.get(k).unwrap(), src);
        assert_eq!(f("a"), Int::Valid(7200));
        assert_eq!(f("b"), Int::Invalid);
        assert_eq!(f("c"), Int::Templated);
        assert_eq!(f("d"), Int::Null);
        assert_eq!(f("e"), Int::Invalid);
        assert_eq!(int_text(root.get("b").unwrap(), src), Int::Valid(7200));
    }
}
