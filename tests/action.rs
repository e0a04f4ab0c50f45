//! The GitHub Action: `scripts/action.sh` (the logic behind `action.yml`) run with a fake
//! `GITHUB_*` environment — event payloads (pull_request, merge_group, push, forks,
//! Dependabot), `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_PATH`, `RUNNER_*` — over
//! temporary git repositories, with the inputs of `examples/github-workflow.yml`. Checks
//! the annotations (and GitHub's limit on them), the outputs, the step summary (findings
//! and Mermaid charts), the SARIF file and the exit code; installing from a local
//! directory laid out like a GitHub release (no network); building with fake cargo/rustc
//! that record where and with which toolchain they run. Also checks action.yml (inputs
//! through the environment, pinned actions, the cache around the build) and that README.md
//! shows the example files as they are.
//!
//! The real build from source (`action.sh install` with cargo) is exercised by
//! tests/pre-commit/run.sh, which already pays for a release build.

mod common;
#[allow(unused_imports)]
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

const VERSION: &str = env!("CARGO_PKG_VERSION");

const PIPELINE: &str = r#"apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: build
spec:
  tasks:
    - name: compile
      timeout: "30m"
      taskSpec:
        steps:
          - name: make
            image: alpine:3.20
            script: make
"#;

/// On the base branch already: TKN001 at line 9.
const OLD_RUN: &str = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: nightly
spec:
  pipelineRef:
    name: build
  timeouts:
    pipeline: 0
"#;

/// Added by the pull request: TKN007 (error) at line 10; a v1beta1 run with TKN005 (warning) at line 19.
const PR_RUN: &str = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: pull-request-
spec:
  pipelineRef:
    name: build
  timeouts:
    pipeline: "1h"
    tasks: "2h"
---
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata:
  generateName: legacy-
spec:
  pipelineRef:
    name: build
  timeout: 1h
"#;

/// A pull request: base commit with a Pipeline and an old finding, head commit adding
/// `.tekton/pull-request.yaml`. Returns (repository, base sha).
fn pr_repo() -> (tempfile::TempDir, String) {
    let repo = tempfile::tempdir().unwrap();
    let base = pr_repo_in(repo.path());
    (repo, base)
}

fn pr_repo_in(d: &Path) -> String {
    std::fs::create_dir_all(d).unwrap();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "pipelines/build.yaml", PIPELINE);
    write(d, "runs/nightly.yaml", OLD_RUN);
    let base = commit_all(d, "base");
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(d, ".tekton/pull-request.yaml", PR_RUN);
    commit_all(d, "pull request");
    base
}

/// Parses one of this repository's YAML files (with cutoff's own parser); no syntax errors.
fn yaml_file(path: &str) -> cutoff_core::yaml::Stream {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let stream = cutoff_core::yaml::parse(&text);
    if let Some(e) = stream.first_error() {
        panic!("{path} is not valid YAML: {e}");
    }
    assert_eq!(stream.documents.len(), 1, "{path}: one document");
    stream
}

fn scalar_map(node: cutoff_core::yaml::NodeRef<'_>) -> BTreeMap<String, String> {
    node.entries()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v.as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The steps of the job of examples/github-workflow.yml, as `uses` (or "run") and `with`.
fn example_steps() -> Vec<(String, BTreeMap<String, String>)> {
    let wf = yaml_file("examples/github-workflow.yml");
    let root = wf.documents[0].root_ref().unwrap();
    root.path(&["jobs", "cutoff", "steps"])
        .expect("jobs.cutoff.steps")
        .items()
        .map(|s| {
            (
                s.get("uses")
                    .and_then(|u| u.as_str())
                    .unwrap_or("run")
                    .to_string(),
                s.get("with").map(scalar_map).unwrap_or_default(),
            )
        })
        .collect()
}

/// The `with:` inputs of the cutoff step of examples/github-workflow.yml.
fn example_inputs() -> BTreeMap<String, String> {
    example_steps()
        .into_iter()
        .find(|(u, _)| u.starts_with("cutoff-dev/cutoff@"))
        .expect("the step that uses cutoff-dev/cutoff")
        .1
}

/// One run of `scripts/action.sh MODE` in `dir` with a fake Actions environment.
struct Run {
    out: Output,
    outputs: BTreeMap<String, String>,
    summary: String,
    github_path: String,
}

impl Run {
    fn stdout(&self) -> String {
        text(&self.out.stdout)
    }
    fn stderr(&self) -> String {
        text(&self.out.stderr)
    }
    /// Everything the runner reads workflow commands from.
    fn log(&self) -> String {
        format!("{}{}", self.stdout(), self.stderr())
    }
    fn code(&self) -> i32 {
        self.out.status.code().unwrap()
    }
    /// The annotations of findings (on stdout).
    fn annotations(&self) -> Vec<String> {
        self.stdout()
            .lines()
            .filter(|l| l.starts_with("::"))
            .map(str::to_string)
            .collect()
    }
    /// Every annotation, the action's own (on stderr) included.
    fn all_annotations(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| {
                l.starts_with("::error") || l.starts_with("::warning") || l.starts_with("::notice")
            })
            .map(str::to_string)
            .collect()
    }
    fn findings(&self) -> usize {
        self.outputs["findings"].parse().unwrap()
    }
    fn sarif(&self) -> Value {
        let p = &self.outputs["sarif-file"];
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    }
}

/// The event of a run.
#[derive(Clone)]
enum Event {
    Push,
    /// A pull request with this base commit.
    Pr(String),
    /// A pull request from a fork.
    ForkPr(String),
    /// A merge-queue entry built on this commit.
    MergeGroup(String),
}

/// What a call sets beyond the inputs.
#[derive(Default)]
struct Extra {
    env: Vec<(String, String)>,
    /// Directories put first on PATH (fake tools).
    path: Vec<PathBuf>,
    action_path: Option<PathBuf>,
}

