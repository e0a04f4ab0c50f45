//! Adopting cutoff in a large repository: a baseline of known findings, and the
//! changed-files mode (`--changed-since REF`).
//!
//! A baseline entry is matched by path, rule code and a fingerprint of the offending
//! text (the finding's source bytes and message), never by line numbers, so edits
//! elsewhere in a file do not resurrect old findings. Several identical findings in
//! one file are counted: the baseline absorbs as many as it recorded.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::project::Project;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub code: String,
    pub fingerprint: String,
    /// How many findings share this key.
    pub count: usize,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// FNV-1a, 64 bit: stable across platforms and releases (unlike std's hasher).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The fingerprint of a finding: its offending text, trimmed, and its message.
pub fn fingerprint(project: &Project, d: &Diagnostic) -> String {
    let text = project
        .file(&d.path)
        .and_then(|f| f.text.get(d.span.range()))
        .unwrap_or("")
        .trim();
    format!("{:016x}", fnv1a(&[text.as_bytes(), d.message.as_bytes()]))
}

/// A file's path as the baseline records it: relative to the baseline file's directory, so
/// the same baseline works whatever directory cutoff runs from.
fn baseline_path(project: &Project, shown: &str, base: Option<&Path>) -> String {
    let abs = project
        .file(shown)
        .and_then(|f| f.fs_path.as_ref())
        .and_then(|p| std::fs::canonicalize(p).ok());
    match (abs, base) {
        (Some(abs), Some(base)) => match abs.strip_prefix(base) {
            Ok(rel) => crate::walk::display_path(rel, Path::new("")),
            Err(_) => shown.to_string(),
        },
        _ => shown.to_string(),
    }
}

/// The directory a baseline's paths are relative to.
fn base_dir(baseline_file: &Path) -> Option<PathBuf> {
    let dir = baseline_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(dir).ok()
}

struct Keys<'p> {
    project: &'p Project,
    base: Option<PathBuf>,
    paths: HashMap<String, String>,
}

impl Keys<'_> {
    fn key(&mut self, d: &Diagnostic) -> (String, String, String) {
        let path = match self.paths.get(&*d.path) {
            Some(p) => p.clone(),
            None => {
                let p = baseline_path(self.project, &d.path, self.base.as_deref());
                self.paths.insert(d.path.to_string(), p.clone());
                p
            }
        };
        (path, d.code.to_string(), fingerprint(self.project, d))
    }
}

impl Baseline {
    /// `baseline_file`: where the baseline lives; paths are recorded relative to its directory.
    pub fn from_diagnostics(
        project: &Project,
        diags: &[Diagnostic],
        baseline_file: &Path,
    ) -> Baseline {
        let mut keys = Keys {
            project,
            base: base_dir(baseline_file),
            paths: HashMap::new(),
        };
        let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for d in diags {
            *counts.entry(keys.key(d)).or_default() += 1;
        }
        Baseline {
            version: 1,
            findings: counts
                .into_iter()
                .map(|((path, code, fingerprint), count)| Entry {
                    path,
                    code,
                    fingerprint,
                    count,
                })
                .collect(),
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let b: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("not a cutoff baseline: {e}"))?;
        if b.version != 1 {
            return Err(format!(
                "baseline version {} is not supported (expected 1)",
                b.version
            ));
        }
        Ok(b)
    }

    /// Drops the findings the baseline records (up to the recorded count per key).
    /// `baseline_file`: where this baseline was read from.
    pub fn filter(
        &self,
        project: &Project,
        diags: Vec<Diagnostic>,
        baseline_file: &Path,
    ) -> Vec<Diagnostic> {
        let mut keys = Keys {
            project,
            base: base_dir(baseline_file),
            paths: HashMap::new(),
        };
        let mut budget: HashMap<(String, String, String), usize> = self
            .findings
            .iter()
            .map(|e| {
                (
                    (e.path.clone(), e.code.clone(), e.fingerprint.clone()),
                    e.count,
                )
            })
            .collect();
        diags
            .into_iter()
            .filter(|d| match budget.get_mut(&keys.key(d)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .collect()
    }
}

/// Writes the baseline of `diags` (sorted, stable whatever the file order).
pub fn write(path: &Path, project: &Project, diags: &[Diagnostic]) -> std::io::Result<()> {
    let b = Baseline::from_diagnostics(project, diags, path);
    let mut text = serde_json::to_string_pretty(&b).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(path, text)
}

/// Files changed between `reference` and the working tree, plus untracked files, as
/// canonical paths. Runs git in the directory of `near`.
pub fn changed_since(reference: &str, near: &Path) -> Result<HashSet<PathBuf>, String> {
    let dir = if near.is_dir() {
        near.to_path_buf()
    } else {
        near.parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("--changed-since needs git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    // NUL-separated (-z): git would otherwise C-quote names with non-ASCII bytes or quotes.
    let mut names = git(&[
        "diff",
        "--name-only",
        "-z",
        "--diff-filter=ACMR",
        reference,
        "--",
    ])?;
    // `:/`: the whole work tree, not only the directory git runs in.
    names.push_str(&git(&[
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
        "--full-name",
        "--",
        ":/",
    ])?);
    // Both listings name paths relative to the top of the work tree.
    Ok(names
        .split('\0')
        .filter(|l| !l.is_empty())
        .filter_map(|l| std::fs::canonicalize(top.join(l)).ok())
        .collect())
}
