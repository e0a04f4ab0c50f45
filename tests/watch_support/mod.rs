//! Test harness: the fake API server, a generated kubeconfig, a file clock, the test binary.

#![allow(dead_code)]

pub mod fake_api;

use fake_api::FakeApi;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const T0: &str = "2030-01-01T10:00:00Z";

/// `T0 + secs` as RFC 3339.
pub fn at(secs: i64) -> String {
    let t: jiff::Timestamp = T0.parse().unwrap();
    t.checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap()
        .to_string()
}

pub struct Harness {
    pub api: FakeApi,
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    pub knowledge: PathBuf,
    pub clock: PathBuf,
}

/// A spawned watcher, killed when dropped.
pub struct Proc {
    pub child: Child,
    pub audit: PathBuf,
    pub stderr: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Proc {
    pub fn audit(&self) -> Vec<Value> {
        read_audit(&self.audit)
    }
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([format!("-{sig}"), self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }
    /// Waits for the process to exit; returns its exit code.
    pub async fn wait_exit(&mut self, timeout: Duration) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return st.code().unwrap_or(-1);
            }
            assert!(
                start.elapsed() < timeout,
                "process did not exit in {timeout:?}; stderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    /// Audit action records (record == "action").
    pub fn actions(&self) -> Vec<Value> {
        self.audit()
            .into_iter()
            .filter(|r| r["record"] == "action")
            .collect()
    }
}

pub fn read_audit(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad audit line {l:?}: {e}")))
        .collect()
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The test's folder goes with it, unless the test failed (then it is kept to look at).
impl Drop for Harness {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Harness {
    pub async fn new(name: &str, knowledge: Value) -> Harness {
        let api = FakeApi::start().await;
        let dir = std::env::temp_dir().join(format!(
            "cutoff-watch-e2e-{}-{name}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
    namespace: ci
current-context: fake
users:
- name: fake
  user:
    token: fake-token
",
                api.url()
            ),
        )
        .unwrap();
        let kfile = dir.join("knowledge.json");
        std::fs::write(&kfile, serde_json::to_string_pretty(&knowledge).unwrap()).unwrap();
        let clock = dir.join("now");
        std::fs::write(&clock, T0).unwrap();
        Harness {
            api,
            dir,
            kubeconfig,
            knowledge: kfile,
            clock,
        }
    }

    /// Sets the fake clock to `T0 + secs`.
    pub fn set_clock(&self, secs: i64) {
        let tmp = self.dir.join("now.tmp");
        std::fs::write(&tmp, at(secs)).unwrap();
        std::fs::rename(&tmp, &self.clock).unwrap();
    }

    /// Starts `cutoff watch` on the repository `repo` (linted, as users run it) instead of
    /// the knowledge file, with the harness flags plus `extra`.
    pub fn spawn_repo(&self, name: &str, repo: &std::path::Path, extra: &[&str]) -> Proc {
        let mut args: Vec<String> = vec!["--repo".into(), repo.display().to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        self.spawn_with(name, None, &args)
    }

    /// Starts the test binary with the harness flags plus `extra`.
    pub fn spawn(&self, name: &str, extra: &[&str]) -> Proc {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        self.spawn_with(name, Some(&self.knowledge), &extra)
    }

    fn spawn_with(&self, name: &str, knowledge: Option<&PathBuf>, extra: &[String]) -> Proc {
        let audit = self.dir.join(format!("{name}.audit.jsonl"));
        let stderr = self.dir.join(format!("{name}.stderr"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cutoff"));
        cmd.arg("watch");
        if let Some(k) = knowledge {
            cmd.arg("--knowledge").arg(k);
        }
        let child = cmd
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--fake-clock")
            .arg(&self.clock)
            .arg("--audit-log")
            .arg(&audit)
            .args(["--interval", "100ms", "--identity", name])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("spawn cutoff watch");
        Proc {
            child,
            audit,
            stderr,
        }
    }

    /// Polls `cond` every 50ms until it holds, for at most 20s.
    pub async fn wait_for(&self, what: &str, procs: &[&Proc], mut cond: impl FnMut() -> bool) {
        let start = Instant::now();
        while !cond() {
            if start.elapsed() > Duration::from_secs(20) {
                let mut logs = String::new();
                for p in procs {
                    logs.push_str(&format!(
                        "--- stderr {}:\n{}\n--- audit:\n{}\n",
                        p.stderr.display(),
                        p.stderr(),
                        std::fs::read_to_string(&p.audit).unwrap_or_default()
                    ));
                }
                let reqs: Vec<String> = self
                    .api
                    .requests()
                    .iter()
                    .filter(|r| !r.path.contains("leases"))
                    .map(|r| format!("{} {} {:?} -> {}", r.method, r.path, r.query, r.status))
                    .collect();
                panic!(
                    "timed out waiting for: {what}\n{logs}--- requests:\n{}",
                    reqs.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Writes (non-GET) requests, leases excluded.
    pub fn writes(&self) -> Vec<fake_api::Recorded> {
        self.api
            .requests()
            .into_iter()
            .filter(|r| r.is_write() && !r.path.contains("/leases"))
            .collect()
    }
}

pub fn knowledge() -> Value {
    json!({
        "caps": [
            {"kind": "PipelineRun", "max": "30m", "source": "policy kinds.PipelineRun.max (.cutoff.yaml:7)"},
            {"kind": "Job", "max": "1h", "source": "policy kinds.Job.max (.cutoff.yaml:9)"}
        ],
        "templates": [
            {"match": {"kind": "TaskRun", "taskRef": "lint"}, "timeout": "20m",
             "source": "repository tekton/lint-run.yaml:8 spec.timeout"}
        ],
        "default": {"duration": "2h", "source": "policy default (.cutoff.yaml:3)"},
        "ttl": {"annotationSuffixes": ["/ttl-seconds-after-finished"]},
        "drift": [
            {"match": {"kind": "Job", "name": "backup-9"}, "pointer": "/spec/activeDeadlineSeconds",
             "expected": 1800, "source": "repository deploy/backup.yaml:20"}
        ]
    })
}

/// A running Tekton v1 PipelineRun started at T0 + `start`.
pub fn pipelinerun(name: &str, start: i64, timeout: &str) -> Value {
    json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {
            "name": name, "namespace": "ci", "generateName": "nightly-",
            "creationTimestamp": at(start),
            "labels": {"tekton.dev/pipeline": "nightly", "app.kubernetes.io/managed-by": "tekton-pipelines"}
        },
        "spec": {
            "pipelineRef": {"name": "nightly"},
            "timeouts": {"pipeline": timeout},
            "taskRunTemplate": {"serviceAccountName": "default"}
        },
        "status": {
            "startTime": at(start),
            "conditions": [{
                "type": "Succeeded", "status": "Unknown", "reason": "Running",
                "message": "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0",
                "lastTransitionTime": at(start)
            }],
            "pipelineSpec": {"tasks": [{"name": "build", "taskRef": {"name": "build", "kind": "Task"}}]},
            "childReferences": [{"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
                "name": format!("{name}-build"), "pipelineTaskName": "build"}]
        }
    })
}

/// A running standalone TaskRun with its pod name.
pub fn taskrun(name: &str, start: i64, timeout: &str, task: &str) -> Value {
    json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {
            "name": name, "namespace": "ci", "creationTimestamp": at(start),
            "labels": {"tekton.dev/task": task}
        },
        "spec": {"taskRef": {"name": task, "kind": "Task"}, "timeout": timeout, "serviceAccountName": "default"},
        "status": {
            "startTime": at(start),
            "podName": format!("{name}-pod"),
            "conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running",
                "message": "Not all Steps in the Task have finished executing", "lastTransitionTime": at(start)}]
        }
    })
}

/// A running TaskRun of a PipelineRun (owned by it, as Tekton creates them).
pub fn child_taskrun(pr: &Value, task: &str, start: i64) -> Value {
    let pr_name = pr["metadata"]["name"].as_str().unwrap();
    json!({
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {
            "name": format!("{pr_name}-{task}"), "namespace": "ci", "creationTimestamp": at(start),
            "labels": {"tekton.dev/pipelineRun": pr_name, "tekton.dev/pipelineTask": task,
                "tekton.dev/pipeline": "nightly", "tekton.dev/task": task},
            "ownerReferences": [{"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "name": pr_name,
                "uid": pr["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {"taskRef": {"name": task, "kind": "Task"}, "timeout": "1h0m0s", "serviceAccountName": "default"},
        "status": {
            "startTime": at(start),
            "podName": format!("{pr_name}-{task}-pod"),
            "conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running",
                "message": "Not all Steps in the Task have finished executing", "lastTransitionTime": at(start)}]
        }
    })
}

/// A running batch/v1 Job.
pub fn job(name: &str, start: i64, active_deadline: Option<u64>) -> Value {
    let mut j = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "ci", "creationTimestamp": at(start),
            "labels": {"app": "backup"}},
        "spec": {
            "backoffLimit": 6, "completions": 1, "parallelism": 1, "suspend": false,
            "template": {"metadata": {"labels": {"app": "backup"}},
                "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 10,
                    "containers": [{"name": "main", "image": "busybox:1.36", "command": ["sleep", "99999"]}]}}
        },
        "status": {"startTime": at(start), "active": 1, "ready": 1, "terminating": 0, "uncountedTerminatedPods": {}}
    });
    if let Some(s) = active_deadline {
        j["spec"]["activeDeadlineSeconds"] = s.into();
    }
    j
}

/// A finished (Complete) Job.
pub fn finished_job(name: &str, done: i64, annotations: Value) -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "ci", "creationTimestamp": at(done - 60),
            "annotations": annotations},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}}},
        "status": {"startTime": at(done - 60), "completionTime": at(done), "succeeded": 1,
            "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": at(done)},
                {"type": "Complete", "status": "True", "lastTransitionTime": at(done)}
            ]}
    })
}