struct Env {
    /// A directory with a `cutoff` symlink to the binary under test.
    bin_dir: tempfile::TempDir,
    runner_temp: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let bin_dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cutoff"), bin_dir.path().join("cutoff"))
            .unwrap();
        Env {
            bin_dir,
            runner_temp: tempfile::tempdir().unwrap(),
        }
    }

    /// `event`: None for a push event, else the pull request's base sha.
    fn run(
        &self,
        mode: &str,
        dir: &Path,
        event: Option<&str>,
        inputs: &[(&str, &str)],
        with_cutoff: bool,
    ) -> Run {
        let ev = match event {
            Some(b) => Event::Pr(b.to_string()),
            None => Event::Push,
        };
        self.call(mode, dir, ev, inputs, with_cutoff, &Extra::default())
    }

    fn call(
        &self,
        mode: &str,
        dir: &Path,
        event: Event,
        inputs: &[(&str, &str)],
        with_cutoff: bool,
        extra: &Extra,
    ) -> Run {
        let t = self.runner_temp.path();
        let (output, summary, gh_path, event_path) = (
            t.join("output"),
            t.join("summary.md"),
            t.join("path"),
            t.join("event.json"),
        );
        for f in [&output, &summary, &gh_path] {
            std::fs::write(f, "").unwrap();
        }
        let action_path = extra.action_path.clone().unwrap_or_else(root);
        let mut c = Command::new("bash");
        c.arg(action_path.join("scripts/action.sh"))
            .arg(mode)
            .current_dir(dir);
        // Nothing of a real Actions run (when these tests themselves run in one) leaks in.
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_")
                || k.starts_with("INPUT_")
                || k.starts_with("RUNNER_")
                || k.starts_with("CUTOFF_")
                || k.starts_with("RUSTUP_")
            {
                c.env_remove(k);
            }
        }
        let system_path = std::env::var("PATH").unwrap_or_default();
        let mut path: Vec<String> = extra.path.iter().map(|p| p.display().to_string()).collect();
        if with_cutoff {
            path.push(self.bin_dir.path().display().to_string());
        }
        // Without any other cutoff (e.g. a `cargo install`ed one in ~/.cargo/bin).
        path.extend(
            system_path
                .split(':')
                .filter(|p| !Path::new(p).join("cutoff").exists())
                .map(str::to_string),
        );
        c.env("PATH", path.join(":"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", &action_path)
            .env("GITHUB_WORKSPACE", dir)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_PATH", &gh_path)
            .env("GITHUB_ACTOR", "octocat")
            .env("RUNNER_TEMP", t)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            // No network: the release is a directory that does not exist, unless a test
            // lays one out.
            .env(
                "CUTOFF_RELEASE_URL",
                format!("file://{}/no-release", t.display()),
            )
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        let head = || {
            Command::new("git")
                .current_dir(dir)
                .args(["rev-parse", "HEAD"])
                .output()
                .map(|o| text(&o.stdout).trim().to_string())
                .unwrap_or_default()
        };
        let repo = json!({"full_name": "owner/repo", "fork": false});
        let (name, payload) = match &event {
            Event::Push => (
                "push",
                json!({"ref": "refs/heads/main", "before": "0".repeat(40), "after": "1".repeat(40)}),
            ),
            Event::Pr(base) | Event::ForkPr(base) => {
                let head_repo = if matches!(event, Event::ForkPr(_)) {
                    json!({"full_name": "someone/repo", "fork": true})
                } else {
                    repo.clone()
                };
                (
                    "pull_request",
                    json!({
                        "action": "synchronize",
                        "number": 7,
                        "pull_request": {
                            "number": 7,
                            "base": {"ref": "main", "sha": base, "repo": repo},
                            "head": {"ref": "feature", "sha": head(), "repo": head_repo},
                        },
                    }),
                )
            }
            Event::MergeGroup(base) => (
                "merge_group",
                json!({
                    "action": "checks_requested",
                    "merge_group": {
                        "head_sha": head(),
                        "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-0123",
                        "base_sha": base,
                        "base_ref": "refs/heads/main",
                    },
                }),
            ),
        };
        std::fs::write(&event_path, payload.to_string()).unwrap();
        c.env("GITHUB_EVENT_NAME", name)
            .env("GITHUB_EVENT_PATH", &event_path);
        for (k, v) in inputs {
            c.env(format!("INPUT_{}", k.to_uppercase().replace('-', "_")), v);
        }
        for (k, v) in &extra.env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let outputs = std::fs::read_to_string(&output)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Run {
            out,
            outputs,
            summary: std::fs::read_to_string(&summary).unwrap(),
            github_path: std::fs::read_to_string(&gh_path).unwrap(),
        }
    }
}

fn example_input_pairs() -> Vec<(String, String)> {
    example_inputs().into_iter().collect()
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn example_workflow_on_a_pull_request() {
    let inputs = example_input_pairs();
    assert_eq!(
        example_inputs(),
        BTreeMap::from([
            ("fail-on".into(), "warning".into()),
            ("paths".into(), ".".into()),
            ("sarif".into(), "true".into())
        ]),
        "the example's inputs changed: update this test"
    );
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let r = env.run("run", d, Some(&base), &as_refs(&inputs), true);

    // Annotations: only the changed file, with positions and rule titles.
    assert_eq!(r.code(), 1, "{}", r.stderr());
    let ann = r.annotations();
    assert_eq!(ann.len(), 2, "{ann:#?}\n{}", r.stderr());
    assert!(
        ann[0].starts_with("::error file=.tekton/pull-request.yaml,line=10,col=12,endLine=10,endColumn=16,title=TKN007 budget-exceeds-pipeline::"),
        "{}",
        ann[0]
    );
    assert!(
        ann[1].starts_with("::warning file=.tekton/pull-request.yaml,line=19,col=3,")
            && ann[1].contains("title=TKN005 "),
        "{}",
        ann[1]
    );
    assert!(
        !r.stdout().contains("runs/nightly.yaml"),
        "the base's old finding is not reported"
    );
    // The log also lists every finding, one line each.
    assert!(
        r.stdout()
            .contains(".tekton/pull-request.yaml:10:12: error[TKN007]"),
        "{}",
        r.stdout()
    );

    // Outputs.
    assert_eq!(r.outputs["findings"], "2");
    assert_eq!(r.outputs["exit-code"], "1");
    assert_eq!(r.outputs["category"], "cutoff");
    assert_eq!(r.outputs["upload-sarif"], "true");
    assert_eq!(PathBuf::from(&r.outputs["checkout-path"]), d);

    // SARIF: under the runner's temporary directory, not in the workspace; and of the whole
    // tree, although changed-only narrowed the annotations (must fix 2).
    let sarif_file = PathBuf::from(&r.outputs["sarif-file"]);
    assert!(
        sarif_file.starts_with(env.runner_temp.path()),
        "{sarif_file:?}"
    );
    assert!(!d.join("cutoff.sarif").exists());
    let sarif = r.sarif();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let mut files: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    files.dedup();
    assert_eq!(files, [".tekton/pull-request.yaml", "runs/nightly.yaml"]);
    assert_eq!(results.len(), 3);

    // The step summary: a Markdown table of the findings.
    let s = &r.summary;
    assert!(s.starts_with("## cutoff\n"), "{s}");
    assert!(
        s.contains(&format!(
            "2 findings (1 error, 1 warning) in 1 file changed since `{}`.",
            &base[..12]
        )),
        "{s}"
    );
    assert!(
        s.contains("| Severity | Rule | File:Line | Message |\n| --- | --- | --- | --- |\n"),
        "{s}"
    );
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with("| error") || l.starts_with("| warning"))
        .collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(rows[0].starts_with("| error | `TKN007` budget-exceeds-pipeline | `.tekton/pull-request.yaml:10` | `spec.timeouts.tasks"), "{}", rows[0]);
    assert!(rows[1].starts_with("| warning | `TKN005` deprecated-pipelinerun-timeout | `.tekton/pull-request.yaml:19` |"), "{}", rows[1]);
    for row in rows {
        assert_eq!(row.matches(" | ").count(), 3, "one cell per column: {row}");
    }
    // Under the table, the chart of each run the change touches (issue 19, section 4).
    let charts = s
        .split("### Timeouts of the runs this change touches")
        .nth(1)
        .unwrap_or_else(|| panic!("{s}"));
    assert_eq!(charts.matches("```mermaid\ngantt\n").count(), 2, "{charts}");
    assert!(
        charts.contains("#### PipelineRun `pull-request-*`")
            && charts.contains("#### PipelineRun `legacy-*`"),
        "{charts}"
    );
    assert!(!charts.contains("nightly"), "an untouched run: {charts}");
}

