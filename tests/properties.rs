//! Never crash, never corrupt: property tests over generated manifests and mutated real
//! ones (the fixtures). For any input, linting does not panic; every span lies inside its
//! file on char boundaries; every fix's edits are inside their file, on char boundaries and
//! apart; a fix applied alone to a file that parsed leaves YAML that parses; the fixer's
//! output parses and fixing it again changes nothing.
//!
//! `PROPTEST_CASES` runs more cases (the default keeps `cargo test` quick), and
//! `PROPTEST_RNG_SEED` other ones (the default seed is fixed, so that `cargo test` is
//! deterministic). Inputs they found broken are kept in [`regression_cases`].

mod common;
#[allow(unused_imports)]
use common::*;

use std::collections::HashMap;

use proptest::prelude::*;

use cutoff_core::config::Config;
use cutoff_core::diagnostic::{Diagnostic, Edit};
use cutoff_core::lint::{fix_texts, lint_texts};
use cutoff_core::yaml;

fn config(all: bool) -> Config {
    let mut c = Config::default();
    if all {
        c.select = Some(vec!["ALL".to_string()]);
    }
    c
}

fn on_boundary(text: &str, at: usize) -> bool {
    at <= text.len() && text.is_char_boundary(at)
}

fn parses(text: &str) -> bool {
    yaml::parse(text).first_error().is_none()
}

/// Applies `edits` (of one file) to `text`; `None` when they overlap or leave the text.
fn apply(text: &str, edits: &[&Edit]) -> Option<String> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::new();
    let mut pos = 0;
    for e in sorted {
        if e.start < pos
            || e.end < e.start
            || !on_boundary(text, e.start)
            || !on_boundary(text, e.end)
        {
            return None;
        }
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.replacement);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    Some(out)
}

/// Every property of one set of files.
fn check(files: &[(String, String)], all_rules: bool) -> Result<(), TestCaseError> {
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let texts: HashMap<&str, &str> = pairs.iter().copied().collect();
    let config = config(all_rules);
    let (_, diags) = lint_texts(&pairs, &config);
    for d in &diags {
        check_spans(d, &texts)?;
        check_fix(d, &texts)?;
    }
    // The fixer: what it writes parses (when the file did), and a second pass finds
    // nothing more to fix.
    let fixed = fix_texts(&pairs, &config, true);
    let once: Vec<(String, String)> = fixed
        .project
        .files
        .iter()
        .map(|f| (f.path.to_string(), f.text.to_string()))
        .collect();
    for (p, t) in &once {
        let before = texts[p.as_str()];
        if t != before && parses(before) {
            prop_assert!(parses(t), "the fixer broke {p}:\n{before}\n---\n{t}");
        }
    }
    let once_pairs: Vec<(&str, &str)> =
        once.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let twice = fix_texts(&once_pairs, &config, true);
    for f in &twice.project.files {
        let first = once
            .iter()
            .find(|(p, _)| **p == *f.path)
            .map(|(_, t)| t.as_str());
        prop_assert_eq!(
            Some(&*f.text),
            first,
            "fixing {} twice differs from once",
            f.path
        );
    }
    Ok(())
}

fn check_spans(d: &Diagnostic, texts: &HashMap<&str, &str>) -> Result<(), TestCaseError> {
    let mut spans = vec![(&d.path, d.span)];
    spans.extend(d.labels.iter().map(|l| (&l.path, l.span)));
    for (path, span) in spans {
        let text = texts.get(&**path);
        prop_assert!(text.is_some(), "{}: span in an unknown file {path}", d.code);
        let text = text.unwrap();
        prop_assert!(
            span.start <= span.end && on_boundary(text, span.start) && on_boundary(text, span.end),
            "{} at {path} {span:?} outside its file ({} bytes) or not on char boundaries: {}",
            d.code,
            text.len(),
            d.message
        );
    }
    Ok(())
}

