//! `cutoff lint --changed-since REF` and `--baseline FILE` / `--write-baseline FILE`, end to
//! end with the binary over temporary git repositories of real Tekton manifests. The
//! baseline flow of README.md is run here as written.

mod common;
#[allow(unused_imports)]
use common::*;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn cutoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run cutoff")
}

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    dir
}

/// `cutoff lint --format json ARGS` in `dir`: (exit code, diagnostics).
fn lint_json(dir: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let o = cutoff(dir, &all);
    let code = o.status.code().expect("exit code");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}), exit {code}: {}\n{}",
            text(&o.stdout),
            text(&o.stderr)
        )
    });
    (
        code,
        v["diagnostics"].as_array().cloned().unwrap_or_default(),
    )
}

fn paths(diags: &[Value]) -> BTreeSet<String> {
    diags
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect()
}

fn summary(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| {
            format!(
                "{}:{} {}",
                d["path"].as_str().unwrap(),
                d["line"],
                d["code"].as_str().unwrap()
            )
        })
        .collect()
}

/// A Pipeline without findings.
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

/// A v1 PipelineRun of `pipeline` whose `timeouts.pipeline` is the YAML number 0 (TKN001, line 9).
fn run_with_number_timeout(name: &str, pipeline: &str) -> String {
    format!(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: {name}\nspec:\n  pipelineRef:\n    name: {pipeline}\n  timeouts:\n    pipeline: 0\n"
    )
}

/// A v1 PipelineRun of `pipeline` without findings.
fn good_run(name: &str, pipeline: &str) -> String {
    format!(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: {name}\nspec:\n  pipelineRef:\n    name: {pipeline}\n  timeouts:\n    pipeline: \"1h\"\n    tasks: \"45m\"\n"
    )
}

// ---- --changed-since ----------------------------------------------------------------

