//! `cutoff timeouts`: snapshots of the effective-timeout tree (text and JSON).

use std::path::{Path, PathBuf};

use cutoff::config::Config;
use cutoff::lint::lint_texts;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(rel: &str) -> Vec<(String, String)> {
    let root = fixtures();
    let p = root.join(rel);
    let mut out = Vec::new();
    fn walk(root: &Path, p: &Path, out: &mut Vec<(String, String)>) {
        if p.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for e in entries {
                walk(root, &e, out);
            }
        } else if p.extension().is_some_and(|e| e == "yaml") {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(p).unwrap()));
        }
    }
    walk(&root, &p, &mut out);
    out
}

fn render(rel: &str, config: &Config, json: bool) -> String {
    let files = read(rel);
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (project, diags) = lint_texts(&pairs, config);
    let mut out = Vec::new();
    cutoff::timeouts_cmd::render(&project, config, &diags, json, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn incident_text() {
    let text = render("incident", &Config::default(), false);
    assert!(
        text.contains("[TKN012]") && text.contains("[TKN013]") && text.contains("◆ longest chain")
    );
    insta::assert_snapshot!("incident_text", text);
}

#[test]
fn incident_json() {
    let text = render("incident", &Config::default(), true);
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
        render(
            "TKN011/bad-tasks-budget-finally.yaml",
            &Config::default(),
            false
        )
    );
}

#[test]
fn pass_down_on_1_11() {
    let config = Config::parse("targets: {tekton: \"1.11\"}\n", "c").unwrap();
    let text = render("TKN011/good-passdown-v1.11.yaml", &config, false);
    assert!(text.contains("passed down"), "{text}");
    insta::assert_snapshot!("passdown_text", text);
}

#[test]
fn default_run_and_taskrun() {
    let mut text = render("TKN013/bad-cross", &Config::default(), false);
    text.push_str("\n---\n");
    text.push_str(&render(
        "TKN013/bad-steps-sum.yaml",
        &Config::default(),
        false,
    ));
    assert!(
        text.contains("assuming the run the cluster creates by default"),
        "{text}"
    );
    insta::assert_snapshot!("default_run_text", text);
}