fn check_fix(d: &Diagnostic, texts: &HashMap<&str, &str>) -> Result<(), TestCaseError> {
    let Some(fix) = &d.fix else { return Ok(()) };
    let mut by_file: HashMap<&str, Vec<&Edit>> = HashMap::new();
    for e in &fix.edits {
        by_file.entry(&e.path).or_default().push(e);
    }
    for (path, edits) in by_file {
        let text = texts.get(path);
        prop_assert!(
            text.is_some(),
            "{}: an edit of an unknown file {path}",
            d.code
        );
        let text = text.unwrap();
        let out = apply(text, &edits);
        prop_assert!(
            out.is_some(),
            "{}: its edits of {path} overlap, or leave the file or char boundaries: {edits:?}",
            d.code
        );
        let out = out.unwrap();
        // Bytes outside the edits are kept: before the first and after the last edit.
        let first = edits.iter().map(|e| e.start).min().unwrap_or(0);
        let last = edits.iter().map(|e| e.end).max().unwrap_or(0);
        prop_assert_eq!(&out[..first], &text[..first]);
        prop_assert_eq!(&out[out.len() - (text.len() - last)..], &text[last..]);
        if parses(text) {
            prop_assert!(
                parses(&out),
                "{} ({}) breaks {path}:\n{text}\n---\n{out}",
                d.code,
                fix.description
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Generated manifests: objects of every family with timeouts of every shape, written in
// every style.

/// A value as written.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        // Valid and canonical, valid and not, invalid, numbers, templates, nulls.
        Just("1h".to_string()),
        Just("\"90m\"".to_string()),
        Just("'1h30m'".to_string()),
        Just("\"0\"".to_string()),
        Just("0".to_string()),
        Just("60".to_string()),
        Just("-5m".to_string()),
        Just("\"1.5h\"".to_string()),
        Just("1hour".to_string()),
        Just("\"\"".to_string()),
        Just("~".to_string()),
        Just("".to_string()),
        Just("\"$(params.timeout)\"".to_string()),
        Just("\"{{ timeout }}\"".to_string()),
        Just("$(tt.params.t)".to_string()),
        Just("9223372036854775807h".to_string()),
        Just("true".to_string()),
        Just("[1h]".to_string()),
        Just("{a: 1}".to_string()),
        Just("*anchor".to_string()),
        Just("!!str 1h".to_string()),
        Just("|\n        1h".to_string()),
        "[0-9]{1,4}(h|m|s|ms|us|ns){1,2}",
        "\"[0-9]{1,3}(\\.[0-9])?(h|m|s)\"",
        "[a-z0-9 .:-]{0,12}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("build".to_string()),
        Just("test".to_string()),
        Just("deploy".to_string()),
        Just("$(params.n)".to_string()),
        "[a-z][a-z0-9-]{0,8}",
    ]
}

/// A pipeline task (or finally task).
fn pipeline_task() -> impl Strategy<Value = String> {
    (
        name(),
        name(),
        proptest::option::of(scalar()),
        proptest::option::of(name()),
        any::<bool>(),
    )
        .prop_map(|(n, task, timeout, after, retries)| {
            let mut s = format!("    - name: {n}\n      taskRef:\n        name: {task}\n");
            if let Some(t) = timeout {
                s.push_str(&format!("      timeout: {t}\n"));
            }
            if let Some(a) = after {
                s.push_str(&format!("      runAfter: [{a}]\n"));
            }
            if retries {
                s.push_str("      retries: 3\n");
            }
            s
        })
}

fn object() -> impl Strategy<Value = String> {
    let api = prop_oneof![Just("tekton.dev/v1"), Just("tekton.dev/v1beta1")];
    prop_oneof![
        (
            api.clone(),
            name(),
            proptest::collection::vec(pipeline_task(), 0..4),
            proptest::collection::vec(pipeline_task(), 0..2)
        )
            .prop_map(|(api, n, tasks, finally)| {
                let mut s = format!("apiVersion: {api}\nkind: Pipeline\nmetadata:\n  name: {n}\nspec:\n");
                if !tasks.is_empty() {
                    s.push_str("  tasks:\n");
                    s.extend(tasks);
                }
                if !finally.is_empty() {
                    s.push_str("  finally:\n");
                    s.extend(finally);
                }
                s
            }),
        (
            api.clone(),
            name(),
            name(),
            proptest::option::of(scalar()),
            proptest::option::of(scalar()),
            proptest::option::of(scalar()),
            proptest::option::of(scalar()),
            any::<bool>()
        )
            .prop_map(|(api, n, p, pipeline, tasks, timeout, spec_timeout, pac)| {
                let mut s = format!("apiVersion: {api}\nkind: PipelineRun\nmetadata:\n  name: {n}\n");
                if pac {
                    s.push_str("  annotations:\n    pipelinesascode.tekton.dev/on-event: \"[push]\"\n");
                }
                s.push_str(&format!("spec:\n  pipelineRef:\n    name: {p}\n"));
                if pipeline.is_some() || tasks.is_some() {
                    s.push_str("  timeouts:\n");
                    if let Some(v) = pipeline {
                        s.push_str(&format!("    pipeline: {v}\n"));
                    }
                    if let Some(v) = tasks {
                        s.push_str(&format!("    tasks: {v}\n"));
                    }
                }
                if let Some(v) = spec_timeout {
                    s.push_str(&format!("  timeout: {v}\n"));
                }
                if let Some(v) = timeout {
                    s.push_str(&format!("  taskRunSpecs:\n    - pipelineTaskName: build\n      timeout: {v}\n"));
                }
                s
            }),
        (api.clone(), name(), proptest::collection::vec(proptest::option::of(scalar()), 1..4))
            .prop_map(|(api, n, steps)| {
                let mut s = format!("apiVersion: {api}\nkind: Task\nmetadata:\n  name: {n}\nspec:\n  steps:\n");
                for (i, t) in steps.into_iter().enumerate() {
                    s.push_str(&format!("    - name: s{i}\n      image: busybox\n"));
                    if let Some(t) = t {
                        s.push_str(&format!("      timeout: {t}\n"));
                    }
                }
                s
            }),
        (api, name(), proptest::option::of(scalar())).prop_map(|(api, n, t)| {
            let mut s = format!("apiVersion: {api}\nkind: TaskRun\nmetadata:\n  name: {n}\nspec:\n  taskRef:\n    name: {n}\n");
            if let Some(t) = t {
                s.push_str(&format!("  timeout: {t}\n"));
            }
            s
        }),
        (
            any::<bool>(),
            name(),
            proptest::option::of(scalar()),
            proptest::option::of(scalar()),
            proptest::option::of(scalar()),
            prop_oneof![Just("Never"), Just("OnFailure"), Just("Always"), Just("")],
            prop_oneof![Just("*/5 * * * *"), Just("@hourly"), Just("0 0 31 2 *"), Just("nonsense")]
        )
            .prop_map(|(cron, n, deadline, grace, ttl, restart, schedule)| {
                let mut job = String::from("spec:\n");
                if let Some(d) = deadline {
                    job.push_str(&format!("  activeDeadlineSeconds: {d}\n"));
                }
                if let Some(t) = ttl {
                    job.push_str(&format!("  ttlSecondsAfterFinished: {t}\n"));
                }
                job.push_str("  template:\n    spec:\n");
                if !restart.is_empty() {
                    job.push_str(&format!("      restartPolicy: {restart}\n"));
                }
                if let Some(g) = grace {
                    job.push_str(&format!("      terminationGracePeriodSeconds: {g}\n"));
                }
                job.push_str("      containers:\n        - name: main\n          image: busybox\n");
                if cron {
                    let inner: String = job.lines().map(|l| format!("    {l}\n")).collect();
                    format!("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {n}\nspec:\n  schedule: \"{schedule}\"\n  jobTemplate:\n{inner}")
                } else {
                    format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {n}\n{job}")
                }
            }),
        (name(), proptest::collection::vec(proptest::option::of(scalar()), 1..4)).prop_map(
            |(n, steps)| {
                let mut s = format!("name: {n}\nsteps:\n");
                for (i, t) in steps.into_iter().enumerate() {
                    s.push_str(&format!("  - id: s{i}\n"));
                    if let Some(t) = t {
                        s.push_str(&format!("    timeout: {t}\n"));
                    }
                }
                s
            }
        ),
    ]
}

/// A file of one to three documents, sometimes with comments, anchors and suppressions.
fn file() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(object(), 1..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(docs, comment, anchor)| {
            let mut s = String::new();
            if comment {
                s.push_str("# cutoff: ignore[TKN001]\n");
            }
            if anchor {
                s.push_str("# anchors\nx-default: &anchor 1h\n---\n");
            }
            s.push_str(&docs.join("---\n"));
            s
        })
}

fn repository() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(file(), 1..5).prop_map(|files| {
        files
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let dir = if i % 2 == 0 { ".tekton" } else { "deploy" };
                (format!("{dir}/f{i}.yaml"), t)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(96),
        failure_persistence: None,
        // The same cases on every run of `cargo test`; PROPTEST_RNG_SEED for others.
        rng_seed: match std::env::var("PROPTEST_RNG_SEED") {
            Ok(_) => ProptestConfig::default().rng_seed,
            Err(_) => proptest::test_runner::RngSeed::Fixed(0x5EED_C0DE),
        },
        .. ProptestConfig::default()
    })]

    #[test]
    fn generated_repositories(files in repository(), all in any::<bool>()) {
        check(&files, all)?;
    }

    #[test]
    fn mutated_fixtures(pick in any::<prop::sample::Index>(), edits in proptest::collection::vec(mutation(), 1..6)) {
        let corpus = fixtures();
        let (path, text) = &corpus[pick.index(corpus.len())];
        let mut t = text.clone();
        for m in &edits {
            t = m.apply(&t);
        }
        check(&[(path.clone(), t)], true)?;
    }
}

