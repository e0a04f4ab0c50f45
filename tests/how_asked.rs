//! A file's findings do not depend on how cutoff was asked for them: which other paths are
//! given and in which order, whether the file is named (pre-commit) or found by walking a
//! directory (the Action), or whether `exclude:` should leave it out (`--force-exclude`).
//! Also: `--fix` says what it fixed, and `cutoff timeouts --changed-since` shows only the
//! runs that read a changed file.

mod common;
#[allow(unused_imports)]
use common::*;

use std::path::Path;
use std::process::{Command, Output};

fn cutoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run cutoff")
}

fn lines(o: &Output) -> Vec<String> {
    let mut v: Vec<String> = text(&o.stdout).lines().map(str::to_string).collect();
    v.sort();
    v
}

const PIPELINE: &str = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: build\nspec:\n  tasks:\n    - name: compile\n      timeout: 30m\n      taskSpec:\n        steps:\n          - name: make\n            image: alpine\n";
/// TKN010 at line 10: its Pipeline (task `compile`, 30m) is in pipelines/build.yaml.
const RUN: &str = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: short\nspec:\n  pipelineRef:\n    name: build\n  timeouts:\n    pipeline: 1h\n    tasks: 20m\n";
/// TKN001 at line 7 (an unquoted number).
const BAD_TASKRUN: &str = "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  name: tr\nspec:\n  taskRef: {name: t}\n  timeout: 0\n";

/// A repository with a team folder that has its own configuration (it ignores TKN001).
fn monorepo() -> tempfile::TempDir {
    let t = tree(&[
        ("pipelines/build.yaml", PIPELINE),
        ("runs/short.yaml", RUN),
        ("team/.cutoff.yaml", "ignore: [TKN001]\n"),
        ("team/taskrun.yaml", BAD_TASKRUN),
        ("loose/taskrun.yaml", BAD_TASKRUN),
    ]);
    git(t.path(), &["init", "-q"]);
    t
}

#[test]
fn several_paths_in_any_order_give_each_file_its_own_findings() {
    let repo = monorepo();
    let d = repo.path();
    let expected = vec![
        "loose/taskrun.yaml:7:12: error[TKN001] `spec.timeout: 0` is an unquoted YAML number; Tekton expects a duration string".to_string(),
        "runs/short.yaml:10:12: warning[TKN010] task `compile` has its own timeout of 30m0s, longer than the `timeouts.tasks` budget of 20m0s of PipelineRun `short`: the run cuts it short after 20m0s".to_string(),
    ];
    let check = |args: &[&str]| {
        let mut a = vec!["lint", "--format", "concise"];
        a.extend_from_slice(args);
        let o = cutoff(d, &a);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o.stderr));
        let got = lines(&o);
        // Compare up to the end of each expected prefix (messages may carry more words).
        assert_eq!(got.len(), expected.len(), "{args:?}: {got:#?}");
        for (g, e) in got.iter().zip(&expected) {
            let e = e.split(" `").next().unwrap();
            assert!(g.starts_with(e), "{args:?}: {g} does not start with {e}");
        }
    };
    // The team's file first used to give every file the team's configuration and the team
    // folder as the reference root: the run's Pipeline was not found and TKN010 vanished.
    check(&["team/taskrun.yaml", "runs/short.yaml", "loose/taskrun.yaml"]);
    check(&["runs/short.yaml", "team/taskrun.yaml", "loose/taskrun.yaml"]);
    check(&["loose/taskrun.yaml", "team/taskrun.yaml", "runs/short.yaml"]);
    // Named or walked: the same.
    check(&["runs", "team", "loose"]);
    check(&["team/", "loose", "runs/short.yaml"]);
    // Walking `.` used to give team/ the root's (empty) configuration: its TKN001 came back.
    // (With the Pipeline's file reported too, TKN010 is shown at the Pipeline's task.)
    for args in [vec!["."], vec!["team", "."]] {
        let mut a = vec!["lint", "--format", "concise"];
        a.extend_from_slice(&args);
        let got = lines(&cutoff(d, &a));
        assert_eq!(got.len(), 2, "{args:?}: {got:#?}");
        assert!(
            got[0].starts_with("loose/taskrun.yaml:7:12: error[TKN001]"),
            "{got:#?}"
        );
        assert!(
            got[1].starts_with("pipelines/build.yaml:8:16: warning[TKN010]"),
            "{got:#?}"
        );
    }
}

