//! The incident (README, first paragraph; `fixtures/incident/`) end to end, through the real
//! binary on a temporary copy: what `lint` reports and where, the labels into the other files,
//! what `cutoff timeouts` explains, and what `lint --fix --unsafe-fixes` writes — a layout that
//! works (the timeout on the Pipeline's task, a run budget that fits the longest chain), no
//! byte touched outside the expected hunks, a clean re-lint, a second fix that changes
//! nothing, and `--fix` alone (safe fixes only) leaving the unsafe moves alone.
//!
//! TKN004's cross-file fix and TKN012's fix both insert `timeout:` into the pipeline task
//! `build-image`; the fixer takes them in diagnostic order (by path), so both orders are run:
//! with the fixture's own names (TKN012 first) and with the run's file sorted first (TKN004
//! first).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cutoff_core::duration::{self, GoDuration};
use cutoff_core::yaml::{self, NodeRef};

/// The incident's files by role.
#[derive(Clone, Copy)]
enum Role {
    Pipeline,
    Run,
    Task,
}

const ROLES: [Role; 3] = [Role::Pipeline, Role::Run, Role::Task];

impl Role {
    fn fixture_name(self) -> &'static str {
        match self {
            Role::Pipeline => "pipeline.yaml",
            Role::Run => "pipelinerun.yaml",
            Role::Task => "task.yaml",
        }
    }
}

fn original(role: Role) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/incident")
        .join(role.fixture_name());
    std::fs::read_to_string(p).unwrap()
}

/// A temporary copy of `fixtures/incident/`, the files named `names` (pipeline, run, task).
struct Copy {
    dir: tempfile::TempDir,
    names: [&'static str; 3],
}

/// The fixture's own names: `pipeline.yaml` sorts first, so TKN012's fix is taken first.
const FIXTURE_NAMES: [&str; 3] = ["pipeline.yaml", "pipelinerun.yaml", "task.yaml"];
/// The run's file sorts first, so TKN004's cross-file fix is taken first.
const RUN_FIRST_NAMES: [&str; 3] = ["b-pipeline.yaml", "a-run.yaml", "c-task.yaml"];

impl Copy {
    fn new(names: [&'static str; 3]) -> Copy {
        let dir = tempfile::tempdir().unwrap();
        for (i, role) in ROLES.iter().enumerate() {
            std::fs::write(dir.path().join(names[i]), original(*role)).unwrap();
        }
        Copy { dir, names }
    }

    fn name(&self, role: Role) -> &'static str {
        self.names[role as usize]
    }

    fn path(&self, role: Role) -> PathBuf {
        self.dir.path().join(self.name(role))
    }

    fn read(&self, role: Role) -> String {
        std::fs::read_to_string(self.path(role)).unwrap()
    }

    fn read_all(&self) -> Vec<String> {
        ROLES.iter().map(|r| self.read(*r)).collect()
    }

