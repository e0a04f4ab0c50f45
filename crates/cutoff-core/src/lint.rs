//! The lint run: load files (in parallel), index them, build the model, run the enabled
//! rules on every object of every reported file (in parallel) through their family's hook,
//! apply suppressions, sort.

pub mod standalone;

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::fix::{self, Fixed};
use crate::manifest::{self, tekton};
use crate::model::Model;
use crate::project::Project;
use crate::rules::kubernetes::KubernetesContext;
use crate::rules::orchestrator::OrchestratorContext;
use crate::rules::tekton::TektonContext;
use crate::rules::{self, engine, new_diagnostic, Check, Context, Rule};
use crate::source::{Skip, SourceFile};
use crate::suppress;
use crate::yaml::Span;

pub const DEFAULT_MAX_FILE_SIZE: u64 = 10_000_000;

/// A file to read.
#[derive(Clone, Debug)]
pub struct Input {
    /// Shown to users.
    pub path: Arc<str>,
    pub fs_path: PathBuf,
    /// Report findings in it (false: read only to resolve references).
    pub report: bool,
}

/// An input that could not be read.
#[derive(Clone, Debug)]
pub struct IoError {
    pub path: Arc<str>,
    pub message: String,
}

/// Reads and parses files in parallel; order is kept.
pub fn load(inputs: &[Input], max_size: u64) -> (Vec<SourceFile>, Vec<IoError>) {
    let results: Vec<Result<SourceFile, IoError>> =
        inputs.par_iter().map(|i| read_input(i, max_size)).collect();
    let mut files = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    (files, errors)
}

/// One input, read ([`read_bounded`]) and parsed, or why it could not be read.
pub fn read_input(input: &Input, max_size: u64) -> Result<SourceFile, IoError> {
    let read = read_bounded(&input.fs_path, max_size).map_err(|e| IoError {
        path: input.path.clone(),
        message: e.to_string(),
    })?;
    Ok(from_read(input, read, true))
}

/// What [`read_bounded`] found.
pub enum Read {
    Bytes(Vec<u8>),
    /// Larger than the limit (the size on disk, or the limit + 1 when it grew while read).
    TooLarge(u64),
}

/// Reads a regular file of at most `max_size` bytes: one open (non-blocking, so that a
/// FIFO never waits for a writer) and one `fstat`. Anything but a regular file (a FIFO, a
/// socket, a device, a directory) is an error that says what it is.
pub fn read_bounded(path: &std::path::Path, max_size: u64) -> std::io::Result<Read> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(not_a_regular_file(&meta)));
    }
    let size = meta.len();
    if size > max_size {
        return Ok(Read::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    // A file that grows while it is read stops at the limit.
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_size {
        return Ok(Read::TooLarge(max_size.saturating_add(1)));
    }
    Ok(Read::Bytes(bytes))
}

/// "not a regular file (a FIFO)", and so on.
pub fn not_a_regular_file(meta: &std::fs::Metadata) -> String {
    let t = meta.file_type();
    let what = if t.is_dir() {
        "a directory"
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                "a FIFO"
            } else if t.is_socket() {
                "a socket"
            } else if t.is_block_device() || t.is_char_device() {
                "a device"
            } else {
                "not a file"
            }
        }
        #[cfg(not(unix))]
        {
            "not a file"
        }
    };
    format!("not a regular file ({what}); not read")
}

/// Builds a source file from bytes (a file or standard input).
pub fn from_bytes(
    path: Arc<str>,
    fs_path: Option<PathBuf>,
    bytes: Vec<u8>,
    report: bool,
) -> SourceFile {
    file_from_bytes(path, fs_path, bytes, report, true)
}

/// The source file of what [`read_bounded`] read for `input`: parsed, or with
/// `parse: false` only its text and line index (its findings come from the cache).
pub fn from_read(input: &Input, read: Read, parse: bool) -> SourceFile {
    let (path, fs_path) = (input.path.clone(), Some(input.fs_path.clone()));
    match read {
        Read::Bytes(b) => file_from_bytes(path, fs_path, b, input.report, parse),
        Read::TooLarge(size) => {
            SourceFile::skipped(path, fs_path, Skip::TooLarge, size, input.report)
        }
    }
}

fn file_from_bytes(
    path: Arc<str>,
    fs_path: Option<PathBuf>,
    bytes: Vec<u8>,
    report: bool,
    parse: bool,
) -> SourceFile {
    let size = bytes.len() as u64;
    match String::from_utf8(bytes) {
        Ok(text) => SourceFile::with_text(path, fs_path, text, report, parse),
        Err(e) => {
            let skip = if manifest::may_be_relevant(e.as_bytes()) {
                Skip::NotUtf8
            } else {
                Skip::Irrelevant
            };
            SourceFile::skipped(path, fs_path, skip, size, report)
        }
    }
}

