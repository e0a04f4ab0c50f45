//! Kubernetes workloads end to end, through the binary: the platform Job of issue 15 ("the
//! case cutoff must catch") with its exact findings, its fix, and every later edit that makes
//! one of its seven numbers disagree; one root cause, one finding; Kustomize patches applied
//! to their base; the strict preset; `cutoff timeouts`; the README's example as written.

mod common;
#[allow(unused_imports)]
use common::*;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The case, verbatim from the issue.
const CASE: &str = r#"apiVersion: batch/v1
kind: Job
metadata:
  name: agent-job-17
  annotations:
    flowforge.io/timeout-seconds: "7200"
    flowforge.io/grace-period-seconds: "300"
    flowforge.io/ttl-seconds-after-finished: "3600"
spec:
  ttlSecondsAfterFinished: 3600
  activeDeadlineSeconds: 7200
  backoffLimit: 3
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: worker
          env:
            - {name: FLOWFORGE_TIMEOUT, value: "7200"}
            - {name: FLOWFORGE_GRACE_PERIOD, value: "300"}
          lifecycle:
            preStop:
              exec: {command: [/bin/sh, -c, "/app/save-state.sh; sleep 10"]}
"#;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cutoff"));
    c.env_remove("NO_COLOR");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run cutoff")
}

/// `cutoff lint --format json` in `dir` with `extra` arguments: (code, line, column, message).
fn findings(dir: &Path, extra: &[&str]) -> Vec<(String, u64, u64, String)> {
    let mut args = vec!["lint", "--root", ".", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let o = run_in(dir, &args);
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stderr)));
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn codes(f: &[(String, u64, u64, String)]) -> Vec<&str> {
    f.iter().map(|(c, ..)| c.as_str()).collect()
}

