//! Policies and orchestrator pipelines through the binary: configuration errors, what the
//! README shows (run as written), `cutoff timeouts` with caps, findings placed once when
//! only some files are linted.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{root, text, tree};

fn cutoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutoff"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const RUNS: &str = "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: release
spec:
  timeouts:
    pipeline: 5h
  pipelineRef:
    name: release
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: soak
spec:
  timeouts:
    pipeline: \"0\"
  pipelineRef:
    name: soak
";

const RESEARCH: &str = "name: research
config:
  default_timeout: 60      # documented by the framework, never read by its executor
steps:
  - id: search
    action: web-search
    timeout: 1200
    max_retries: 5
  - id: summarize
    action: summarize
    dependencies: [search]
";

/// The fenced blocks of `lang` in the README section `heading`, in order.
fn readme_blocks(heading: &str, lang: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = doc
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README.md has no {heading:?}"));
    let rest = &doc[start + heading.len() + 2..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in section.lines() {
        match (&mut cur, line) {
            (None, l) if l == format!("```{lang}") => cur = Some(String::new()),
            (Some(b), "```") => {
                out.push(std::mem::take(b));
                cur = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// The README's policy, with the manifests its examples were printed from.
fn readme_tree() -> tempfile::TempDir {
    let policy = readme_blocks("## Policies", "yaml").remove(0);
    tree(&[
        (".cutoff.yaml", policy.as_str()),
        ("tekton/runs.yaml", RUNS),
        ("agents/research.yaml", RESEARCH),
    ])
}

#[test]
fn readme_policy_examples_are_what_cutoff_prints() {
    let dir = readme_tree();
    let lint = text(&cutoff(dir.path(), &["lint", "--format", "concise", "."]).stdout);
    let timeouts = text(&cutoff(dir.path(), &["timeouts", "tekton/runs.yaml"]).stdout);
    let blocks = readme_blocks("## Policies", "text");
    assert_eq!(blocks.len(), 2);
    for line in blocks[0].lines() {
        assert!(
            lint.contains(line),
            "lint does not print\n{line}\nit prints\n{lint}"
        );
    }
    for line in blocks[1].lines() {
        assert!(
            timeouts.contains(line),
            "timeouts does not print\n{line}\nit prints\n{timeouts}"
        );
    }
    let pipeline = text(&cutoff(dir.path(), &["timeouts", "agents/research.yaml"]).stdout);
    let shown = readme_blocks("## Orchestrator pipelines", "text").remove(0);
    assert_eq!(pipeline, shown);
}

#[test]
fn policy_errors_name_the_line_and_exit_2() {
    for (config, at, what) in [
        (
            "policy:\n  max: 6h\n  kinds:\n    PipelineRun: {max: 8h}\n",
            ".cutoff.yaml:4:24",
            "above the global cap",
        ),
        (
            "policy:\n  max: 6 hours\n",
            ".cutoff.yaml:2:8",
            "unknown unit",
        ),
        ("policy:\n  maxx: 6h\n", ".cutoff.yaml:2:3", "maxx"),
        (
            "policy:\n  kinds:\n    Jobs: {max: 1h}\n",
            ".cutoff.yaml:3:5",
            "unknown kind",
        ),
    ] {
        let dir = tree(&[(".cutoff.yaml", config), ("runs.yaml", RUNS)]);
        for cmd in [&["lint", "."][..], &["timeouts", "."][..]] {
            let o = cutoff(dir.path(), cmd);
            assert_eq!(o.status.code(), Some(2), "{cmd:?} {config}");
            let err = text(&o.stderr);
            assert!(err.contains(at) && err.contains(what), "{err}");
        }
    }
}

#[test]
fn policy_rules_are_silent_without_a_policy() {
    let dir = tree(&[("tekton/runs.yaml", RUNS)]);
    let o = cutoff(dir.path(), &["lint", "--format", "concise", "."]);
    let out = text(&o.stdout);
    assert!(!out.contains("POL0"), "{out}");
    let o = cutoff(dir.path(), &["timeouts", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["effective"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e.get("policy").is_none()));
    let t = text(&cutoff(dir.path(), &["timeouts", "."]).stdout);
    assert!(!t.contains("cap:"), "{t}");
}

#[test]
fn timeouts_json_carries_the_policy_of_every_value() {
    let dir = readme_tree();
    let o = cutoff(dir.path(), &["timeouts", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let effective = v["effective"].as_array().unwrap();
    let release = effective.iter().find(|e| e["name"] == "release").unwrap();
    assert_eq!(release["policy"]["cap"]["value"], "4h0m0s");
    assert_eq!(
        release["policy"]["cap"]["set_by"],
        "policy.kinds.PipelineRun.max"
    );
    assert_eq!(release["policy"]["cap"]["line"], 8);
    let step = effective
        .iter()
        .find(|e| e["subject"] == "step" && e["task"] == "search")
        .unwrap();
    assert_eq!(step["value"], "20m0s");
    assert_eq!(step["attempts"], 5);
    assert_eq!(step["origin"], "step `timeout`");
    assert_eq!(
        step["policy"]["cap"]["set_by"],
        "policy.kinds.OrchestratorPipeline.max"
    );
    let p = &v["pipelines"][0];
    assert_eq!(
        p["chain"]["tasks"],
        serde_json::json!(["search", "summarize"])
    );
    assert_eq!(p["steps"][1]["level"], "none");
    assert_eq!(p["config_default_timeout"]["value"], "60");
    assert!(p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "ORC004"));
}

/// A task's finding sits in the Pipeline, whichever files are linted: linting only the
/// Pipeline shows it (the run is read for context); linting only the run does not.
#[test]
fn findings_sit_at_the_value_when_only_some_files_are_linted() {
    let dir = tree(&[
        (".cutoff.yaml", "policy:\n  max: 6h\n"),
        (
            "run.yaml",
            "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: soak\nspec:\n  timeouts:\n    pipeline: \"0\"\n  pipelineRef:\n    name: soak-test\n",
        ),
        (
            "pipeline.yaml",
            "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: soak-test\nspec:\n  tasks:\n    - name: soak\n      timeout: 7h\n      taskRef:\n        name: soak\n",
        ),
    ]);
    let pol = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["lint", "--format", "concise", "--root", "."];
        a.extend_from_slice(args);
        text(&cutoff(dir.path(), &a).stdout)
            .lines()
            .filter(|l| l.contains("[POL001]"))
            .map(str::to_string)
            .collect()
    };
    let only_pipeline = pol(&["pipeline.yaml"]);
    assert_eq!(only_pipeline.len(), 1, "{only_pipeline:?}");
    assert!(
        only_pipeline[0].starts_with("pipeline.yaml:8:16:"),
        "{only_pipeline:?}"
    );
    assert!(only_pipeline[0].contains("task `soak` of PipelineRun `soak` has a timeout of 7h0m0s"));
    assert!(pol(&["run.yaml"]).is_empty());
    assert_eq!(pol(&["."]), only_pipeline);
}