#[test]
fn changed_only_off_and_push_events_lint_everything() {
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let r = env.run("run", d, Some(&base), &[("changed-only", "false")], true);
    assert_eq!(r.code(), 1);
    assert_eq!(r.findings(), 3, "{}", r.stdout());
    assert!(
        r.stdout()
            .contains("::error file=runs/nightly.yaml,line=9,"),
        "{}",
        r.stdout()
    );
    assert!(r.summary.contains("in 3 files."), "{}", r.summary);
    assert!(
        !r.summary.contains("```mermaid"),
        "charts only for changed files"
    );
    assert_eq!(r.outputs["sarif-file"], "", "sarif defaults to false");
    assert_eq!(r.outputs["upload-sarif"], "false");

    // A push has no pull request base: changed-only does not apply.
    let r = env.run("run", d, None, &[], true);
    assert_eq!((r.code(), r.findings()), (1, 3), "{}", r.stderr());
}

#[test]
fn merge_queue_checks_what_the_pull_request_checked() {
    // Must fix 6: the merge queue used to lint the whole tree, so a pull request that passed
    // failed there on old findings it never touched.
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let pr = env.run("run", d, Some(&base), &[], true);
    let mq = env.call(
        "run",
        d,
        Event::MergeGroup(base.clone()),
        &[],
        true,
        &Extra::default(),
    );
    assert_eq!(
        (mq.code(), mq.findings()),
        (pr.code(), pr.findings()),
        "{}",
        mq.stderr()
    );
    assert_eq!(mq.annotations(), pr.annotations());
    assert!(
        !mq.stdout().contains("runs/nightly.yaml"),
        "{}",
        mq.stdout()
    );
    assert!(
        mq.summary
            .contains(&format!("changed since `{}`", &base[..12])),
        "{}",
        mq.summary
    );
    // With the old finding fixed on the base, the pull request's change alone fails neither.
    let (steps, wf) = (
        example_steps(),
        std::fs::read_to_string(root().join("examples/github-workflow.yml")).unwrap(),
    );
    assert!(
        wf.contains("\n  merge_group:"),
        "the example runs in the merge queue"
    );
    assert!(steps
        .iter()
        .any(|(u, _)| u.starts_with("cutoff-dev/cutoff@")));
}

