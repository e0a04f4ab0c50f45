//! The cache of results, through the binary: a second run replays, an edit re-checks the
//! edited file and what depends on it, and every cached run reports exactly what a run
//! without the cache reports; flags, directories, versions and corrupt caches.

mod common;
#[allow(unused_imports)]
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cutoff"));
    c.env_remove("NO_COLOR")
        .env_remove("CUTOFF_NO_CACHE")
        .env_remove("CUTOFF_CACHE_DIR")
        .env("CUTOFF_CACHE_STATS", "1")
        // These tests edit and lint within milliseconds: let the plan be kept all the same
        // (a change made while a run walks is still caught).
        .env("CUTOFF_TEST_RACY_MS", "0");
    c
}

/// `cutoff lint --root . --format json . ARGS` in `dir`.
fn lint(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(["lint", "--root", ".", "--format", "json", "."])
        .args(args)
        .output()
        .expect("run cutoff")
}

fn out(o: &Output) -> String {
    text(&o.stdout)
}

fn err(o: &Output) -> String {
    text(&o.stderr)
}

/// The `cutoff: cache: …` line of a run (one group).
fn stats(o: &Output) -> String {
    err(o)
        .lines()
        .find(|l| l.starts_with("cutoff: cache:"))
        .unwrap_or_else(|| panic!("no cache line in {:?}", err(o)))
        .to_string()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

const PIPELINE: &str = "apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: build
spec:
  tasks:
    - name: compile
      timeout: 2h
      taskRef:
        name: compiler
";
const RUN: &str = "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: build-run
spec:
  pipelineRef:
    name: build
  timeouts:
    pipeline: 1h
";
const TASK: &str = "apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: compiler
spec:
  steps:
    - name: make
      image: gcc
      timeout: 3h
";
const OTHER: &str = "apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: release
spec:
  tasks:
    - name: publish
      timeout: 30m
      taskRef:
        name: publisher
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: release-run
spec:
  pipelineRef:
    name: release
  timeouts:
    pipeline: 10m
";
const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: nightly
spec:
  activeDeadlineSeconds: 600
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
";

fn repo() -> tempfile::TempDir {
    let t = tmp();
    write(t.path(), "tekton/pipeline.yaml", PIPELINE);
    write(t.path(), "tekton/run.yaml", RUN);
    write(t.path(), "tekton/task.yaml", TASK);
    write(t.path(), "release/other.yaml", OTHER);
    write(t.path(), "jobs/job.yaml", JOB);
    t
}

#[test]
fn second_run_replays_the_same_report() {
    let t = repo();
    let first = lint(t.path(), &[]);
    assert_eq!(stats(&first), "cutoff: cache: 5 files, 0 reused, 5 checked");
    let second = lint(t.path(), &[]);
    assert_eq!(
        stats(&second),
        "cutoff: cache: 5 files, 5 reused, 0 checked (replayed)"
    );
    assert_eq!(out(&first), out(&second));
    assert_eq!(first.status.code(), second.status.code());
    let fresh = lint(t.path(), &["--no-cache"]);
    assert_eq!(out(&fresh), out(&first));
    // Text output (snippets from the files findings point into) is the same too.
    let text_of = |args: &[&str]| {
        let o = bin()
            .current_dir(t.path())
            .args([
                "lint", "--root", ".", "--format", "text", "--color", "never", ".",
            ])
            .args(args)
            .output()
            .unwrap();
        out(&o)
    };
    assert_eq!(text_of(&[]), text_of(&["--no-cache"]));
}

#[test]
fn a_replay_reports_the_positions_of_a_fresh_run_in_every_format() {
    // A replay reads no ASCII file whose findings need only positions (the cache kept its
    // lines); a file with other characters, a CRLF file and a BOM are covered too.
    let t = repo();
    write(
        t.path(),
        "tekton/unicode.yaml",
        "# Zeitüberschreitung — 超时\napiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: ü-run\nspec:\n  pipelineRef: {name: build}\n  timeouts: {pipeline: 1h, tasks: 2h}  # ünter\n",
    );
    write(
        t.path(),
        "tekton/crlf.yaml",
        &RUN.replace("build-run", "crlf-run").replace('\n', "\r\n"),
    );
    write(
        t.path(),
        "tekton/bom.yaml",
        &format!("\u{feff}{}", RUN.replace("build-run", "bom-run")),
    );
    for format in ["json", "concise", "sarif", "github", "junit", "checkstyle"] {
        let run = |extra: &[&str]| {
            let o = bin()
                .current_dir(t.path())
                .args(["lint", "--root", ".", "--format", format, "."])
                .args(extra)
                .output()
                .unwrap();
            (out(&o), stats_or_none(&o))
        };
        let fresh = run(&["--no-cache"]).0;
        run(&[]);
        let (replayed, how) = run(&[]);
        assert!(how.ends_with("(replayed)"), "{format}: {how}");
        assert_eq!(replayed, fresh, "{format}");
    }
}

fn stats_or_none(o: &Output) -> String {
    err(o)
        .lines()
        .find(|l| l.starts_with("cutoff: cache:"))
        .unwrap_or("")
        .to_string()
}

#[test]
fn an_edit_rechecks_the_file_and_what_depends_on_it() {
    let t = repo();
    lint(t.path(), &[]);
    // The Pipeline: its run and the Task it runs depend on it; the other Pipeline and the
    // Job do not.
    write(
        t.path(),
        "tekton/pipeline.yaml",
        &PIPELINE.replace("2h", "4h"),
    );
    let o = lint(t.path(), &[]);
    assert_eq!(stats(&o), "cutoff: cache: 5 files, 2 reused, 3 checked");
    assert_eq!(out(&o), out(&lint(t.path(), &["--no-cache"])));
    // The Job: nothing else reads it.
    write(t.path(), "jobs/job.yaml", &JOB.replace("600", "700"));
    let o = lint(t.path(), &[]);
    assert_eq!(stats(&o), "cutoff: cache: 5 files, 4 reused, 1 checked");
    assert_eq!(out(&o), out(&lint(t.path(), &["--no-cache"])));
}

#[test]
fn a_new_file_defining_a_missing_name_rechecks_who_asked() {
    let t = tmp();
    // The run names a Pipeline the repository does not hold yet.
    write(t.path(), "tekton/run.yaml", RUN);
    write(t.path(), "jobs/job.yaml", JOB);
    let before = lint(t.path(), &[]);
    write(t.path(), "tekton/pipeline.yaml", PIPELINE);
    let after = lint(t.path(), &[]);
    assert_eq!(stats(&after), "cutoff: cache: 3 files, 1 reused, 2 checked");
    assert_ne!(out(&before), out(&after));
    assert_eq!(out(&after), out(&lint(t.path(), &["--no-cache"])));
    // And removing it again.
    std::fs::remove_file(t.path().join("tekton/pipeline.yaml")).unwrap();
    let gone = lint(t.path(), &[]);
    assert_eq!(out(&gone), out(&before));
}

#[test]
fn default_directory_is_ignored_by_git_and_tagged() {
    let t = repo();
    lint(t.path(), &[]);
    let dir = t.path().join(".cutoff_cache");
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).expect(".gitignore");
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    assert!(dir.join("CACHEDIR.TAG").is_file());
    let bins = cache_files(&dir);
    assert_eq!(bins.len(), 1, "{bins:?}");
    // Beside it, the plan of the run (which files, in which groups).
    assert_eq!(plan_files(&dir).len(), 1);
    // The cache is not linted, and its files are not YAML.
    assert_eq!(
        stats(&lint(t.path(), &[])).split(',').next().unwrap(),
        "cutoff: cache: 5 files"
    );
}