/// A pod owned by a Job (with the Job controller's labels).
pub fn job_pod(name: &str, job: &Value, created: i64, phase: &str) -> Value {
    let job_name = job["metadata"]["name"].as_str().unwrap();
    let uid = job["metadata"]["uid"].as_str().unwrap();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name, "namespace": "ci", "creationTimestamp": at(created),
            "labels": {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": job_name,
                "controller-uid": uid, "job-name": job_name},
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": job_name, "uid": uid,
                "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 10,
            "containers": [{"name": "main", "image": "busybox:1.36"}]},
        "status": {"phase": phase, "startTime": at(created)}
    })
}

/// A pod owned by a TaskRun.
pub fn taskrun_pod(tr: &Value, created: i64, phase: &str, waiting: Option<&str>) -> Value {
    let tr_name = tr["metadata"]["name"].as_str().unwrap();
    let uid = tr["metadata"]["uid"].as_str().unwrap();
    let mut p = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{tr_name}-pod"), "namespace": "ci", "creationTimestamp": at(created),
            "labels": {"tekton.dev/taskRun": tr_name, "tekton.dev/taskRunUID": uid,
                "app.kubernetes.io/managed-by": "tekton-pipelines"},
            "ownerReferences": [{"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": tr_name, "uid": uid,
                "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {"containers": [{"name": "step-run", "image": "alpine:3.20"}]},
        "status": {"phase": phase}
    });
    if let Some(w) = waiting {
        p["status"]["containerStatuses"] = json!([{"name": "step-run", "ready": false, "restartCount": 0,
            "image": "alpine:3.20", "imageID": "",
            "state": {"waiting": {"reason": w, "message": "Back-off pulling image \"alpine:3.20\""}}}]);
    }
    p
}