#[test]
fn annotations_stop_at_githubs_limit_with_one_notice_for_the_rest() {
    // Must fix 1: the runner keeps 10 errors, 10 warnings and 10 notices per step; the
    // rest vanished without a word.
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..25 {
        files.push((
            format!("taskruns/tr-{i:02}.yaml"),
            format!("apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  name: tr-{i}\nspec:\n  taskRef: {{name: t}}\n  timeout: 0\n"),
        ));
    }
    for i in 0..12 {
        files.push((
            format!("runs/legacy-{i:02}.yaml"),
            format!("apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata:\n  name: legacy-{i}\nspec:\n  pipelineRef: {{name: p}}\n  timeout: 1h\n"),
        ));
    }
    for i in 0..3 {
        files.push((
            format!("notes/unused-{i}.yaml"),
            format!("apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  name: ok-{i}\nspec:\n  taskRef: {{name: t}}\n  timeout: 1h # cutoff: ignore[TKN001]\n"),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let repo = tree(&refs);
    let d = repo.path();
    let env = Env::new();
    let r = env.run("run", d, None, &[("fail-on", "error")], true);
    assert_eq!((r.code(), r.findings()), (1, 40), "{}", r.stderr());
    let ann = r.annotations();
    let count = |kind: &str| {
        ann.iter()
            .filter(|a| a.starts_with(&format!("::{kind} ")))
            .count()
    };
    assert_eq!(
        (count("error"), count("warning"), count("notice")),
        (10, 10, 4),
        "{ann:#?}"
    );
    // Errors first, then warnings, then notices; the last notice counts the rest.
    assert!(
        ann[0].starts_with("::error ")
            && ann[10].starts_with("::warning ")
            && ann[20].starts_with("::notice ")
    );
    let last = ann.last().unwrap();
    assert!(
        last.starts_with("::notice title=cutoff%3A 17 more findings::17 more findings of 40 without an annotation: GitHub shows at most 10 errors, 10 warnings and 10 notices per step. All 40 are in the job summary and the log of this step."),
        "{last}"
    );
    // The log lists all 40; so does the summary, which says what the annotations left out.
    assert_eq!(
        r.stdout()
            .lines()
            .filter(|l| l.contains(": error[") || l.contains(": warning[") || l.contains(": info["))
            .count(),
        40
    );
    assert_eq!(
        r.summary
            .lines()
            .filter(|l| l.starts_with("| error")
                || l.starts_with("| warning")
                || l.starts_with("| info"))
            .count(),
        40
    );
    assert!(
        r.summary.contains("GitHub shows at most 10 errors, 10 warnings and 10 notices per step as annotations: 17 findings of 40 have none."),
        "{}",
        r.summary
    );

    // The action's own annotations of this step count too.
    let used = env.runner_temp.path().join("used");
    std::fs::write(&used, "error\nerror\nerror\nnotice\n").unwrap();
    let r = env.call(
        "run",
        d,
        Event::Push,
        &[("fail-on", "error"), ("sarif", "true")],
        true,
        &Extra {
            env: vec![("CUTOFF_ANNOTATIONS".into(), used.display().to_string())],
            ..Extra::default()
        },
    );
    let ann = r.annotations();
    let count = |kind: &str| {
        ann.iter()
            .filter(|a| a.starts_with(&format!("::{kind} ")))
            .count()
    };
    assert_eq!(
        (count("error"), count("warning"), count("notice")),
        (7, 10, 4),
        "{ann:#?}"
    );
    assert!(ann.last().unwrap().contains("All 40 are in the job summary, the log of this step and code scanning (category `cutoff`)."), "{ann:#?}");
}

#[test]
fn category_names_the_upload() {
    // Must fix 3: without a category, two uploads in one job abort and matrix jobs
    // overwrite each other.
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    for category in ["cutoff-prod", "cutoff-staging"] {
        let r = env.run(
            "run",
            d,
            Some(&base),
            &[("sarif", "true"), ("category", category)],
            true,
        );
        assert_eq!(r.outputs["category"], category);
    }
    let r = env.run(
        "run",
        d,
        Some(&base),
        &[("sarif", "true"), ("category", "")],
        true,
    );
    assert_eq!(r.outputs["category"], "cutoff");
    let action = yaml_file("action.yml");
    let steps: Vec<_> = action.documents[0]
        .root_ref()
        .unwrap()
        .path(&["runs", "steps"])
        .unwrap()
        .items()
        .collect();
    let upload = steps
        .iter()
        .find(|s| {
            s.get("uses")
                .and_then(|u| u.as_str())
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .unwrap();
    let with = scalar_map(upload.get("with").unwrap());
    assert_eq!(with["category"], "${{ steps.run.outputs.category }}");
    assert_eq!(with["sarif_file"], "${{ steps.run.outputs.sarif-file }}");
    assert_eq!(
        with["checkout_path"],
        "${{ steps.run.outputs.checkout-path }}"
    );
    assert_eq!(
        upload.get("if").and_then(|i| i.as_str()),
        Some("${{ !cancelled() && steps.run.outputs.upload-sarif == 'true' }}")
    );
}

/// Fake `cargo`, `rustc` and `rustup` that log where they run and with which toolchain;
/// `cargo install --root R` puts the binary under test at R/bin/cutoff (or fails with 101
/// when FAKE_CARGO_FAIL is set).
fn fake_rust(dir: &Path) -> PathBuf {
    let log = dir.join("calls.log");
    let script = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(
            &p,
            format!(
                "#!/usr/bin/env bash\necho \"{name} $* | cwd=$(pwd) | RUSTUP_TOOLCHAIN=${{RUSTUP_TOOLCHAIN:-}}\" >>'{}'\n{body}\n",
                log.display()
            ),
        )
        .unwrap();
        std::os::unix::fs::PermissionsExt::set_mode(
            &mut std::fs::metadata(&p).unwrap().permissions(),
            0o755,
        );
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&p, perm).unwrap();
    };
    script("rustc", "echo 'rustc 1.95.0 (fake 2026-04-14)'");
    script("rustup", "exit 0");
    script(
        "cargo",
        &format!(
            r#"[ -n "${{FAKE_CARGO_FAIL:-}}" ] && {{ echo "error: could not compile" >&2; exit 101; }}
root=""; prev=""
for a in "$@"; do [ "$prev" = --root ] && root=$a; prev=$a; done
mkdir -p "$root/bin" && ln -sf '{}' "$root/bin/cutoff""#,
            env!("CARGO_BIN_EXE_cutoff")
        ),
    );
    log
}

#[test]
fn the_build_ignores_the_callers_toolchain() {
    // Must fix 4: cargo and rustc ran in the workspace, so the linted repository's
    // rust-toolchain.toml (which a pull request controls) chose the compiler.
    let (repo, _) = pr_repo();
    let d = repo.path();
    write(
        d,
        "rust-toolchain.toml",
        "[toolchain]\npath = \"./evil-toolchain\"\n",
    );
    let tools = tempfile::tempdir().unwrap();
    let log = fake_rust(tools.path());
    let env = Env::new();
    let extra = Extra {
        path: vec![tools.path().to_path_buf()],
        ..Extra::default()
    };
    let r = env.call("locate", d, Event::Push, &[], false, &extra);
    assert_eq!(
        (r.code(), r.outputs["need-build"].as_str()),
        (0, "true"),
        "{}",
        r.log()
    );
    assert!(
        r.log()
            .contains("::notice title=cutoff action::No release binary of cutoff"),
        "{}",
        r.log()
    );
    let r = env.call("install", d, Event::Push, &[], false, &extra);
    assert_eq!(r.code(), 0, "{}", r.log());
    let bin = PathBuf::from(&r.outputs["bin"]);
    assert!(bin.starts_with(env.runner_temp.path()), "{bin:?}");
    assert_eq!(
        r.github_path.trim(),
        bin.parent().unwrap().display().to_string()
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains("cargo install --locked --force --root"),
        "{calls}"
    );
    for call in calls.lines() {
        assert!(
            call.contains(&format!("| cwd={} |", root().display())),
            "ran outside the action's directory: {call}"
        );
        assert!(
            call.ends_with("| RUSTUP_TOOLCHAIN=stable"),
            "no explicit toolchain: {call}"
        );
    }

    // A failed build says so: an annotation and a summary line (it used to exit 101 with neither).
    let r = env.call(
        "install",
        d,
        Event::Push,
        &[],
        false,
        &Extra {
            env: vec![("FAKE_CARGO_FAIL".into(), "1".into())],
            ..extra
        },
    );
    assert_eq!(r.code(), 2, "{}", r.log());
    assert!(
        r.log().contains("::error title=cutoff action::building cutoff from source failed (cargo install exited 101; rustc 1.95.0): see the log of this step"),
        "{}",
        r.log()
    );
    assert!(
        r.summary.contains("building cutoff from source failed"),
        "{}",
        r.summary
    );
}

#[test]
fn the_build_cache_is_saved_whatever_the_lint_finds() {
    // Must fix 5: actions/cache saved in its post step, which a failed job (any finding)
    // skips; now restore and save surround the build.
    let action = yaml_file("action.yml");
    let steps: Vec<_> = action.documents[0]
        .root_ref()
        .unwrap()
        .path(&["runs", "steps"])
        .unwrap()
        .items()
        .collect();
    let names: Vec<String> = steps
        .iter()
        .map(|s| {
            s.get("uses")
                .and_then(|u| u.as_str())
                .map(|u| u.split('@').next().unwrap().to_string())
                .or_else(|| s.get("id").and_then(|i| i.as_str()).map(str::to_string))
                .unwrap()
        })
        .collect();
    assert_eq!(
        names,
        [
            "locate",
            "actions/cache/restore",
            "install",
            "actions/cache/save",
            "run",
            "github/codeql-action/upload-sarif"
        ]
    );
    let save = &steps[3];
    assert_eq!(
        save.get("if").and_then(|i| i.as_str()),
        Some("steps.locate.outputs.need-build == 'true' && steps.install.outcome == 'success' && steps.restore.outputs.cache-hit != 'true'")
    );
    let (restore_with, save_with) = (
        scalar_map(steps[1].get("with").unwrap()),
        scalar_map(save.get("with").unwrap()),
    );
    assert_eq!(restore_with["path"], save_with["path"]);
    assert_eq!(restore_with["key"], save_with["key"]);
}

/// A directory laid out like the GitHub release of `VERSION`: the binary under test as the
/// Linux x86_64 asset, and SHA256SUMS (with `bad` as its checksum when given).
fn release_dir(bad: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join(format!("v{VERSION}"));
    std::fs::create_dir_all(&v).unwrap();
    let asset = "cutoff-x86_64-unknown-linux-musl";
    std::fs::copy(env!("CARGO_BIN_EXE_cutoff"), v.join(asset)).unwrap();
    let o = Command::new("sha256sum")
        .arg(asset)
        .current_dir(&v)
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut sums = text(&o.stdout);
    if let Some(bad) = bad {
        sums = format!("{bad}  {asset}\n");
    }
    sums.push_str(&format!("{}  cutoff-x86_64-apple-darwin\n", "0".repeat(64)));
    std::fs::write(v.join("SHA256SUMS"), sums).unwrap();
    dir
}

#[test]
fn install_auto_downloads_the_release_binary_checks_it_and_else_builds() {
    // Issue 19, section 3.
    let (repo, _) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let tools = tempfile::tempdir().unwrap();
    fake_rust(tools.path());
    let release = release_dir(None);
    let with_release = |arch: &str| Extra {
        env: vec![
            (
                "CUTOFF_RELEASE_URL".into(),
                format!("file://{}", release.path().display()),
            ),
            ("RUNNER_ARCH".into(), arch.into()),
        ],
        path: vec![tools.path().to_path_buf()],
        ..Extra::default()
    };

    // A good binary: downloaded, checked, used; no build.
    let r = env.call("locate", d, Event::Push, &[], false, &with_release("X64"));
    assert_eq!(r.code(), 0, "{}", r.log());
    assert_eq!(r.outputs["need-build"], "false");
    let bin = PathBuf::from(&r.outputs["bin"]);
    assert!(
        bin.starts_with(env.runner_temp.path()) && bin.ends_with("bin/cutoff"),
        "{bin:?}"
    );
    let o = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(text(&o.stdout).trim(), format!("cutoff {VERSION}"));
    assert!(r.log().contains("(SHA-256 checked)"), "{}", r.log());
    assert_eq!(
        r.github_path.trim(),
        bin.parent().unwrap().display().to_string()
    );
    // The run step uses it.
    let r2 = env.call(
        "run",
        d,
        Event::Push,
        &[],
        false,
        &Extra {
            env: vec![("CUTOFF_BIN".into(), bin.display().to_string())],
            ..Extra::default()
        },
    );
    assert_eq!((r2.code(), r2.findings()), (1, 3), "{}", r2.log());

    // A platform the release has no binary for: build from source, saying so.
    let r = env.call("locate", d, Event::Push, &[], false, &with_release("ARM64"));
    assert_eq!(
        (r.code(), r.outputs["need-build"].as_str()),
        (0, "true"),
        "{}",
        r.log()
    );
    assert!(
        r.log()
            .contains("release v0.1.0 has no binary for aarch64-unknown-linux-musl"),
        "{}",
        r.log()
    );
    assert!(r.log().contains("::notice title=cutoff action::No release binary of cutoff 0.1.0 for this runner: building it from source"), "{}", r.log());
    // ...unless only the binary will do.
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[("install", "binary")],
        false,
        &with_release("ARM64"),
    );
    assert_eq!(r.code(), 2, "{}", r.log());

    // A binary that does not match its checksum is refused, and nothing is built instead.
    let bad = release_dir(Some(&"ab".repeat(32)));
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[],
        false,
        &Extra {
            env: vec![(
                "CUTOFF_RELEASE_URL".into(),
                format!("file://{}", bad.path().display()),
            )],
            path: vec![tools.path().to_path_buf()],
            ..Extra::default()
        },
    );
    assert_eq!(r.code(), 2, "{}", r.log());
    assert!(
        r.log().contains("does not match its checksum"),
        "{}",
        r.log()
    );
    assert!(r.log().contains("refusing to run it"), "{}", r.log());
    assert!(
        !r.outputs.contains_key("bin") && !r.outputs.contains_key("need-build"),
        "{:?}",
        r.outputs
    );
    assert!(
        r.summary.contains("does not match its checksum"),
        "{}",
        r.summary
    );

    // No release at all for this version (a branch, an unreleased commit): build.
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[],
        false,
        &Extra {
            path: vec![tools.path().to_path_buf()],
            ..Extra::default()
        },
    );
    assert_eq!(r.outputs["need-build"], "true", "{}", r.log());
}