#[test]
fn no_cache_and_cache_dir() {
    let t = repo();
    let o = lint(t.path(), &["--no-cache"]);
    assert!(!err(&o).contains("cutoff: cache:"), "{}", err(&o));
    assert!(!t.path().join(".cutoff_cache").exists());
    let o = bin()
        .current_dir(t.path())
        .env("CUTOFF_NO_CACHE", "1")
        .args(["lint", "--root", ".", "."])
        .output()
        .unwrap();
    assert!(!err(&o).contains("cutoff: cache:"));
    assert!(!t.path().join(".cutoff_cache").exists());

    let elsewhere = tmp();
    let dir = elsewhere.path().join("c");
    let dir_s = dir.to_str().unwrap();
    lint(t.path(), &["--cache-dir", dir_s]);
    assert!(!t.path().join(".cutoff_cache").exists());
    assert!(dir.join(".gitignore").is_file());
    let o = lint(t.path(), &["--cache-dir", dir_s]);
    assert!(stats(&o).ends_with("(replayed)"), "{}", stats(&o));
    // CUTOFF_CACHE_DIR names it too.
    let o = bin()
        .current_dir(t.path())
        .env("CUTOFF_CACHE_DIR", &dir)
        .args(["lint", "--root", ".", "--format", "json", "."])
        .output()
        .unwrap();
    assert!(stats(&o).ends_with("(replayed)"), "{}", stats(&o));
}

