//! Tekton rules, part 1 (TKN001–TKN009, TKN014, TKN015): fixtures, message and fix
//! snapshots, fix idempotence, the webhook-rejection table of tekton-timeouts.md §2, and a
//! run over the shared corpus.
//!
//! Fixtures live in `fixtures/<CODE>/`: every `bad-*.yaml` must produce the rule, every
//! `good-*.yaml` must not. A `.cutoff.yaml` in a fixture directory (or a parent, up to
//! `fixtures/<CODE>/`) configures the fixtures below it. Files under a `.tekton/`
//! directory are Pipelines-as-Code files, as in a repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cutoff_core::config::Config;
use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::fix::{fix_texts, unified_diff};
use cutoff_core::lint::lint_texts;
use cutoff_core::project::Project;

const CODES: [&str; 11] = [
    "TKN001", "TKN002", "TKN003", "TKN004", "TKN005", "TKN006", "TKN007", "TKN008", "TKN009",
    "TKN014", "TKN015",
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Fixture {
    /// Relative to the crate, with `/`: `fixtures/TKN006/.tekton/bad-x.yaml`, or a
    /// `bad-*`/`good-*` directory holding the files of one cross-file case.
    rel: String,
    /// (path relative to the crate, text), sorted by path.
    files: Vec<(String, String)>,
    config: Config,
}

impl Fixture {
    fn name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap()
    }

    fn is_bad(&self) -> bool {
        self.name().starts_with("bad-")
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        pairs(&self.files)
    }

    fn lint(&self) -> (Project, Vec<Diagnostic>) {
        lint_texts(&self.pairs(), &self.config)
    }
}

fn pairs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect()
}

/// Collects the cases under `dir`: every YAML file, except that a directory named `bad-*` or
/// `good-*` is one case made of all the YAML files below it.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            let name = p.file_name().unwrap().to_string_lossy();
            if name.starts_with("bad-") || name.starts_with("good-") {
                out.push(p);
            } else {
                walk(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// Every YAML file under `dir`, recursively.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml")
            && p.file_name().unwrap() != ".cutoff.yaml"
        {
            out.push(p);
        }
    }
}

/// The nearest `.cutoff.yaml` from `file`'s directory up to `top`.
fn config_for(file: &Path, top: &Path) -> Config {
    let mut dir = file.parent().unwrap().to_path_buf();
    loop {
        let c = dir.join(".cutoff.yaml");
        if c.is_file() {
            let text = std::fs::read_to_string(&c).unwrap();
            return Config::parse(&text, &c.display().to_string()).unwrap();
        }
        if dir == top || !dir.pop() {
            return Config::default();
        }
    }
}

