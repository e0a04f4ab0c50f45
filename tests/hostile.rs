//! Hostile input, through the binary: every case gets a clear diagnostic (or is skipped
//! for a stated reason) in bounded time and memory, and the run goes on with the other
//! files. The big inputs are made cheaply: a sparse file for the size limit, a few MB for
//! long values.

mod common;
#[allow(unused_imports)]
use common::*;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A finding the run must still report, next to the hostile file.
const GOOD: &str = "apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: tr
spec:
  taskRef:
    name: t
  timeout: 0
";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cutoff"));
    c.env_remove("NO_COLOR").env("CUTOFF_NO_CACHE", "1");
    c
}

/// Runs `cutoff lint --format concise ARGS` in `dir`, killing it after a minute (a hang is
/// a failure, not a stuck test run).
fn lint(dir: &Path, args: &[&str]) -> Output {
    let mut child = bin()
        .current_dir(dir)
        .args(["lint", "--format", "concise"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cutoff");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("cutoff lint {args:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn out(o: &Output) -> String {
    text(&o.stdout)
}

fn err(o: &Output) -> String {
    text(&o.stderr)
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// The good file's finding is there: the run went on.
fn went_on(o: &Output) {
    assert!(
        out(o).contains("good.yaml:8:12: error[TKN001]"),
        "the other file was not linted: {}{}",
        out(o),
        err(o)
    );
}

#[test]
fn long_values_are_never_echoed_whole() {
    let t = tmp();
    let big = "x".repeat(5_000_000);
    write(
        t.path(),
        "pipeline.yaml",
        &format!("apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  tasks:\n    - name: t\n      timeout: \"{big}\"\n      taskRef:\n        name: t\n"),
    );
    write(
        t.path(),
        "run.yaml",
        &format!("apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata:\n  name: r\nspec:\n  pipelineRef:\n    name: p\n  timeout: \"1{big}\"\n  taskRunSpecs:\n    - pipelineTaskName: t\n      timeout: \"{big}\"\n"),
    );
    write(
        t.path(),
        "task.yaml",
        &format!("apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n    - name: s\n      image: x\n      timeout: \"$(params.{big})\"\n"),
    );
    write(
        t.path(),
        "job.yaml",
        &format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      restartPolicy: \"{big}\"\n      containers:\n        - name: main\n          image: x\n"),
    );
    write(
        t.path(),
        "steps.yaml",
        &format!("name: p\nsteps:\n  - id: a\n    timeout: \"{big}\"\n"),
    );
    write(t.path(), "good.yaml", GOOD);
    let o = bin()
        .current_dir(t.path())
        .args([
            "lint",
            "--format",
            "json",
            "--max-file-size",
            "50MB",
            "--extend-select",
            "ALL",
            ".",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let diags = v["diagnostics"].as_array().unwrap();
    let mut elided = 0;
    for d in diags {
        let mut texts = vec![d["message"].as_str().unwrap().to_string()];
        texts.extend(d["help"].as_str().map(str::to_string));
        for l in d["labels"].as_array().unwrap() {
            texts.push(l["message"].as_str().unwrap().to_string());
        }
        if let Some(f) = d["fix"].as_object() {
            texts.push(f["description"].as_str().unwrap().to_string());
        }
        for t in texts {
            assert!(
                t.chars().count() < 600,
                "{}: {} characters: {}…",
                d["code"],
                t.len(),
                &t[..200]
            );
            elided += usize::from(t.contains("characters]…"));
        }
    }
    assert!(elided >= 5, "{elided} elided values in {diags:?}");
    assert!(diags.iter().any(|d| d["path"] == "good.yaml"));
}

#[test]
fn deep_nesting_is_a_syntax_error() {
    let t = tmp();
    let flow = format!(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  x: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(t.path(), "flow.yaml", &flow);
    let block: String = (0..2000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i + 2)))
        .collect();
    write(
        t.path(),
        "block.yaml",
        &format!("apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: q\nspec:\n{block}"),
    );
    write(t.path(), "good.yaml", GOOD);
    let o = lint(t.path(), &["."]);
    for f in ["flow.yaml", "block.yaml"] {
        assert!(
            out(&o)
                .lines()
                .any(|l| l.starts_with(f) && l.contains("[CUT001] YAML syntax error")),
            "{f}: {}",
            out(&o)
        );
    }
    went_on(&o);
}

#[test]
fn a_huge_file_is_reported_not_read() {
    let t = tmp();
    // 1 GB without writing it: a sparse file.
    let f = std::fs::File::create(t.path().join("huge.yaml")).unwrap();
    f.set_len(1 << 30).unwrap();
    write(t.path(), "good.yaml", GOOD);
    let o = lint(t.path(), &["."]);
    assert!(
        out(&o).contains("huge.yaml:1:1: warning[CUT002] file not linted: 1073741824 bytes is over the 10000000-byte limit"),
        "{}",
        out(&o)
    );
    went_on(&o);
}

#[test]
fn an_alias_bomb_is_not_expanded() {
    let t = tmp();
    let mut bomb = String::from(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: bomb\nspec:\n  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..40 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        bomb.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    bomb.push_str("  tasks:\n    - name: x\n      timeout: *a39\n      taskRef: {name: *a39}\n  <<: *a39\n  finally: *a39\n");
    write(t.path(), "bomb.yaml", &bomb);
    write(t.path(), "good.yaml", GOOD);
    let o = lint(t.path(), &["."]);
    went_on(&o);
}

#[test]
fn invalid_utf8_and_binary_files_named_yaml() {
    let t = tmp();
    // A manifest with one byte that is not UTF-8.
    let mut bytes = GOOD.replace("name: tr", "name: tr-x").into_bytes();
    let at = bytes.iter().position(|&b| b == b'x').unwrap();
    bytes[at] = 0xff;
    std::fs::write(t.path().join("latin1.yaml"), &bytes).unwrap();
    // Binary junk: no marker of anything cutoff reads, and junk that has one.
    let junk: Vec<u8> = (0..100_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(t.path().join("image.yaml"), &junk).unwrap();
    let mut marked = junk.clone();
    marked.extend_from_slice(b"\napiVersion: tekton.dev/v1\n");
    std::fs::write(t.path().join("marked.yaml"), &marked).unwrap();
    // UTF-8, but control characters YAML forbids.
    std::fs::write(
        t.path().join("controls.yaml"),
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: \u{0}\u{1}\u{7}\n",
    )
    .unwrap();
    write(t.path(), "good.yaml", GOOD);
    let o = lint(t.path(), &["."]);
    let s = out(&o);
    assert!(
        s.contains("latin1.yaml:1:1: error[CUT001] file is not valid UTF-8"),
        "{s}"
    );
    assert!(
        s.contains("marked.yaml:1:1: error[CUT001] file is not valid UTF-8"),
        "{s}"
    );
    assert!(!s.contains("image.yaml"), "no marker, nothing to say: {s}");
    assert!(
        s.lines()
            .any(|l| l.starts_with("controls.yaml") && l.contains("[CUT001] YAML syntax error")),
        "{s}"
    );
    went_on(&o);
}

#[cfg(unix)]
#[test]
fn symlink_loops() {
    let t = tmp();
    std::os::unix::fs::symlink("b.yaml", t.path().join("a.yaml")).unwrap();
    std::os::unix::fs::symlink("a.yaml", t.path().join("b.yaml")).unwrap();
    std::fs::create_dir(t.path().join("dir")).unwrap();
    std::os::unix::fs::symlink("..", t.path().join("dir/up")).unwrap();
    write(t.path(), "good.yaml", GOOD);
    // Walking: links are not followed, so a loop is never entered.
    let o = lint(t.path(), &["."]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    went_on(&o);
    // Named: it cannot be read, and the run says why and goes on.
    let o = lint(t.path(), &["a.yaml", "good.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("cutoff: error: a.yaml: cannot be read:"),
        "{}",
        err(&o)
    );
    went_on(&o);
}

#[cfg(unix)]
#[test]
fn unreadable_files() {
    use std::os::unix::fs::PermissionsExt;
    let t = tmp();
    write(t.path(), "secret.yaml", GOOD);
    let p = t.path().join("secret.yaml");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        eprintln!("skipped: running as a user who reads any file (root)");
        return;
    }
    write(t.path(), "good.yaml", GOOD);
    let o = lint(t.path(), &["."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("cutoff: error: secret.yaml: Permission denied"),
        "{}",
        err(&o)
    );
    went_on(&o);
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo")
        .arg(p)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", p.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_is_never_waited_on() {
    let t = tmp();
    mkfifo(&t.path().join("pipe.yaml"));
    write(t.path(), "good.yaml", GOOD);
    // Named on the command line: said what it is (it used to be "no such file").
    let o = lint(t.path(), &["pipe.yaml", "good.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("cutoff: error: pipe.yaml: not a regular file (a FIFO); not read"),
        "{}",
        err(&o)
    );
    went_on(&o);
    // Found by walking: not a file, skipped.
    let o = lint(t.path(), &["."]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    went_on(&o);
}

#[test]
fn a_directory_named_like_a_manifest_is_walked() {
    let t = tmp();
    std::fs::create_dir(t.path().join("x.yaml")).unwrap();
    write(t.path(), "x.yaml/good.yaml", GOOD);
    let o = lint(t.path(), &["."]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(out(&o).contains("x.yaml/good.yaml:8:12: error[TKN001]"));
    let o = lint(t.path(), &["x.yaml"]);
    assert!(out(&o).contains("x.yaml/good.yaml:8:12: error[TKN001]"));
    assert!(err(&o).is_empty(), "{}", err(&o));
}