#[cfg(unix)]
#[test]
fn a_read_only_root_keeps_its_cache_elsewhere() {
    use std::os::unix::fs::PermissionsExt;
    let t = repo();
    let home = tmp();
    let set =
        |mode| std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    set(0o555);
    let run = || {
        bin()
            .current_dir(t.path())
            .env("XDG_CACHE_HOME", home.path())
            .env("HOME", home.path())
            .args(["lint", "--root", ".", "--format", "json", "."])
            .output()
            .unwrap()
    };
    run();
    let o = run();
    set(0o755);
    // Even where we could write (as root can), a read-only root is left as it was.
    assert!(!t.path().join(".cutoff_cache").exists());
    assert!(stats(&o).ends_with("(replayed)"), "{}", stats(&o));
    assert_eq!(cache_files(&home.path().join("cutoff")).len(), 1);
}

/// The files of `dir` whose names start with `prefix` and end in `.bin`.
fn bin_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "bin")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect()
}

/// The lint cache files in `dir`.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    bin_files(dir, "lint-")
}

/// The plan snapshots in `dir`.
fn plan_files(dir: &Path) -> Vec<PathBuf> {
    bin_files(dir, "plan-")
}

#[test]
fn a_corrupt_cache_is_ignored_with_a_note() {
    let t = repo();
    let clean = out(&lint(t.path(), &[]));
    let dir = t.path().join(".cutoff_cache");
    for (i, f) in cache_files(&dir).iter().enumerate() {
        let mut b = std::fs::read(f).unwrap();
        // Flip a byte of the body, or cut the file short.
        if i % 2 == 0 {
            let n = b.len();
            b[n - 10] ^= 0xff;
        } else {
            b.truncate(b.len() / 2);
        }
        std::fs::write(f, b).unwrap();
    }
    let o = lint(t.path(), &[]);
    assert!(
        err(&o).contains("cutoff: note: ignoring the cache file"),
        "{}",
        err(&o)
    );
    assert_eq!(stats(&o), "cutoff: cache: 5 files, 0 reused, 5 checked");
    assert_eq!(out(&o), clean);
    // Rebuilt: the next run replays, without a note.
    let o = lint(t.path(), &[]);
    assert!(!err(&o).contains("note"), "{}", err(&o));
    assert!(stats(&o).ends_with("(replayed)"));
    // Garbage from the start is no cache either.
    for f in cache_files(&dir) {
        std::fs::write(&f, b"not a cache").unwrap();
    }
    let o = lint(t.path(), &[]);
    assert!(err(&o).contains("not a cutoff cache file"), "{}", err(&o));
    assert_eq!(out(&o), clean);
}