#[test]
fn timeouts_reads_each_file_under_its_own_configuration() {
    let repo = monorepo();
    let d = repo.path();
    let one = cutoff(d, &["timeouts", "--format", "json", "runs/short.yaml"]);
    let both = cutoff(
        d,
        &[
            "timeouts",
            "--format",
            "json",
            "team/taskrun.yaml",
            "runs/short.yaml",
        ],
    );
    assert!(both.status.success(), "{}", text(&both.stderr));
    let v1: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let v2: serde_json::Value = serde_json::from_slice(&both.stdout).unwrap();
    assert_eq!(
        v1["runs"], v2["runs"],
        "the run's model does not depend on the other path"
    );
    assert_eq!(v2["runs"][0]["tasks"][0]["effective"]["value"], "30m0s");
    assert_eq!(v2["task_runs"].as_array().unwrap().len(), 1, "{v2:#}");
}

#[test]
fn force_exclude_applies_exclude_to_named_files() {
    let t = tree(&[
        (".cutoff.yaml", "exclude: [\"vendor/**\"]\n"),
        ("vendor/upstream.yaml", BAD_TASKRUN),
        ("mine.yaml", BAD_TASKRUN),
    ]);
    let d = t.path();
    // Walking never reads excluded files.
    let o = cutoff(d, &["lint", "--format", "concise", "."]);
    assert_eq!(lines(&o).len(), 1, "{}", text(&o.stdout));
    // A named file is linted...
    let o = cutoff(d, &["lint", "--format", "concise", "vendor/upstream.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    // ...unless --force-exclude, as pre-commit passes it.
    let o = cutoff(
        d,
        &[
            "lint",
            "--format",
            "concise",
            "--force-exclude",
            "vendor/upstream.yaml",
            "mine.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let got = lines(&o);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].starts_with("mine.yaml:7:12: error[TKN001]"),
        "{got:#?}"
    );
    let o = cutoff(d, &["lint", "--force-exclude", "vendor/upstream.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[test]
fn fix_says_what_it_fixed() {
    let t = tree(&[("runs/tr.yaml", BAD_TASKRUN)]);
    let o = cutoff(
        t.path(),
        &["lint", "--fix", "--format", "concise", "runs/tr.yaml"],
    );
    let err = text(&o.stderr);
    assert!(
        err.contains("cutoff: fixed runs/tr.yaml:7: TKN001 "),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("runs/tr.yaml")).unwrap(),
        BAD_TASKRUN.replace("timeout: 0", "timeout: \"0\"")
    );
    // Nothing left to fix: nothing said.
    let o = cutoff(t.path(), &["lint", "--fix", "runs/tr.yaml"]);
    assert!(!text(&o.stderr).contains("fixed"), "{}", text(&o.stderr));
}

#[test]
fn timeouts_changed_since_shows_the_runs_that_read_a_changed_file() {
    let repo = monorepo();
    let d = repo.path();
    write(
        d,
        "runs/other.yaml",
        &RUN.replace("name: short", "name: other"),
    );
    write(
        d,
        "runs/unrelated.yaml",
        &RUN.replace("name: short", "name: unrelated")
            .replace("name: build", "name: elsewhere"),
    );
    let base = commit_all(d, "base");
    let mermaid = |args: &[&str]| {
        let mut a = vec!["timeouts", "--format", "mermaid", "--changed-since", &base];
        a.extend_from_slice(args);
        let o = cutoff(d, &a);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    assert_eq!(mermaid(&[]), "", "nothing changed: no chart");
    // A change to the Pipeline touches both runs that use it, not the unrelated one.
    write(d, "pipelines/build.yaml", &PIPELINE.replace("30m", "40m"));
    let out = mermaid(&[]);
    assert_eq!(out.matches("```mermaid\ngantt\n").count(), 2, "{out}");
    assert!(out.contains("#### PipelineRun `short`") && out.contains("#### PipelineRun `other`"));
    assert!(!out.contains("unrelated"), "{out}");
    assert!(
        out.contains("compile 40m0s (explicit) :crit, t0, 00:00, 40m"),
        "{out}"
    );
}