fn rel_of(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

fn fixtures(code: &str) -> Vec<Fixture> {
    let root = manifest_dir();
    let top = root.join("fixtures").join(code);
    let mut cases = Vec::new();
    walk(&top, &mut cases);
    cases.retain(|p| p.file_name().unwrap() != ".cutoff.yaml");
    cases.sort();
    assert!(!cases.is_empty(), "no fixtures for {code}");
    cases
        .into_iter()
        .map(|p| {
            let mut paths = Vec::new();
            if p.is_dir() {
                yaml_files(&p, &mut paths);
                paths.sort();
                assert!(!paths.is_empty(), "{} holds no YAML file", p.display());
            } else {
                paths.push(p.clone());
            }
            Fixture {
                rel: rel_of(&root, &p),
                files: paths
                    .iter()
                    .map(|f| (rel_of(&root, f), std::fs::read_to_string(f).unwrap()))
                    .collect(),
                config: config_for(&paths[0], &top),
            }
        })
        .collect()
}

fn fixture(rel: &str) -> Fixture {
    let code = rel.split('/').nth(1).unwrap();
    fixtures(code)
        .into_iter()
        .find(|f| f.rel == rel)
        .unwrap_or_else(|| panic!("no fixture {rel}"))
}

/// `line:col CODE message`, then help, labels and fix, indented. Positions in another file
/// than `case` (a single-file case) are prefixed with the file's path.
fn render(project: &Project, diags: &[Diagnostic], code: &str, case: &str) -> String {
    let pos = |path: &str, off: usize| {
        let (l, c) = project.file(path).unwrap().line_col(off);
        if path == case {
            format!("{l}:{c}")
        } else {
            let short = path.strip_prefix(case).map(|s| s.trim_start_matches('/'));
            format!("{}:{l}:{c}", short.unwrap_or(path))
        }
    };
    let mut out = String::new();
    for d in diags.iter().filter(|d| d.code == code) {
        out.push_str(&format!(
            "{} {} {}\n",
            pos(&d.path, d.span.start),
            d.code,
            d.message
        ));
        if let Some(h) = &d.help {
            out.push_str(&format!("  help: {h}\n"));
        }
        for lab in &d.labels {
            out.push_str(&format!(
                "  label {}: {}\n",
                pos(&lab.path, lab.span.start),
                lab.message
            ));
        }
        if let Some(fix) = &d.fix {
            out.push_str(&format!(
                "  fix ({}): {}\n",
                fix.applicability.as_str(),
                fix.description
            ));
        }
    }
    out
}

/// A config that runs only `code` (on or off by default), keeping targets and settings.
fn only(config: &Config, code: &str) -> Config {
    let mut c = config.clone();
    c.select = Some(vec![code.to_string()]);
    c.extend_select.clear();
    c.ignore.clear();
    c
}

/// The unified diffs of every file a fix changed.
fn diffs(fixed: &cutoff_core::fix::Fixed) -> String {
    let mut out = String::new();
    for (path, old) in &fixed.changed {
        out.push_str(&unified_diff(
            path,
            old,
            &fixed.project.file(path).unwrap().text,
        ));
    }
    out
}

/// The texts of a fixed project, as (path, text).
fn texts(fixed: &cutoff_core::fix::Fixed) -> Vec<(String, String)> {
    fixed
        .project
        .files
        .iter()
        .map(|f| (f.path.to_string(), f.text.clone()))
        .collect()
}

/// Rules whose fixes are all or partly unsafe: their fixtures are fixed with `--unsafe-fixes`.
const UNSAFE: [&str; 2] = ["TKN003", "TKN004"];

fn check_rule(code: &str) {
    let mut messages = String::new();
    let mut fixes = String::new();
    let rule = cutoff_core::rules::by_code(code).unwrap();
    let unsafe_fixes = UNSAFE.contains(&code);
    for f in fixtures(code) {
        let (project, diags) = f.lint();
        let fired = diags.iter().any(|d| d.code == code);
        if f.is_bad() {
            assert!(fired, "{}: expected {code}, got {:#?}", f.rel, diags);
        } else {
            assert!(
                !fired,
                "{}: unexpected {code}:\n{}",
                f.rel,
                render(&project, &diags, code, &f.rel)
            );
            continue;
        }
        messages.push_str(&format!(
            "── {}\n{}",
            f.rel,
            render(&project, &diags, code, &f.rel)
        ));

        // Fix with this rule alone; snapshot the change; fixing again changes nothing.
        let cfg = only(&f.config, code);
        let fixed = fix_texts(&f.pairs(), &cfg, unsafe_fixes);
        assert!(fixed.refused.is_empty(), "{}: a fix broke the YAML", f.rel);
        if !fixed.changed.is_empty() {
            assert_ne!(
                rule.fix,
                cutoff_core::rules::FixKind::None,
                "{code} has no fixes but changed {}",
                f.rel
            );
            fixes.push_str(&format!("── {}\n{}", f.rel, diffs(&fixed)));
            let new = texts(&fixed);
            let again = fix_texts(&pairs(&new), &cfg, unsafe_fixes);
            assert!(
                again.changed.is_empty(),
                "{}: fixing twice changes the text again",
                f.rel
            );
            // Whatever the fix addressed is gone.
            let (_, after) = lint_texts(&pairs(&new), &cfg);
            for d in after.iter().filter(|d| d.code == code) {
                assert!(
                    d.fix.is_none(),
                    "{}: a fixable {code} remains after fixing: {}",
                    f.rel,
                    d.message
                );
            }
        }
    }
    insta::assert_snapshot!(format!("{code}_messages"), messages);
    if rule.fix != cutoff_core::rules::FixKind::None {
        insta::assert_snapshot!(format!("{code}_fixes"), fixes);
    }
}

#[test]
fn tkn001_invalid_duration() {
    check_rule("TKN001");
}

#[test]
fn tkn002_negative_timeout() {
    check_rule("TKN002");
}

#[test]
fn tkn003_unsupported_timeout_field() {
    check_rule("TKN003");
}

#[test]
fn tkn004_taskrunspecs_timeout_unsupported() {
    check_rule("TKN004");
}

#[test]
fn tkn005_deprecated_pipelinerun_timeout() {
    check_rule("TKN005");
}

#[test]
fn tkn006_timeout_and_timeouts() {
    check_rule("TKN006");
}

#[test]
fn tkn007_budget_exceeds_pipeline() {
    check_rule("TKN007");
}

#[test]
fn tkn008_budgets_sum_exceeds_pipeline() {
    check_rule("TKN008");
}

#[test]
fn tkn009_taskrunspec_exceeds_budget() {
    check_rule("TKN009");
}

#[test]
fn tkn014_param_in_timeout() {
    check_rule("TKN014");
}

#[test]
fn tkn015_non_canonical_duration() {
    check_rule("TKN015");
}

/// Every fixture, all of these rules together (TKN015 too), unsafe fixes included: the
/// fixer reaches a fixed point and never breaks the YAML.
#[test]
fn all_fixes_are_idempotent() {
    for code in CODES {
        for f in fixtures(code) {
            let mut cfg = f.config.clone();
            cfg.select = Some(CODES.iter().map(|c| c.to_string()).collect());
            let fixed = fix_texts(&f.pairs(), &cfg, true);
            assert!(fixed.refused.is_empty(), "{}: a fix broke the YAML", f.rel);
            let new = texts(&fixed);
            let again = fix_texts(&pairs(&new), &cfg, true);
            assert!(
                again.changed.is_empty(),
                "{}: not idempotent:\n{}",
                f.rel,
                diffs(&again)
            );
        }
    }
}

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
        for f in fixtures(code).into_iter().filter(|f| f.is_bad()) {
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
                    ["TKN003", "TKN004", "TKN012"]
                        .iter()
                        .map(|c| render(&project, &diags, c, &f.rel))
                        .collect::<String>()
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

/// Every webhook rejection listed in tekton-timeouts.md §2, with the fixture that shows it,
/// the rule that reports it, and the webhook's own words that the message must quote.
const WEBHOOK_REJECTIONS: &[(&str, &str, &str, &str)] = &[
    // (§2 rule, fixture, code, quoted webhook text)
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
            "§2 `{what}`: {rel} should give {code} quoting `{quote}`, got:\n{:#?}",
            diags
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>()
        );
    }
}