#[test]
fn another_build_or_configuration_is_never_trusted() {
    let t = repo();
    let clean = out(&lint(t.path(), &[]));
    let dir = t.path().join(".cutoff_cache");
    // Another build: the same layout, another build identity in the header. It is not
    // corrupt (no note), just not ours.
    for f in cache_files(&dir) {
        let mut b = std::fs::read(&f).unwrap();
        // magic (8), format (4), the build's length (4), then the build: change its first byte.
        b[16] = if b[16] == b'9' { b'8' } else { b'9' };
        std::fs::write(&f, b).unwrap();
    }
    let o = lint(t.path(), &[]);
    assert!(!err(&o).contains("note"), "{}", err(&o));
    assert_eq!(stats(&o), "cutoff: cache: 5 files, 0 reused, 5 checked");
    assert_eq!(out(&o), clean);
    // Another configuration: its own results.
    let o = lint(t.path(), &["--default-timeout-minutes", "5"]);
    assert_eq!(stats(&o), "cutoff: cache: 5 files, 0 reused, 5 checked");
    assert_eq!(
        out(&o),
        out(&lint(
            t.path(),
            &["--default-timeout-minutes", "5", "--no-cache"]
        ))
    );
    let o = lint(t.path(), &["--select", "TKN013"]);
    assert_eq!(stats(&o), "cutoff: cache: 5 files, 0 reused, 5 checked");
}

/// Did the run take its plan (which files, in which groups) from the last run?
fn plan_reused(o: &Output) -> bool {
    err(o).contains("cutoff: plan: reused from the last run")
}

/// A cached run in `dir` (in `cwd` below it, with `args`) reports what a run without the
/// cache reports, and took its plan from the last run or not, as `reused` says.
fn same_as_fresh(cwd: &Path, args: &[&str], label: &str, reused: bool) {
    let run = |extra: &[&str]| {
        bin()
            .current_dir(cwd)
            .args(["lint", "--format", "json"])
            .args(args)
            .args(extra)
            .output()
            .expect("run cutoff")
    };
    let cached = run(&[]);
    let fresh = run(&["--no-cache"]);
    assert_eq!(out(&cached), out(&fresh), "{label}: {}", err(&cached));
    assert_eq!(
        plan_reused(&cached),
        reused,
        "{label}: plan reused? {}",
        err(&cached)
    );
}

#[test]
fn an_unchanged_tree_reuses_the_plan_and_each_change_to_what_the_walk_read_does_not() {
    let t = repo();
    let d = t.path();
    let args = ["--root", ".", "."];
    same_as_fresh(d, &args, "first run", false);
    same_as_fresh(d, &args, "unchanged", true);
    let renamed = JOB.replace("nightly", "weekly");
    type Change<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let changes: Vec<Change> = vec![
        (
            "a new file in a listed directory",
            Box::new(|| write(d, "jobs/weekly.yaml", &renamed)),
        ),
        (
            "a new directory",
            Box::new(|| write(d, "new/deep/job.yaml", &JOB.replace("nightly", "deep"))),
        ),
        (
            "a removed file",
            Box::new(|| std::fs::remove_file(d.join("jobs/weekly.yaml")).unwrap()),
        ),
        (
            "a .gitignore that ignores a file",
            Box::new(|| write(d, ".gitignore", "tekton/task.yaml\n")),
        ),
        (
            "the .gitignore ignores another",
            Box::new(|| write(d, ".gitignore", "release/\n")),
        ),
        (
            "a .ignore in a directory below",
            Box::new(|| write(d, "tekton/.ignore", "run.yaml\n")),
        ),
        (
            "a configuration file appears",
            Box::new(|| write(d, ".cutoff.yaml", "exclude: [\"jobs/**\"]\n")),
        ),
        (
            "the configuration excludes something else",
            Box::new(|| write(d, ".cutoff.yaml", "exclude: [\"new/**\"]\n")),
        ),
        (
            "a file replaced by a directory of that name",
            Box::new(|| {
                std::fs::remove_file(d.join("jobs/job.yaml")).unwrap();
                write(d, "jobs/job.yaml/inner.yaml", JOB);
            }),
        ),
    ];
    for (label, change) in changes {
        change();
        same_as_fresh(d, &args, label, false);
        same_as_fresh(d, &args, &format!("{label}, then unchanged"), true);
    }
    // The cache directory the first run made in the tree is no change to it.
    assert!(d.join(".cutoff_cache").is_dir());
}

