//! `cutoff watch` end to end: the real binary (built with the `watch` feature) against a
//! loopback fake Kubernetes API server that speaks the list/watch protocol, with a generated
//! kubeconfig and a file clock. Assertions are on the requests the server recorded and on the
//! audit log. No real API server can run where these tests run; see README, "Testing
//! without a cluster".
#![cfg(feature = "watch")]

#[path = "watch_support/mod.rs"]
mod common;

use common::fake_api::Recorded;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const MIN: i64 = 60;

fn patches(h: &Harness, plural: &str) -> Vec<Recorded> {
    h.writes()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.contains(&format!("/{plural}/")))
        .collect()
}

fn deletes(h: &Harness, path: &str) -> Vec<Recorded> {
    h.writes()
        .into_iter()
        .filter(|r| r.method == "DELETE" && r.path.contains(path))
        .collect()
}

fn event_posts(h: &Harness) -> Vec<Recorded> {
    h.writes()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/events"))
        .collect()
}

fn actions_of<'a>(recs: &'a [Value], name: &str) -> Vec<(&'a str, &'a str)> {
    recs.iter()
        .filter(|r| r["record"] == "action" && r["name"] == name)
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
            )
        })
        .collect()
}

/// The ladder's objects: a PipelineRun (cap 30m), a standalone TaskRun (template 20m) and a
/// Job (cap 1h) with a pod each, all with their deadline at T0+30m.
fn ladder_objects(h: &Harness) -> (Value, Value, Value) {
    let pr = h.api.put(pipelinerun("nightly-a1", 0, "1h0m0s"));
    h.api.put(child_taskrun(&pr, "build", 0));
    let tr = h.api.put(taskrun("lint-run-1", 10 * MIN, "1h0m0s", "lint"));
    h.api.put(taskrun_pod(&tr, 10 * MIN, "Running", None));
    let job = h.api.put(job("backup-2", -30 * MIN, None));
    h.api
        .put(job_pod("backup-2-x7k2p", &job, -30 * MIN, "Running"));
    (pr, tr, job)
}

async fn http_get(addr: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else {
        return (0, String::new());
    };
    let req = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    let code = buf
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = buf
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string();
    (code, body)
}

fn listen_addr(p: &Proc) -> Option<String> {
    p.stderr()
        .lines()
        .find_map(|l| l.split("serving /metrics /healthz /readyz on ").nth(1))
        .map(|s| s.trim().to_string())
}

