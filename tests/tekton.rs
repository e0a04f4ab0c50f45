//! Tekton scenarios beyond one rule's fixtures: the incident end to end, fixes of several
//! rules meeting at one place, every webhook rejection with the fixture that shows it, the
//! targeted version changing the verdict, and runs that see only some files.

use std::path::PathBuf;

use cutoff_core::config::Config;
use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::lint::{fix_texts, lint_texts};
use cutoff_core::project::Project;
use cutoff_core::source::SourceFile;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every YAML file under `fixtures/<rel>` (a file or a directory), as (path relative to
/// `fixtures/`, text), in path order.
fn read(rel: &str) -> Vec<(String, String)> {
    let root = fixtures_dir();
    let mut out = Vec::new();
    fn walk(root: &std::path::Path, p: &std::path::Path, out: &mut Vec<(String, String)>) {
        if p.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for e in entries {
                walk(root, &e, out);
            }
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && p.file_name().is_some_and(|n| n != ".cutoff.yaml")
        {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(p).unwrap()));
        }
    }
    walk(&root, &root.join(rel), &mut out);
    assert!(!out.is_empty(), "no fixture at fixtures/{rel}");
    out
}

fn pairs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect()
}

fn config(text: &str) -> Config {
    Config::parse(text, "test config").unwrap()
}

/// The configuration a fixture is linted under: the nearest `.cutoff.yaml` above it.
fn config_of(rel: &str) -> Config {
    let mut dir = fixtures_dir().join(rel);
    while dir.pop() && dir != fixtures_dir() {
        let c = dir.join(".cutoff.yaml");
        if c.is_file() {
            return config(&std::fs::read_to_string(c).unwrap());
        }
    }
    Config::default()
}

/// A config that runs only `code`, keeping targets and settings.
fn only(config: &Config, code: &str) -> Config {
    let mut c = config.clone();
    c.select = Some(vec![code.to_string()]);
    c.extend_select.clear();
    c.ignore.clear();
    c
}

/// `path:line:col CODE message`, then labels and help, indented.
fn render(project: &Project, diags: &[Diagnostic]) -> String {
    let pos = |path: &str, off: usize| {
        let (l, c) = project.file(path).unwrap().line_col(off);
        format!("{path}:{l}:{c}")
    };
    let mut s = String::new();
    for d in diags {
        s.push_str(&format!(
            "{} {} {}\n",
            pos(&d.path, d.span.start),
            d.code,
            d.message
        ));
        for l in &d.labels {
            s.push_str(&format!(
                "    = {}: {}\n",
                pos(&l.path, l.span.start),
                l.message
            ));
        }
        if let Some(h) = &d.help {
            s.push_str(&format!("    help: {h}\n"));
        }
        if let Some(f) = &d.fix {
            s.push_str(&format!(
                "    fix ({}): {}\n",
                f.applicability.as_str(),
                f.description
            ));
        }
    }
    s
}

/// The cross-file rules' findings (TKN010-TKN013, TKN016-TKN018).
fn cross_file(diags: &[Diagnostic]) -> Vec<Diagnostic> {
    const CODES: [&str; 7] = [
        "TKN010", "TKN011", "TKN012", "TKN013", "TKN016", "TKN017", "TKN018",
    ];
    diags
        .iter()
        .filter(|d| CODES.contains(&d.code))
        .cloned()
        .collect()
}

/// One fixture case, with the configuration it is linted under.
struct Fixture {
    rel: String,
    files: Vec<(String, String)>,
    config: Config,
}

impl Fixture {
    fn lint(&self) -> (Project, Vec<Diagnostic>) {
        lint_texts(&pairs(&self.files), &self.config)
    }
}

/// The fixture at `rel` (relative to the repository, `fixtures/CODE/…`, or to `fixtures/`).
fn fixture(rel: &str) -> Fixture {
    let rel = rel.strip_prefix("fixtures/").unwrap_or(rel);
    Fixture {
        rel: rel.to_string(),
        files: read(rel),
        config: config_of(rel),
    }
}