#[test]
fn changed_since_reports_only_files_changed_since_the_ref() {
    let repo = new_repo();
    let d = repo.path();
    write(d, "pipelines/build.yaml", PIPELINE);
    write(d, "runs/old.yaml", &run_with_number_timeout("old", "build"));
    write(d, "runs/edited.yaml", &good_run("edited", "build"));
    write(
        d,
        "runs/deleted.yaml",
        &run_with_number_timeout("deleted", "build"),
    );
    let base = commit_all(d, "base");

    // A committed change, a staged new file, an unstaged edit, an untracked file, a deletion.
    write(
        d,
        "runs/committed.yaml",
        &run_with_number_timeout("committed", "build"),
    );
    commit_all(d, "second");
    write(
        d,
        "runs/staged.yaml",
        &run_with_number_timeout("staged", "build"),
    );
    git(d, &["add", "runs/staged.yaml"]);
    write(
        d,
        "runs/edited.yaml",
        &run_with_number_timeout("edited", "build"),
    );
    write(
        d,
        "other/untracked.yaml",
        &run_with_number_timeout("untracked", "build"),
    );
    std::fs::remove_file(d.join("runs/deleted.yaml")).unwrap();

    let (code, all) = lint_json(d, &[]);
    assert_eq!(code, 1);
    assert!(paths(&all).contains("runs/old.yaml"), "{:?}", summary(&all));

    let (code, diags) = lint_json(d, &["--changed-since", &base]);
    assert_eq!(code, 1, "{:?}", summary(&diags));
    let expected: BTreeSet<String> = [
        "runs/committed.yaml",
        "runs/staged.yaml",
        "runs/edited.yaml",
        "other/untracked.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(paths(&diags), expected, "{:?}", summary(&diags));
    assert!(
        diags
            .iter()
            .all(|d| d["code"] == "TKN001" && d["line"] == 9),
        "{:?}",
        summary(&diags)
    );
    let o = cutoff(d, &["lint", "--format", "json", "--changed-since", &base]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["files_scanned"], 4,
        "only the changed YAML files are linted"
    );

    // Relative to HEAD: committed.yaml is no longer "changed".
    let (_, diags) = lint_json(d, &["--changed-since", "HEAD"]);
    assert!(
        !paths(&diags).contains("runs/committed.yaml"),
        "{:?}",
        summary(&diags)
    );
    assert!(
        paths(&diags).contains("runs/staged.yaml"),
        "{:?}",
        summary(&diags)
    );

    // Paths still narrow the changed files.
    let (_, diags) = lint_json(d, &["--changed-since", &base, "runs/"]);
    assert!(
        !paths(&diags).contains("other/untracked.yaml"),
        "{:?}",
        summary(&diags)
    );
    assert!(
        paths(&diags).contains("runs/staged.yaml"),
        "{:?}",
        summary(&diags)
    );
}

#[test]
fn changed_since_with_several_paths_sees_untracked_files_in_each() {
    // git runs near the first path; untracked files elsewhere in the repository count too.
    let repo = new_repo();
    let d = repo.path();
    write(d, "a/keep.yaml", PIPELINE);
    write(d, "b/keep.yaml", PIPELINE);
    let base = commit_all(d, "base");
    write(d, "a/new.yaml", &run_with_number_timeout("a", "build"));
    write(d, "b/new.yaml", &run_with_number_timeout("b", "build"));
    let (_, diags) = lint_json(d, &["--changed-since", &base, "a", "b"]);
    let expected: BTreeSet<String> = ["a/new.yaml", "b/new.yaml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(paths(&diags), expected, "{:?}", summary(&diags));
}

#[test]
fn changed_since_handles_file_names_git_would_quote() {
    let repo = new_repo();
    let d = repo.path();
    write(d, "pipelines/build.yaml", PIPELINE);
    let base = commit_all(d, "base");
    write(
        d,
        "runs/nächtlich run.yaml",
        &run_with_number_timeout("tracked", "build"),
    );
    git(d, &["add", "-A"]);
    write(
        d,
        "runs/über.yaml",
        &run_with_number_timeout("untracked", "build"),
    );
    let (_, diags) = lint_json(d, &["--changed-since", &base]);
    let expected: BTreeSet<String> = ["runs/nächtlich run.yaml", "runs/über.yaml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(paths(&diags), expected, "{:?}", summary(&diags));
}

#[test]
fn changed_since_from_a_subdirectory_and_errors() {
    let repo = new_repo();
    let d = repo.path();
    write(d, "deploy/pipelines/build.yaml", PIPELINE);
    write(
        d,
        "deploy/runs/old.yaml",
        &run_with_number_timeout("old", "build"),
    );
    let base = commit_all(d, "base");
    write(
        d,
        "deploy/runs/new.yaml",
        &run_with_number_timeout("new", "build"),
    );
    let (code, diags) = lint_json(&d.join("deploy"), &["--changed-since", &base]);
    assert_eq!(code, 1);
    assert_eq!(summary(&diags), vec!["runs/new.yaml:9 TKN001"]);

    // Nothing changed: nothing to report, exit 0.
    commit_all(d, "new");
    let (code, diags) = lint_json(d, &["--changed-since", "HEAD"]);
    assert_eq!((code, diags.len()), (0, 0));

    // An unknown ref is an error (exit 2), not "no changes".
    let o = cutoff(d, &["lint", "--changed-since", "no-such-ref"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("no-such-ref"),
        "{}",
        text(&o.stderr)
    );

    // Outside a git repository: an error too.
    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), "x.yaml", PIPELINE);
    let o = cutoff(plain.path(), &["lint", "--changed-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn changed_since_resolves_references_in_unchanged_files() {
    // runs/short.yaml is the only changed file; its Pipeline is in the unchanged
    // pipelines/build.yaml, which is read to resolve the reference but not reported on.
    // Its task `compile` (30m) is longer than the run's tasks budget (20m): TKN010.
    let repo = new_repo();
    let d = repo.path();
    write(d, "pipelines/build.yaml", PIPELINE);
    write(d, "runs/old.yaml", &run_with_number_timeout("old", "build"));
    let base = commit_all(d, "base");
    write(
        d,
        "runs/short.yaml",
        &good_run("short", "build").replace("tasks: \"45m\"", "tasks: \"20m\""),
    );
    write(
        d,
        "runs/dangling.yaml",
        &good_run("dangling", "no-such-pipeline"),
    );

    let (code, diags) = lint_json(d, &["--changed-since", &base, "--extend-select", "TKN018"]);
    assert_eq!(code, 1);
    assert_eq!(
        summary(&diags),
        vec!["runs/dangling.yaml:7 TKN018", "runs/short.yaml:10 TKN010"],
        "the reference to `build` resolves (TKN010 needs the Pipeline's task timeout), \
         the one to `no-such-pipeline` does not (TKN018); nothing in unchanged files"
    );
    let tkn010 = diags.iter().find(|x| x["code"] == "TKN010").unwrap();
    assert!(
        tkn010["message"].as_str().unwrap().contains("`compile`"),
        "{tkn010}"
    );

    // Without the repository around it (--root narrowed to runs/), the same reference does
    // not resolve: the resolution above came from the unchanged file.
    let (_, diags) = lint_json(
        d,
        &[
            "--extend-select",
            "TKN018",
            "--root",
            "runs",
            "runs/short.yaml",
        ],
    );
    assert_eq!(summary(&diags), vec!["runs/short.yaml:7 TKN018"]);
}

// ---- --baseline / --write-baseline --------------------------------------------------

/// A v1beta1 PipelineRun and a TaskRun with findings.
const LEGACY_RUN: &str = r#"apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata:
  name: legacy
spec:
  pipelineRef:
    name: build
  timeouts:
    pipeline: 0
    tasks: "30m"
"#;

const TASKRUN: &str = r#"apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: unit
spec:
  taskRef:
    name: unit-tests
  timeout: 0
"#;

#[test]
fn baseline_suppresses_recorded_findings_and_reports_new_ones() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    write(d, "pipelines/build.yaml", PIPELINE);
    write(d, "runs/legacy.yaml", LEGACY_RUN);
    write(d, "runs/unit.yaml", TASKRUN);
    let (code, before) = lint_json(d, &[]);
    assert_eq!(code, 1);
    assert!(before.len() >= 2, "{:?}", summary(&before));

    let o = cutoff(d, &["lint", "--write-baseline", ".cutoff-baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join(".cutoff-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["version"], 2);
    let entries = baseline["findings"].as_array().unwrap();
    let recorded: usize = entries
        .iter()
        .map(|e| e["count"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(recorded, before.len());
    for e in entries {
        assert!(
            e["path"].is_string() && e["code"].is_string() && e["fingerprint"].is_string(),
            "{e}"
        );
        assert!(
            e.get("line").is_none(),
            "a baseline entry must not depend on line numbers: {e}"
        );
    }

    let (code, diags) = lint_json(d, &["--baseline", ".cutoff-baseline.json"]);
    assert_eq!((code, summary(&diags)), (0, vec![]));

    // Lines inserted above the recorded findings move them; they stay suppressed.
    let moved = TASKRUN.replace(
        "metadata:\n",
        "metadata:\n  labels:\n    team: ci\n    tier: unit\n  annotations:\n    note: \"moved down five lines\"\n",
    );
    write(d, "runs/unit.yaml", &format!("# Unit tests.\n{moved}"));
    let (_, moved_diags) = lint_json(d, &[]);
    assert!(
        moved_diags
            .iter()
            .any(|x| x["path"] == "runs/unit.yaml" && x["line"] == 14),
        "{:?}",
        summary(&moved_diags)
    );
    let (code, diags) = lint_json(d, &["--baseline", ".cutoff-baseline.json"]);
    assert_eq!((code, summary(&diags)), (0, vec![]));

    // An edit next to a baselined finding keeps it suppressed; a finding in a new file is reported.
    write(
        d,
        "runs/unit.yaml",
        &format!(
            "# Unit tests.\n{}",
            moved.replace(
                "  timeout: 0\n",
                "  timeout: 0\n  podTemplate:\n    nodeSelector:\n      pool: ci\n"
            )
        ),
    );
    write(
        d,
        "runs/e2e.yaml",
        &TASKRUN
            .replace("name: unit\n", "name: e2e\n")
            .replace("timeout: 0", "timeout: \"1 hour\""),
    );
    let (code, diags) = lint_json(d, &["--baseline", ".cutoff-baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        paths(&diags),
        BTreeSet::from(["runs/e2e.yaml".to_string()]),
        "{:?}",
        summary(&diags)
    );
    assert_eq!(summary(&diags), vec!["runs/e2e.yaml:8 TKN001"]);

    // A second identical finding in the same file: the baseline absorbs only the recorded one.
    let twice = "---\n".to_string()
        + TASKRUN
        + "---\n"
        + &TASKRUN.replace("name: unit\n", "name: unit-again\n");
    std::fs::remove_file(d.join("runs/e2e.yaml")).unwrap();
    write(d, "runs/unit.yaml", &twice);
    let (code, diags) = lint_json(d, &["--baseline", ".cutoff-baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(summary(&diags).len(), 1, "{:?}", summary(&diags));
    assert_eq!(diags[0]["code"], "TKN001");

    // Fixing a baselined finding just makes the entry unused.
    write(
        d,
        "runs/unit.yaml",
        &TASKRUN.replace("timeout: 0", "timeout: \"0\""),
    );
    let (code, diags) = lint_json(d, &["--baseline", ".cutoff-baseline.json"]);
    assert_eq!((code, summary(&diags)), (0, vec![]));
}

#[test]
fn baseline_is_sorted_and_independent_of_file_order() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    write(d, "z/last.yaml", LEGACY_RUN);
    write(d, "a/first.yaml", TASKRUN);
    write(
        d,
        "m/middle.yaml",
        &run_with_number_timeout("middle", "build"),
    );

    let o = cutoff(
        d,
        &[
            "lint",
            "--write-baseline",
            "one.json",
            "z/last.yaml",
            "a/first.yaml",
            "m/middle.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = cutoff(
        d,
        &[
            "lint",
            "--write-baseline",
            "two.json",
            "m/middle.yaml",
            "a/first.yaml",
            "z/last.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = cutoff(
        d,
        &["lint", "--write-baseline", "three.json", "z", "m", "a"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let one = std::fs::read(d.join("one.json")).unwrap();
    assert_eq!(one, std::fs::read(d.join("two.json")).unwrap());
    assert_eq!(one, std::fs::read(d.join("three.json")).unwrap());
    assert!(one.ends_with(b"}\n"));

    let v: Value = serde_json::from_slice(&one).unwrap();
    let keys: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().into(),
                e["code"].as_str().unwrap().into(),
                e["fingerprint"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.first().unwrap().0, "a/first.yaml");
    assert_eq!(keys.last().unwrap().0, "z/last.yaml");

    // Rewriting the baseline of an unchanged tree changes nothing.
    let o = cutoff(d, &["lint", "--write-baseline", "one.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(one, std::fs::read(d.join("one.json")).unwrap());
    let (code, all) = lint_json(d, &["--baseline", "one.json"]);
    assert_eq!((code, summary(&all)), (0, vec![]));
}

#[test]
fn baseline_errors() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    write(d, "a.yaml", TASKRUN);
    let o = cutoff(d, &["lint", "--baseline", "missing.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("missing.json"),
        "{}",
        text(&o.stderr)
    );
    write(d, "bad.json", "{\"version\": 7, \"findings\": []}");
    let o = cutoff(d, &["lint", "--baseline", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("version"), "{}", text(&o.stderr));
}

// ---- the baseline flow of README.md, as written ---------------------------

/// The lines of the first ```sh block after `heading` (a line's text) in README.md.
fn doc_block(heading: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap();
    let at = doc
        .find(heading)
        .unwrap_or_else(|| panic!("README.md has no {heading:?}"));
    let rest = &doc[at..];
    let start = rest.find("```sh\n").expect("a ```sh block") + "```sh\n".len();
    let end = start + rest[start..].find("```").unwrap();
    rest[start..end].lines().map(str::to_string).collect()
}

/// Runs one line of a snippet with bash, `cutoff` on PATH; returns (exit code, stdout).
fn sh(dir: &Path, line: &str) -> (i32, String) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cutoff"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["-c", line])
        .current_dir(dir)
        .env("PATH", path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    (o.status.code().unwrap(), text(&o.stdout) + &text(&o.stderr))
}

#[test]
fn docs_baseline_flow_runs_as_written() {
    let lines: Vec<String> = doc_block("## Adopting cutoff in a large repository")
        .into_iter()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    let write_line = lines
        .iter()
        .find(|l| l.contains("--write-baseline"))
        .expect("a --write-baseline line");
    let check_line = lines
        .iter()
        .find(|l| l.contains("--baseline ") && !l.contains("--write-baseline"))
        .expect("a --baseline line");

    let repo = new_repo();
    let d = repo.path();
    write(d, "pipelines/build.yaml", PIPELINE);
    write(d, "runs/legacy.yaml", LEGACY_RUN);
    write(d, "runs/unit.yaml", TASKRUN);
    commit_all(d, "a repository with findings");
    assert_eq!(sh(d, "cutoff lint").0, 1);

    // Every line of the snippet, in order, succeeds on the repository as it is.
    for line in &lines {
        let (code, out) = sh(d, line);
        assert_eq!(code, 0, "`{line}` failed:\n{out}");
    }
    assert!(d.join(".cutoff-baseline.json").is_file());
    commit_all(d, "baseline");

    // A new finding fails the check line, which names only it.
    write(d, "runs/new.yaml", &run_with_number_timeout("new", "build"));
    let (code, out) = sh(d, &format!("{check_line} --format concise"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("runs/new.yaml:9:"), "{out}");
    assert!(
        !out.contains("legacy.yaml") && !out.contains("unit.yaml"),
        "{out}"
    );

    // Re-recording takes it in.
    assert_eq!(sh(d, write_line).0, 0);
    assert_eq!(sh(d, check_line).0, 0);
}

#[test]
fn docs_changed_since_line_runs_as_written() {
    let lines: Vec<String> = doc_block("To lint only what changed since a branch or commit")
        .into_iter()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    assert_eq!(lines, ["cutoff lint --changed-since origin/main"]);

    // A clone of a repository with an old finding, and a branch that adds a new one.
    let origin = new_repo();
    write(origin.path(), "pipelines/build.yaml", PIPELINE);
    write(
        origin.path(),
        "runs/old.yaml",
        &run_with_number_timeout("old", "build"),
    );
    commit_all(origin.path(), "main");
    let work = tempfile::tempdir().unwrap();
    git(
        work.path(),
        &["clone", "-q", origin.path().to_str().unwrap(), "clone"],
    );
    let d = work.path().join("clone");
    git(&d, &["checkout", "-q", "-b", "feature"]);
    write(
        &d,
        "runs/new.yaml",
        &run_with_number_timeout("new", "build"),
    );
    commit_all(&d, "feature");

    let (code, out) = sh(&d, &format!("{} --format concise", lines[0]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("runs/new.yaml:9:"), "{out}");
    assert!(!out.contains("runs/old.yaml"), "{out}");
}

/// A baseline written over the whole repository also silences its cross-file findings when
/// only one of their files is linted (pre-commit): there the finding is shown in another file,
/// with another message, but it is about the same places.
#[test]
fn baseline_holds_when_only_one_file_is_linted() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    git(d, &["init", "-q"]);
    write(
        d,
        "pipelines/build.yaml",
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: build\nspec:\n  tasks:\n    - name: compile\n      timeout: 2h\n      taskRef:\n        name: compile\n",
    );
    for run in ["nightly", "weekly"] {
        write(
            d,
            &format!("runs/{run}.yaml"),
            &format!("apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: {run}\nspec:\n  pipelineRef:\n    name: build\n"),
        );
    }
    // The whole repository: one TKN010 at the Pipeline's task, both runs as labels.
    let (_, all) = lint_json(d, &["."]);
    assert_eq!(summary(&all), ["pipelines/build.yaml:8 TKN010"]);
    let o = cutoff(
        d,
        &["lint", "--write-baseline", ".cutoff-baseline.json", "."],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // One run alone: the finding is shown at its budget; the baseline still holds it.
    let (_, one) = lint_json(d, &["runs/nightly.yaml"]);
    assert_eq!(
        summary(&one),
        ["runs/nightly.yaml:4 TKN010"],
        "without a baseline"
    );
    let (code, one) = lint_json(
        d,
        &["--baseline", ".cutoff-baseline.json", "runs/nightly.yaml"],
    );
    assert!(one.is_empty(), "{:?}", summary(&one));
    assert_eq!(code, 0);
    // A new finding in that file is still reported.
    write(
        d,
        "runs/nightly.yaml",
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: nightly\nspec:\n  timeouts:\n    pipeline: 1h\n    tasks: 2h\n  pipelineRef:\n    name: build\n",
    );
    let (_, one) = lint_json(
        d,
        &["--baseline", ".cutoff-baseline.json", "runs/nightly.yaml"],
    );
    assert!(
        summary(&one).iter().any(|s| s.ends_with("TKN007")),
        "{:?}",
        summary(&one)
    );
}
