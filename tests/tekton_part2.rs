//! Tekton rules, part 2 (TKN010–TKN013, TKN016–TKN018): cross-file, through the DAG.
//! Triggering and silent fixtures, snapshots of messages and fixes, idempotence, versions,
//! the incident end to end, and the corpus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cutoff_core::config::Config;
use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::fix::fix_texts;
use cutoff_core::lint::lint_texts;
use cutoff_core::project::Project;

const PART2: [&str; 7] = [
    "TKN010", "TKN011", "TKN012", "TKN013", "TKN016", "TKN017", "TKN018",
];

fn config(text: &str) -> Config {
    let mut c = Config::parse(text, "test config").unwrap();
    c.extend_select.push("TKN018".into());
    c
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads every file under `fixtures/<dir>` as (path relative to fixtures/, text).
fn read_dir(dir: &str) -> Vec<(String, String)> {
    let root = manifest_dir().join("fixtures");
    let mut out = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    walk(&root, &root.join(dir), &mut out);
    out
}

fn pairs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect()
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

fn part2(diags: &[Diagnostic]) -> Vec<Diagnostic> {
    diags
        .iter()
        .filter(|d| PART2.contains(&d.code))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------- the incident

#[test]
fn incident_end_to_end() {
    let files = read_dir("incident");
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
    let remaining = part2(&fixed.diagnostics);
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
    for op in similar::TextDiff::from_lines(old.as_str(), new.as_str()).ops() {
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
        .map(|f| (f.path.to_string(), f.text.clone()))
        .collect();
    let again = fix_texts(&pairs(&texts), &config, true);
    assert!(
        again.changed.is_empty(),
        "a second fix changed {:?}",
        again.changed.keys()
    );
    let (p2, d2) = lint_texts(&pairs(&texts), &config);
    assert!(part2(&d2).is_empty(), "{}", render(&p2, &part2(&d2)));
}

// ---------------------------------------------------------------- per-rule fixtures

/// A case: one YAML file, or a directory of files (cross-file cases), under `fixtures/<CODE>/`.
/// The name starts with `bad-` (the rule must fire) or `good-` (it must stay silent). A first
/// line `# cutoff-test: tekton=1.11 default=0` sets the targeted Tekton and
/// `default-timeout-minutes`.
fn cases(code: &str) -> Vec<(String, Vec<(String, String)>)> {
    let dir = manifest_dir().join("fixtures").join(code);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bad-") || n.starts_with("good-"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let files = if dir.join(&n).is_dir() {
                read_dir(&format!("{code}/{n}"))
            } else {
                let rel = format!("{code}/{n}");
                vec![(rel.clone(), std::fs::read_to_string(dir.join(&n)).unwrap())]
            };
            (n, files)
        })
        .collect()
}

fn case_config(files: &[(String, String)]) -> Config {
    let mut text = String::new();
    for (_, t) in files {
        if let Some(rest) = t
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# cutoff-test:"))
        {
            for kv in rest.split_whitespace() {
                match kv.split_once('=') {
                    Some(("tekton", v)) => text.push_str(&format!("targets:\n  tekton: \"{v}\"\n")),
                    Some(("default", v)) => {
                        text.push_str(&format!("tekton:\n  default-timeout-minutes: {v}\n"))
                    }
                    _ => panic!("unknown cutoff-test setting {kv}"),
                }
            }
        }
    }
    config(&text)
}