/// The `bad-*` cases of `code` (files, or directories of files), in path order.
fn bad_cases(code: &str) -> Vec<Fixture> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("bad-") {
                out.push(p);
            } else if p.is_dir() && !name.starts_with("good-") {
                walk(&p, out);
            }
        }
    }
    let mut found = Vec::new();
    walk(&fixtures_dir().join(code), &mut found);
    found
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(fixtures_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            fixture(&rel)
        })
        .collect()
}

/// Rules whose fixes insert a timeout where TKN012's fix inserts one.
const UNSAFE: [&str; 2] = ["TKN003", "TKN004"];

fn texts(fixed: &cutoff_core::fix::Fixed) -> Vec<(String, String)> {
    fixed
        .project
        .files
        .iter()
        .map(|f| (f.path.to_string(), f.text.to_string()))
        .collect()
}

fn diffs(fixed: &cutoff_core::fix::Fixed) -> String {
    let mut out = String::new();
    for (path, old) in &fixed.changed {
        out.push_str(&cutoff_core::fix::unified_diff(
            path,
            old,
            &fixed.project.file(path).unwrap().text,
        ));
    }
    out
}

// ---------------------------------------------------------------- the incident

#[test]
fn incident_end_to_end() {
    let files = read("incident");
    let config = Config::default(); // Tekton 1.0, default-timeout-minutes 60
    let (project, diags) = lint_texts(&pairs(&files), &config);
    let all = render(&project, &diags);
    insta::assert_snapshot!("incident_lint", all);
    for code in ["TKN003", "TKN004", "TKN012", "TKN013"] {
        assert!(
            diags.iter().any(|d| d.code == code),
            "{code} missing:\n{all}"
        );
    }
    let tkn012 = diags.iter().find(|d| d.code == "TKN012").unwrap();
    assert_eq!(&*tkn012.path, "incident/pipeline.yaml");
    let label_files: Vec<&str> = tkn012.labels.iter().map(|l| &*l.path).collect();
    assert!(
        label_files.contains(&"incident/pipelinerun.yaml")
            && label_files.contains(&"incident/task.yaml")
    );

    let fixed = fix_texts(&pairs(&files), &config, true);
    let mut diffs = String::new();
    for (path, old) in &fixed.changed {
        let new = &fixed.project.file(path).unwrap().text;
        diffs.push_str(&cutoff_core::fix::unified_diff(path, old, new));
    }
    insta::assert_snapshot!("incident_fix_diff", diffs);
    let remaining = cross_file(&fixed.diagnostics);
    assert!(
        remaining.is_empty(),
        "after --fix --unsafe-fixes:\n{}",
        render(&fixed.project, &remaining)
    );
    // pipeline.yaml only gains lines (timeouts on its tasks); nothing else moves.
    let old = &files
        .iter()
        .find(|(p, _)| p == "incident/pipeline.yaml")
        .unwrap()
        .1;
    let new = &fixed.project.file("incident/pipeline.yaml").unwrap().text;
    for op in similar::TextDiff::from_lines(old.as_str(), new).ops() {
        assert!(
            matches!(op.tag(), similar::DiffTag::Equal | similar::DiffTag::Insert),
            "pipeline.yaml lost or changed a line: {op:?}"
        );
    }
    // Idempotent: fixing the fixed repository changes nothing more.
    let texts: Vec<(String, String)> = fixed
        .project
        .files
        .iter()
        .map(|f| (f.path.to_string(), f.text.to_string()))
        .collect();
    let again = fix_texts(&pairs(&texts), &config, true);
    assert!(
        again.changed.is_empty(),
        "a second fix changed {:?}",
        again.changed.keys()
    );
    let (p2, d2) = lint_texts(&pairs(&texts), &config);
    assert!(
        cross_file(&d2).is_empty(),
        "{}",
        render(&p2, &cross_file(&d2))
    );
}

// ---------------------------------------------------------------- fixes that meet