/// The two manifests of ERRATA Issue 3 TKN006: the same file in and outside `.tekton/`.
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

/// Runs every rule (TKN015 too) over the shared corpus: no panic, counts per rule. Set
/// `CUTOFF_CORPUS_DUMP=path` to write every finding of these rules to a file.
#[test]
fn corpus_runs_clean() {
    let corpus = manifest_dir().join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("no corpus at {}: skipped", corpus.display());
        return;
    }
    let mut config = Config::default();
    config.extend_select.push("TKN015".into());
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut dump = String::new();
    let mut files_seen = 0;
    for repo in repos {
        let mut paths = Vec::new();
        yaml_files(&repo, &mut paths);
        paths.sort();
        let texts: Vec<(String, String)> = paths
            .iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                let rel = p
                    .strip_prefix(&corpus)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                Some((rel, text))
            })
            .collect();
        files_seen += texts.len();
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (project, diags) = lint_texts(&refs, &config);
        for d in &diags {
            *counts.entry(d.code).or_default() += 1;
            if CODES.contains(&d.code) {
                let (l, c) = project.file(&d.path).unwrap().line_col(d.span.start);
                dump.push_str(&format!("{}:{l}:{c} {} {}\n", d.path, d.code, d.message));
            }
        }
    }
    assert!(files_seen > 1000, "corpus looks empty ({files_seen} files)");
    eprintln!("corpus: {files_seen} files");
    for (code, n) in &counts {
        eprintln!("  {code}: {n}");
    }
    if let Ok(path) = std::env::var("CUTOFF_CORPUS_DUMP") {
        std::fs::write(path, dump).unwrap();
    }
}