#[test]
fn locate_uses_a_cutoff_on_path_only_of_the_actions_version() {
    let (repo, _) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let tools = tempfile::tempdir().unwrap();
    fake_rust(tools.path());
    let fake = Extra {
        path: vec![tools.path().to_path_buf()],
        ..Extra::default()
    };

    let r = env.call("locate", d, Event::Push, &[], true, &fake);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(r.outputs["need-build"], "false");
    assert_eq!(
        PathBuf::from(&r.outputs["bin"]),
        env.bin_dir.path().join("cutoff")
    );
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[("version", &format!("v{VERSION}"))],
        true,
        &fake,
    );
    assert_eq!(r.outputs["need-build"], "false", "{}", r.stdout());

    // A cutoff of another version on PATH is not used by `auto` (it used to be, unless
    // `version` was set).
    let other = tempfile::tempdir().unwrap();
    let p = other.path().join("cutoff");
    std::fs::write(&p, "#!/bin/sh\necho 'cutoff 9.9.9'\n").unwrap();
    let mut perm = std::fs::metadata(&p).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&p, perm).unwrap();
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[],
        false,
        &Extra {
            path: vec![other.path().to_path_buf(), tools.path().to_path_buf()],
            ..Extra::default()
        },
    );
    assert_eq!(r.outputs["need-build"], "true", "{}", r.log());
    assert!(
        r.log()
            .contains("it is version 9.9.9, this action runs 0.1.0"),
        "{}",
        r.log()
    );

    // No cutoff on PATH, another version wanted, or install: source → build.
    for (inputs, with_cutoff) in [(vec![], false), (vec![("install", "source")], true)] {
        let r = env.call("locate", d, Event::Push, &inputs, with_cutoff, &fake);
        assert_eq!(r.code(), 0, "{inputs:?}: {}", r.stderr());
        assert_eq!(r.outputs["need-build"], "true", "{inputs:?}");
        assert!(!r.outputs.contains_key("bin"), "{inputs:?}");
        let key = &r.outputs["cache-key"];
        assert!(
            key.len() == 64 && key.chars().all(|c| c.is_ascii_hexdigit()),
            "{key}"
        );
        assert!(r.outputs["target-dir"].ends_with("/cutoff-action/target"));
        assert!(!r.outputs["cargo-home"].is_empty());
    }
    // Another version than this action's source, with no release binary: an error, not a
    // build of the wrong version.
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[("version", "999.0.0")],
        true,
        &fake,
    );
    assert_eq!(r.code(), 2, "{}", r.log());
    assert!(
        r.log().contains("use the action at v999.0.0"),
        "{}",
        r.log()
    );

    // install: path insists on PATH.
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[("install", "path")],
        false,
        &fake,
    );
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("no cutoff on PATH"), "{}", r.stderr());
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[("install", "path"), ("version", "999.0.0")],
        true,
        &fake,
    );
    assert_eq!(r.code(), 2);
    let r = env.call(
        "locate",
        d,
        Event::Push,
        &[("install", "docker")],
        true,
        &fake,
    );
    assert_eq!(r.code(), 2);
    assert!(r.github_path.is_empty());

    // run finds the binary on PATH when CUTOFF_BIN is not set (action.yml sets it).
    let r = env.run("run", d, None, &[], true);
    assert_eq!(r.code(), 1);
}