/// Fixes with `--unsafe-fixes` and every rule on, starting with `first` alone (`None`: all at
/// once), then all; returns the final texts and what is still reported.
fn fix_in_order(
    f: &Fixture,
    first: Option<&str>,
) -> (Vec<(String, String)>, Project, Vec<Diagnostic>) {
    let mut files = f.files.clone();
    if let Some(code) = first {
        let fixed = fix_texts(&pairs(&files), &only(&f.config, code), true);
        assert!(fixed.refused.is_empty(), "{}: a fix broke the YAML", f.rel);
        files = texts(&fixed);
    }
    let fixed = fix_texts(&pairs(&files), &f.config, true);
    assert!(fixed.refused.is_empty(), "{}: a fix broke the YAML", f.rel);
    let files = texts(&fixed);
    let again = fix_texts(&pairs(&files), &f.config, true);
    assert!(
        again.changed.is_empty(),
        "{} (starting with {first:?}): not idempotent:\n{}",
        f.rel,
        diffs(&again)
    );
    let (project, diags) = lint_texts(&pairs(&files), &f.config);
    (files, project, diags)
}

/// TKN003's and TKN004's fixes and TKN012's insert into the same pipeline task: whichever
/// lands first, `--unsafe-fixes` with every rule on converges, and none of the three still
/// offers a fix. Both orders: TKN012 first, or this rule first.
#[test]
fn fixes_converge_with_tkn012() {
    for code in UNSAFE {
        for f in bad_cases(code) {
            for first in [None, Some(code), Some("TKN012")] {
                let (_, project, diags) = fix_in_order(&f, first);
                let open: Vec<&Diagnostic> = diags
                    .iter()
                    .filter(|d| ["TKN003", "TKN004", "TKN012"].contains(&d.code))
                    .filter(|d| d.fix.is_some())
                    .collect();
                assert!(
                    open.is_empty(),
                    "{} (starting with {first:?}): still fixable:\n{}",
                    f.rel,
                    render(
                        &project,
                        &diags
                            .iter()
                            .filter(|d| ["TKN003", "TKN004", "TKN012"].contains(&d.code))
                            .cloned()
                            .collect::<Vec<_>>()
                    )
                );
            }
        }
    }
}

/// An embedded `taskSpec.timeout` above the default: TKN012 reads it as what the task needs
/// and TKN003 moves it; in either order the pipeline task ends with that timeout and the
/// `taskSpec` without one (the intent is never lost to a deletion).
#[test]
fn embedded_taskspec_timeout_keeps_its_value_in_either_order() {
    let text = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: build\nspec:\n  tasks:\n    - name: image\n      taskSpec:\n        steps:\n          - name: build\n            image: buildah\n            script: buildah bud .\n        timeout: 3h\n";
    let f = Fixture {
        rel: "p.yaml".into(),
        files: vec![("p.yaml".into(), text.into())],
        config: Config::default(),
    };
    let (_, before) = f.lint();
    assert!(before.iter().any(|d| d.code == "TKN012" && d.fix.is_some()));
    assert!(before.iter().any(|d| d.code == "TKN003" && d.fix.is_some()));
    for (first, expect) in [
        (None, "      timeout: 3h0m0s\n"),
        (Some("TKN012"), "      timeout: 3h0m0s\n"),
        (Some("TKN003"), "      timeout: 3h\n"),
    ] {
        let (files, _, diags) = fix_in_order(&f, first);
        let new = &files[0].1;
        assert!(
            new.ends_with(&format!("script: buildah bud .\n{expect}")),
            "starting with {first:?}:\n{new}"
        );
        assert!(
            !diags
                .iter()
                .any(|d| d.code == "TKN003" || d.code == "TKN012"),
            "{diags:#?}"
        );
    }
}

// ---------------------------------------------------------------- the webhook