/// The rules this configuration enables, in code order.
pub fn enabled_rules(config: &Config) -> Vec<&'static Rule> {
    rules::all()
        .iter()
        .copied()
        .filter(|r| config.is_enabled(r.code, r.enabled_by_default))
        .collect()
}

/// Runs every enabled rule on every reported file. Deterministic: sorted by path, then position.
pub fn check(project: &Project, config: &Config) -> Vec<Diagnostic> {
    let model = Model::new(project, config);
    check_model(&model)
}

/// [`check`] over a model already built.
pub fn check_model(model: &Model<'_>) -> Vec<Diagnostic> {
    check_model_where(model, &|_| true)
}

/// [`check_model`] for the reported files at the indexes `select` accepts.
pub fn check_model_where(
    model: &Model<'_>,
    select: &(dyn Fn(usize) -> bool + Sync),
) -> Vec<Diagnostic> {
    let enabled = enabled_rules(model.config);
    let files = &model.project.files;
    model.kubernetes.prepare(
        model,
        (0..files.len()).filter(|&i| files[i].report && select(i)),
    );
    let mut diags: Vec<Diagnostic> = model
        .project
        .files
        .par_iter()
        .enumerate()
        .filter(|(i, f)| f.report && select(*i))
        .flat_map_iter(|(_, f)| check_reported(model, f, &enabled))
        .collect();
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
    diags
}

/// The findings of one reported file, as [`check_model`] reports them (suppressed, with
/// their severity, fixes only in reported files).
fn check_reported(model: &Model<'_>, f: &SourceFile, enabled: &[&'static Rule]) -> Vec<Diagnostic> {
    let (project, config) = (model.project, model.config);
    let report_unused = enabled
        .iter()
        .any(|e| e.code == engine::UNUSED_SUPPRESSION.code);
    let mut out = check_file(model, f, enabled);
    suppress::apply(f, config, &mut out, report_unused);
    out.retain(|d| enabled.iter().any(|r| r.code == d.code));
    for d in &mut out {
        // No message echoes a value whole (a 5 MB scalar stays a few hundred characters).
        d.bound_text();
        d.severity = config.severity_for(d.code, d.severity);
        // A fix may only edit files the user asked about (pre-commit passes only
        // changed files; the rest of the repository is context).
        if d.fix
            .as_ref()
            .is_some_and(|fix| fix.edits.iter().any(|e| !project.is_reported(&e.path)))
        {
            d.fix = None;
        }
        if let Some(fix) = &mut d.fix {
            for e in &mut fix.edits {
                space_after_colon(project, e);
            }
            merge_insertions(&mut fix.edits);
        }
    }
    out
}

/// A value written into an empty one (`key:` holds an empty scalar right after the colon)
/// needs a space after the colon, or `key:1h` is one plain scalar, not an entry.
fn space_after_colon(project: &Project, e: &mut crate::diagnostic::Edit) {
    if e.start != e.end
        || e.replacement.is_empty()
        || e.replacement.starts_with(char::is_whitespace)
    {
        return;
    }
    let after_colon = project
        .file(&e.path)
        .and_then(|f| f.text.get(..e.start))
        .is_some_and(|before| before.ends_with(':'));
    if after_colon {
        e.replacement.insert(0, ' ');
    }
}

/// A fix's edits made applicable in any order: the same edit asked for twice (the same
/// task's default, for two runs) is made once, and insertions at the same place become
/// one, the innermost first: a task's new
/// `timeout:` and its run's new `timeouts:` both go at the end of the run, and the task's
/// must come before the run's, or it lands in the wrong mapping (whoever applies the
/// edits, in whatever order).
fn merge_insertions(edits: &mut Vec<crate::diagnostic::Edit>) {
    // The same edit asked for twice (the same task's default, for two runs) is made once.
    let mut seen = std::collections::HashSet::new();
    edits.retain(|e| seen.insert((e.path.clone(), e.start, e.end, e.replacement.clone())));
    let depth = |r: &str| -> (bool, usize) {
        // Inline text continues the line first; then block entries, deepest first.
        match r.strip_prefix(['\n', '\r']) {
            None => (false, 0),
            Some(rest) => {
                let rest = rest.trim_start_matches('\n');
                (
                    true,
                    usize::MAX - (rest.len() - rest.trim_start_matches(' ').len()),
                )
            }
        }
    };
    let mut i = 0;
    while i < edits.len() {
        let (path, at) = (edits[i].path.clone(), edits[i].start);
        if edits[i].end != at {
            i += 1;
            continue;
        }
        let same: Vec<usize> = (i..edits.len())
            .filter(|&j| edits[j].path == path && edits[j].start == at && edits[j].end == at)
            .collect();
        if same.len() > 1 {
            let mut parts: Vec<(usize, String)> = same
                .iter()
                .map(|&j| (j, std::mem::take(&mut edits[j].replacement)))
                .collect();
            parts.sort_by_key(|(j, r)| (depth(r), *j));
            edits[i].replacement = parts.into_iter().map(|(_, r)| r).collect();
            for &j in same[1..].iter().rev() {
                edits.remove(j);
            }
        }
        i += 1;
    }
}