fn check_rule(code: &str) {
    let mut messages = String::new();
    let mut fixes = String::new();
    let cases = cases(code);
    assert!(
        cases.iter().any(|(n, _)| n.starts_with("bad-"))
            && cases.iter().any(|(n, _)| n.starts_with("good-"))
    );
    for (name, files) in &cases {
        let config = case_config(files);
        let (project, diags) = lint_texts(&pairs(files), &config);
        let mine: Vec<Diagnostic> = diags.iter().filter(|d| d.code == code).cloned().collect();
        if name.starts_with("bad-") {
            assert!(
                !mine.is_empty(),
                "{code}/{name} should fire; found:\n{}",
                render(&project, &diags)
            );
            messages.push_str(&format!("## {name}\n{}\n", render(&project, &mine)));
        } else {
            assert!(
                mine.is_empty(),
                "{code}/{name} should be silent:\n{}",
                render(&project, &mine)
            );
        }
        // Fixes: applied (unsafe included), snapshotted, and idempotent.
        let fixed = fix_texts(&pairs(files), &config, true);
        assert!(fixed.refused.is_empty(), "{code}/{name}: a fix broke YAML");
        if mine.iter().any(|d| d.fix.is_some()) {
            fixes.push_str(&format!("## {name}\n"));
            for (path, old) in &fixed.changed {
                fixes.push_str(&cutoff_core::fix::unified_diff(
                    path,
                    old,
                    &fixed.project.file(path).unwrap().text,
                ));
            }
            let left: Vec<Diagnostic> = fixed
                .diagnostics
                .iter()
                .filter(|d| d.code == code)
                .cloned()
                .collect();
            fixes.push_str(&format!(
                "-- after fixing, {code} reports:\n{}\n",
                render(&fixed.project, &left)
            ));
            let texts: Vec<(String, String)> = fixed
                .project
                .files
                .iter()
                .map(|f| (f.path.to_string(), f.text.clone()))
                .collect();
            let again = fix_texts(&pairs(&texts), &config, true);
            assert!(
                again.changed.is_empty(),
                "{code}/{name}: fixing twice changed {:?}",
                again.changed.keys()
            );
        }
    }
    insta::assert_snapshot!(format!("{code}_messages"), messages);
    if !fixes.is_empty() {
        insta::assert_snapshot!(format!("{code}_fixes"), fixes);
    }
}

#[test]
fn tkn010_task_exceeds_budget() {
    check_rule("TKN010");
}

#[test]
fn tkn011_chain_exceeds_budget() {
    check_rule("TKN011");
}

#[test]
fn tkn012_default_timeout_trap() {
    check_rule("TKN012");
}

#[test]
fn tkn013_step_exceeds_task() {
    check_rule("TKN013");
}

#[test]
fn tkn016_retries_exceed_budget() {
    check_rule("TKN016");
}

#[test]
fn tkn017_finally_starved() {
    check_rule("TKN017");
}

#[test]
fn tkn018_unresolved_reference() {
    check_rule("TKN018");
}

/// The same run judged against different targets: the trap depends on the version and on
/// `default-timeout-minutes`.
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
            render(&project, &part2(&diags))
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
    use cutoff_core::project::SourceFile;
    use std::sync::Arc;
    let files = read_dir("incident");
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
        (render(&project, &part2(&diags)), part2(&diags))
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

// ---------------------------------------------------------------- the corpus

/// Runs the part-2 rules over `../shared/corpus/` (every file reported, references resolved
/// per repository): must not panic; prints the counts per rule and a sample of findings.
#[test]
fn corpus_part2_findings() {
    let root = manifest_dir().join("../shared/corpus");
    if !root.is_dir() {
        eprintln!("corpus not found at {}; skipped", root.display());
        return;
    }
    let config = Config {
        select: Some(PART2.iter().map(|c| c.to_string()).collect()),
        extend_select: vec!["TKN018".into()],
        ..Config::default()
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut samples: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let started = std::time::Instant::now();
    for repo in repos {
        // One project per repository: references resolve within it.
        let mut files = Vec::new();
        let mut stack = vec![repo.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    if let Ok(t) = std::fs::read_to_string(&p) {
                        files.push((
                            p.strip_prefix(&root)
                                .unwrap()
                                .to_string_lossy()
                                .into_owned(),
                            t,
                        ));
                    }
                }
            }
        }
        files.sort();
        let (project, diags) = lint_texts(&pairs(&files), &config);
        for d in part2(&diags) {
            *counts.entry(d.code).or_default() += 1;
            let s = samples.entry(d.code).or_default();
            if s.len() < 400 {
                s.push(render(&project, std::slice::from_ref(&d)));
            }
        }
    }
    println!("part 2 on the corpus ({:?}): {counts:?}", started.elapsed());
    if let Ok(out) = std::env::var("CUTOFF_CORPUS_REPORT") {
        let mut text = String::new();
        for (code, s) in &samples {
            text.push_str(&format!("==== {code} ({})\n", counts[code]));
            for x in s {
                text.push_str(x);
            }
        }
        std::fs::write(out, text).unwrap();
    }
}
