//! The real-world corpus in `../shared/corpus/` (about 4,800 manifests from 54 public
//! repositories): linting it must never panic, every fix must leave valid YAML, and the
//! findings per rule are printed so a reviewer can judge them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use cutoff_core::config::Config;
use cutoff_core::lint::{self, Input};
use cutoff_core::project::Project;

fn corpus() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    assert!(
        p.is_dir(),
        "the corpus is expected at {} (shared/ beside the repository)",
        p.display()
    );
    p
}

fn inputs() -> Vec<Input> {
    let root = corpus();
    let (files, errors) =
        cutoff_core::walk::collect(std::slice::from_ref(&root), &Config::default(), &root);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(files.len() > 4000, "only {} files found", files.len());
    files
        .into_iter()
        .map(|f| Input {
            path: Arc::from(cutoff_core::walk::display_path(&f, &root)),
            fs_path: f,
            report: true,
        })
        .collect()
}

#[test]
fn corpus_lints_without_panic_and_fixes_stay_valid() {
    let inputs = inputs();
    let (files, io) = lint::load(&inputs, lint::DEFAULT_MAX_FILE_SIZE);
    assert!(io.is_empty(), "{io:?}");
    let config = Config {
        select: Some(vec!["ALL".into()]),
        extend_select: cutoff_core::rules::all()
            .iter()
            .map(|r| r.code.to_string())
            .collect(),
        ..Config::default()
    };
    let project = Project::new(files);
    let diags = lint::check(&project, &config);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &diags {
        *counts.entry(d.code).or_default() += 1;
    }
    println!(
        "corpus: {} files, {} findings (all rules on): {counts:?}",
        project.files.len(),
        diags.len()
    );

    // Apply every fix (unsafe included) in memory: nothing may be refused for breaking YAML.
    let fixed = cutoff_core::fix::fix_project(project.files, &config, true);
    println!(
        "corpus: {} fixes applied in {} files",
        fixed.applied,
        fixed.changed.len()
    );
    assert!(
        fixed.refused.is_empty(),
        "fixes that broke YAML: {:?}",
        fixed.refused
    );
}