/// [`check_model`] for the reported files at the indexes `select` accepts: each file's
/// findings (sorted, as [`check_model`] sorts them) and what its check read beyond the
/// file itself ([`crate::deps`]; call within a [`crate::deps::Session`]).
pub fn check_recorded(
    model: &Model<'_>,
    select: &(dyn Fn(usize) -> bool + Sync),
) -> Vec<(usize, Vec<Diagnostic>, crate::deps::Deps)> {
    let enabled = enabled_rules(model.config);
    let files = &model.project.files;
    model.kubernetes.prepare(
        model,
        (0..files.len()).filter(|&i| files[i].report && select(i)),
    );
    model
        .project
        .files
        .par_iter()
        .enumerate()
        .filter(|(i, f)| f.report && select(*i))
        .map(|(i, f)| {
            let (mut diags, d) = crate::deps::record(|| {
                // What every check may read: the cluster default the repository may set
                // (built with the model), and the Kustomize files.
                for k in [
                    "default-timeout-minutes",
                    "kustomization.yaml",
                    "kustomization.yml",
                    "Kustomization",
                ] {
                    crate::deps::key(k);
                }
                check_reported(model, f, &enabled)
            });
            diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            diags.dedup();
            (i, diags, d)
        })
        .collect()
}

fn check_file(model: &Model<'_>, file: &SourceFile, enabled: &[&'static Rule]) -> Vec<Diagnostic> {
    let config = model.config;
    let mut out = Vec::new();
    match file.skip {
        Some(Skip::Irrelevant) => return out,
        Some(Skip::TooLarge) => {
            let limit = config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
            out.push(
                new_diagnostic(
                    &engine::FILE_TOO_LARGE,
                    &file.path,
                    Span::default(),
                    format!("file not linted: {} bytes is over the {limit}-byte limit", file.size),
                )
                .help("raise `max-file-size` in .cutoff.yaml or pass --max-file-size, or exclude the file"),
            );
            return out;
        }
        Some(Skip::NotUtf8) => {
            out.push(
                new_diagnostic(
                    &engine::SYNTAX_ERROR,
                    &file.path,
                    Span::default(),
                    "file is not valid UTF-8",
                )
                .help("Kubernetes and Tekton read manifests as UTF-8; re-encode the file"),
            );
            return out;
        }
        None => {}
    }
    if file.has_syntax_error() {
        if let Some(at) = manifest::template_marker(&file.text) {
            // A template of objects cutoff checks is worth a word; any other template (a
            // Deployment, a ConfigMap) is simply not YAML cutoff reads.
            if manifest::template_holds_objects(&file.text) {
                out.push(
                    new_diagnostic(
                        &engine::TEMPLATE_SKIPPED,
                        &file.path,
                        Span::new(at, at),
                        "file skipped: it is a Helm/Go template, not YAML",
                    )
                    .help("cutoff lints rendered manifests; run it on `helm template` output, or quote the placeholders"),
                );
            }
            return out;
        }
    }
    for doc in &file.stream.documents {
        if let Some(e) = &doc.error {
            out.push(
                new_diagnostic(
                    &engine::SYNTAX_ERROR,
                    &file.path,
                    Span::new(e.offset, e.offset),
                    format!("YAML syntax error: {}", e.message),
                )
                .help("this document was not linted; the other documents of the file were"),
            );
            continue;
        }
        let Some(object) = manifest::identify(doc, &file.path, &file.text) else {
            continue;
        };
        duplicate_keys(file, doc, &mut out);
        let cx = Context {
            model,
            file,
            doc,
            config,
        };
        run_family_rules(&cx, &object, enabled, &mut out);
    }
    out
}