/// Every rejection the admission webhook makes (docs/tekton-timeouts.md, "What does the admission webhook reject?"), with the fixture that shows it,
/// the rule that reports it, and the webhook's own words that the message must quote.
const WEBHOOK_REJECTIONS: &[(&str, &str, &str, &str)] = &[
    // (webhook check, fixture, code, quoted webhook text)
    (
        "each of timeouts.tasks, timeouts.finally, timeouts.pipeline >= 0",
        "fixtures/TKN002/bad-timeouts-negative.yaml",
        "TKN002",
        "-48h0m0s should be >= 0: spec.timeouts.pipeline",
    ),
    (
        "timeouts.tasks <= pipeline",
        "fixtures/TKN007/bad-tasks-exceeds-pipeline.yaml",
        "TKN007",
        "2h0m0s should be <= pipeline duration: spec.timeouts.tasks",
    ),
    (
        "timeouts.tasks <= pipeline, pipeline defaulted",
        "fixtures/TKN007/bad-tasks-exceeds-default.yaml",
        "TKN007",
        "2h0m0s should be <= pipeline duration",
    ),
    (
        "timeouts.tasks = 0 while pipeline != 0",
        "fixtures/TKN007/bad-tasks-zero.yaml",
        "TKN007",
        "0s (no timeout) should be <= pipeline duration: spec.timeouts.tasks",
    ),
    (
        "timeouts.finally <= pipeline",
        "fixtures/TKN007/bad-finally-exceeds-pipeline.yaml",
        "TKN007",
        "1h15m0s should be <= pipeline duration: spec.timeouts.finally",
    ),
    (
        "timeouts.finally = 0 while pipeline != 0",
        "fixtures/TKN007/bad-finally-zero.yaml",
        "TKN007",
        "0s (no timeout) should be <= pipeline duration: spec.timeouts.finally",
    ),
    (
        "tasks + finally <= pipeline",
        "fixtures/TKN008/bad-sum.yaml",
        "TKN008",
        "45m0s + 30m0s should be <= pipeline duration: spec.timeouts.finally, spec.timeouts.tasks",
    ),
    (
        "tasks + finally <= pipeline, no zero guard",
        "fixtures/TKN008/bad-zero-pipeline.yaml",
        "TKN008",
        "0s + 10m0s should be <= pipeline duration",
    ),
    (
        "v1beta1: timeout and timeouts both set",
        "fixtures/TKN006/bad-timeout-and-timeouts.yaml",
        "TKN006",
        "must not set the field(s): spec.timeout, spec.timeouts",
    ),
    (
        "v1beta1: spec.timeout >= 0",
        "fixtures/TKN002/bad-v1beta1-timeout-negative.yaml",
        "TKN002",
        "-30m0s should be >= 0: spec.timeout",
    ),
    (
        "taskRunSpecs[].timeout >= 0",
        "fixtures/TKN002/tekton-1.4/bad-taskrunspec-negative.yaml",
        "TKN002",
        "-1h0m0s should be >= 0: spec.taskRunSpecs[0].timeout",
    ),
    (
        "taskRunSpecs[].timeout <= timeouts.tasks",
        "fixtures/TKN009/bad-exceeds-tasks.yaml",
        "TKN009",
        "2h0m0s should be <= pipeline tasks duration 1h0m0s: spec.taskRunSpecs[0].timeout",
    ),
    (
        "taskRunSpecs[].timeout <= timeouts.pipeline",
        "fixtures/TKN009/bad-exceeds-pipeline.yaml",
        "TKN009",
        "2h0m0s should be <= pipeline duration 1h30m0s: spec.taskRunSpecs[0].timeout",
    ),
    (
        "taskRunSpecs[].timeout <= the configured default",
        "fixtures/TKN009/bad-exceeds-default.yaml",
        "TKN009",
        "2h0m0s should be <= pipeline duration 1h0m0s",
    ),
    (
        "taskRunSpecs[].timeout <= the default, v1beta1 ignoring spec.timeout",
        "fixtures/TKN009/bad-v1beta1-deprecated-timeout.yaml",
        "TKN009",
        "2h0m0s should be <= default pipeline duration 1h0m0s",
    ),
    (
        "TaskRun spec.timeout >= 0",
        "fixtures/TKN002/bad-taskrun-negative.yaml",
        "TKN002",
        "-1h0m0s should be >= 0: spec.timeout",
    ),
    (
        "step timeout >= 0",
        "fixtures/TKN002/bad-step-negative.yaml",
        "TKN002",
        "invalid value: -10s: spec.steps[0].negative timeout",
    ),
];

