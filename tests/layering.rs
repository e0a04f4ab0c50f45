//! The shape of the code, checked: the core crate compiles no CLI, async runtime or cluster
//! client; the default `cutoff` build compiles no cluster client (that is the `watch`
//! feature); and no rule reaches into another rule.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The crate names `cargo tree` lists for `args` (normal dependencies only).
fn tree(args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(args)
        .current_dir(root())
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn forbidden<'a>(crates: &'a [String], names: &[&str]) -> Vec<&'a str> {
    let mut hit: Vec<&str> = crates
        .iter()
        .map(String::as_str)
        .filter(|c| names.contains(c))
        .collect();
    hit.sort_unstable();
    hit.dedup();
    hit
}

#[test]
fn the_core_crate_has_no_cli_runtime_or_cluster_client() {
    let crates = tree(&["-p", "cutoff-core"]);
    assert!(crates.iter().any(|c| c == "cutoff-core"));
    let hit = forbidden(&crates, &["clap", "tokio", "kube", "kube-client", "hyper"]);
    assert!(hit.is_empty(), "cutoff-core depends on {hit:?}");
}

#[test]
fn the_default_binary_compiles_no_cluster_client() {
    let crates = tree(&["-p", "cutoff"]);
    let hit = forbidden(&crates, &["tokio", "kube", "kube-client", "cutoff-watch"]);
    assert!(
        hit.is_empty(),
        "the default cutoff build depends on {hit:?}: keep them behind the `watch` feature"
    );
    let with_watch = tree(&["-p", "cutoff", "--features", "watch"]);
    assert!(with_watch.iter().any(|c| c == "cutoff-watch"));
}

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rule_files(&path, out);
        } else if is_rule_module(&path) {
            out.push(path);
        }
    }
}

/// `tkn012_task_under_default.rs`: letters, three digits, an underscore.
fn is_rule_module(path: &Path) -> bool {
    let Some(name) = path.file_stem().and_then(|n| n.to_str()) else {
        return false;
    };
    let letters = name.chars().take_while(char::is_ascii_lowercase).count();
    let rest = &name[letters..];
    letters >= 3
        && rest.len() > 4
        && rest[..3].chars().all(|c| c.is_ascii_digit())
        && rest.as_bytes()[3] == b'_'
}

#[test]
fn no_rule_uses_another_rule() {
    let mut files = Vec::new();
    rule_files(&root().join("crates/cutoff-core/src/rules"), &mut files);
    assert!(files.len() >= 40, "found only {} rule modules", files.len());
    let stems: Vec<String> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    let mut offences = Vec::new();
    for (file, own) in files.iter().zip(&stems) {
        let text = std::fs::read_to_string(file).unwrap();
        for other in stems.iter().filter(|s| *s != own) {
            if text.contains(&format!("{other}::")) || text.contains(&format!("{other};")) {
                offences.push(format!("{} uses {other}", file.display()));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}