/// CUT005: every repeated key of a mapping in an object cutoff reads, at the later key.
fn duplicate_keys(file: &SourceFile, doc: &crate::yaml::Document, out: &mut Vec<Diagnostic>) {
    for d in doc.duplicate_keys() {
        let key = d.key.as_str().unwrap_or("");
        let (line, _) = file.line_col(d.first_key.span().start);
        // Deleting an entry that defines an anchor would leave its aliases dangling.
        let entry = Span::new(d.first_key.span().start, d.first_value.span().end);
        let defines_anchor = doc
            .node_refs()
            .any(|n| n.anchor().is_some() && entry.contains(n.span()));
        let fix = (!defines_anchor)
            .then(|| {
                crate::edit::delete_entry(
                    &file.path,
                    &file.text,
                    d.mapping,
                    d.first_key,
                    d.first_value,
                )
            })
            .flatten()
            .map(|e| {
                crate::diagnostic::Fix::safe(
                    format!(
                    "delete the earlier `{key}` (line {line}), which lenient clients drop anyway"
                ),
                    vec![e],
                )
            });
        out.push(
            new_diagnostic(
                &engine::DUPLICATE_KEY,
                &file.path,
                d.key.span(),
                format!(
                    "duplicate key `{key}` (also on line {line}): strict clients (`kubectl --validate=strict`, the API server with `fieldValidation=Strict`) reject the object, and lenient ones (the API server's default, kubectl's conversion to JSON, Pipelines-as-Code) keep this last value and drop the earlier one without a word"
                ),
            )
            .label(&file.path, d.first_key.span(), format!("the earlier `{key}`: dropped by lenient clients"))
            .help("merge the two entries into one; cutoff reads the last one, as Kubernetes does")
            .with_fix(fix),
        );
    }
}

/// Calls the rules of the object's family through their family's hook, then the
/// family-neutral rules.
fn run_family_rules(
    cx: &Context<'_>,
    object: &manifest::Object<'_>,
    enabled: &[&'static Rule],
    out: &mut Vec<Diagnostic>,
) {
    for rule in enabled {
        if let Check::Object(check) = rule.check {
            check(cx, object, out);
        }
    }
    match object {
        manifest::Object::Tekton(object) => {
            let run = |object: &tekton::Object<'_>,
                       tt: Option<&tekton::TriggerTemplate<'_>>,
                       out: &mut Vec<Diagnostic>| {
                let tcx = TektonContext::new(cx, object, tt);
                for rule in enabled {
                    if let Check::Tekton(check) = rule.check {
                        check(&tcx, out);
                    }
                }
            };
            run(object, None, out);
            if let tekton::Object::TriggerTemplate(tt) = object {
                let vcx = tekton::Cx::new(cx.src(), true);
                for (inner, _) in tt.embedded(vcx) {
                    run(&inner, Some(tt), out);
                }
            }
        }
        manifest::Object::Kubernetes(object) => {
            let kcx = KubernetesContext::new(cx, object);
            for rule in enabled {
                if let Check::Kubernetes(check) = rule.check {
                    check(&kcx, out);
                }
            }
        }
        manifest::Object::Orchestrator(object) => {
            let ocx = OrchestratorContext::new(cx, object);
            for rule in enabled {
                if let Check::Orchestrator(check) = rule.check {
                    check(&ocx, out);
                }
            }
        }
    }
}

/// Convenience for tests and embedding: lint texts given as (path, text) pairs.
pub fn lint_texts(files: &[(&str, &str)], config: &Config) -> (Project, Vec<Diagnostic>) {
    let sources = files
        .iter()
        .map(|(p, t)| SourceFile::new(Arc::from(*p), None, t.to_string(), true))
        .collect();
    let project = Project::new(sources);
    let diags = check(&project, config);
    (project, diags)
}

/// Lints, fixes and re-lints `files` until stable, in memory, under `config`.
pub fn fix_files(files: Vec<SourceFile>, config: &Config, unsafe_fixes: bool) -> Fixed {
    fix::fix_project(files, unsafe_fixes, &|p: &Project| check(p, config))
}

/// Convenience for tests and embedding: fix texts given as (path, text) pairs.
pub fn fix_texts(files: &[(&str, &str)], config: &Config, unsafe_fixes: bool) -> Fixed {
    let sources = files
        .iter()
        .map(|(p, t)| SourceFile::new(Arc::from(*p), None, t.to_string(), true))
        .collect();
    fix_files(sources, config, unsafe_fixes)
}
