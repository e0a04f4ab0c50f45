//! Applying fixes: pick non-overlapping fixes, apply their edits, re-parse and re-lint
//! (with the lint step the caller hands in) until nothing changes (bounded), edit only
//! files the user asked about, never touch a file with a YAML error, and refuse any
//! result that no longer parses. Writing to disk is atomic (temp file + rename) and keeps
//! the file's permissions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::project::Project;
use crate::source::SourceFile;

/// How many lint → fix rounds at most.
pub const MAX_ROUNDS: usize = 10;

/// Applies sorted, non-overlapping edits to one text.
pub fn apply_edits(text: &str, edits: &[&Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for e in sorted {
        if e.start < pos
            || e.end > text.len()
            || !text.is_char_boundary(e.start)
            || !text.is_char_boundary(e.end)
        {
            continue;
        }
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.replacement);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.path == b.path && a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

/// Chooses the fixes to apply: allowed by `unsafe_fixes`, only in reported files without
/// YAML errors, no edit overlapping one already chosen. Deterministic (diagnostic order).
pub fn choose<'d>(project: &Project, diags: &'d [Diagnostic], unsafe_fixes: bool) -> Vec<&'d Fix> {
    let mut chosen: Vec<&Fix> = Vec::new();
    let mut taken: Vec<&Edit> = Vec::new();
    for d in diags {
        let Some(fix) = &d.fix else { continue };
        if fix.applicability == Applicability::Unsafe && !unsafe_fixes {
            continue;
        }
        if fix.edits.is_empty() {
            continue;
        }
        let files_ok = fix.edits.iter().all(|e| {
            project
                .file(&e.path)
                .is_some_and(|f| f.report && f.skip.is_none() && !f.has_syntax_error())
        });
        if !files_ok {
            continue;
        }
        if fix
            .edits
            .iter()
            .any(|e| taken.iter().any(|t| overlaps(e, t)))
        {
            continue;
        }
        // A fix's own edits must not overlap each other either.
        let own_ok = fix
            .edits
            .iter()
            .enumerate()
            .all(|(i, a)| fix.edits.iter().skip(i + 1).all(|b| !overlaps(a, b)));
        if !own_ok {
            continue;
        }
        taken.extend(fix.edits.iter());
        chosen.push(fix);
    }
    chosen
}

/// The result of fixing in memory.
pub struct Fixed {
    /// The final project (re-parsed), with the fixed texts.
    pub project: Project,
    /// What is still reported after fixing.
    pub diagnostics: Vec<Diagnostic>,
    /// Fixes applied, over all rounds.
    pub applied: usize,
    /// Paths whose text changed, with their original text.
    pub changed: BTreeMap<Arc<str>, String>,
    /// Files whose fixed text no longer parsed: their changes were dropped.
    pub refused: Vec<Arc<str>>,
    /// Every fix applied, in the order applied, for telling the user what changed.
    pub log: Vec<Applied>,
}

/// One fix applied: the finding it fixed, where (line at the time), and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub path: Arc<str>,
    pub line: usize,
    pub code: &'static str,
    pub description: String,
}

fn rebuild(files: Vec<SourceFile>, new_texts: &HashMap<Arc<str>, String>) -> Vec<SourceFile> {
    files
        .into_iter()
        .map(|f| match new_texts.get(&f.path) {
            Some(t) => SourceFile::new(f.path.clone(), f.fs_path.clone(), t.clone(), f.report),
            None => f,
        })
        .collect()
}

/// Lints (with `lint`), fixes, re-lints until stable, all in memory.
pub fn fix_project(
    files: Vec<SourceFile>,
    unsafe_fixes: bool,
    lint: &dyn Fn(&Project) -> Vec<Diagnostic>,
) -> Fixed {
    let mut project = Project::new(files);
    let mut originals: BTreeMap<Arc<str>, String> = BTreeMap::new();
    let mut applied = 0;
    let mut log: Vec<Applied> = Vec::new();
    let mut refused: HashSet<Arc<str>> = HashSet::new();
    let mut diags = lint(&project);
    for _ in 0..MAX_ROUNDS {
        let fixes = choose(&project, &diags, unsafe_fixes);
        let fixes: Vec<&Fix> = fixes
            .into_iter()
            .filter(|f| f.edits.iter().all(|e| !refused.contains(&e.path)))
            .collect();
        if fixes.is_empty() {
            break;
        }
        let mut by_file: HashMap<Arc<str>, Vec<&Edit>> = HashMap::new();
        for f in &fixes {
            for e in &f.edits {
                by_file.entry(e.path.clone()).or_default().push(e);
            }
        }
        let mut new_texts: HashMap<Arc<str>, String> = HashMap::new();
        for (path, edits) in &by_file {
            let Some(file) = project.file(path) else {
                continue;
            };
            let new = apply_edits(&file.text, edits);
            if *new != *file.text {
                new_texts.insert(path.clone(), new);
            }
        }
        if new_texts.is_empty() {
            break;
        }
        // Never keep a text that no longer parses.
        let mut broken = Vec::new();
        for (path, text) in &new_texts {
            let reparsed = crate::yaml::parse(text);
            if reparsed.documents.iter().any(|d| d.error.is_some()) {
                broken.push(path.clone());
            }
        }
        for b in broken {
            new_texts.remove(&b);
            refused.insert(b);
        }
        if new_texts.is_empty() {
            break;
        }
        for f in fixes
            .iter()
            .filter(|f| f.edits.iter().all(|e| new_texts.contains_key(&e.path)))
        {
            applied += 1;
            if let Some(d) = diags
                .iter()
                .find(|d| d.fix.as_ref().is_some_and(|x| std::ptr::eq(x, *f)))
            {
                let line = project
                    .file(&d.path)
                    .map(|file| file.line_col(d.span.start).0)
                    .unwrap_or(1);
                log.push(Applied {
                    path: d.path.clone(),
                    line,
                    code: d.code,
                    description: f.description.clone(),
                });
            }
        }
        for path in new_texts.keys() {
            if let Some(f) = project.file(path) {
                originals
                    .entry(path.clone())
                    .or_insert_with(|| f.text.to_string());
            }
        }
        let files = std::mem::take(&mut project.sources.files);
        project = Project::new(rebuild(files, &new_texts));
        diags = lint(&project);
    }
    // Drop files that came back to their original text.
    originals.retain(|p, orig| project.file(p).is_some_and(|f| *f.text != **orig));
    let mut refused: Vec<Arc<str>> = refused.into_iter().collect();
    refused.sort();
    Fixed {
        project,
        diagnostics: diags,
        applied,
        changed: originals,
        refused,
        log,
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, the
/// original permissions, then a rename over the original.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let perms = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut tmp = tempfile::Builder::new()
        .prefix(".cutoff-")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Some(p) = perms {
        std::fs::set_permissions(tmp.path(), p)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A unified diff of one file's change.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_edits_from_the_end() {
        let p: Arc<str> = "f".into();
        let a = Edit::replace(&p, crate::yaml::Span::new(0, 1), "xx");
        let b = Edit::insert(&p, 3, "!");
        assert_eq!(apply_edits("abcdef", &[&b, &a]), "xxbc!def");
    }
}