/// Waits until the watcher has listed everything and evaluated at least once.
async fn wait_ready(h: &Harness, p: &Proc) {
    h.wait_for("the watcher to list and evaluate", &[p], || {
        p.stderr().contains("cutoff watch") && h.api.open_watches() >= 5
    })
    .await;
    // Two ticks for the first evaluation.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_dry_run_reports_everything_and_changes_nothing() {
    let h = Harness::new("once-dry", knowledge()).await;
    ladder_objects(&h);
    h.api.put(finished_job(
        "report-1",
        10 * MIN,
        json!({"example.com/ttl-seconds-after-finished": "300"}),
    ));
    let ghost =
        json!({"metadata": {"name": "gone", "uid": "0000dead-0000-4000-8000-000000000000"}});
    h.api.put(job_pod("gone-q9", &ghost, 0, "Running"));
    h.api.put(job("backup-9", 40 * MIN, Some(7200)));
    h.set_clock(45 * MIN);

    let mut p = h.spawn("w", &["--once"]);
    assert_eq!(
        p.wait_exit(Duration::from_secs(20)).await,
        0,
        "{}",
        p.stderr()
    );
    assert!(h.writes().is_empty(), "dry-run wrote: {:?}", h.writes());
    assert!(
        h.api.requests().iter().all(|r| !r.is_watch()),
        "--once must not watch"
    );
    let audit = p.audit();
    assert_eq!(audit.first().unwrap()["action"], "start");
    assert_eq!(audit.last().unwrap()["action"], "stop");
    let decision = |name: &str, rule: &str| {
        audit
            .iter()
            .find(|r| r["record"] == "decision" && r["name"] == name && r["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} decision for {name}: {audit:?}"))
            .clone()
    };
    let d = decision("nightly-a1", "deadline");
    assert_eq!(
        d["message"],
        "cut off after 30m0s: policy kinds.PipelineRun.max (.cutoff.yaml:7)"
    );
    assert_eq!(d["deadline"], at(30 * MIN));
    assert_eq!(d["elapsed"], "45m0s");
    assert_eq!(d["limit"], "30m0s");
    assert_eq!(d["outcome"], "reported");
    assert_eq!(d["kind"], "PipelineRun");
    assert_eq!(d["namespace"], "ci");
    assert!(!d["uid"].as_str().unwrap().is_empty());
    assert!(!d["resourceVersion"].as_str().unwrap().is_empty());
    assert_eq!(
        decision("lint-run-1", "deadline")["message"],
        "cut off after 20m0s: repository tekton/lint-run.yaml:8 spec.timeout"
    );
    assert_eq!(
        decision("backup-2", "deadline")["reason"],
        "policy kinds.Job.max (.cutoff.yaml:9)"
    );
    assert_eq!(decision("report-1", "ttl")["action"], "delete");
    assert_eq!(decision("gone-q9", "orphan")["action"], "report");
    assert_eq!(
        decision("backup-9", "drift")["message"],
        "spec.activeDeadlineSeconds is 7200 on the cluster, the repository says 1800"
    );
    for name in ["nightly-a1", "lint-run-1", "backup-2"] {
        assert_eq!(
            actions_of(&audit, name),
            vec![("warn", "dry-run")],
            "{name}"
        );
    }
    assert_eq!(actions_of(&audit, "report-1"), vec![("delete", "dry-run")]);
    assert!(
        actions_of(&audit, "gone-q9").is_empty(),
        "orphans are not acted on by default"
    );
    assert!(actions_of(&audit, "backup-9").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_walks_the_ladder_once_per_step() {
    let h = Harness::new("ladder", knowledge()).await;
    let (pr, tr, job) = ladder_objects(&h);
    h.set_clock(10 * MIN);
    let mut p = h.spawn("w", &["-n", "ci", "--enforce", "--listen", "127.0.0.1:0"]);
    wait_ready(&h, &p).await;
    let addr = listen_addr(&p).expect("listen address logged");
    let (code, _) = http_get(&addr, "/readyz").await;
    assert_eq!(code, 200);
    assert_eq!(http_get(&addr, "/healthz").await.0, 200);
    assert!(h.writes().is_empty(), "nothing is due at T0+10m");

    // Deadline: warn (one Event each).
    h.set_clock(30 * MIN);
    h.wait_for("three warnings", &[&p], || event_posts(&h).len() >= 3)
        .await;
    for e in event_posts(&h) {
        let b = e.body.unwrap();
        assert_eq!(b["reason"], "CutoffDeadlineExceeded");
        assert_eq!(b["type"], "Warning");
        assert!(b["metadata"]["name"]
            .as_str()
            .unwrap()
            .contains(".cutoff-warn-"));
        assert_eq!(b["involvedObject"]["namespace"], "ci");
    }
    let pr_event = event_posts(&h)
        .into_iter()
        .find(|e| e.body.as_ref().unwrap()["involvedObject"]["name"] == "nightly-a1")
        .unwrap();
    assert_eq!(
        pr_event.body.unwrap()["message"],
        "cut off after 30m0s: policy kinds.PipelineRun.max (.cutoff.yaml:7)"
    );
    assert!(patches(&h, "pipelineruns").is_empty());

    // +1m: graceful.
    h.set_clock(31 * MIN);
    h.wait_for("graceful on all three", &[&p], || {
        patches(&h, "pipelineruns").len() == 1
            && patches(&h, "taskruns").len() == 1
            && patches(&h, "jobs").len() == 1
    })
    .await;
    let pp = &patches(&h, "pipelineruns")[0];
    assert_eq!(
        pp.content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    assert_eq!(
        pp.query.get("fieldManager").map(String::as_str),
        Some("cutoff-watch")
    );
    let body = pp.body.clone().unwrap();
    assert_eq!(body["spec"]["status"], "CancelledRunFinally");
    assert_eq!(
        body["metadata"]["resourceVersion"], pr["metadata"]["resourceVersion"],
        "the patch carries the observed resourceVersion"
    );
    assert_eq!(
        body["metadata"]["annotations"]["cutoff.dev/escalation"],
        format!("graceful@{}", at(31 * MIN))
    );
    assert_eq!(
        patches(&h, "taskruns")[0].body.as_ref().unwrap()["spec"]["status"],
        "TaskRunCancelled"
    );
    assert_eq!(
        patches(&h, "jobs")[0].body.as_ref().unwrap()["spec"]["suspend"],
        true
    );
    assert_eq!(
        h.api.get("pipelineruns", "ci", "nightly-a1").unwrap()["spec"]["status"],
        "CancelledRunFinally"
    );

    // +10s (the Job's pods' grace period): hard on the Job — its pods go with grace 0.
    h.set_clock(31 * MIN + 10);
    h.wait_for("the Job's pods deleted", &[&p], || {
        deletes(&h, "/pods/backup-2-").len() == 1 && patches(&h, "jobs").len() == 2
    })
    .await;
    let d = &deletes(&h, "/pods/backup-2-")[0];
    assert_eq!(d.body.as_ref().unwrap()["gracePeriodSeconds"], 0);
    assert!(h.api.get("pods", "ci", "backup-2-x7k2p").is_none());
    assert_eq!(
        patches(&h, "pipelineruns").len(),
        1,
        "PipelineRun hard is due at +30s"
    );

    // +30s: hard on the PipelineRun (Cancelled) and the TaskRun (pod deleted).
    h.set_clock(31 * MIN + 30);
    h.wait_for("hard on PipelineRun and TaskRun", &[&p], || {
        patches(&h, "pipelineruns").len() == 2 && deletes(&h, "/pods/lint-run-1-pod").len() == 1
    })
    .await;
    assert_eq!(
        patches(&h, "pipelineruns")[1].body.as_ref().unwrap()["spec"]["status"],
        "Cancelled"
    );

    // +5m: force — delete with background propagation.
    h.set_clock(36 * MIN + 30);
    h.wait_for("three deletes", &[&p], || {
        deletes(&h, "/jobs/").len() == 1
            && deletes(&h, "/pipelineruns/").len() == 1
            && deletes(&h, "/taskruns/").len() == 1
            // An Event for each step on each object.
            && event_posts(&h).len() == 12
    })
    .await;
    for d in deletes(&h, "/jobs/")
        .into_iter()
        .chain(deletes(&h, "/pipelineruns/"))
        .chain(deletes(&h, "/taskruns/"))
    {
        let b = d.body.unwrap();
        assert_eq!(b["propagationPolicy"], "Background");
        assert!(b["preconditions"]["uid"].is_string());
    }
    assert_eq!(
        deletes(&h, "/jobs/")[0].body.as_ref().unwrap()["preconditions"]["uid"],
        job["metadata"]["uid"]
    );
    assert!(h.api.get("jobs", "ci", "backup-2").is_none());
    assert!(h.api.get("taskruns", "ci", "lint-run-1").is_none());
    assert!(
        h.api.get("taskruns", "ci", "nightly-a1-build").is_none(),
        "background propagation removed the PipelineRun's TaskRun"
    );
    assert!(
        patches(&h, "taskruns")
            .iter()
            .all(|p| p.path.ends_with("/lint-run-1")),
        "a PipelineRun's TaskRuns are governed through the PipelineRun"
    );
    let _ = (&pr, &tr);

    // Much later: nothing more.
    let writes = h.writes().len();
    h.set_clock(3 * 3600);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(h.writes().len(), writes, "{:?}", &h.writes()[writes..]);

    let (code, metrics) = http_get(&addr, "/metrics").await;
    assert_eq!(code, 200);
    assert!(
        metrics.contains("cutoff_watch_actions_total{action=\"force\",outcome=\"done\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("cutoff_watch_deadlines_passed_total{kind=\"Job\"} 1"));

    // Ctrl+C: clean stop, audit flushed, exit 0.
    p.signal("INT");
    assert_eq!(p.wait_exit(Duration::from_secs(10)).await, 0);
    let audit = p.audit();
    assert_eq!(audit.last().unwrap()["action"], "stop");
    for name in ["nightly-a1", "lint-run-1", "backup-2"] {
        assert_eq!(
            actions_of(&audit, name),
            vec![
                ("warn", "done"),
                ("graceful", "done"),
                ("hard", "done"),
                ("force", "done")
            ],
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_walks_the_ladder_on_paper_only() {
    let h = Harness::new("dry", knowledge()).await;
    ladder_objects(&h);
    h.set_clock(30 * MIN);
    let mut p = h.spawn("w", &["-A"]);
    wait_ready(&h, &p).await;
    for (t, n) in [
        (30 * MIN, 1),
        (31 * MIN, 2),
        (31 * MIN + 30, 3),
        (36 * MIN + 30, 4),
    ] {
        h.set_clock(t);
        h.wait_for(&format!("step {n} on paper"), &[&p], || {
            let audit = p.audit();
            ["nightly-a1", "lint-run-1", "backup-2"]
                .iter()
                .all(|name| actions_of(&audit, name).len() >= n)
        })
        .await;
    }
    let audit = p.audit();
    for name in ["nightly-a1", "lint-run-1", "backup-2"] {
        assert_eq!(
            actions_of(&audit, name),
            vec![
                ("warn", "dry-run"),
                ("graceful", "dry-run"),
                ("hard", "dry-run"),
                ("force", "dry-run")
            ],
            "{name}"
        );
    }
    assert!(h.writes().is_empty(), "dry-run wrote: {:?}", h.writes());
    p.signal("TERM");
    assert_eq!(p.wait_exit(Duration::from_secs(10)).await, 0);
}

fn lists(h: &Harness, plural: &str) -> usize {
    h.api
        .requests()
        .iter()
        .filter(|r| {
            r.method == "GET"
                && r.path.ends_with(&format!("/{plural}"))
                && !r.is_watch()
                && r.query.get("limit").map(String::as_str) == Some("500")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_410_and_lost_connections_relist_without_repeating_actions() {
    let h = Harness::new("gone", knowledge()).await;
    h.api.put(pipelinerun("nightly-b1", 0, "1h0m0s"));
    h.set_clock(30 * MIN);
    let mut p = h.spawn("w", &["--enforce"]);
    wait_ready(&h, &p).await;
    h.wait_for("warn", &[&p], || event_posts(&h).len() == 1)
        .await;
    h.set_clock(31 * MIN);
    h.wait_for("graceful and its Event", &[&p], || {
        patches(&h, "pipelineruns").len() == 1 && event_posts(&h).len() == 2
    })
    .await;
    let events_before = event_posts(&h).len();

    // 410 Gone in the middle of the watch: the client re-lists.
    let before = lists(&h, "pipelineruns");
    h.api.expire_watches();
    h.wait_for("a re-list after 410", &[&p], || {
        lists(&h, "pipelineruns") > before && h.api.open_watches() >= 5
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        patches(&h, "pipelineruns").len(),
        1,
        "graceful must not repeat"
    );
    assert_eq!(event_posts(&h).len(), events_before, "warn must not repeat");
    assert!(
        p.stderr().contains("re-listing pipelineruns"),
        "{}",
        p.stderr()
    );

    // Something unwatched changes: only BOOKMARKs tell the Job watch about the new
    // resourceVersion.
    let other = h.api.put(json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "unrelated", "namespace": "elsewhere"}}));
    let bumped: u64 = other["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;

    // A lost connection (streams end without error): re-watch from the last
    // resourceVersion (no re-list), and still nothing repeated.
    let watches = h.api.requests().iter().filter(|r| r.is_watch()).count();
    let relists = lists(&h, "jobs");
    h.api.drop_watches();
    h.wait_for("re-watch after a lost connection", &[&p], || {
        h.api.requests().iter().filter(|r| r.is_watch()).count() >= watches + 5
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(patches(&h, "pipelineruns").len(), 1);
    assert_eq!(event_posts(&h).len(), events_before);
    assert_eq!(
        lists(&h, "jobs"),
        relists,
        "a lost connection re-watches, it does not re-list"
    );
    let rewatch = h
        .api
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.is_watch() && r.path.ends_with("/jobs"))
        .unwrap();
    let from: u64 = rewatch.query["resourceVersion"].parse().unwrap();
    assert!(
        from >= bumped,
        "the Job watch resumed from {from}, before the bookmarked {bumped}"
    );

    // The ladder goes on: hard once.
    h.set_clock(31 * MIN + 30);
    h.wait_for("hard", &[&p], || {
        patches(&h, "pipelineruns").len() == 2 && actions_of(&p.audit(), "nightly-b1").len() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(patches(&h, "pipelineruns").len(), 2);

    // A restart (kill -9) does not replay either: the annotation says "hard".
    p.signal("KILL");
    p.wait_exit(Duration::from_secs(5)).await;
    let writes = h.writes().len();
    let q = h.spawn("w2", &["--enforce"]);
    wait_ready(&h, &q).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.writes().len(), writes, "{:?}", &h.writes()[writes..]);
    let audit = p.audit();
    assert_eq!(
        actions_of(&audit, "nightly-b1"),
        vec![("warn", "done"), ("graceful", "done"), ("hard", "done")]
    );
    // Force comes 5m after hard, from the new process.
    h.set_clock(36 * MIN + 30);
    h.wait_for("force from the restarted watcher", &[&q], || {
        deletes(&h, "/pipelineruns/").len() == 1 && !actions_of(&q.audit(), "nightly-b1").is_empty()
    })
    .await;
    assert_eq!(
        actions_of(&q.audit(), "nightly-b1"),
        vec![("force", "done")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_continues_the_ladder_across_runs() {
    let h = Harness::new("once-steps", knowledge()).await;
    h.api.put(pipelinerun("nightly-c1", 0, "1h0m0s"));
    h.set_clock(30 * MIN);
    let mut a = h.spawn("run1", &["--once", "--enforce"]);
    assert_eq!(
        a.wait_exit(Duration::from_secs(20)).await,
        0,
        "{}",
        a.stderr()
    );
    assert_eq!(actions_of(&a.audit(), "nightly-c1"), vec![("warn", "done")]);
    // Too early for graceful: the second run finds the warning and stops there.
    h.set_clock(30 * MIN + 30);
    let mut b = h.spawn("run2", &["--once", "--enforce"]);
    assert_eq!(b.wait_exit(Duration::from_secs(20)).await, 0);
    assert_eq!(
        actions_of(&b.audit(), "nightly-c1"),
        vec![("warn", "skipped")]
    );
    assert!(patches(&h, "pipelineruns").is_empty());
    // A minute after the warning: graceful.
    h.set_clock(31 * MIN);
    let mut c = h.spawn("run3", &["--once", "--enforce"]);
    assert_eq!(c.wait_exit(Duration::from_secs(20)).await, 0);
    assert_eq!(
        actions_of(&c.audit(), "nightly-c1"),
        vec![("warn", "skipped"), ("graceful", "done")]
    );
    assert_eq!(patches(&h, "pipelineruns").len(), 1);
    let warn_creates = event_posts(&h)
        .iter()
        .filter(|e| e.body.as_ref().unwrap()["reason"] == "CutoffDeadlineExceeded")
        .count();
    assert_eq!(warn_creates, 3, "one created, two refused with 409");
    let created: Vec<Value> = h
        .api
        .list("events")
        .into_iter()
        .filter(|e| e["reason"] == "CutoffDeadlineExceeded")
        .collect();
    assert_eq!(created.len(), 1, "exactly one warning Event exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_orphans_stuck_and_drift() {
    let h = Harness::new("cleanup", knowledge()).await;
    h.api.put(finished_job(
        "report-1",
        10 * MIN,
        json!({"example.com/ttl-seconds-after-finished": "300"}),
    ));
    h.api.put(finished_job(
        "report-2",
        10 * MIN,
        json!({"example.com/ttl-seconds-after-finished": "86400"}),
    ));
    let ghost =
        json!({"metadata": {"name": "gone", "uid": "0000dead-0000-4000-8000-000000000000"}});
    h.api.put(job_pod("gone-q9", &ghost, 0, "Running"));
    let tr = h.api.put(taskrun("build-7", 0, "2h", "build"));
    h.api
        .put(taskrun_pod(&tr, 0, "Pending", Some("ImagePullBackOff")));
    h.api.put(job("backup-9", 0, Some(7200)));
    h.set_clock(20 * MIN);
    let mut p = h.spawn(
        "w",
        &["--once", "--enforce", "--act-on", "deadlines,ttl,orphans"],
    );
    assert_eq!(
        p.wait_exit(Duration::from_secs(20)).await,
        0,
        "{}",
        p.stderr()
    );
    let audit = p.audit();
    assert_eq!(actions_of(&audit, "report-1"), vec![("delete", "done")]);
    assert!(actions_of(&audit, "report-2").is_empty());
    assert_eq!(actions_of(&audit, "gone-q9"), vec![("delete", "done")]);
    let del = &deletes(&h, "/jobs/report-1")[0];
    assert_eq!(
        del.body.as_ref().unwrap()["propagationPolicy"],
        "Background"
    );
    assert!(h.api.get("jobs", "ci", "report-1").is_none());
    assert!(h.api.get("pods", "ci", "gone-q9").is_none());
    assert_eq!(
        h.api.count("GET", "/apis/batch/v1/namespaces/ci/jobs/gone"),
        1,
        "the orphan's owner is checked before deleting"
    );
    let stuck = audit
        .iter()
        .find(|r| r["rule"] == "stuck")
        .expect("stuck pod reported");
    assert_eq!(stuck["name"], "build-7-pod");
    assert_eq!(
        stuck["message"],
        "pod build-7-pod stuck in ImagePullBackOff for 20m0s"
    );
    assert!(
        actions_of(&audit, "build-7").is_empty(),
        "stuck is not acted on unless asked"
    );
    assert!(audit
        .iter()
        .any(|r| r["rule"] == "drift" && r["name"] == "backup-9"));
    assert!(actions_of(&audit, "backup-9").is_empty());

    // With --act-on stuck, the stuck TaskRun gets the ladder.
    let mut q = h.spawn("w2", &["--once", "--enforce", "--act-on", "stuck"]);
    assert_eq!(q.wait_exit(Duration::from_secs(20)).await, 0);
    let audit = q.audit();
    assert_eq!(actions_of(&audit, "build-7"), vec![("warn", "done")]);
    let d = audit
        .iter()
        .find(|r| r["record"] == "decision" && r["name"] == "build-7")
        .unwrap();
    assert_eq!(d["rule"], "stuck");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_never_both_act() {
    let h = Harness::new("leader", knowledge()).await;
    h.api.put(pipelinerun("nightly-d1", 0, "1h0m0s"));
    h.set_clock(10 * MIN);
    let lease = ["--enforce", "--leader-elect", "--lease-duration", "2s"];
    let mut a = h.spawn("replica-a", &lease);
    h.wait_for("replica-a to hold the Lease", &[&a], || {
        h.api
            .get("leases", "ci", "cutoff-watch")
            .is_some_and(|l| l["spec"]["holderIdentity"] == "replica-a")
    })
    .await;
    let mut b = h.spawn("replica-b", &lease);
    wait_ready(&h, &b).await;
    h.wait_for("replica-b to see the Lease", &[&b], || {
        b.stderr().contains("not the leader")
    })
    .await;

    h.set_clock(30 * MIN);
    h.wait_for("one warning", &[&a, &b], || {
        a.actions().iter().any(|r| r["action"] == "warn")
            && b.actions().iter().any(|r| r["action"] == "warn")
    })
    .await;
    assert_eq!(actions_of(&a.audit(), "nightly-d1"), vec![("warn", "done")]);
    let b_actions = b.actions();
    assert_eq!(b_actions.len(), 1);
    assert_eq!(b_actions[0]["outcome"], "skipped");
    assert_eq!(b_actions[0]["error"], "not the leader");
    assert_eq!(event_posts(&h).len(), 1);

    // The leader dies without releasing the Lease: B takes over after the lease duration.
    a.signal("KILL");
    a.wait_exit(Duration::from_secs(5)).await;
    h.wait_for("replica-b to take the Lease", &[&b], || {
        h.api
            .get("leases", "ci", "cutoff-watch")
            .is_some_and(|l| l["spec"]["holderIdentity"] == "replica-b")
    })
    .await;
    let lease_obj = h.api.get("leases", "ci", "cutoff-watch").unwrap();
    assert_eq!(lease_obj["spec"]["leaseTransitions"], 1);
    assert_eq!(lease_obj["spec"]["leaseDurationSeconds"], 2);

    h.set_clock(31 * MIN);
    h.wait_for("graceful by replica-b", &[&b], || {
        patches(&h, "pipelineruns").len() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(patches(&h, "pipelineruns").len(), 1);
    let b_audit = b.audit();
    assert_eq!(
        actions_of(&b_audit, "nightly-d1"),
        vec![
            ("warn", "skipped"),
            ("warn", "skipped"),
            ("graceful", "done")
        ]
    );
    let created: Vec<Value> = h.api.list("events");
    assert_eq!(
        created
            .iter()
            .filter(|e| e["reason"] == "CutoffDeadlineExceeded")
            .count(),
        1
    );
    // Every successful write came from exactly one replica at a time: A's before the
    // kill, B's after the takeover.
    assert!(a.actions().iter().all(|r| r["identity"] == "replica-a"));

    // A clean stop releases the Lease.
    b.signal("TERM");
    assert_eq!(b.wait_exit(Duration::from_secs(10)).await, 0);
    let l = h.api.get("leases", "ci", "cutoff-watch").unwrap();
    assert!(
        l["spec"].get("holderIdentity").is_none_or(Value::is_null),
        "{l}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_audited_and_set_the_exit_code() {
    let h = Harness::new("fail", knowledge()).await;
    h.api.put(pipelinerun("nightly-e1", 0, "1h0m0s"));
    h.api.fail("PATCH", "/pipelineruns/", 500, 1000);
    h.set_clock(30 * MIN);
    let mut p = h.spawn("w", &["--enforce"]);
    wait_ready(&h, &p).await;
    h.wait_for("warn", &[&p], || event_posts(&h).len() == 1)
        .await;
    h.set_clock(31 * MIN);
    h.wait_for("warn then a failed graceful", &[&p], || {
        p.actions()
            .iter()
            .any(|r| r["action"] == "graceful" && r["outcome"] == "failed")
    })
    .await;
    let failed = p
        .actions()
        .into_iter()
        .find(|r| r["outcome"] == "failed")
        .unwrap();
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("API server answered 500 InternalError"),
        "{failed}"
    );
    p.signal("INT");
    assert_eq!(p.wait_exit(Duration::from_secs(10)).await, 1);
    let audit = p.audit();
    let last = audit.last().unwrap();
    assert_eq!(last["action"], "stop");
    assert!(last["message"].as_str().unwrap().contains("failure"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_errors_exit_2_with_a_clear_message() {
    let h = Harness::new("setup", knowledge()).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .args(["watch", "--knowledge"])
        .arg(&h.knowledge)
        .args(["--kubeconfig", "/nonexistent/kubeconfig", "--once"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read kubeconfig /nonexistent/kubeconfig"),
        "{err}"
    );

    // An API server that refuses: the list fails with a clear message, exit 2.
    h.api.fail("GET", "/pipelineruns", 403, 10);
    let mut p = h.spawn("w", &["--once"]);
    assert_eq!(p.wait_exit(Duration::from_secs(20)).await, 2);
    assert!(
        p.stderr().contains("cannot list pipelineruns"),
        "{}",
        p.stderr()
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .args(["watch", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("WHAT IT WILL DO TO YOUR CLUSTER"), "{help}");
    assert!(help.contains("Dry-run is the default"));
    assert!(help.contains("--enforce"));
    assert!(help.contains("Examples:"));
    assert!(!help.contains("fake-clock"), "test-only flag is hidden");
    assert!(!help.contains("--knowledge"), "test-only flag is hidden");
}

/// `cutoff watch --repo`: what live objects are held to comes from linting the repository
/// (the same model as `cutoff timeouts`) and its `.cutoff.yaml` policy, and a live object is
/// linted as a manifest too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_repository_is_what_live_objects_are_held_to() {
    let h = Harness::new("repo", knowledge()).await;
    let repo = h.dir.join("repo");
    let write = |path: &str, text: &str| {
        let p = repo.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(".cutoff.yaml", "policy:\n  kinds:\n    Job: {max: 30m}\n");
    write(
        "runs/nightly.yaml",
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: nightly-\n  namespace: ci\nspec:\n  timeouts:\n    pipeline: 1h\n  pipelineRef:\n    name: nightly\n",
    );
    write(
        "jobs/report.yaml",
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\n  namespace: ci\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      activeDeadlineSeconds: 600\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n            - name: main\n              image: busybox\n",
    );
    // A Job its CronJob made: the template's deadline holds it.
    let mut made = job("report-28911", 0, None);
    made["metadata"]["ownerReferences"] = json!([{
        "apiVersion": "batch/v1", "kind": "CronJob", "name": "report",
        "uid": "1111aaaa-0000-4000-8000-000000000001", "controller": true
    }]);
    h.api.put(made);
    // A run the repository knows by name, applied by hand with another budget; and a Job.
    let mut live = pipelinerun("nightly-x1", 0, "2h");
    live["spec"]["timeouts"]["pipeline"] = json!("2h");
    h.api.put(live);
    h.api.put(job("backup-1", 0, None));
    // A run applied by hand with its timeout where v1 has none (TKN003 on the live object).
    let mut misplaced = pipelinerun("adhoc-1", 0, "1h");
    misplaced["metadata"]["generateName"] = json!("adhoc-");
    misplaced["spec"]["timeout"] = json!("3h");
    h.api.put(misplaced);
    h.set_clock(70 * MIN);

    let mut p = h.spawn_repo("w", &repo, &["--once"]);
    assert_eq!(
        p.wait_exit(Duration::from_secs(20)).await,
        0,
        "{}",
        p.stderr()
    );
    assert!(h.writes().is_empty(), "dry-run wrote: {:?}", h.writes());
    let audit = p.audit();
    let find = |name: &str, rule: &str| {
        audit
            .iter()
            .find(|r| r["record"] == "decision" && r["name"] == name && r["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} decision for {name}: {audit:#?}"))
            .clone()
    };
    // The repository's template (matched by generateName) holds the run to 1h, not its own 2h.
    let d = find("nightly-x1", "deadline");
    assert_eq!(d["limit"], "1h0m0s", "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("cut off after 1h0m0s: repository runs/nightly.yaml:"),
        "{d}"
    );
    // The policy caps the Job, which sets no deadline of its own.
    let d = find("backup-1", "deadline");
    assert_eq!(
        d["message"],
        "cut off after 30m0s: policy kinds.Job.max (.cutoff.yaml:3)"
    );
    // A CronJob's Job is held to the CronJob's template, below the policy's cap.
    let d = find("report-28911", "deadline");
    assert_eq!(d["limit"], "10m0s", "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("cut off after 10m0s: repository jobs/report.yaml:"),
        "{d}"
    );
    // The lint rules read the live object itself.
    let d = find("adhoc-1", "TKN003");
    assert!(
        d["message"].as_str().unwrap().contains("`spec.timeout`"),
        "{d}"
    );
}