    /// `cutoff <args>` in the copy, without any configuration file: Tekton 1.0, 60 minutes.
    fn cutoff(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        all.push("--no-config");
        run_in(self.dir.path(), &all)
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run cutoff")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        stdout(o),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `path:line:col: severity[CODE]` of each concise line.
fn positions(concise: &str) -> Vec<String> {
    concise
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let end = l.find(']').expect("a concise line") + 1;
            l[..end].to_string()
        })
        .collect()
}

fn h(n: i64) -> GoDuration {
    GoDuration::from_hours(n)
}

// ---------------------------------------------------------------- before fixing

#[test]
fn lint_concise_lists_the_incident_at_exact_positions() {
    let c = Copy::new(FIXTURE_NAMES);
    let o = c.cutoff(&["lint", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let out = stdout(&o);
    assert_eq!(
        positions(&out),
        [
            // The task without a timeout of its own, where the fix goes.
            "pipeline.yaml:22:13: warning[TKN012]",
            // `taskRunSpecs[0].timeout: 3h`, dropped on Tekton 1.0.
            "pipelinerun.yaml:15:7: error[TKN004]",
            // `spec.timeout: 3h` of the Task, read by no version.
            "task.yaml:7:3: error[TKN003]",
            // The 2h30m step cannot finish under the 1h default.
            "task.yaml:15:16: warning[TKN013]",
        ],
        "{out}"
    );
    for needle in [
        "task `build-image` will run under the default TaskRun timeout of 1h0m0s",
        "evidently needs 3h0m0s",
        "`spec.taskRunSpecs[0].timeout` has no effect: it is read only since Tekton v1.4; you target 1.0",
        "`spec.timeout` is read by no Tekton version: a Task spec has no `timeout`",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn lint_json_labels_point_into_the_other_files() {
    let c = Copy::new(FIXTURE_NAMES);
    let o = c.cutoff(&["lint", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let diags = v["diagnostics"].as_array().unwrap();
    let find = |code: &str| {
        diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {v:#}"))
    };
    let labels = |d: &serde_json::Value| -> Vec<(String, u64, u64)> {
        d["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["path"].as_str().unwrap().to_string(),
                    l["line"].as_u64().unwrap(),
                    l["column"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let at = |p: &str, l: u64, c: u64| (p.to_string(), l, c);

    // TKN012, in the Pipeline, points at both places the 3h was written.
    let tkn012 = find("TKN012");
    assert_eq!(tkn012["path"], "pipeline.yaml");
    let l012 = labels(tkn012);
    assert!(l012.contains(&at("pipelinerun.yaml", 15, 16)), "{l012:?}");
    assert!(l012.contains(&at("task.yaml", 7, 12)), "{l012:?}");
    assert_eq!(tkn012["fix"]["applicability"], "unsafe");

    // TKN004, in the run, points at the pipeline task that should get the value, and its
    // one fix edits both files.
    let tkn004 = find("TKN004");
    assert_eq!(tkn004["path"], "pipelinerun.yaml");
    assert_eq!(labels(tkn004), [at("pipeline.yaml", 22, 13)]);
    assert_eq!(tkn004["fix"]["applicability"], "unsafe");
    let mut edited: Vec<&str> = tkn004["fix"]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    edited.sort();
    assert_eq!(edited, ["pipeline.yaml", "pipelinerun.yaml"]);
    assert!(
        tkn004["fix"]["description"]
            .as_str()
            .unwrap()
            .contains("task `build-image` of Pipeline `modelcar-build` (pipeline.yaml)"),
        "{tkn004:#}"
    );

    // TKN003, in the Task, points at the pipeline task that runs it without a timeout, and
    // holds its deletion back until that task has one.
    let tkn003 = find("TKN003");
    assert_eq!(tkn003["path"], "task.yaml");
    assert_eq!(labels(tkn003), [at("pipeline.yaml", 22, 13)]);
    assert!(tkn003["fix"].is_null(), "{tkn003:#}");
    assert!(
        tkn003["help"].as_str().unwrap().contains("a `timeout: 3h`"),
        "{tkn003:#}"
    );
}

#[test]
fn timeouts_explains_the_one_hour() {
    let c = Copy::new(FIXTURE_NAMES);
    let o = c.cutoff(&["timeouts"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let line = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{out}"))
    };
    let build = line("build-image: 1h0m0s · cluster default");
    let dropped = line("taskRunSpecs timeout 3h0m0s at pipelinerun.yaml:15:16 · dropped");
    let unread = line("spec.timeout 3h0m0s · not read by any Tekton version at task.yaml:7:12");
    let push = line("push-manifest: 1h0m0s · cluster default");
    assert!(
        build < dropped && dropped < unread && unread < push,
        "the dropped 3h and the Task's 3h belong under build-image:\n{out}"
    );
    assert!(lines[build].contains("[TKN012]"), "{out}");
    assert!(lines[dropped].contains("[TKN004]"), "{out}");
    assert!(lines[unread].contains("[TKN003]"), "{out}");
    line("pipeline budget: 1h0m0s · cluster default");
    line("no pass-down (before v1.11) · taskRunSpecs timeouts dropped");
}

// ---------------------------------------------------------------- fixing

/// The pipeline task `name` of the Pipeline document in `text`.
fn pipeline_task<'a>(root: NodeRef<'a>, name: &str) -> NodeRef<'a> {
    root.path(&["spec", "tasks"])
        .unwrap()
        .items()
        .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name))
        .unwrap_or_else(|| panic!("no pipeline task {name}"))
}

fn dur(n: Option<NodeRef<'_>>) -> Option<GoDuration> {
    n.map(|n| duration::parse(n.as_str().expect("a string")).expect("a valid duration"))
}

/// Every line-level change between `old` and `new` is the removal of one of `removed` (each
/// exactly once) or an inserted line `inserted` accepts: nothing else changed, byte for byte.
fn assert_only_hunks(
    name: &str,
    old: &str,
    new: &str,
    removed: &[&str],
    inserted: fn(&str) -> bool,
) {
    let mut gone: Vec<String> = Vec::new();
    for change in similar::TextDiff::from_lines(old, new).iter_all_changes() {
        let line = change.value();
        match change.tag() {
            similar::ChangeTag::Equal => {}
            similar::ChangeTag::Delete => gone.push(line.to_string()),
            similar::ChangeTag::Insert => assert!(
                inserted(line),
                "{name}: unexpected line inserted: {line:?}\n{}",
                cutoff_core::fix::unified_diff(name, old, new)
            ),
        }
    }
    assert_eq!(
        gone,
        removed.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "{name}: removed lines\n{}",
        cutoff_core::fix::unified_diff(name, old, new)
    );
}

/// `<indent>key: <duration>\n`.
fn duration_line(line: &str, indent: usize, keys: &[&str]) -> bool {
    let Some(body) = line.strip_suffix('\n') else {
        return false;
    };
    let (pad, rest) = body.split_at(body.len() - body.trim_start().len());
    pad == " ".repeat(indent)
        && keys.iter().any(|k| {
            rest.strip_prefix(k)
                .and_then(|r| r.strip_prefix(": "))
                .is_some_and(|v| duration::parse(v.trim_matches('"')).is_ok())
        })
}

/// What `--fix --unsafe-fixes` must have written; `build_timeout` is the value as it lands
/// on `build-image` (`3h0m0s` from TKN012's fix, `3h` as written from TKN004's move).
fn assert_fixed_layout(c: &Copy, build_timeout: &str) {
    let [pipeline, run, task] = [Role::Pipeline, Role::Run, Role::Task].map(|r| c.read(r));

    // The Pipeline: build-image has the 3h; each task has a timeout, so none runs under a
    // default the budget was not computed from.
    let ps = yaml::parse(&pipeline);
    let proot = ps.documents[0].root_ref().unwrap();
    let build = pipeline_task(proot, "build-image");
    assert_eq!(
        build.get("timeout").and_then(|t| t.as_str()),
        Some(build_timeout),
        "{pipeline}"
    );
    assert_eq!(dur(build.get("timeout")), Some(h(3)));
    // fetch-model → build-image → push-manifest (runAfter, then a result reference): one chain.
    let chain: GoDuration = ["fetch-model", "build-image", "push-manifest"]
        .iter()
        .map(|n| dur(pipeline_task(proot, n).get("timeout")).unwrap_or(h(1)))
        .fold(GoDuration::ZERO, |a, b| a.saturating_add(b));

    // The run: no taskRunSpecs timeout left, and a budget that fits the chain.
    let rs = yaml::parse(&run);
    let rroot = rs.documents[0].root_ref().unwrap();
    let spec = rroot.get("spec").unwrap();
    assert!(
        spec.get("taskRunSpecs")
            .is_none_or(|l| l.items().all(|i| i.get("timeout").is_none())),
        "{run}"
    );
    let timeouts = spec.get("timeouts").expect("a budget");
    let budget = dur(timeouts.get("pipeline")).expect("timeouts.pipeline");
    assert!(
        budget >= chain,
        "budget {budget:?} < chain {chain:?}:\n{run}"
    );
    if let Some(tasks) = dur(timeouts.get("tasks")) {
        assert!(tasks >= chain, "{run}");
    }

    // The Task: no spec.timeout.
    let ts = yaml::parse(&task);
    let troot = ts.documents[0].root_ref().unwrap();
    assert!(troot.path(&["spec", "timeout"]).is_none(), "{task}");
    assert_eq!(
        troot.path(&["spec", "steps"]).map(|s| s.items().count()),
        Some(2)
    );

    // Nothing else moved: only these lines left, only timeout lines came in.
    assert_only_hunks(
        c.name(Role::Pipeline),
        &original(Role::Pipeline),
        &pipeline,
        &[],
        |l| duration_line(l, 6, &["timeout"]),
    );
    assert_only_hunks(
        c.name(Role::Run),
        &original(Role::Run),
        &run,
        &[
            "  taskRunSpecs:\n",
            "    - pipelineTaskName: build-image\n",
            "      timeout: 3h\n",
        ],
        |l| l == "  timeouts:\n" || duration_line(l, 4, &["pipeline", "tasks"]),
    );
    assert_only_hunks(
        c.name(Role::Task),
        &original(Role::Task),
        &task,
        &["  timeout: 3h # the build needs up to 3 hours\n"],
        |_| false,
    );
}

fn diffs(c: &Copy) -> String {
    ROLES
        .iter()
        .map(|r| cutoff_core::fix::unified_diff(c.name(*r), &original(*r), &c.read(*r)))
        .collect()
}

/// Fixes a copy with `--unsafe-fixes`, checks the layout, the clean re-lint and idempotence;
/// returns the diffs.
fn fix_and_check(names: [&'static str; 3], build_timeout: &str) -> String {
    let c = Copy::new(names);
    let o = c.cutoff(&["lint", "--fix", "--unsafe-fixes", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(stdout(&o).trim().is_empty(), "{}", show(&o));
    assert_fixed_layout(&c, build_timeout);

    let again = c.cutoff(&["lint", "--format", "concise"]);
    assert_eq!(again.status.code(), Some(0), "{}", show(&again));
    assert!(
        stdout(&again).trim().is_empty(),
        "re-lint: {}",
        show(&again)
    );

    let fixed = c.read_all();
    let twice = c.cutoff(&["lint", "--fix", "--unsafe-fixes", "--format", "concise"]);
    assert_eq!(twice.status.code(), Some(0), "{}", show(&twice));
    assert_eq!(
        c.read_all(),
        fixed,
        "a second --fix --unsafe-fixes changed files"
    );
    diffs(&c)
}

#[test]
fn fix_unsafe_writes_a_layout_that_works_tkn012_first() {
    let d = fix_and_check(FIXTURE_NAMES, "3h0m0s");
    insta::assert_snapshot!("incident_fix_diff", d);
}

#[test]
fn fix_unsafe_writes_a_layout_that_works_tkn004_first() {
    let d = fix_and_check(RUN_FIRST_NAMES, "3h");
    insta::assert_snapshot!("incident_fix_diff_run_first", d);
}

#[test]
fn diff_shows_the_unsafe_fixes_and_writes_nothing() {
    let c = Copy::new(FIXTURE_NAMES);
    let o = c.cutoff(&["lint", "--diff", "--unsafe-fixes"]);
    let out = stdout(&o);
    for needle in [
        "+++ b/pipeline.yaml",
        "+++ b/pipelinerun.yaml",
        "+++ b/task.yaml",
        "+      timeout: 3h0m0s",
        "-      timeout: 3h",
        "-  timeout: 3h # the build needs up to 3 hours",
    ] {
        assert!(out.contains(needle), "missing {needle:?}:\n{}", show(&o));
    }
    for r in ROLES {
        assert_eq!(c.read(r), original(r), "--diff wrote {}", c.name(r));
    }
}

#[test]
fn fix_safe_only_leaves_the_unsafe_moves_alone() {
    for names in [FIXTURE_NAMES, RUN_FIRST_NAMES] {
        let c = Copy::new(names);
        let o = c.cutoff(&["lint", "--fix", "--format", "concise"]);
        assert_eq!(o.status.code(), Some(1), "{}", show(&o));
        for r in ROLES {
            assert_eq!(c.read(r), original(r), "--fix alone changed {}", c.name(r));
        }
        let codes: Vec<String> = positions(&stdout(&o))
            .iter()
            .map(|p| {
                p.rsplit('[')
                    .next()
                    .unwrap()
                    .trim_end_matches(']')
                    .to_string()
            })
            .collect();
        for code in ["TKN003", "TKN004", "TKN012"] {
            assert!(codes.iter().any(|c| c == code), "{code}: {}", show(&o));
        }
    }
}
