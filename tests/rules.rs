//! One harness over every rule, keyed by rule code.
//!
//! The fixtures of rule `CODE` live in `fixtures/CODE/`. A case is a YAML file named
//! `bad-*` or `good-*`, or a directory so named holding the files of one cross-file case;
//! other directories only group cases. The nearest `.cutoff.yaml` between a case and
//! `fixtures/CODE/` configures it (as in a repository); the rule under test is always
//! switched on. Files are read from disk as `cutoff lint` reads them (size limit
//! included) and shown relative to `fixtures/`; a file under a `.tekton/` directory is a
//! Pipelines-as-Code file.
//!
//! For every rule: each `bad-*` case triggers it and each `good-*` case does not; the
//! messages are snapshot in `snapshots/rules__CODE_messages.snap`; the case is fixed with
//! `--unsafe-fixes` and the diff snapshot in `rules__CODE_fixes.snap`; a fix never makes
//! things worse (no finding that was not there before, nothing refused for breaking the
//! YAML) and a second fix changes nothing; every fix offered is of a kind the rule's
//! metadata declares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cutoff_core::config::Config;
use cutoff_core::diagnostic::{Diagnostic, FixAvailability};
use cutoff_core::fix::{unified_diff, Fixed};
use cutoff_core::lint::{self, Input};
use cutoff_core::project::Project;
use cutoff_core::rules::{self, Rule};
use cutoff_core::source::SourceFile;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// One case: a `bad-*`/`good-*` file, or a directory of files.
struct Case {
    /// Relative to `fixtures/`, with `/`.
    rel: String,
    /// The YAML files of the case, on disk.
    paths: Vec<PathBuf>,
    config: Config,
}

impl Case {
    fn name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap()
    }

    fn is_bad(&self) -> bool {
        self.name().starts_with("bad-")
    }

    /// The case's files, read as `cutoff lint` reads them.
    fn files(&self) -> Vec<SourceFile> {
        let root = fixtures_dir();
        let inputs: Vec<Input> = self
            .paths
            .iter()
            .map(|p| Input {
                path: Arc::from(rel_of(&root, p)),
                fs_path: p.clone(),
                report: true,
            })
            .collect();
        let max = self
            .config
            .max_file_size
            .unwrap_or(lint::DEFAULT_MAX_FILE_SIZE);
        let (files, errors) = lint::load(&inputs, max);
        assert!(errors.is_empty(), "{}: {errors:?}", self.rel);
        files
    }

    fn lint(&self) -> (Project, Vec<Diagnostic>) {
        let project = Project::new(self.files());
        let diags = lint::check(&project, &self.config);
        (project, diags)
    }

    fn fix(&self) -> Fixed {
        lint::fix_files(self.files(), &self.config, true)
    }
}

fn rel_of(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

fn is_yaml(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "yaml" || x == "yml")
        && p.file_name().is_some_and(|n| n != ".cutoff.yaml")
}

/// The cases under `dir` (see the module comment), in path order.
fn collect_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let case_name = name.starts_with("bad-") || name.starts_with("good-");
        if p.is_dir() {
            if case_name {
                out.push(p);
            } else {
                collect_cases(&p, out);
            }
        } else if case_name && is_yaml(&p) {
            out.push(p);
        }
    }
}

/// Every YAML file under `dir`, recursively, in path order.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if is_yaml(&p) {
            out.push(p);
        }
    }
}

/// The nearest `.cutoff.yaml` from `case`'s directory up to `top`, with `code` switched on.
fn config_for(case: &Path, top: &Path, code: &str) -> Config {
    let mut dir = case.parent().unwrap().to_path_buf();
    let mut config = loop {
        let c = dir.join(".cutoff.yaml");
        if c.is_file() {
            let text = std::fs::read_to_string(&c).unwrap();
            break Config::parse(&text, &rel_of(&fixtures_dir(), &c)).unwrap();
        }
        if dir == top || !dir.pop() {
            break Config::default();
        }
    };
    config.extend_select.push(code.to_string());
    config
}

fn cases(code: &str) -> Vec<Case> {
    let top = fixtures_dir().join(code);
    assert!(top.is_dir(), "{code} has no fixtures/{code}/");
    let mut found = Vec::new();
    collect_cases(&top, &mut found);
    found
        .into_iter()
        .map(|p| {
            let mut paths = Vec::new();
            if p.is_dir() {
                yaml_files(&p, &mut paths);
                assert!(!paths.is_empty(), "{} holds no YAML file", p.display());
            } else {
                paths.push(p.clone());
            }
            Case {
                rel: rel_of(&fixtures_dir(), &p),
                config: config_for(&p, &top, code),
                paths,
            }
        })
        .collect()
}

