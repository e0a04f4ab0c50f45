//! `cutoff timeouts --format mermaid`: snapshots of the Markdown and Mermaid text, one
//! `gantt` chart per run. (`tests/mermaid/check.mjs`, run by `.ci/run`, also parses these
//! charts with Mermaid itself and checks its layout against the `crit` marks.)

use std::path::PathBuf;
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `cutoff timeouts --format mermaid` on `rel` (under `fixtures/`, resolved within itself).
fn mermaid(rel: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .current_dir(fixtures())
        .args([
            "timeouts",
            "--no-config",
            "--root",
            rel,
            "--format",
            "mermaid",
            rel,
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The chart shown in README.md.
#[test]
fn demo_repository() {
    let out = mermaid("demo-gitops");
    assert_eq!(out.matches("```mermaid\ngantt\n").count(), 4, "{out}");
    insta::assert_snapshot!("demo_mermaid", out);
}

#[test]
fn past_the_budget_is_crit_and_finally_starts_when_the_tasks_budget_ends() {
    let out = mermaid("TKN010/bad-tasks-budget.yaml");
    assert!(
        out.contains("build 1h30m0s (explicit) :crit, t0, 00:00, 90m"),
        "{out}"
    );
    assert!(
        out.contains("notify 1h0m0s (cluster default) :crit, f0, after tasks_budget, 1h"),
        "{out}"
    );
    assert!(
        out.contains("tasks budget ends :milestone, tasks_budget_end, after tasks_budget, 0m"),
        "{out}"
    );
    insta::assert_snapshot!("tasks_budget_mermaid", out);
}

#[test]
fn chain_past_the_budget() {
    let out = mermaid("TKN011/bad-result-chain.yaml");
    assert!(
        out.contains(":active, t0, 00:00, 90m") && out.contains(":crit, t1, after t0, 1h"),
        "{out}"
    );
    insta::assert_snapshot!("chain_mermaid", out);
}

#[test]
fn unbounded_and_unknown_timeouts() {
    let mut out = mermaid("TKN011/good-unbounded-task.yaml");
    out.push_str(&mermaid("TKN011/good-templated-task.yaml"));
    assert!(
        out.contains("build no timeout (explicit) :crit, t0, 00:00, 2h"),
        "{out}"
    );
    insta::assert_snapshot!("unbounded_mermaid", out);
}

#[test]
fn nothing_to_draw() {
    assert_eq!(
        mermaid("TKN005/good-taskrun-timeout.yaml"),
        "No PipelineRun or Pipeline found.\n"
    );
}

/// README.md shows the chart of `shop-release` from fixtures/demo-gitops as it is drawn.
#[test]
fn readme_shows_a_demo_chart_as_it_is() {
    let o = Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .current_dir(fixtures().join("demo-gitops"))
        .args([
            "timeouts",
            "--format",
            "mermaid",
            "tekton/runs/nightly.yaml",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    let chart = out
        .split("#### PipelineRun `shop-release`")
        .nth(1)
        .and_then(|c| c.split_once("\n\n"))
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("{out}"));
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    assert!(
        readme.contains(chart),
        "README.md does not show this chart:\n{chart}"
    );
}