/// Replaces `rel` in `dir` the way many editors save: a new file written beside it, then
/// renamed over it (the directory's time moves; its entries stay the same).
fn save_by_rename(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    let tmp = path.with_file_name(".cutoff-test-save.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

#[test]
fn a_file_saved_by_renaming_a_new_one_over_it_keeps_the_plan() {
    let t = repo();
    let d = t.path();
    let args = ["--root", ".", "."];
    same_as_fresh(d, &args, "first run", false);
    // The findings change (the task's timeout), the files the walk finds do not.
    save_by_rename(d, "tekton/pipeline.yaml", &PIPELINE.replace("2h", "30m"));
    same_as_fresh(d, &args, "a file saved by rename", true);
    save_by_rename(d, "tekton/pipeline.yaml", PIPELINE);
    same_as_fresh(d, &args, "saved back by rename", true);
    // What the directory holds changes: the plan is made afresh, and kept again.
    write(d, "tekton/more.yaml", &JOB.replace("nightly", "more"));
    same_as_fresh(d, &args, "a new file beside it", false);
    same_as_fresh(d, &args, "a new file beside it, then unchanged", true);
    std::fs::remove_file(d.join("tekton/more.yaml")).unwrap();
    std::fs::create_dir(d.join("tekton/more.yaml")).unwrap();
    same_as_fresh(d, &args, "a directory where the file was", false);
    #[cfg(unix)]
    {
        std::fs::remove_dir(d.join("tekton/more.yaml")).unwrap();
        std::os::unix::fs::symlink("run.yaml", d.join("tekton/more.yaml")).unwrap();
        same_as_fresh(d, &args, "a symbolic link of that name", false);
    }
}

#[test]
fn what_lies_above_the_walked_directory_is_watched_too() {
    let t = repo();
    let d = t.path();
    let sub = d.join("tekton");
    let args = ["--root", ".", "."];
    same_as_fresh(&sub, &args, "first run", false);
    same_as_fresh(&sub, &args, "unchanged", true);
    // Entries made beside the walked directory change nothing it reads.
    write(d, "elsewhere/job.yaml", JOB);
    same_as_fresh(&sub, &args, "a file beside it", true);
    // A `.gitignore` above it applies to it.
    write(d, ".gitignore", "tekton/task.yaml\n");
    same_as_fresh(&sub, &args, "a .gitignore above", false);
    same_as_fresh(&sub, &args, "a .gitignore above, then unchanged", true);
    write(d, ".gitignore", "tekton/run.yaml\n");
    same_as_fresh(&sub, &args, "the .gitignore above changed", false);
    // A configuration file above it is found (and with it, another root).
    write(d, ".cutoff.yaml", "exclude: [\"pipeline.yaml\"]\n");
    same_as_fresh(&sub, &["."], "a configuration above", false);
    // Its directory is now the root, above the walked one: the rest of the root is read
    // for context, and such runs always plan afresh.
    same_as_fresh(&sub, &["."], "a configuration above, then unchanged", false);
}

#[test]
fn a_file_git_starts_tracking_is_linted_though_ignored() {
    let t = repo();
    let d = t.path();
    git(d, &["init", "-q"]);
    write(d, ".gitignore", "forced.yaml\n");
    write(d, "forced.yaml", &JOB.replace("nightly", "forced"));
    commit_all(d, "base");
    same_as_fresh(d, &["."], "first run", false);
    same_as_fresh(d, &["."], "unchanged", true);
    // Only git's index changes: the file is tracked now, and Argo CD would apply it.
    git(d, &["add", "-f", "forced.yaml"]);
    same_as_fresh(d, &["."], "force-added", false);
    let o = lint(d, &[]);
    assert!(out(&o).contains("\"path\": \"forced.yaml\""), "{}", out(&o));
}

#[test]
fn in_a_git_worktree_the_index_it_points_to_is_watched() {
    let t = repo();
    let d = t.path();
    git(d, &["init", "-q"]);
    write(d, ".gitignore", "forced.yaml\n");
    commit_all(d, "base");
    let elsewhere = tmp();
    let wt = elsewhere.path().join("wt");
    git(d, &["worktree", "add", "-q", wt.to_str().unwrap()]);
    write(&wt, "forced.yaml", &JOB.replace("nightly", "forced"));
    same_as_fresh(&wt, &["."], "first run", false);
    same_as_fresh(&wt, &["."], "unchanged", true);
    // The worktree's index lives in the main repository's .git/worktrees/.
    git(&wt, &["add", "-f", "forced.yaml"]);
    same_as_fresh(&wt, &["."], "force-added in the worktree", false);
    let o = lint(&wt, &[]);
    assert!(out(&o).contains("\"path\": \"forced.yaml\""), "{}", out(&o));
}

#[test]
fn a_directory_that_ignores_everything_in_it_is_not_watched_for_its_entries() {
    let t = repo();
    let d = t.path();
    // A cache directory chosen inside the tree: its files change on every run.
    let args = ["--root", ".", "--cache-dir", "build/cutoff-cache", "."];
    // The first run makes `build/` after its walk: whether that shows as a change during the
    // run depends on the clock's tick (the tests' racy window is 0), so the plan is kept by
    // the first or the second run.
    for _ in 0..2 {
        bin()
            .current_dir(d)
            .arg("lint")
            .args(args)
            .output()
            .unwrap();
    }
    same_as_fresh(d, &args, "unchanged", true);
    same_as_fresh(d, &args, "unchanged again", true);
    // Another such directory, with a manifest in it that no walk reads...
    write(d, "logs/.gitignore", "*\n");
    write(d, "logs/job.yaml", &JOB.replace("nightly", "logged"));
    same_as_fresh(d, &args, "a directory ignoring everything", false);
    same_as_fresh(
        d,
        &args,
        "a directory ignoring everything, then unchanged",
        true,
    );
    write(d, "logs/other.yaml", JOB);
    same_as_fresh(d, &args, "a file added where everything is ignored", true);
    // ...until an .ignore there brings one back.
    write(d, "logs/.ignore", "!job.yaml\n");
    same_as_fresh(d, &args, "an .ignore bringing a file back", false);
    // Or its .gitignore stops ignoring everything.
    std::fs::remove_file(d.join("logs/.ignore")).unwrap();
    same_as_fresh(d, &args, "the .ignore removed", false);
    write(d, "logs/.gitignore", "other.yaml\n");
    same_as_fresh(d, &args, "the .gitignore narrowed", false);
}

#[test]
fn named_files_keep_no_plan() {
    let t = repo();
    let d = t.path();
    let args = ["--root", ".", "tekton/run.yaml", "jobs/job.yaml"];
    same_as_fresh(d, &args, "first run", false);
    same_as_fresh(d, &args, "again", false);
    let dir = d.join(".cutoff_cache");
    assert_eq!(cache_files(&dir).len(), 1);
    assert!(plan_files(&dir).is_empty(), "{:?}", plan_files(&dir));
}

#[test]
fn a_damaged_plan_is_planned_afresh() {
    let t = repo();
    let d = t.path();
    let args = ["--root", ".", "."];
    same_as_fresh(d, &args, "first run", false);
    let plans = plan_files(&d.join(".cutoff_cache"));
    assert_eq!(plans.len(), 1);
    for (i, cut) in [true, false].into_iter().enumerate() {
        let mut b = std::fs::read(&plans[0]).unwrap();
        if cut {
            b.truncate(b.len() / 2);
        } else {
            let n = b.len();
            b[n - 3] ^= 0x55;
        }
        std::fs::write(&plans[0], b).unwrap();
        // Ignored without a word (planning afresh is always right), and replaced.
        let o = lint(d, &[]);
        assert!(!err(&o).contains("note"), "{i}: {}", err(&o));
        same_as_fresh(d, &args, "after the damage", true);
    }
}

#[test]
fn fixing_and_standard_input_do_not_use_the_cache() {
    let t = repo();
    let o = bin()
        .current_dir(t.path())
        .args(["lint", "--root", ".", "--diff", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    assert!(!err(&o).contains("cutoff: cache:"), "{}", err(&o));
    let o = bin()
        .current_dir(t.path())
        .args(["lint", "--stdin-filename", "tekton/run.yaml", "-"])
        .stdin(std::fs::File::open(t.path().join("tekton/run.yaml")).unwrap())
        .output()
        .unwrap();
    assert!(!err(&o).contains("cutoff: cache:"), "{}", err(&o));
}

/// A small generator of pseudo-random numbers, so that the edits are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.next() % xs.len()]
    }
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".cutoff_cache") {
                continue;
            }
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// One random edit of the tree: a value swapped for another file's, a line deleted, a
/// file copied or removed, a syntax error.
fn edit(dir: &Path, rng: &mut Rng) {
    let files = yaml_files(dir);
    let f = rng.pick(&files).clone();
    let text = std::fs::read_to_string(&f).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    match rng.next() % 6 {
        0 | 1 => {
            // Another file's `key: value` value here (names, references, durations).
            let donor = std::fs::read_to_string(rng.pick(&files)).unwrap_or_default();
            let values: Vec<&str> = donor
                .lines()
                .filter_map(|l| l.split_once(": ").map(|(_, v)| v))
                .filter(|v| !v.is_empty() && !v.contains(['{', '[', '|', '>']))
                .collect();
            let at: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains(": "))
                .collect();
            if values.is_empty() || at.is_empty() {
                return;
            }
            let i = *rng.pick(&at);
            let (k, _) = lines[i].split_once(": ").unwrap();
            let mut new: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            new[i] = format!("{k}: {}", rng.pick(&values));
            // Written in place, or saved as many editors save (the plan is kept then).
            let text = new.join("\n") + "\n";
            if rng.next() % 2 == 0 {
                std::fs::write(&f, text).unwrap();
            } else {
                let rel = f.strip_prefix(dir).unwrap().to_str().unwrap().to_string();
                save_by_rename(dir, &rel, &text);
            }
        }
        2 => {
            if lines.len() > 2 {
                let i = rng.next() % lines.len();
                let new: Vec<&str> = lines
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, l)| *l)
                    .collect();
                std::fs::write(&f, new.join("\n") + "\n").unwrap();
            }
        }
        3 => {
            let to = rng
                .pick(&files)
                .parent()
                .unwrap()
                .join(format!("copy-{}.yaml", rng.next() % 1000));
            std::fs::copy(&f, to).unwrap();
        }
        4 => {
            if files.len() > 3 {
                std::fs::remove_file(&f).unwrap();
            }
        }
        _ => std::fs::write(&f, format!("{text}\n  - : [\n")).unwrap(),
    }
}