#[test]
fn every_webhook_rejection_has_a_fixture() {
    for (what, rel, code, quote) in WEBHOOK_REJECTIONS {
        let f = fixture(rel);
        let (_, diags) = f.lint();
        let hit = diags
            .iter()
            .filter(|d| d.code == *code)
            .find(|d| d.message.contains(quote));
        assert!(
            hit.is_some(),
            "webhook check `{what}`: {rel} should give {code} quoting `{quote}`, got:\n{:#?}",
            diags
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>()
        );
    }
}

/// TKN006: the same file in and outside `.tekton/` (Pipelines-as-Code converts v1beta1 on the client).
#[test]
fn tkn006_pac_says_dropped_not_rejected() {
    let (_, plain) = fixture("fixtures/TKN006/bad-timeout-and-timeouts.yaml").lint();
    let (_, pac) = fixture("fixtures/TKN006/.tekton/bad-timeout-and-timeouts.yaml").lint();
    let m = |d: &[Diagnostic]| {
        d.iter()
            .find(|d| d.code == "TKN006")
            .unwrap()
            .message
            .clone()
    };
    assert!(m(&plain).contains("rejected"));
    let pac = m(&pac);
    assert!(
        pac.contains("silently dropped") && !pac.contains("rejected"),
        "{pac}"
    );
    assert!(
        pac.contains("`tasks: 1h30m`") && pac.contains("`finally: 30m`"),
        "{pac}"
    );
}

// ---------------------------------------------------------------- versions and partial runs

#[test]
fn versions_change_the_verdict() {
    let text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: r\nspec:\n  timeouts:\n    pipeline: 3h\n    tasks: 2h\n  taskRunSpecs:\n    - pipelineTaskName: b\n      timeout: 90m\n  pipelineSpec:\n    tasks:\n      - name: a\n        taskSpec: {steps: [{name: s, image: alpine}]}\n      - name: b\n        taskSpec: {steps: [{name: s, image: alpine}]}\n";
    let mut out = String::new();
    for (label, cfg) in [
        ("1.0", "targets: {tekton: \"1.0\"}\n"),
        ("1.4", "targets: {tekton: \"1.4\"}\n"),
        ("1.11", "targets: {tekton: \"1.11\"}\n"),
        (
            "1.0, default 0",
            "targets: {tekton: \"1.0\"}\ntekton: {default-timeout-minutes: 0}\n",
        ),
    ] {
        let (project, diags) = lint_texts(&[("run.yaml", text)], &config(cfg));
        out.push_str(&format!(
            "## Tekton {label}\n{}\n",
            render(&project, &cross_file(&diags))
        ));
    }
    insta::assert_snapshot!("versions", out);
    assert!(
        out.contains("## Tekton 1.11\n\n## Tekton 1.0, default 0\n\n"),
        "1.11 and default 0 must be silent:\n{out}"
    );
}

/// Only some files given (pre-commit): references resolve against the context files, and
/// findings are shown only in the reported files.
#[test]
fn context_files_resolve_but_are_not_reported() {
    use std::sync::Arc;
    let files = read("incident");
    let only = |reported: &str| {
        let sources = files
            .iter()
            .map(|(p, t)| {
                SourceFile::new(
                    Arc::from(p.as_str()),
                    None,
                    t.clone(),
                    p.ends_with(reported),
                )
            })
            .collect();
        let project = Project::new(sources);
        let diags = cutoff_core::lint::check(&project, &Config::default());
        (render(&project, &cross_file(&diags)), cross_file(&diags))
    };
    let (text, diags) = only("pipelinerun.yaml");
    assert!(
        diags
            .iter()
            .all(|d| &*d.path == "incident/pipelinerun.yaml"),
        "{text}"
    );
    assert!(
        diags.iter().any(|d| d.code == "TKN012") && diags.iter().any(|d| d.code == "TKN013"),
        "{text}"
    );
    assert!(
        diags.iter().all(|d| d.fix.is_none()),
        "no fix may touch a context file:\n{text}"
    );
    let (text2, diags2) = only("task.yaml");
    assert!(
        diags2.iter().all(|d| &*d.path == "incident/task.yaml"),
        "{text2}"
    );
    assert!(diags2.iter().any(|d| d.code == "TKN013"), "{text2}");
    insta::assert_snapshot!("context_only_run", text);
}