#[test]
fn forks_and_dependabot_skip_the_upload_with_a_notice() {
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let r = env.call(
        "run",
        d,
        Event::ForkPr(base.clone()),
        &[("sarif", "true")],
        true,
        &Extra::default(),
    );
    assert_eq!(r.outputs["upload-sarif"], "false");
    assert!(
        !r.outputs["sarif-file"].is_empty(),
        "the file is still written"
    );
    assert!(
        r.log().contains("::notice title=cutoff%3A SARIF::SARIF not uploaded to code scanning: a pull request from a fork gets a read-only token."),
        "{}",
        r.log()
    );
    assert!(
        r.summary
            .contains("> SARIF not uploaded to code scanning: a pull request from a fork"),
        "{}",
        r.summary
    );
    assert_eq!(r.findings(), 2, "annotations as usual");

    let r = env.call(
        "run",
        d,
        Event::Pr(base),
        &[("sarif", "true")],
        true,
        &Extra {
            env: vec![("GITHUB_ACTOR".into(), "dependabot[bot]".into())],
            ..Extra::default()
        },
    );
    assert_eq!(r.outputs["upload-sarif"], "false");
    assert!(
        r.log().contains("a Dependabot run gets a read-only token"),
        "{}",
        r.log()
    );

    // The example asks for what a private repository needs.
    let wf = std::fs::read_to_string(root().join("examples/github-workflow.yml")).unwrap();
    assert!(wf.contains("\n  actions: read "), "{wf}");
}

#[test]
fn the_action_writes_no_cache_unless_the_job_asks_for_one() {
    // A runner's checkout is fresh: a cache would be written and never read.
    let (repo, _) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let r = env.run("run", d, None, &[("fail-on", "never")], true);
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(!d.join(".cutoff_cache").exists(), "{}", r.log());
    // A job that restores `.cutoff_cache/` itself turns it back on.
    let r = env.call(
        "run",
        d,
        Event::Push,
        &[("fail-on", "never")],
        true,
        &Extra {
            env: vec![("CUTOFF_NO_CACHE".into(), "0".into())],
            ..Extra::default()
        },
    );
    assert_eq!(r.code(), 0, "{}", r.log());
    assert!(d.join(".cutoff_cache").is_dir(), "{}", r.log());
}

#[test]
fn a_configuration_error_is_annotated_at_its_line() {
    let (repo, base) = pr_repo();
    let d = repo.path();
    write(d, ".cutoff.yaml", "select: [ALL]\nfail-fast: true\n");
    let env = Env::new();
    let r = env.run("run", d, Some(&base), &[], true);
    assert_eq!(r.code(), 2, "{}", r.log());
    let ann: Vec<String> = r.all_annotations();
    assert!(
        ann.iter().any(|a| a
            .starts_with("::error file=.cutoff.yaml,line=2,col=1,title=cutoff%3A configuration::")),
        "{ann:#?}\n{}",
        r.log()
    );
    assert!(
        r.summary
            .contains("cutoff stopped (exit code 2) before it could report"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("- .cutoff.yaml:2:1: "), "{}", r.summary);
}
#[test]
fn fail_on_format_paths_config_and_args() {
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();

    // Findings below the threshold do not fail the step; they are still reported.
    let r = env.run("run", d, Some(&base), &[("fail-on", "never")], true);
    assert_eq!((r.code(), r.findings()), (0, 2));
    let r = env.run(
        "run",
        d,
        Some(&base),
        &[("fail-on", "error"), ("args", "--ignore TKN007")],
        true,
    );
    assert_eq!((r.code(), r.findings()), (0, 1), "{}", r.stdout());
    assert_eq!(r.annotations().len(), 1, "{}", r.stdout());
    assert!(
        r.annotations()[0].starts_with("::warning "),
        "{}",
        r.stdout()
    );

    // Another format for the log (and no annotations); the outputs and the summary do not
    // depend on it.
    let r = env.run("run", d, Some(&base), &[("format", "json")], true);
    assert_eq!(r.code(), 1);
    assert!(r.annotations().is_empty(), "{}", r.stdout());
    assert!(
        r.stdout().contains("\"code\": \"TKN007\""),
        "{}",
        r.stdout()
    );
    let r = env.run("run", d, Some(&base), &[("format", "concise")], true);
    assert_eq!(r.code(), 1);
    assert!(
        r.stdout()
            .contains(".tekton/pull-request.yaml:10:12: error[TKN007]"),
        "{}",
        r.stdout()
    );
    assert_eq!(r.findings(), 2);
    assert!(
        r.summary.contains("`.tekton/pull-request.yaml:19`"),
        "{}",
        r.summary
    );

    // Several paths, whitespace-separated; with changed-only, only changed files among them.
    let r = env.run(
        "run",
        d,
        Some(&base),
        &[("paths", "runs\n  pipelines")],
        true,
    );
    assert_eq!((r.code(), r.findings()), (0, 0), "{}", r.stderr());
    assert!(
        r.summary.contains("No findings in 0 files changed since"),
        "{}",
        r.summary
    );
    let r = env.run(
        "run",
        d,
        Some(&base),
        &[
            ("paths", "runs .tekton/pull-request.yaml"),
            ("changed-only", "false"),
        ],
        true,
    );
    assert_eq!(r.findings(), 3, "{}", r.stdout());

    // A configuration file, and extra arguments.
    write(d, "ci/cutoff.yaml", "ignore: [TKN005]\n");
    let r = env.run("run", d, Some(&base), &[("config", "ci/cutoff.yaml")], true);
    assert_eq!(r.findings(), 1, "{}{}", r.stdout(), r.stderr());
    std::fs::remove_dir_all(d.join("ci")).unwrap();
    let r = env.run(
        "run",
        d,
        Some(&base),
        &[("args", "--select TKN005\n  --tekton-version 1.0")],
        true,
    );
    assert_eq!(r.findings(), 1, "{}{}", r.stdout(), r.stderr());

    // The baseline flow, through `args`.
    let o = Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .current_dir(d)
        .args(["lint", "--write-baseline", ".cutoff-baseline.json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = env.run(
        "run",
        d,
        Some(&base),
        &[
            ("args", "--baseline .cutoff-baseline.json"),
            ("changed-only", "false"),
        ],
        true,
    );
    assert_eq!(
        (r.code(), r.findings()),
        (0, 0),
        "{}{}",
        r.stdout(),
        r.stderr()
    );
    assert!(
        r.summary.contains("No findings in 3 files."),
        "{}",
        r.summary
    );
}

#[test]
fn inputs_are_data_not_shell() {
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let r = env.run(
        "run",
        d,
        Some(&base),
        &[
            ("paths", "$(touch pwned-paths) `touch pwned-backtick`"),
            ("args", "; touch pwned-args"),
            ("config", "$(touch pwned-config)"),
            ("category", "$(touch pwned-category)"),
        ],
        true,
    );
    assert_eq!(r.code(), 2, "{}", r.stderr());
    for f in [
        "pwned-paths",
        "pwned-backtick",
        "pwned-args",
        ";",
        "pwned-config",
        "pwned-category",
    ] {
        assert!(
            !d.join(f).exists(),
            "{f} was created: an input was run as shell"
        );
    }
}

#[test]
fn errors_fail_the_step_with_exit_code_2() {
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let r = env.run("run", d, Some(&base), &[("fail-on", "sometimes")], true);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("::error title=cutoff action::fail-on"),
        "{}",
        r.stderr()
    );
    assert!(
        r.summary.contains("cutoff action: fail-on"),
        "{}",
        r.summary
    );

    let r = env.run("run", d, Some(&base), &[("paths", "no/such/dir")], true);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert_eq!(r.outputs["exit-code"], "2");
    assert!(r.summary.contains("exit code 2"), "{}", r.summary);
    assert!(
        r.all_annotations()
            .iter()
            .any(|a| a.starts_with("::error title=cutoff::no/such/dir: no such file or directory")),
        "{:#?}",
        r.all_annotations()
    );
}

#[test]
fn a_base_that_cannot_be_had_is_said_not_silently_replaced() {
    // Should fix: the merge base could not be computed and the action silently diffed
    // against the base commit itself, reporting a file the pull request never touched.
    let (repo, base) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let r = env.run(
        "run",
        d,
        Some(&"0123456789abcdef".repeat(3)[..40]),
        &[],
        true,
    );
    assert_eq!((r.code(), r.findings()), (1, 3), "{}", r.log());
    let warning = "::warning title=cutoff%3A changed-only::changed-only: no merge base of the base commit 0123456789ab and HEAD in this clone (";
    assert!(r.log().contains(warning), "{}", r.log());
    assert!(r.log().contains("linted every file instead. actions/checkout with fetch-depth: 0 gives the whole history."), "{}", r.log());
    assert!(
        r.summary
            .contains("> changed-only: no merge base of the base commit 0123456789ab"),
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains("3 findings (2 errors, 1 warning) in 3 files."),
        "{}",
        r.summary
    );
    let _ = base;
}

/// Clones `origin` (branch `feature`) one commit deep, as actions/checkout does by default.
fn shallow_clone(origin: &Path) -> (tempfile::TempDir, PathBuf) {
    git(origin, &["config", "uploadpack.allowAnySHA1InWant", "true"]);
    let work = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.display());
    git(
        work.path(),
        &[
            "clone",
            "-q",
            "--depth=1",
            "--branch",
            "feature",
            &url,
            "clone",
        ],
    );
    let d = work.path().join("clone");
    (work, d)
}

