//! The binary end to end: subcommands, formats, exit codes, stdin, fixes, configuration errors.

mod common;
#[allow(unused_imports)]
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn demo() -> PathBuf {
    root().join("fixtures/demo-gitops")
}

const BAD_ZERO: &str = "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  name: tr\nspec:\n  taskRef:\n    name: t\n  timeout: 0 # no timeout\n";

#[test]
fn demo_repository_concise() {
    let o = run_in(&demo(), &["lint", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("demo_concise", stdout(&o));
}

#[test]
fn demo_repository_text_has_summary() {
    let o = run_in(&demo(), &["lint", "--format", "text", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("files scanned"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour when told so");
}

#[test]
fn demo_repository_json_matches_schema() {
    let o = run_in(&demo(), &["lint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert!(v["files_scanned"].as_u64().unwrap() >= 8);
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    for d in diags {
        for key in [
            "code",
            "name",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "help",
            "fix",
        ] {
            assert!(d.get(key).is_some(), "missing {key} in {d}");
        }
        assert!(!d["path"].as_str().unwrap().contains('\\'));
        if let Some(fix) = d["fix"].as_object() {
            for e in fix["edits"].as_array().unwrap() {
                assert!(e["start"].as_u64().unwrap() <= e["end"].as_u64().unwrap());
            }
        }
    }
}

#[test]
fn exit_codes() {
    let dir = tree(&[("ok.yaml", "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  name: a\nspec:\n  timeout: \"1h0m0s\"\n")]);
    assert_eq!(run_in(dir.path(), &["lint"]).status.code(), Some(0));
    let dir = tree(&[("bad.yaml", BAD_ZERO)]);
    assert_eq!(run_in(dir.path(), &["lint"]).status.code(), Some(1));
    assert_eq!(
        run_in(dir.path(), &["lint", "--fail-on", "never"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run_in(dir.path(), &["lint", "--no-such-flag"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run_in(dir.path(), &["lint", "missing.yaml"]).status.code(),
        Some(2)
    );
}

#[test]
fn config_errors_name_file_line_and_column() {
    let dir = tree(&[
        (
            ".cutoff.yaml",
            "targets:\n  tekton: \"1.4\"\n  argo: \"3\"\n",
        ),
        ("a.yaml", BAD_ZERO),
    ]);
    let o = run_in(dir.path(), &["lint"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(".cutoff.yaml:3:3"), "{err}");
    assert!(err.contains("argo"), "{err}");
}

#[test]
fn stdin_with_fix_prints_fixed_text() {
    // An empty directory of its own: the system's temporary directory may hold anything,
    // and all of it would be read to resolve references.
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args([
            "lint",
            "--fix",
            "--stdin-filename",
            "pipelines/tr.yaml",
            "-",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(BAD_ZERO.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        stdout(&o),
        BAD_ZERO.replace("timeout: 0 #", "timeout: \"0\" #")
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn stdin_lint_reports_under_given_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args([
            "lint",
            "--format",
            "concise",
            "--stdin-filename",
            "pipelines/tr.yaml",
            "-",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(BAD_ZERO.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        stdout(&o).starts_with("pipelines/tr.yaml:8:12: error[TKN001]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn fix_writes_in_place_and_diff_does_not() {
    let dir = tree(&[("a.yaml", BAD_ZERO)]);
    let o = run_in(dir.path(), &["lint", "--diff"]);
    assert!(
        stdout(&o).contains("-  timeout: 0 # no timeout"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("+  timeout: \"0\" # no timeout"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
        BAD_ZERO
    );
    let o = run_in(dir.path(), &["lint", "--fix"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let fixed = std::fs::read_to_string(dir.path().join("a.yaml")).unwrap();
    assert_eq!(fixed, BAD_ZERO.replace("timeout: 0 #", "timeout: \"0\" #"));
    // Idempotent.
    let o = run_in(dir.path(), &["lint", "--fix"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
        fixed
    );
}

#[test]
fn fix_keeps_crlf_and_bom() {
    let text = format!("\u{feff}{}", BAD_ZERO.replace('\n', "\r\n"));
    let dir = tree(&[("a.yaml", &text)]);
    let o = run_in(dir.path(), &["lint", "--fix"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let fixed = std::fs::read_to_string(dir.path().join("a.yaml")).unwrap();
    assert_eq!(fixed, text.replace("timeout: 0 #", "timeout: \"0\" #"));
}

#[test]
fn never_fixes_a_file_with_a_syntax_error() {
    let broken = format!("{BAD_ZERO}---\nkind: [unclosed\n");
    let dir = tree(&[("a.yaml", &broken)]);
    let o = run_in(dir.path(), &["lint", "--fix", "--format", "concise"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
        broken
    );
    let out = stdout(&o);
    assert!(out.contains("CUT001"), "{out}");
    assert!(
        out.contains("TKN001"),
        "the valid document is still linted: {out}"
    );
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tree(&[("a.yaml", BAD_ZERO)]);
    let o = run_in(
        dir.path(),
        &[
            "lint",
            "--format",
            "concise",
            "--output",
            "sarif=out.sarif",
            "--output",
            "json=out.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("TKN001"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(json["diagnostics"][0]["code"], "TKN001");
}

#[test]
fn walks_hidden_tekton_dir_but_not_git_and_honours_gitignore() {
    let dir = tree(&[
        (".tekton/pr.yaml", BAD_ZERO),
        (".git/x.yaml", BAD_ZERO),
        (".gitignore", "generated/\n"),
        ("generated/g.yaml", BAD_ZERO),
        ("notes.txt", BAD_ZERO),
    ]);
    let o = run_in(dir.path(), &["lint", "--format", "concise"]);
    let out = stdout(&o);
    assert!(out.contains(".tekton/pr.yaml:"), "{out}");
    assert!(!out.contains(".git/"), "{out}");
    assert!(!out.contains("generated/"), "{out}");
    assert!(!out.contains("notes.txt"), "{out}");
    // An explicit file is always linted, whatever its name.
    let o = run_in(dir.path(), &["lint", "--format", "concise", "notes.txt"]);
    assert!(stdout(&o).contains("notes.txt:"));
}

#[test]
fn file_size_limit() {
    let big = format!("{BAD_ZERO}# {}\n", "x".repeat(2000));
    let dir = tree(&[("a.yaml", &big)]);
    let o = run_in(
        dir.path(),
        &["lint", "--format", "concise", "--max-file-size", "1KB"],
    );
    assert!(stdout(&o).contains("CUT002"), "{}", stdout(&o));
}

#[test]
fn suppressions_work_and_unused_ones_are_reported() {
    let text = BAD_ZERO.replace("# no timeout", "# cutoff: ignore[TKN001] managed elsewhere");
    let dir = tree(&[
        ("a.yaml", &text),
        (
            "b.yaml",
            &BAD_ZERO.replace(
                "timeout: 0 # no timeout",
                "timeout: \"1h\" # cutoff: ignore[TKN001]",
            ),
        ),
    ]);
    let o = run_in(dir.path(), &["lint", "--format", "concise"]);
    let out = stdout(&o);
    assert!(!out.contains("a.yaml"), "{out}");
    assert!(out.contains("b.yaml:8:17: info[CUT004]"), "{out}");
}

#[test]
fn rules_explain_init() {
    let o = bin().args(["rules"]).output().unwrap();
    assert!(stdout(&o).contains("TKN001"));
    let o = bin().args(["rules", "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|r| r["code"] == "TKN001"));
    let o = bin().args(["explain", "TKN001"]).output().unwrap();
    assert!(stdout(&o).starts_with("# TKN001 invalid-duration"));
    let o = bin()
        .args(["explain", "invalid-duration"])
        .output()
        .unwrap();
    assert!(stdout(&o).starts_with("# TKN001"));
    assert_eq!(
        bin()
            .args(["explain", "NOPE999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let o = bin().args(["init"]).output().unwrap();
    assert!(cutoff_core::config::Config::parse(&stdout(&o), "init").is_ok());
}

#[test]
fn help_teaches() {
    let o = bin().args(["--help"]).output().unwrap();
    assert!(stdout(&o).contains("Exit codes"));
    let o = bin().args(["lint", "--help"]).output().unwrap();
    let out = stdout(&o);
    assert!(
        out.contains("Examples:")
            && out.contains("--unsafe-fixes")
            && out.contains("--stdin-filename")
    );
}

/// A file git tracks is part of the repository even when `.gitignore` matches it (it was
/// force-added, and GitOps tools apply it all the same); outside git, `.gitignore` rules.
#[test]
fn tracked_files_are_linted_even_when_ignored() {
    let run = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: smoke\nspec:\n  timeout: 1h\n  pipelineRef:\n    name: smoke\n";
    let files = [
        (".gitignore", "*test*.yaml\n"),
        ("tekton/smoke-test-run.yaml", run),
        ("tekton/untracked-test.yaml", run),
    ];
    // Outside git: the ignore pattern holds.
    let plain = tree(&files);
    let o = run_in(plain.path(), &["lint", "--format", "concise", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Inside git, the force-added file is linted; the untracked ignored one is not.
    let repo = tree(&files);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", ".gitignore"]);
    git(repo.path(), &["add", "-f", "tekton/smoke-test-run.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "force-added run"]);
    let o = run_in(repo.path(), &["lint", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(
        out.contains("tekton/smoke-test-run.yaml:6:3: error[TKN003]"),
        "{out}"
    );
    assert!(!out.contains("untracked-test.yaml"), "{out}");
}

#[test]
fn timings_go_to_stderr_and_change_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tr.yaml"), BAD_ZERO).unwrap();
    let args = ["lint", "--no-cache", "--format", "json", "."];
    let plain = run_in(dir.path(), &args);
    let timed = bin()
        .current_dir(dir.path())
        .env("CUTOFF_TIMINGS", "1")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(stdout(&timed), stdout(&plain));
    assert_eq!(timed.status.code(), plain.status.code());
    let err = stderr(&timed);
    for phase in ["walk: walk", "read and parse", "check", "report"] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("cutoff: timing: {phase} "))
                    && (l.ends_with(" s") || l.ends_with(" MB") || l.ends_with(" MB in use"))),
            "{phase} missing in {err}"
        );
    }
    assert!(!stderr(&plain).contains("timing"), "{}", stderr(&plain));
}
