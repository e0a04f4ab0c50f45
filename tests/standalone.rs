//! Files that stand alone are checked as they are read and keep no tree
//! (`cutoff_core::lint::standalone`): the findings, and where the reports place them, must
//! be exactly those of checking every file together. Checked over every fixture as one
//! repository (many files share kinds and names, Kustomize patches and bases included),
//! each rule's fixtures on their own, and, with `CUTOFF_CORPUS` set, each repository of the
//! corpus.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cutoff_core::config::Config;
use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::lint::standalone::{self, Now, Options};
use cutoff_core::lint::{self, Input};
use cutoff_core::model::Model;
use cutoff_core::project::Project;

fn all_rules() -> Config {
    Config {
        select: Some(vec!["ALL".into()]),
        ..Config::default()
    }
}

/// Every YAML file under `root`, shown relative to it; every third one only read for
/// context when `context` is set.
fn inputs(root: &Path, context: bool) -> Vec<Input> {
    let (files, errors) = cutoff_core::walk::collect(&[root.to_path_buf()], root, &|_| false);
    assert!(errors.is_empty(), "{errors:?}");
    files
        .into_iter()
        .enumerate()
        .map(|(i, f)| Input {
            path: Arc::from(cutoff_core::walk::display_path(&f, root)),
            fs_path: f,
            report: !(context && i % 3 == 2),
        })
        .collect()
}

/// What the reports show of each finding: the finding, and the line and column of its
/// start, its labels' and its edits'.
fn shown(project: &Project, diags: &[Diagnostic]) -> Vec<String> {
    let at = |path: &str, offset: usize| {
        let f = project
            .file(path)
            .expect("a finding's file is in the project");
        let (l, c) = f.line_col(offset);
        format!("{path}:{l}:{c}")
    };
    diags
        .iter()
        .map(|d| {
            let mut s = format!("{} {} {}", at(&d.path, d.span.start), d.code, d.message);
            for l in &d.labels {
                s += &format!(" [{} {}]", at(&l.path, l.span.start), l.message);
            }
            for e in d.fix.iter().flat_map(|f| &f.edits) {
                s += &format!(" <{} {:?}>", at(&e.path, e.start), e.replacement);
            }
            s
        })
        .collect()
}

/// The findings of `inputs` checked all together, and checked with the files that stand
/// alone checked as they are read (and which those were).
fn both_ways(
    inputs: &[Input],
    config: &Config,
    keep_text: bool,
) -> (Vec<String>, Vec<String>, Vec<bool>) {
    let max = lint::DEFAULT_MAX_FILE_SIZE;
    let (files, errors) = lint::load(inputs, max);
    assert!(errors.is_empty(), "{errors:?}");
    let project = Project::new(files);
    let together = lint::check(&project, config);
    let together = shown(&project, &together);

    let read = |i: usize, _: ()| lint::read_input(&inputs[i], max).map(|f| (f, ()));
    let options = Options {
        config,
        keep_text,
        tokens: true,
    };
    let states = vec![(); inputs.len()];
    let loaded = standalone::load(inputs, states, &read, max, &options, true, &|_| Now::Check);
    assert!(loaded.io_errors.is_empty());
    let model = Model::with_kustomizations(&loaded.project, config, loaded.kustomize.clone());
    let alone = &loaded.alone;
    let mut diags = lint::check_model_where(&model, &|i| !alone[i]);
    diags.extend(
        loaded
            .checked
            .iter()
            .flatten()
            .flat_map(|(d, _)| d.iter().cloned()),
    );
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let apart = shown(&loaded.project, &diags);
    (together, apart, loaded.alone.clone())
}

/// Equal, or a panic that shows only what differs.
fn assert_same(together: &[String], apart: &[String], what: &str) {
    if together == apart {
        return;
    }
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|x| !b.contains(x)).cloned().collect()
    };
    panic!(
        "{what}: checked together only: {:#?}\nchecked apart only: {:#?}",
        only(together, apart),
        only(apart, together)
    );
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[test]
fn every_fixture_as_one_repository() {
    for context in [false, true] {
        for keep_text in [false, true] {
            let inputs = inputs(&fixtures(), context);
            let (together, apart, alone) = both_ways(&inputs, &all_rules(), keep_text);
            assert!(!together.is_empty());
            assert_same(
                &together,
                &apart,
                &format!("context {context}, keep_text {keep_text}"),
            );
            // Some stand alone, and some do not.
            let n = alone.iter().filter(|a| **a).count();
            assert!(n > 20 && n < alone.len() / 2, "{n} of {}", alone.len());
        }
    }
}

#[test]
fn each_rules_fixtures_on_their_own() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let inputs = inputs(&dir, false);
        let (together, apart, _) = both_ways(&inputs, &all_rules(), false);
        assert_same(&together, &apart, &dir.display().to_string());
    }
}

/// A whole Job that a Kustomize patch elsewhere completes is read by the patch's model:
/// it does not stand alone, though nothing in it says so.
#[test]
fn a_patched_base_is_checked_with_its_patch() {
    let root = fixtures().join("JOB002/bad-patch-over-base");
    let inputs = inputs(&root, false);
    let (together, apart, alone) = both_ways(&inputs, &all_rules(), false);
    assert_same(&together, &apart, "");
    let base = inputs
        .iter()
        .position(|i| &*i.path == "base/job.yaml")
        .unwrap();
    assert!(!alone[base], "the base was checked alone");
    assert!(
        together.iter().any(|d| d.contains("JOB002")),
        "{together:#?}"
    );
}

