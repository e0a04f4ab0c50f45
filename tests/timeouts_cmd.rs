//! `cutoff timeouts`: snapshots of the effective-timeout tree (text and JSON).

use std::path::PathBuf;
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `cutoff timeouts` on `rel` (under `fixtures/`, resolved within itself), with no
/// configuration file and the extra arguments given.
fn render(rel: &str, extra: &[&str], json: bool) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cutoff"));
    c.current_dir(fixtures())
        .args(["timeouts", "--no-config", "--root", rel])
        .args(extra);
    if json {
        c.args(["--format", "json"]);
    }
    let o = c.arg(rel).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn incident_text() {
    let text = render("incident", &[], false);
    // The dropped taskRunSpecs timeout is no written timeout: no chain to mark.
    assert!(
        text.contains("[TKN012]") && text.contains("[TKN013]") && !text.contains("◆ longest chain")
    );
    insta::assert_snapshot!("incident_text", text);
}

#[test]
fn incident_json() {
    let text = render("incident", &[], true);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["budgets"]["pipeline"]["value"], "1h0m0s");
    assert_eq!(run["budgets"]["pipeline"]["origin"], "cluster_default");
    let build = &run["tasks"][1];
    assert_eq!(build["name"], "build-image");
    assert_eq!(build["task_run_spec"]["value"], "3h0m0s");
    assert!(build["task_run_spec_dropped"].is_string());
    assert_eq!(build["effective"]["origin"], "cluster_default");
    assert!(run["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "TKN012" && f["node"] == "task:build-image"));
    insta::assert_snapshot!("incident_json", text);
}

#[test]
fn finally_and_computed_budgets() {
    insta::assert_snapshot!(
        "finally_text",
        render("TKN011/bad-tasks-budget-finally.yaml", &[], false)
    );
}

#[test]
fn pass_down_on_1_11() {
    let text = render(
        "TKN011/tekton-1.11/good-passdown-v1.11.yaml",
        &["--tekton-version", "1.11"],
        false,
    );
    assert!(text.contains("passed down"), "{text}");
    insta::assert_snapshot!("passdown_text", text);
}

#[test]
fn default_run_and_taskrun() {
    let mut text = render("TKN013/bad-cross", &[], false);
    text.push_str("\n---\n");
    text.push_str(&render("TKN013/bad-steps-sum.yaml", &[], false));
    assert!(
        text.contains("assuming the run the cluster creates by default"),
        "{text}"
    );
    insta::assert_snapshot!("default_run_text", text);
}
