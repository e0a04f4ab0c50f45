//! Adopting cutoff in a large repository: a baseline of known findings, and the
//! changed-files mode (`--changed-since REF`).
//!
//! A baseline entry is matched by path, rule code and a fingerprint of the offending
//! text (the finding's source bytes and message), never by line numbers, so edits
//! elsewhere in a file do not resurrect old findings. Several identical findings in
//! one file are counted: the baseline absorbs as many as it recorded.
//!
//! A cross-file finding is shown in a different file, with a different message, when only
//! some of its files are linted (pre-commit, `--changed-since`): so each entry also records
//! the finding's places (its primary span and its labels, each as a path and a fingerprint
//! of its text), and a finding whose places all lie among an entry's places, with the same
//! rule, is that entry's finding seen from a narrower run (version 2).

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
    /// What the finding is about: `path#fingerprint` of its primary span and of each label
    /// (version 2; empty in version 1 baselines).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
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

/// A place (a span in a file) as the baseline records it: `path#fingerprint of its text`.
fn place_key(
    project: &Project,
    keys: &mut Keys<'_>,
    path: &str,
    span: crate::yaml::Span,
) -> String {
    let text = project
        .file(path)
        .and_then(|f| f.text.get(span.range()))
        .unwrap_or("")
        .trim();
    format!("{}#{:016x}", keys.path_of(path), fnv1a(&[text.as_bytes()]))
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
    fn path_of(&mut self, shown: &str) -> String {
        match self.paths.get(shown) {
            Some(p) => p.clone(),
            None => {
                let p = baseline_path(self.project, shown, self.base.as_deref());
                self.paths.insert(shown.to_string(), p.clone());
                p
            }
        }
    }

    fn key(&mut self, d: &Diagnostic) -> (String, String, String) {
        let path = self.path_of(&d.path);
        (path, d.code.to_string(), fingerprint(self.project, d))
    }

    /// The finding's places: its primary span, then its labels, each once, sorted.
    fn places(&mut self, d: &Diagnostic) -> Vec<String> {
        let project = self.project;
        let mut out = vec![place_key(project, self, &d.path, d.span)];
        for l in &d.labels {
            out.push(place_key(project, self, &l.path, l.span));
        }
        out.sort();
        out.dedup();
        out
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
        let mut counts: BTreeMap<(String, String, String), (usize, Vec<String>)> = BTreeMap::new();
        for d in diags {
            let places = keys.places(d);
            let e = counts.entry(keys.key(d)).or_default();
            e.0 += 1;
            for p in places {
                if !e.1.contains(&p) {
                    e.1.push(p);
                }
            }
        }
        Baseline {
            version: 2,
            findings: counts
                .into_iter()
                .map(|((path, code, fingerprint), (count, mut places))| {
                    places.sort();
                    Entry {
                        path,
                        code,
                        fingerprint,
                        count,
                        places,
                    }
                })
                .collect(),
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let b: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("not a cutoff baseline: {e}"))?;
        if !(1..=2).contains(&b.version) {
            return Err(format!(
                "baseline version {} is not supported (expected 1 or 2)",
                b.version
            ));
        }
        Ok(b)
    }

    /// Drops the findings the baseline records: by key (up to the recorded count per key),
    /// else by places (a finding whose places all lie among a recorded finding's places,
    /// with the same rule: the same finding, seen from a run that linted fewer files).
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
        // Only cross-file findings (places in two files or more) are matched by places:
        // within one file, identical findings are counted.
        let file_of = |p: &str| p.rsplit_once('#').map(|(f, _)| f).unwrap_or(p).to_string();
        let by_places: Vec<(&str, HashSet<&str>)> = self
            .findings
            .iter()
            .filter(|e| {
                e.places
                    .iter()
                    .map(|p| file_of(p))
                    .collect::<HashSet<_>>()
                    .len()
                    > 1
            })
            .map(|e| {
                (
                    e.code.as_str(),
                    e.places.iter().map(String::as_str).collect(),
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
                _ => {
                    let places = keys.places(d);
                    !by_places.iter().any(|(code, recorded)| {
                        *code == d.code && places.iter().all(|p| recorded.contains(p.as_str()))
                    })
                }
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