fn has_commit(d: &Path, sha: &str) -> bool {
    Command::new("git")
        .current_dir(d)
        .args(["cat-file", "-e", &format!("{sha}^{{commit}}")])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success()
}

#[test]
fn shallow_clone_fetches_the_pull_request_base() {
    let (origin, base) = pr_repo();
    let (_work, d) = shallow_clone(origin.path());
    assert!(
        !has_commit(&d, &base),
        "the shallow clone should not have the base commit"
    );

    let env = Env::new();
    let r = env.run("run", &d, Some(&base), &[], true);
    assert_eq!((r.code(), r.findings()), (1, 2), "{}", r.stderr());
    assert!(
        r.stderr()
            .contains(&format!("fetching the base commit {base}")),
        "{}",
        r.stderr()
    );
    assert!(!r.stdout().contains("runs/nightly.yaml"));
}

#[test]
fn shallow_clone_behind_its_base_deepens_to_the_merge_base() {
    // The base branch moved on after the branch point: with one commit of each, there is
    // no merge base until the clone is deepened; diffing against the base itself would
    // report runs/nightly.yaml, which the pull request never touched.
    let (origin, fork_point) = pr_repo();
    let o = origin.path();
    git(o, &["checkout", "-q", "main"]);
    write(
        o,
        "runs/nightly.yaml",
        &OLD_RUN.replace("name: nightly", "name: nightly-build"),
    );
    commit_all(o, "base moves on");
    write(
        o,
        "runs/other.yaml",
        &OLD_RUN.replace("name: nightly", "name: other"),
    );
    let base = commit_all(o, "and on");
    git(o, &["checkout", "-q", "feature"]);
    let (_work, d) = shallow_clone(o);
    let env = Env::new();
    let r = env.run("run", &d, Some(&base), &[], true);
    assert_eq!((r.code(), r.findings()), (1, 2), "{}", r.log());
    assert!(
        r.stderr().contains("to find the merge base"),
        "{}",
        r.stderr()
    );
    assert!(!r.stdout().contains("runs/"), "{}", r.stdout());
    assert!(r.summary.contains(&fork_point[..12]), "{}", r.summary);

    // Without a remote to deepen from: said, and every file linted.
    let (_work, d) = shallow_clone(o);
    git(&d, &["fetch", "-q", "--depth=1", "origin", &base]);
    git(&d, &["remote", "remove", "origin"]);
    let r = env.run("run", &d, Some(&base), &[], true);
    assert!(
        r.log()
            .contains("::warning title=cutoff%3A changed-only::changed-only: no merge base"),
        "{}",
        r.log()
    );
    assert!(
        r.summary.contains("linted every file instead"),
        "{}",
        r.summary
    );
}

#[test]
fn pull_request_behind_its_base_is_compared_with_the_merge_base() {
    // The base branch moved on after the branch point (it edited runs/nightly.yaml); the
    // head is checked out, not the merge commit. Only the pull request's own change is
    // reported: a diff against the base itself would report runs/nightly.yaml too.
    let (repo, fork_point) = pr_repo();
    let d = repo.path();
    git(d, &["checkout", "-q", "main"]);
    write(
        d,
        "runs/nightly.yaml",
        &OLD_RUN.replace("name: nightly", "name: nightly-build"),
    );
    let base = commit_all(d, "base moves on");
    git(d, &["checkout", "-q", "feature"]);
    let env = Env::new();
    let r = env.run("run", d, Some(&base), &[], true);
    assert_eq!(r.findings(), 2, "{}", r.stdout());
    assert!(!r.stdout().contains("runs/"), "{}", r.stdout());
    assert!(r.summary.contains(&fork_point[..12]), "{}", r.summary);
}

#[test]
fn checkout_into_a_subfolder() {
    // actions/checkout with `path: app`: the workspace is not the repository. With
    // `paths: app` everything works, relative to the repository; with the default `.`,
    // changed-only says what to do (it used to advise fetch-depth: 0).
    let workspace = tempfile::tempdir().unwrap();
    let w = workspace.path();
    let base = pr_repo_in(&w.join("app"));
    let env = Env::new();
    let r = env.run(
        "run",
        w,
        Some(&base),
        &[("paths", "app"), ("sarif", "true")],
        true,
    );
    assert_eq!((r.code(), r.findings()), (1, 2), "{}", r.log());
    assert!(
        r.annotations()[0].starts_with("::error file=.tekton/pull-request.yaml,line=10,"),
        "{:#?}",
        r.annotations()
    );
    assert_eq!(PathBuf::from(&r.outputs["checkout-path"]), w.join("app"));
    let sarif = r.sarif();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        ".tekton/pull-request.yaml"
    );

    let r = env.run("run", w, Some(&base), &[], true);
    assert!(
        r.log().contains("::warning title=cutoff%3A changed-only::changed-only: . is not in a git repository, so the changed files are unknown; linted every file instead. If actions/checkout checked the repository out into a folder (its path: input), set this action's paths to that folder."),
        "{}",
        r.log()
    );
    assert!(
        r.summary.contains("set this action's paths to that folder"),
        "{}",
        r.summary
    );
    assert!(!r.log().contains("fetch-depth"), "{}", r.log());
}

