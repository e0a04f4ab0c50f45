//! A real-world corpus of manifests (in development: about 4,800 files from 54 public
//! repositories, one folder per repository). It is not part of this repository: set
//! `CUTOFF_CORPUS` to its folder to run these tests (`.ci/run` does); without it they say
//! they are skipped and pass.
//!
//! Each repository is linted on its own, as a user would (`cutoff lint --root .`): linting
//! never panics, every fix leaves valid YAML, and the findings per rule are printed so a
//! reviewer can judge them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cutoff_core::config::Config;
use cutoff_core::lint::{self, Input};
use cutoff_core::project::Project;

/// The corpus folder, or `None` (with a note) when `CUTOFF_CORPUS` is not set.
fn corpus() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("CUTOFF_CORPUS") else {
        eprintln!("skipped: set CUTOFF_CORPUS to a folder of repositories to run the corpus tests");
        return None;
    };
    let p = PathBuf::from(dir);
    assert!(p.is_dir(), "CUTOFF_CORPUS={} is not a folder", p.display());
    Some(p)
}

/// The repositories of the corpus, in name order.
fn repositories(corpus: &Path) -> Vec<PathBuf> {
    let mut repos: Vec<PathBuf> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    repos
}

/// Every lintable file of `repo`, shown relative to it, all reported.
fn inputs(repo: &Path) -> Vec<Input> {
    let (files, errors) = cutoff_core::walk::collect(&[repo.to_path_buf()], repo, &|_| false);
    assert!(errors.is_empty(), "{errors:?}");
    files
        .into_iter()
        .map(|f| Input {
            path: Arc::from(cutoff_core::walk::display_path(&f, repo)),
            fs_path: f,
            report: true,
        })
        .collect()
}

#[test]
fn corpus_lints_without_panic_and_fixes_stay_valid() {
    let Some(corpus) = corpus() else { return };
    let config = Config {
        select: Some(vec!["ALL".into()]),
        extend_select: cutoff_core::rules::all()
            .iter()
            .map(|r| r.code.to_string())
            .collect(),
        ..Config::default()
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut files_total, mut applied, mut changed) = (0, 0, 0);
    let repos = repositories(&corpus);
    assert!(repos.len() > 10, "only {} repositories found", repos.len());
    for repo in &repos {
        let (files, io) = lint::load(&inputs(repo), lint::DEFAULT_MAX_FILE_SIZE);
        assert!(io.is_empty(), "{}: {io:?}", repo.display());
        files_total += files.len();
        let project = Project::new(files);
        for d in lint::check(&project, &config) {
            *counts.entry(d.code).or_default() += 1;
        }
        // Apply every fix (unsafe included) in memory: nothing may be refused for breaking YAML.
        let fixed = lint::fix_files(project.sources.into_files(), &config, true);
        assert!(
            fixed.refused.is_empty(),
            "{}: fixes that broke YAML: {:?}",
            repo.display(),
            fixed.refused
        );
        applied += fixed.applied;
        changed += fixed.changed.len();
    }
    assert!(files_total > 4000, "only {files_total} files found");
    println!(
        "corpus: {} repositories, {files_total} files, findings (all rules on): {counts:?}",
        repos.len()
    );
    println!("corpus: {applied} fixes applied in {changed} files");
}

/// The default configuration over every repository: a fix never makes things worse (after
/// `--fix --unsafe-fixes`, no finding — path and code — that was not there before, and no
/// new error), a second fix changes nothing, and no two findings share one position.
#[test]
fn corpus_fixes_never_make_things_worse() {
    let Some(corpus) = corpus() else { return };
    let config = Config::default();
    let mut problems = Vec::new();
    let (mut findings, mut changed) = (0, 0);
    for repo in repositories(&corpus) {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        let (files, _) = lint::load(&inputs(&repo), lint::DEFAULT_MAX_FILE_SIZE);
        let project = Project::new(files);
        let before = lint::check(&project, &config);
        findings += before.len();
        let mut positions = BTreeSet::new();
        for d in &before {
            let (l, c) = project.file(&d.path).unwrap().line_col(d.span.start);
            if !positions.insert((d.path.to_string(), l, c)) {
                problems.push(format!(
                    "{name}/{}:{l}:{c}: two findings at one position",
                    d.path
                ));
            }
        }
        let keys: BTreeSet<(String, &str)> = before
            .iter()
            .map(|d| (d.path.to_string(), d.code))
            .collect();
        let fixed = lint::fix_files(project.sources.into_files(), &config, true);
        changed += fixed.changed.len();
        for d in &fixed.diagnostics {
            if !keys.contains(&(d.path.to_string(), d.code)) {
                problems.push(format!(
                    "{name}/{}: new {} after fixing: {}",
                    d.path, d.code, d.message
                ));
            }
        }
        let texts: Vec<(String, String)> = fixed
            .project
            .files
            .iter()
            .map(|f| (f.path.to_string(), f.text.to_string()))
            .collect();
        let pairs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let again = lint::fix_texts(&pairs, &config, true);
        if !again.changed.is_empty() {
            problems.push(format!(
                "{name}: a second fix changed {:?}",
                again.changed.keys()
            ));
        }
    }
    println!("corpus (default rules): {findings} findings; fixes changed {changed} files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