/// `path:line:col CODE message`, then labels, help and fix, indented.
fn render(project: &Project, diags: &[&Diagnostic]) -> String {
    let pos = |path: &str, off: usize| match project.file(path) {
        Some(f) => {
            let (l, c) = f.line_col(off);
            format!("{path}:{l}:{c}")
        }
        None => path.to_string(),
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

/// (path, code) of every finding: what "a finding that was not there before" compares.
fn keys(diags: &[Diagnostic]) -> BTreeSet<(String, &'static str)> {
    diags.iter().map(|d| (d.path.to_string(), d.code)).collect()
}

fn texts(fixed: &Fixed) -> Vec<(String, String)> {
    fixed
        .project
        .files
        .iter()
        .map(|f| (f.path.to_string(), f.text.to_string()))
        .collect()
}

fn check_rule(rule: &Rule) {
    let code = rule.code;
    let cases = cases(code);
    assert!(
        cases.iter().any(Case::is_bad) && cases.iter().any(|c| !c.is_bad()),
        "{code} needs at least one bad-* and one good-* fixture"
    );
    let mut messages = String::new();
    let mut fixes = String::new();
    let mut offered = false;
    for case in &cases {
        let (project, diags) = case.lint();
        let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
        if !case.is_bad() {
            assert!(
                mine.is_empty(),
                "{}: {code} should stay silent:\n{}",
                case.rel,
                render(&project, &mine)
            );
        } else {
            assert!(
                !mine.is_empty(),
                "{}: {code} should fire; found:\n{}",
                case.rel,
                render(&project, &diags.iter().collect::<Vec<_>>())
            );
            messages.push_str(&format!("## {}\n{}\n", case.rel, render(&project, &mine)));
        }
        for d in &mine {
            if let Some(f) = &d.fix {
                offered = true;
                assert!(
                    rule.fix.allows(f.applicability),
                    "{}: {code} offers a {} fix but declares `{}`",
                    case.rel,
                    f.applicability.as_str(),
                    rule.fix.as_str()
                );
            }
        }

        // Fix with --unsafe-fixes: never worse, and idempotent.
        let fixed = case.fix();
        assert!(
            fixed.refused.is_empty(),
            "{}: a fix broke the YAML of {:?}",
            case.rel,
            fixed.refused
        );
        let before = keys(&diags);
        let new: Vec<&Diagnostic> = fixed
            .diagnostics
            .iter()
            .filter(|d| !before.contains(&(d.path.to_string(), d.code)))
            .collect();
        assert!(
            new.is_empty(),
            "{}: fixing made things worse:\n{}",
            case.rel,
            render(&fixed.project, &new)
        );
        let again = lint::fix_texts(
            &texts(&fixed)
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect::<Vec<_>>(),
            &case.config,
            true,
        );
        assert!(
            again.changed.is_empty(),
            "{}: a second fix changed {:?}",
            case.rel,
            again.changed.keys()
        );
        if mine.iter().any(|d| d.fix.is_some()) {
            fixes.push_str(&format!("## {}\n", case.rel));
            for (path, old) in &fixed.changed {
                let new = &fixed.project.file(path).unwrap().text;
                fixes.push_str(&unified_diff(path, old, new));
            }
            let left: Vec<&Diagnostic> = fixed
                .diagnostics
                .iter()
                .filter(|d| d.code == code)
                .collect();
            fixes.push_str(&format!(
                "-- after fixing, {code} reports:\n{}\n",
                render(&fixed.project, &left)
            ));
        }
    }
    assert_eq!(
        offered,
        rule.fix != FixAvailability::None,
        "{code} declares fixes `{}` but its fixtures {} one",
        rule.fix.as_str(),
        if offered { "offer" } else { "never offer" }
    );
    insta::assert_snapshot!(format!("{code}_messages"), messages);
    if !fixes.is_empty() {
        insta::assert_snapshot!(format!("{code}_fixes"), fixes);
    }
}

/// Every registered rule, through the one harness. One test so that a new rule is covered
/// the moment it is registered; a failure names the rule.
#[test]
fn every_rule_on_its_fixtures() {
    let mut failed: BTreeMap<&str, String> = BTreeMap::new();
    for rule in rules::all() {
        let r = std::panic::catch_unwind(|| check_rule(rule));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.insert(rule.code, msg);
        }
    }
    assert!(
        failed.is_empty(),
        "rules failing on their fixtures: {:?}\n\n{}",
        failed.keys().collect::<Vec<_>>(),
        failed.values().cloned().collect::<Vec<_>>().join("\n\n")
    );
}

/// Every fixture directory belongs to a registered rule (or is a scenario named below).
#[test]
fn every_fixture_directory_names_a_rule() {
    let scenarios = ["demo-gitops", "incident"];
    for e in std::fs::read_dir(fixtures_dir()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            rules::by_code(&name).is_some() || scenarios.contains(&name.as_str()),
            "fixtures/{name} is neither a rule code nor a known scenario"
        );
    }
}