/// Under a policy every workload is judged together: nothing stands alone (over every
/// fixture, where many files stand alone without one).
#[test]
fn nothing_stands_alone_under_a_policy() {
    let root = fixtures();
    let mut config =
        Config::load(&root.join("POL001/.cutoff.yaml"), "POL001/.cutoff.yaml").unwrap();
    config.select = Some(vec!["ALL".into()]);
    assert!(!config.policy.is_empty());
    let inputs = inputs(&root, false);
    let (together, apart, alone) = both_ways(&inputs, &config, false);
    assert_same(&together, &apart, "under a policy");
    assert!(alone.iter().all(|a| !a));
}

#[test]
fn corpus_repositories() {
    let Some(dir) = std::env::var_os("CUTOFF_CORPUS") else {
        eprintln!("skipped: set CUTOFF_CORPUS to a folder of repositories");
        return;
    };
    let mut repos: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let mut alone = 0;
    for repo in repos {
        let inputs = inputs(&repo, false);
        let (together, apart, a) = both_ways(&inputs, &all_rules(), false);
        assert_same(&together, &apart, &repo.display().to_string());
        alone += a.iter().filter(|a| **a).count();
    }
    eprintln!("{alone} files of the corpus stood alone");
}

// ---------------------------------------------------------------------------------------
// Generated repositories of workloads that share kinds and names: whole, partial and
// loose objects, Kustomize overlays, a Tekton file now and then.

use proptest::prelude::*;

fn job_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("a"), Just("b"), Just("c")]
}

fn pod(indent: usize, image: bool, grace: Option<u32>) -> String {
    let p = " ".repeat(indent);
    let mut s = format!("{p}template:\n{p}  spec:\n{p}    restartPolicy: Never\n");
    if let Some(g) = grace {
        s += &format!("{p}    terminationGracePeriodSeconds: {g}\n");
    }
    s += &format!("{p}    containers:\n{p}      - name: main\n");
    if image {
        s += &format!("{p}        image: busybox:1.36\n");
    }
    s
}

fn workload() -> impl Strategy<Value = String> {
    let deadline = proptest::option::of(prop_oneof![Just(0u32), Just(60), Just(600), Just(7200)]);
    let promise = proptest::option::of(prop_oneof![Just(300u32), Just(1200)]);
    let grace = proptest::option::of(prop_oneof![Just(30u32), Just(600)]);
    (0..7u8, job_name(), deadline, promise, grace).prop_map(|(shape, n, d, p, g)| {
        let mut meta = format!("metadata:\n  name: {n}\n");
        if let Some(p) = p {
            meta += &format!("  annotations:\n    example.com/timeout-seconds: \"{p}\"\n");
        }
        let dl = |indent: &str| d.map(|d| format!("{indent}activeDeadlineSeconds: {d}\n")).unwrap_or_default();
        match shape {
            // A whole Job, a partial one (no pod), a loose one (no image).
            0 => format!("apiVersion: batch/v1\nkind: Job\n{meta}spec:\n{}{}", dl("  "), pod(2, true, g)),
            1 => format!("apiVersion: batch/v1\nkind: Job\n{meta}spec:\n{}", dl("  ")).replace("spec:\n\n", "spec: {}\n"),
            2 => format!("apiVersion: batch/v1\nkind: Job\n{meta}spec:\n{}{}", dl("  "), pod(2, false, g)),
            // A whole CronJob and one without a schedule.
            3 => format!("apiVersion: batch/v1\nkind: CronJob\n{meta}spec:\n  schedule: \"*/15 * * * *\"\n  jobTemplate:\n    spec:\n{}{}", dl("      "), pod(6, true, g)),
            4 => format!("apiVersion: batch/v1\nkind: CronJob\n{meta}spec:\n  jobTemplate:\n    spec:\n{}{}", dl("      "), pod(6, true, g)),
            // A Deployment, and a Tekton Task (a file that never stands alone).
            5 => format!("apiVersion: apps/v1\nkind: Deployment\n{meta}spec:\n  {}", pod(2, true, g).trim_start()),
            _ => format!("apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: {n}\nspec:\n  steps:\n    - name: s\n      image: busybox\n"),
        }
    })
}

/// Files in `base/`, `prod/` and `jobs/`, and perhaps a kustomization in `prod/` that
/// takes `base/` and patches with some of its own files.
fn workloads_repository() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        proptest::collection::vec(proptest::collection::vec(workload(), 1..3), 1..7),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(files, overlay, namespace)| {
            let dirs = ["base", "prod", "jobs"];
            let mut out: Vec<(String, String)> = files
                .into_iter()
                .enumerate()
                .map(|(i, docs)| (format!("{}/f{i}.yaml", dirs[i % 3]), docs.join("---\n")))
                .collect();
            if overlay {
                let patches: String = out
                    .iter()
                    .filter(|(p, _)| p.starts_with("prod/"))
                    .map(|(p, _)| format!("  - path: {}\n", &p["prod/".len()..]))
                    .collect();
                let mut k = "resources:\n  - ../base\n".to_string();
                if !patches.is_empty() {
                    k += &format!("patches:\n{patches}");
                }
                if namespace {
                    k += "namespace: prod\n";
                }
                out.push(("prod/kustomization.yaml".into(), k));
                out.push(("base/kustomization.yaml".into(), "resources: []\n".into()));
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        rng_seed: match std::env::var("PROPTEST_RNG_SEED") {
            Ok(_) => ProptestConfig::default().rng_seed,
            Err(_) => proptest::test_runner::RngSeed::Fixed(0x5EED_A10E),
        },
        .. ProptestConfig::default()
    })]

    #[test]
    fn generated_workloads(files in workloads_repository(), keep_text in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        for (p, t) in &files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        }
        let inputs = inputs(dir.path(), false);
        let (together, apart, _) = both_ways(&inputs, &all_rules(), keep_text);
        prop_assert_eq!(together, apart, "{:#?}", files);
    }
}