#[test]
fn action_yml_passes_inputs_through_the_environment() {
    let action_text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let stream = yaml_file("action.yml");
    let action = stream.documents[0].root_ref().unwrap();
    let inputs: Vec<&str> = action
        .get("inputs")
        .unwrap()
        .entries()
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    assert_eq!(
        inputs,
        [
            "paths",
            "config",
            "fail-on",
            "format",
            "sarif",
            "category",
            "changed-only",
            "install",
            "version",
            "args"
        ],
        "the issue's inputs"
    );
    for (name, spec) in action.get("inputs").unwrap().entries() {
        assert!(
            spec.get("description")
                .and_then(|d| d.as_str())
                .is_some_and(|d| !d.is_empty()),
            "{:?}: a description",
            name.as_str()
        );
    }
    let outputs: Vec<&str> = action
        .get("outputs")
        .unwrap()
        .entries()
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    assert_eq!(outputs, ["findings", "sarif-file"]);
    assert_eq!(
        action.path(&["runs", "using"]).and_then(|u| u.as_str()),
        Some("composite")
    );

    let steps: Vec<_> = action.path(&["runs", "steps"]).unwrap().items().collect();
    let script = std::fs::read_to_string(root().join("scripts/action.sh")).unwrap();
    let mut passed: Vec<String> = Vec::new();
    for step in &steps {
        if let Some(run) = step.get("run").and_then(|r| r.as_str()) {
            // Expressions reach the shell only through `env:`, never spliced into `run:`.
            assert!(!run.contains("${{"), "an expression in a run line: {run}");
            assert!(
                run.starts_with(r#"bash "$GITHUB_ACTION_PATH/scripts/action.sh" "#),
                "{run}"
            );
            assert_eq!(
                step.get("shell").and_then(|s| s.as_str()),
                Some("bash"),
                "{run}"
            );
            for (k, v) in step.get("env").map(scalar_map).unwrap_or_default() {
                if let Some(input) = v
                    .strip_prefix("${{ inputs.")
                    .and_then(|v| v.strip_suffix(" }}"))
                {
                    assert_eq!(
                        k,
                        format!("INPUT_{}", input.to_uppercase().replace('-', "_")),
                        "{k}"
                    );
                    assert!(script.contains(&k), "scripts/action.sh does not read {k}");
                    passed.push(input.to_string());
                }
            }
        }
    }
    for name in &inputs {
        assert!(
            passed.iter().any(|p| p == name),
            "input {name} never reaches scripts/action.sh"
        );
    }
    assert!(!action_text.contains("\t"));
}

/// `owner/repo[/path]@<40 hex> # vX.Y.Z`: pinned to a commit, the comment naming the release.
fn assert_pinned(file: &str) {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| l.trim_start().trim_start_matches("- ").starts_with("uses:"))
    {
        let uses = line.split("uses:").nth(1).unwrap().trim();
        if uses.starts_with("cutoff-dev/cutoff@") || uses == "./" {
            continue;
        }
        let (action, rest) = uses
            .split_once('@')
            .unwrap_or_else(|| panic!("{file}: {line}"));
        let (sha, comment) = rest
            .split_once(" # ")
            .unwrap_or_else(|| panic!("{file}: no release comment: {line}"));
        assert!(action.split('/').count() >= 2, "{line}");
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{file}: not pinned to a commit: {line}"
        );
        assert!(comment.starts_with('v'), "{line}");
        n += 1;
    }
    assert!(n > 0, "{file}: no action used?");
}

#[test]
fn actions_are_pinned_and_versions_agree() {
    for f in [
        "action.yml",
        "examples/github-workflow.yml",
        ".github/workflows/release.yml",
        ".github/workflows/ci.yml",
    ] {
        assert_pinned(f);
    }
    // One tag scheme: the Action and pre-commit are both used at `v<version>`.
    let tag = format!("v{VERSION}");
    let wf = std::fs::read_to_string(root().join("examples/github-workflow.yml")).unwrap();
    assert!(
        wf.contains(&format!("uses: cutoff-dev/cutoff@{tag}\n")),
        "{wf}"
    );
    let pc = std::fs::read_to_string(root().join("examples/pre-commit-config.yaml")).unwrap();
    assert!(pc.contains(&format!("rev: {tag}\n")), "{pc}");
    // The pre-commit python hook pins the wheel of this very version.
    let pyproject = std::fs::read_to_string(root().join("pyproject.toml")).unwrap();
    assert!(
        pyproject.contains(&format!("\"cutoff-lint=={VERSION}\"")),
        "{pyproject}"
    );
    assert!(
        pyproject.contains(&format!("version = \"{VERSION}\"")),
        "{pyproject}"
    );
}

#[test]
fn docs_show_the_example_files_as_they_are() {
    let doc = std::fs::read_to_string(root().join("README.md")).unwrap();
    for example in [
        "examples/github-workflow.yml",
        "examples/pre-commit-config.yaml",
    ] {
        let body = std::fs::read_to_string(root().join(example)).unwrap();
        assert!(
            doc.contains(&format!("```yaml\n{body}```\n")),
            "README.md does not show {example} verbatim"
        );
    }
}

#[test]
fn pre_commit_hooks() {
    let stream = yaml_file(".pre-commit-hooks.yaml");
    let hooks: Vec<BTreeMap<String, String>> = stream.documents[0]
        .root_ref()
        .unwrap()
        .items()
        .map(scalar_map)
        .collect();
    let got: Vec<(&str, &str, &str)> = hooks
        .iter()
        .map(|h| {
            (
                h["id"].as_str(),
                h["language"].as_str(),
                h["entry"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("cutoff-wheel", "python", "cutoff lint --force-exclude"),
            (
                "cutoff-wheel-fix",
                "python",
                "cutoff lint --force-exclude --fix"
            ),
            ("cutoff", "rust", "cutoff lint --force-exclude"),
            ("cutoff-fix", "rust", "cutoff lint --force-exclude --fix"),
            ("cutoff-system", "system", "cutoff lint --force-exclude"),
            (
                "cutoff-system-fix",
                "system",
                "cutoff lint --force-exclude --fix"
            ),
        ]
    );
    for h in &hooks {
        assert_eq!(h["files"], r"\.(ya?ml)$");
        assert_eq!(h["require_serial"], "true");
        let min = if h["language"] == "rust" {
            "3.2.0"
        } else {
            "3.0.0"
        };
        assert_eq!(h["minimum_pre_commit_version"], min, "{h:?}");
    }
    let example = yaml_file("examples/pre-commit-config.yaml");
    let hook = example.documents[0]
        .root_ref()
        .unwrap()
        .path(&["repos"])
        .unwrap()
        .items()
        .next()
        .unwrap()
        .get("hooks")
        .unwrap()
        .items()
        .next()
        .unwrap();
    assert_eq!(
        hook.get("id").and_then(|i| i.as_str()),
        Some("cutoff-wheel"),
        "the example uses the fastest hook"
    );
}