#[test]
fn the_case_is_caught_exactly() {
    let dir = tree(&[("jobs/agent-job-17.yaml", CASE)]);
    let f = findings(dir.path(), &[]);
    assert_eq!(
        f,
        vec![(
            "JOB004".to_string(),
            7,
            40,
            "annotation `flowforge.io/grace-period-seconds` and env var `FLOWFORGE_GRACE_PERIOD` (container `worker`) promise a 300 s (5m) grace period, but the pod gets 30 s (the default: no `spec.template.spec.terminationGracePeriodSeconds`): a shutdown that needs the promised time is killed after 30 s".to_string()
        )]
    );
    // The same with every rule on: nothing else is wrong with it.
    let all = findings(
        dir.path(),
        &[
            "--select",
            "ALL",
            "--extend-select",
            "JOB001,JOB013,CRON001",
        ],
    );
    assert_eq!(codes(&all), vec!["JOB004"]);
    // The exit code says there is an error.
    let o = run_in(dir.path(), &["lint", "--root", ".", "."]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn the_case_fix_writes_the_promised_grace_period() {
    let dir = tree(&[("jobs/agent-job-17.yaml", CASE)]);
    // A safe fix alone changes nothing: raising the grace period changes behaviour.
    let o = run_in(dir.path(), &["lint", "--root", ".", "--fix", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let path = dir.path().join("jobs/agent-job-17.yaml");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CASE);
    let o = run_in(
        dir.path(),
        &["lint", "--root", ".", "--fix", "--unsafe-fixes", "."],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        fixed,
        CASE.replace(
            "      restartPolicy: OnFailure\n",
            "      terminationGracePeriodSeconds: 300\n      restartPolicy: OnFailure\n"
        )
    );
    assert!(findings(dir.path(), &[]).is_empty());
}

/// Every later edit where one of the seven numbers stops agreeing with the others.
#[test]
fn every_number_is_watched() {
    let fixed = CASE.replace(
        "      restartPolicy: OnFailure\n",
        "      terminationGracePeriodSeconds: 300\n      restartPolicy: OnFailure\n",
    );
    let edits: &[(&str, &str, &str, &[&str])] = &[
        (
            "timeout annotation",
            "flowforge.io/timeout-seconds: \"7200\"",
            "flowforge.io/timeout-seconds: \"3600\"",
            &["JOB002"],
        ),
        (
            "grace annotation",
            "flowforge.io/grace-period-seconds: \"300\"",
            "flowforge.io/grace-period-seconds: \"120\"",
            &["JOB004"],
        ),
        (
            "TTL annotation",
            "flowforge.io/ttl-seconds-after-finished: \"3600\"",
            "flowforge.io/ttl-seconds-after-finished: \"86400\"",
            &["JOB003"],
        ),
        (
            "TTL field",
            "ttlSecondsAfterFinished: 3600",
            "ttlSecondsAfterFinished: 600",
            &["JOB003"],
        ),
        (
            // The annotation and the env var both disagree with the new deadline: two places
            // to fix, one finding each.
            "deadline",
            "activeDeadlineSeconds: 7200",
            "activeDeadlineSeconds: 3600",
            &["JOB002", "JOB005"],
        ),
        (
            "timeout env var",
            "{name: FLOWFORGE_TIMEOUT, value: \"7200\"}",
            "{name: FLOWFORGE_TIMEOUT, value: \"1800\"}",
            &["JOB005"],
        ),
        (
            "grace env var",
            "{name: FLOWFORGE_GRACE_PERIOD, value: \"300\"}",
            "{name: FLOWFORGE_GRACE_PERIOD, value: \"60\"}",
            &["JOB004"],
        ),
        (
            "grace period",
            "terminationGracePeriodSeconds: 300",
            "terminationGracePeriodSeconds: 200",
            &["JOB004"],
        ),
        ("preStop sleep", "sleep 10", "sleep 300", &["JOB006"]),
    ];
    let dir = tree(&[("jobs/agent-job-17.yaml", &fixed)]);
    assert!(findings(dir.path(), &[]).is_empty());
    for (what, from, to, want) in edits {
        assert!(fixed.contains(from), "{what}: {from:?}");
        let dir = tree(&[("jobs/agent-job-17.yaml", &fixed.replacen(from, to, 1))]);
        let f = findings(dir.path(), &[]);
        assert_eq!(codes(&f), *want, "after changing the {what}: {f:#?}");
    }
}

#[test]
fn a_zero_deadline_is_one_finding() {
    let job = CASE
        .replace("activeDeadlineSeconds: 7200", "activeDeadlineSeconds: 0")
        .replace("backoffLimit: 3", "backoffLimit: 6")
        .replace(
            "      restartPolicy: OnFailure\n",
            "      activeDeadlineSeconds: 60\n      restartPolicy: OnFailure\n",
        );
    let dir = tree(&[("job.yaml", &job)]);
    let f = findings(dir.path(), &[]);
    assert_eq!(
        codes(&f),
        vec!["JOB004", "JOB010"],
        "JOB004 is the grace period's own root cause; the zero deadline is JOB010 alone: {f:#?}"
    );
}

const BASE: &str = r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      activeDeadlineSeconds: 1800
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: registry.example.com/report:1.0
"#;

const PATCH: &str = r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "*/10 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              env:
                - name: REGION
                  value: eu
"#;

#[test]
fn a_patch_is_judged_applied_to_its_base() {
    let dir = tree(&[
        ("base/kustomization.yaml", "resources:\n  - cronjob.yaml\n"),
        ("base/cronjob.yaml", BASE),
        (
            "overlays/prod/kustomization.yaml",
            "resources:\n  - ../../base\npatches:\n  - path: schedule.yaml\n",
        ),
        ("overlays/prod/schedule.yaml", PATCH),
    ]);
    // The base alone is fine; applied to it, the patch's schedule runs every 10 minutes while
    // a run may take 30: reported at the patch, with the base's deadline as a label. The
    // patch's missing restart policy and deadline are its base's.
    let o = run_in(
        dir.path(),
        &[
            "lint",
            "--root",
            ".",
            "--format",
            "json",
            "--extend-select",
            "JOB001,JOB013,CRON001",
            ".",
        ],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap();
    let mine: Vec<&Value> = d
        .iter()
        .filter(|d| d["code"] != "CRON001" && d["code"] != "JOB013")
        .collect();
    assert_eq!(mine.len(), 1, "{d:#?}");
    assert_eq!(mine[0]["code"], "CRON003");
    assert_eq!(mine[0]["path"], "overlays/prod/schedule.yaml");
    assert_eq!(mine[0]["labels"][0]["path"], "base/cronjob.yaml");
    // Without the base in the repository, the patch is partial: nothing is missing there.
    let dir = tree(&[
        (
            "overlays/prod/kustomization.yaml",
            "resources:\n  - ../../base\npatches:\n  - path: schedule.yaml\n",
        ),
        ("overlays/prod/schedule.yaml", PATCH),
    ]);
    let f = findings(dir.path(), &["--extend-select", "JOB001,JOB013,CRON001"]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn off_by_default_rules_and_the_strict_preset() {
    let job = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: r\nspec:\n  schedule: \"@daily\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n            - name: r\n              image: r:1\n";
    let dir = tree(&[("cronjob.yaml", job)]);
    assert!(findings(dir.path(), &[]).is_empty());
    let dir = tree(&[("cronjob.yaml", job), (".cutoff.yaml", "preset: strict\n")]);
    let f = findings(dir.path(), &[]);
    assert_eq!(codes(&f), vec!["CRON001", "JOB001"], "{f:#?}");
    let dir = tree(&[
        ("cronjob.yaml", job),
        (".cutoff.yaml", "preset: strict\nignore: [CRON001]\n"),
    ]);
    assert_eq!(codes(&findings(dir.path(), &[])), vec!["JOB001"]);
    let o = bin().args(["rules", "--format", "json"]).output().unwrap();
    let rules: Value = serde_json::from_slice(&o.stdout).unwrap();
    for (code, on) in [
        ("JOB001", false),
        ("JOB013", false),
        ("CRON001", false),
        ("JOB004", true),
    ] {
        let r = rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap();
        assert_eq!(r["default"], on, "{code}");
    }
}

#[test]
fn configuration_errors_name_the_line() {
    let dir = tree(&[
        ("job.yaml", CASE),
        (".cutoff.yaml", "kubernetes:\n  source-of-truth: both\n"),
    ]);
    let o = run_in(dir.path(), &["lint", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains(".cutoff.yaml:2:20"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn timeouts_shows_the_job_as_a_tree() {
    let dir = tree(&[("jobs/agent-job-17.yaml", CASE)]);
    let o = run_in(dir.path(), &["timeouts", "--root", ".", "jobs"]);
    let out = text(&o.stdout);
    for want in [
        "Job agent-job-17 · jobs/agent-job-17.yaml:4:9",
        "grace period (terminationGracePeriodSeconds): 30 s · default",
        "preStop hook of container worker: exec sleeps 10 s",
        "annotation `flowforge.io/grace-period-seconds` = \"300\" at jobs/agent-job-17.yaml:7:40 → grace period: DISAGREES (the Job has 30 s)  [JOB004]",
        "env var `FLOWFORGE_TIMEOUT` (container `worker`) = \"7200\" at jobs/agent-job-17.yaml:19:48 → deadline: agrees",
        "back-off before them 70 s in all",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let o = run_in(
        dir.path(),
        &["timeouts", "--root", ".", "--format", "json", "jobs"],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let job = &v["jobs"][0];
    assert_eq!(job["grace"]["value"], 30);
    assert_eq!(job["grace"]["origin"], "default");
    assert_eq!(job["deadline"]["value"], 7200);
    assert_eq!(job["back_off"]["total"], 70);
    assert_eq!(job["promises"].as_array().unwrap().len(), 5);
    assert_eq!(job["findings"][0]["code"], "JOB004");
    let eff = v["effective"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["family"] == "kubernetes")
        .unwrap();
    assert_eq!(eff["subject"], "job");
    assert_eq!(eff["value"], "2h0m0s");
}

/// The README's "Kubernetes workloads" example: the manifest is the case, and the output
/// shown is what the binary prints.
#[test]
fn readme_example_is_what_cutoff_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("## Kubernetes workloads").expect("section");
    let section = &readme[start..readme[start..].find("## Configuration").unwrap() + start];
    let block = |lang: &str| -> String {
        let open = format!("```{lang}\n");
        let mut rest = section;
        let mut found = Vec::new();
        while let Some(i) = rest.find(&open) {
            let body = &rest[i + open.len()..];
            let end = body.find("```").unwrap();
            found.push(body[..end].to_string());
            rest = &body[end..];
        }
        found.pop().unwrap_or_else(|| panic!("no ```{lang} block"))
    };
    assert_eq!(block("yaml"), CASE);
    let shown = block("text");
    let (cmd, output) = shown.split_once('\n').unwrap();
    assert_eq!(cmd, "$ cutoff lint --format concise jobs/");
    let dir = tree(&[("jobs/agent-job.yaml", CASE)]);
    let o = run_in(dir.path(), &["lint", "--format", "concise", "jobs/"]);
    assert_eq!(text(&o.stdout), output);
}