// ---------------------------------------------------------------------------------------
// Mutated fixtures.

fn fixtures() -> &'static [(String, String)] {
    static ALL: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        let mut todo = vec![root().join("fixtures")];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    if !p.ends_with(".cutoff_cache") {
                        todo.push(p);
                    }
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    let rel = p
                        .strip_prefix(root())
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    // The few that are not UTF-8 on purpose are not text to mutate.
                    if let Ok(text) = std::fs::read_to_string(&p) {
                        out.push((rel, text));
                    }
                }
            }
        }
        out.sort();
        out
    })
}

/// One edit of a text at a relative position.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(f64, usize),
    Insert(f64, &'static str),
    DuplicateLine(f64),
    DeleteLine(f64),
    Indent(f64, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippets = prop::sample::select(vec![
        ":",
        "- ",
        "  ",
        "\n",
        "'",
        "\"",
        "{",
        "}",
        "[",
        "]",
        "#",
        "&a ",
        "*a",
        "!!str ",
        "\t",
        "é",
        "\u{feff}",
        "---\n",
        "...\n",
        "? ",
        "|",
        ">-\n",
        "0",
        "h",
        "$(",
        "{{",
        "\r\n",
        "timeout: 1h\n",
        "timeout: \"0\"\n",
        "\u{0}",
    ]);
    prop_oneof![
        (0.0..1.0f64, 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (0.0..1.0f64, snippets).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (0.0..1.0f64).prop_map(Mutation::DuplicateLine),
        (0.0..1.0f64).prop_map(Mutation::DeleteLine),
        (0.0..1.0f64, any::<bool>()).prop_map(|(a, more)| Mutation::Indent(a, more)),
    ]
}

fn floor(t: &str, mut at: usize) -> usize {
    at = at.min(t.len());
    while !t.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl Mutation {
    fn apply(&self, t: &str) -> String {
        let at = |f: f64| floor(t, (f * t.len() as f64) as usize);
        let lines: Vec<&str> = t.split_inclusive('\n').collect();
        let line = |f: f64| ((f * lines.len() as f64) as usize).min(lines.len().saturating_sub(1));
        match self {
            Mutation::Delete(f, n) => {
                let a = at(*f);
                let b = floor(t, a + n);
                format!("{}{}", &t[..a], &t[b..])
            }
            Mutation::Insert(f, s) => {
                let a = at(*f);
                format!("{}{s}{}", &t[..a], &t[a..])
            }
            Mutation::DuplicateLine(f) if !lines.is_empty() => {
                let i = line(*f);
                let mut v = lines.clone();
                v.insert(i, lines[i]);
                v.concat()
            }
            Mutation::DeleteLine(f) if !lines.is_empty() => {
                let i = line(*f);
                let mut v = lines.clone();
                v.remove(i);
                v.concat()
            }
            Mutation::Indent(f, more) if !lines.is_empty() => {
                let i = line(*f);
                let mut v: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                if *more {
                    v[i] = format!("  {}", v[i]);
                } else {
                    v[i] = v[i].strip_prefix("  ").unwrap_or(&v[i]).to_string();
                }
                v.concat()
            }
            _ => t.to_string(),
        }
    }
}

/// Findings of the property runs, kept as regression tests: each input once failed.
#[test]
fn regressions() {
    for (files, all) in regression_cases() {
        let owned: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        if let Err(e) = check(&owned, all) {
            panic!("{e}");
        }
    }
}

fn regression_cases() -> Vec<(Vec<(&'static str, &'static str)>, bool)> {
    vec![(
        vec![(
            // TKN010 inserted a task's `timeout:` and the run's `timeouts:` at the same place,
            // the run's first: the task's landed in the run's mapping.
            "r.yaml",
            "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: nightly\nspec:\n  timeouts:\n  pipeline: 3h\n  pipelineSpec:\n    tasks:\n      - name: preflight\n        taskSpec: {steps: [{name: main, image: alpine, script: \"true\"}]}\n      - name: fetch\n        taskSpec: {steps: [{name: main, image: alpine, script: \"true\"}]}\n      - name: build\n        timeout: 2h\n        taskSpec: {steps: [{name: main, image: alpine, script: make}]}\n      - name: test\n        taskSpec: {steps: [{name: main, image: alpine, script: make test}]}\n      - name: scan\n        taskSpec: {steps: [{name: main, image: alpine, script: \"true\"}]}\n      - name: publish\n        taskSpec: {steps: [{name: main, image: alpine, script: \"true\"}]}\n      - name: report-bucket\n        taskSpec: {steps: [{name: main, image: alpine, script: \"true\"}]}\n",
        )],
        true,
    ),
    (
        // CUT005 deleted the earlier of two keys, whose value defined the anchor the later
        // one uses.
        vec![(
            "tt.yaml",
            "apiVersion: triggers.tekton.dev/v1beta1\nkind: TriggerTemplate\nmetadata:\n  name: nightly\nspec:\n  resourcetemplates:\n    - apiVersion: tekton.dev/v1\n      kind: PipelineRun\n      metadata:\n        generateName: nightly-\n      spec:\n        pipelineSpec:\n          tasks:\n            - name: build\n              taskRef:\n                name: build\n              timeout: &t \"$(tt.params.t)\"\n              taskRef:\n                name: test\n              timeout: *t\n",
        )],
        true,
    ),
    (
        // A budget written into an empty `tasks:` needs a space after the colon.
        vec![
            (
                "pipeline.yaml",
                "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: build\nspec:\n  tasks:\n    - name: a\n      timeout: 1h30m\n      taskRef:\n        name: a\n",
            ),
            (
                "run.yaml",
                "apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata:\n  name: build\nspec:\n  pipelineRef:\n    name: build\n  timeouts:\n    pipeline: !!str 1h\n    tasks: \n",
            ),
        ],
        true,
    ),
    (
        // JOB012 indented `restartPolicy:` after a tag written before the first key.
        vec![(
            "job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: quick-job\nspec:\n  activeDeadlineSeconds: 0\n  template:\n    spec:\n      !!str containers:\n        - name: main\n          image: busybox:1.36\n",
        )],
        true,
    )]
}
