//! The GitHub Action: `scripts/action.sh` (the logic behind `action.yml`) run with a fake
//! `GITHUB_*` environment — a pull_request event payload, `GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY` — over temporary git repositories, with the inputs of
//! `examples/github-workflow.yml`. Checks the annotations, the outputs, the step summary, the
//! SARIF file and the exit code. Also checks that action.yml passes every input through the
//! environment (never spliced into a shell line) and that README.md shows the
//! example files as they are.
//!
//! The build-from-source path (`action.sh install`) is exercised by tests/pre-commit/run.sh,
//! which already pays for a release build.

mod common;
#[allow(unused_imports)]
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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
    let d = repo.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "pipelines/build.yaml", PIPELINE);
    write(d, "runs/nightly.yaml", OLD_RUN);
    let base = commit_all(d, "base");
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(d, ".tekton/pull-request.yaml", PR_RUN);
    commit_all(d, "pull request");
    (repo, base)
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

/// The `with:` inputs of the cutoff step of examples/github-workflow.yml.
fn example_inputs() -> BTreeMap<String, String> {
    let wf = yaml_file("examples/github-workflow.yml");
    let root = wf.documents[0].root_ref().unwrap();
    let steps = root
        .path(&["jobs", "cutoff", "steps"])
        .expect("jobs.cutoff.steps");
    let step = steps
        .items()
        .find(|s| s.get("uses").and_then(|u| u.as_str()) == Some("cutoff-dev/cutoff@v1"))
        .expect("the step that uses cutoff-dev/cutoff@v1");
    scalar_map(step.get("with").expect("with:"))
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
    fn code(&self) -> i32 {
        self.out.status.code().unwrap()
    }
    fn annotations(&self) -> Vec<String> {
        self.stdout()
            .lines()
            .filter(|l| l.starts_with("::"))
            .map(str::to_string)
            .collect()
    }
    fn findings(&self) -> usize {
        self.outputs["findings"].parse().unwrap()
    }
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
        let mut c = Command::new("bash");
        c.arg(root().join("scripts/action.sh"))
            .arg(mode)
            .current_dir(dir);
        // Nothing of a real Actions run (when these tests themselves run in one) leaks in.
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_")
                || k.starts_with("INPUT_")
                || k.starts_with("RUNNER_")
                || k == "CUTOFF_BIN"
            {
                c.env_remove(k);
            }
        }
        let system_path = std::env::var("PATH").unwrap_or_default();
        let path = if with_cutoff {
            format!("{}:{system_path}", self.bin_dir.path().display())
        } else {
            // Without any cutoff (e.g. a `cargo install`ed one in ~/.cargo/bin).
            system_path
                .split(':')
                .filter(|p| !Path::new(p).join("cutoff").exists())
                .collect::<Vec<_>>()
                .join(":")
        };
        c.env("PATH", path)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", dir)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_PATH", &gh_path)
            .env("RUNNER_TEMP", t)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        match event {
            Some(base) => {
                let payload = serde_json::json!({
                    "action": "synchronize",
                    "number": 7,
                    "pull_request": {
                        "number": 7,
                        "base": {"ref": "main", "sha": base},
                        "head": {"ref": "feature", "sha": git(dir, &["rev-parse", "HEAD"]).trim()},
                    },
                });
                std::fs::write(&event_path, payload.to_string()).unwrap();
                c.env("GITHUB_EVENT_NAME", "pull_request")
                    .env("GITHUB_EVENT_PATH", &event_path);
            }
            None => {
                let payload = serde_json::json!({"ref": "refs/heads/main", "before": "0".repeat(40), "after": "1".repeat(40)});
                std::fs::write(&event_path, payload.to_string()).unwrap();
                c.env("GITHUB_EVENT_NAME", "push")
                    .env("GITHUB_EVENT_PATH", &event_path);
            }
        }
        for (k, v) in inputs {
            c.env(format!("INPUT_{}", k.to_uppercase().replace('-', "_")), v);
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

    // Outputs.
    assert_eq!(r.outputs["findings"], "2");
    assert_eq!(r.outputs["sarif-file"], "cutoff.sarif");
    assert_eq!(r.outputs["exit-code"], "1");

    // SARIF, in the workspace.
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("cutoff.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "TKN007");

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
    assert_eq!(r.outputs["sarif-file"], "", "sarif defaults to false");
    assert!(!d.join("cutoff.sarif").exists());

    // A push has no pull request base: changed-only does not apply.
    let r = env.run("run", d, None, &[], true);
    assert_eq!((r.code(), r.findings()), (1, 3), "{}", r.stderr());
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
    assert!(r.stdout().starts_with("::warning "), "{}", r.stdout());

    // Another format for the log; the outputs and the summary do not depend on it.
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

    let r = env.run("run", d, Some(&base), &[("paths", "no/such/dir")], true);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert_eq!(r.outputs["exit-code"], "2");
    assert!(r.summary.contains("exit code 2"), "{}", r.summary);

    // A base that cannot be had: a clear error, not a silent full run.
    let r = env.run(
        "run",
        d,
        Some(&"0123456789abcdef".repeat(3)[..40]),
        &[],
        true,
    );
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(r.stderr().contains("fetch-depth: 0"), "{}", r.stderr());
}

#[test]
fn shallow_clone_fetches_the_pull_request_base() {
    let (origin, base) = pr_repo();
    // As actions/checkout does by default: one commit, the head of the pull request.
    git(
        origin.path(),
        &["config", "uploadpack.allowAnySHA1InWant", "true"],
    );
    let work = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
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
    let has_base = Command::new("git")
        .current_dir(&d)
        .args(["cat-file", "-e", &format!("{base}^{{commit}}")])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(
        !has_base.success(),
        "the shallow clone should not have the base commit"
    );

    let env = Env::new();
    let r = env.run("run", &d, Some(&base), &[], true);
    assert_eq!((r.code(), r.findings()), (1, 2), "{}", r.stderr());
    assert!(
        r.stderr()
            .contains(&format!("fetching the pull request base {base}")),
        "{}",
        r.stderr()
    );
    assert!(!r.stdout().contains("runs/nightly.yaml"));
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
fn locate_uses_a_cutoff_on_path_or_asks_for_a_build() {
    let (repo, _) = pr_repo();
    let d = repo.path();
    let env = Env::new();
    let version = env!("CARGO_PKG_VERSION");

    let r = env.run("locate", d, None, &[], true);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert_eq!(r.outputs["need-build"], "false");
    assert_eq!(
        PathBuf::from(&r.outputs["bin"]),
        env.bin_dir.path().join("cutoff")
    );
    let r = env.run(
        "locate",
        d,
        None,
        &[("version", &format!("v{version}"))],
        true,
    );
    assert_eq!(r.outputs["need-build"], "false", "{}", r.stdout());

    // No cutoff on PATH, another version wanted, or install: source → build.
    for (inputs, with_cutoff) in [
        (vec![], false),
        (vec![("version", "999.0.0")], true),
        (vec![("install", "source")], true),
    ] {
        let r = env.run("locate", d, None, &inputs, with_cutoff);
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

    // install: path insists on PATH.
    let r = env.run("locate", d, None, &[("install", "path")], false);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("no cutoff on PATH"), "{}", r.stderr());
    let r = env.run(
        "locate",
        d,
        None,
        &[("install", "path"), ("version", "999.0.0")],
        true,
    );
    assert_eq!(r.code(), 2);
    let r = env.run("locate", d, None, &[("install", "docker")], true);
    assert_eq!(r.code(), 2);
    assert!(r.github_path.is_empty());

    // run finds the binary on PATH when CUTOFF_BIN is not set (action.yml sets it).
    let r = env.run("run", d, None, &[], true);
    assert_eq!(r.code(), 1);
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
    let uses: Vec<&str> = steps
        .iter()
        .filter_map(|s| s.get("uses").and_then(|u| u.as_str()))
        .collect();
    assert_eq!(
        uses,
        ["actions/cache@v4", "github/codeql-action/upload-sarif@v3"]
    );
    // The install step builds the action's own source, locked.
    assert!(
        script.contains(r#"cargo install --locked --force --root "$root" --path "$ACTION_PATH""#)
    );
    assert!(!action_text.contains("\t"));
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
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["cutoff", "cutoff-fix"]);
    for h in &hooks {
        assert_eq!(h["language"], "rust");
        assert_eq!(h["files"], r"\.(ya?ml)$");
        assert_eq!(h["require_serial"], "true");
    }
    assert_eq!(hooks[0]["entry"], "cutoff lint");
    assert_eq!(hooks[1]["entry"], "cutoff lint --fix");
    yaml_file("examples/pre-commit-config.yaml");
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