/// Edits at random and compares each cached run with a run without the cache: the cache
/// may only change how fast the answer comes. Returns how many cached runs took the last
/// run's plan.
fn random_edits(src: &Path, seed: u64, steps: usize) -> usize {
    let t = tmp();
    let dir = t.path().join("repo");
    copy_tree(src, &dir);
    let mut rng = Rng(seed);
    lint(&dir, &[]);
    let mut reused = 0;
    for step in 0..steps {
        for _ in 0..1 + rng.next() % 3 {
            edit(&dir, &mut rng);
        }
        let cached = lint(&dir, &[]);
        let fresh = lint(&dir, &["--no-cache"]);
        assert_eq!(
            out(&cached),
            out(&fresh),
            "seed {seed}, step {step}: the cached run differs ({})",
            err(&cached)
        );
        assert_eq!(cached.status.code(), fresh.status.code());
        reused += plan_reused(&cached) as usize;
    }
    reused
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.file_name().is_some_and(|n| n == ".cutoff_cache") {
            continue;
        }
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Edits per fixture: `CUTOFF_CACHE_TEST_STEPS` for a longer search.
fn steps() -> usize {
    std::env::var("CUTOFF_CACHE_TEST_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15)
}

#[test]
fn random_edits_of_cross_file_fixtures_match_a_run_without_cache() {
    let mut reused = 0;
    for (i, dir) in [
        "fixtures/TKN010",
        "fixtures/TKN013",
        "fixtures/incident",
        "fixtures/demo-gitops",
        "fixtures/JOB004",
        "fixtures/TKN018",
        "fixtures/TKN012",
        "fixtures/JOB015",
        "fixtures/POL001",
    ]
    .iter()
    .enumerate()
    {
        reused += random_edits(&root().join(dir), 0x9E37_79B9 + i as u64, steps());
    }
    // Edits written in place or saved by rename keep the plan: some runs take it.
    assert!(reused > 0, "no cached run took the last run's plan");
}

/// A Job that stands alone (checked as it is read, its tree dropped) and is unchanged must
/// be parsed again and checked with the rest when a patch for it appears elsewhere.
#[test]
fn a_patch_appearing_for_a_job_that_stood_alone_rechecks_it() {
    let t = tmp();
    write(t.path(), "jobs/job.yaml", JOB);
    write(t.path(), "tekton/run.yaml", RUN);
    lint(t.path(), &[]);
    write(
        t.path(),
        "jobs/patch.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: nightly\n  annotations:\n    example.com/timeout-seconds: \"1200\"\n",
    );
    let o = lint(t.path(), &[]);
    // The patch and the Job it completes; not the run.
    assert_eq!(stats(&o), "cutoff: cache: 3 files, 1 reused, 2 checked");
    assert!(out(&o).contains("JOB002"), "{}", out(&o));
    assert_eq!(out(&o), out(&lint(t.path(), &["--no-cache"])));
    // And gone again: the Job stands alone once more.
    std::fs::remove_file(t.path().join("jobs/patch.yaml")).unwrap();
    let o = lint(t.path(), &[]);
    assert!(!out(&o).contains("JOB002"), "{}", out(&o));
    assert_eq!(out(&o), out(&lint(t.path(), &["--no-cache"])));
}

/// What every check reads changing (a kustomization appears above an unchanged Job that stood
/// alone and kept no tree): the Job is parsed again and checked.
#[test]
fn a_kustomization_appearing_rechecks_a_job_that_stood_alone() {
    let t = tmp();
    write(t.path(), "jobs/job.yaml", JOB);
    lint(t.path(), &[]);
    write(
        t.path(),
        "jobs/kustomization.yaml",
        "namespace: batch\nresources:\n  - job.yaml\n",
    );
    let o = lint(t.path(), &[]);
    assert_eq!(stats(&o), "cutoff: cache: 2 files, 0 reused, 2 checked");
    assert!(out(&o).contains("JOB011"), "{}", out(&o));
    assert_eq!(out(&o), out(&lint(t.path(), &["--no-cache"])));
}
