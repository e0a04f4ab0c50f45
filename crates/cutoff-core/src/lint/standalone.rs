//! Files that stand alone, checked as they are read, so that a large repository's parsed
//! trees are never all held at once.
//!
//! A file stands alone when no other file's check reads it and its check reads no other
//! file: it holds no Tekton or orchestrator object and no Tekton cluster configuration
//! (byte markers, [`manifest::read_across_files`]), it is neither a `kustomization.yaml`
//! nor a patch one names, and every workload in it is whole at a document's root. Such a
//! file is checked right after it is parsed, in a small model of its batch of files that
//! shares the repository's kustomizations (read first), and then only its findings are
//! kept, and for a file with findings its text when the reports show source text, else its
//! line index: its tree is dropped.
//!
//! One relation is only known once every file is read: a partial object (a patch, a Job
//! without containers) takes as its base the whole object of its kind and name, which may
//! stand alone. Every file holding an object of the kind and name of a workload in the
//! files kept whole is parsed again and checked with them instead, so the findings are
//! those of checking every file together.
//!
//! Nothing stands alone under a `policy:` (it judges every workload together).

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::deps::Deps;
use crate::diagnostic::Diagnostic;
use crate::manifest::{self, is_kustomization_path, Family};
use crate::model::kustomize::Kustomizations;
use crate::model::Model;
use crate::project::Project;
use crate::source::SourceFile;
use crate::yaml::{LineIndex, Stream};

use super::{check_recorded, Input, IoError};

/// How many files a batch holds: one model per batch.
const BATCH: usize = 64;

/// What [`load`] is asked for.
pub struct Options<'a> {
    pub config: &'a Config,
    /// The reports show source text: a file that stands alone keeps its text when it holds
    /// a finding. Otherwise it keeps only the line index of an ASCII text (all positions
    /// need), its text when that is not ASCII. Without a finding it keeps neither.
    pub keep_text: bool,
    /// Take the names each file that stands alone holds ([`crate::cache::tokens_of`]),
    /// before its tree is dropped.
    pub tokens: bool,
}

/// Which files that stand alone are checked as they are read, by what the reader returned
/// beside them: all of them without a cache; with one, those that changed (the others'
/// findings are the cache's, unless what they depend on changed: then they are parsed
/// again, [`Loaded::parse_again`]).
pub type CheckNow<'a, T> = &'a (dyn Fn(&T) -> Now + Sync);

/// Whether a file that stands alone is checked as it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Now {
    Check,
    /// Not now: its findings come from elsewhere (and, when it has some, its positions
    /// are kept for them).
    Later {
        has_findings: bool,
    },
}

/// The files of a run, read, with those that stand alone already checked.
pub struct Loaded<T> {
    /// Every file read, in the inputs' order: those that stand alone without their tree.
    pub project: Project,
    /// What the reader returned beside each file.
    pub extras: Vec<T>,
    /// For each file, its findings (sorted) and what its check read beyond itself, when it
    /// was checked as it was read.
    pub checked: Vec<Option<(Vec<Diagnostic>, Deps)>>,
    /// For each file that stands alone, its names, when [`Options::tokens`] asked.
    pub tokens: Vec<Option<Vec<u32>>>,
    /// Which files stand alone (without their tree: checked already, or not to be checked;
    /// never checked with the rest).
    pub alone: Vec<bool>,
    pub io_errors: Vec<IoError>,
    /// The repository's kustomizations, which the batches' models read: the model of the
    /// rest reads the same ([`Model::with_kustomizations`]).
    pub kustomize: Arc<Kustomizations>,
}

impl<T> Loaded<T> {
    /// The files at the indexes `which` accepts among those that stand alone, parsed again
    /// (read again when their text was not kept) to be checked with the rest.
    pub fn parse_again(&mut self, which: &(dyn Fn(usize) -> bool + Sync), max_size: u64) {
        let again: Vec<usize> = (0..self.alone.len())
            .filter(|&i| self.alone[i] && which(i))
            .collect();
        if again.is_empty() {
            return;
        }
        let project = std::mem::replace(&mut self.project, Project::new(Vec::new()));
        let mut files = project.sources.into_files();
        let parsed: Vec<(usize, Option<SourceFile>)> = again
            .par_iter()
            .map(|&i| (i, parse_again(&files[i], max_size)))
            .collect();
        for (i, f) in parsed {
            if let Some(f) = f {
                files[i] = f;
                self.alone[i] = false;
                self.checked[i] = None;
            }
        }
        self.project = Project::new(files);
    }
}

/// One file read.
struct Entry<T> {
    file: SourceFile,
    extra: T,
    alone: Option<Alone>,
}

/// What is kept of a file that stands alone.
struct Alone {
    /// Its findings and dependencies, when it was checked (reported, and checked now).
    checked: Option<(Vec<Diagnostic>, Deps)>,
    tokens: Option<Vec<u32>>,
    /// The kind and name of each Kubernetes object in it.
    names: Vec<(String, String)>,
}

/// Reads the inputs with `read` (in parallel; it is given each input's index and state),
/// checking the files that stand alone as they are read. With a policy, or when
/// `standalone` is false, nothing stands alone: every file is returned whole, as
/// [`super::load`] does. `max_size`: for the kustomizations, read once more beforehand.
pub fn load<S: Send, T: Send>(
    inputs: &[Input],
    states: Vec<S>,
    read: &(dyn Fn(usize, S) -> Result<(SourceFile, T), IoError> + Sync),
    max_size: u64,
    options: &Options<'_>,
    standalone: bool,
    check_now: CheckNow<'_, T>,
) -> Loaded<T> {
    let count = inputs.len();
    let standalone = standalone && options.config.policy.is_empty();
    // The kustomizations first, which the batches' models read: few and small, they are
    // read again with the rest.
    let kustomize = if standalone {
        let kz: Vec<SourceFile> = inputs
            .par_iter()
            .filter(|i| is_kustomization_path(&i.path))
            .filter_map(|i| super::read_input(i, max_size).ok())
            .collect();
        Arc::new(Kustomizations::of_files(kz.iter()))
    } else {
        Arc::default()
    };
    let batches: Vec<Vec<ReadResult<T>>> = states
        .into_par_iter()
        .enumerate()
        .chunks(BATCH)
        .map(|chunk| batch(chunk, read, options, &kustomize, standalone, check_now))
        .collect();
    // A file's place in the project is its place among those read.
    let mut files = Vec::with_capacity(count);
    let mut extras = Vec::with_capacity(count);
    let mut alones = Vec::with_capacity(count);
    let mut io_errors = Vec::new();
    let mut at_input: Vec<u32> = Vec::with_capacity(count);
    for (_, r) in batches.into_iter().flatten() {
        at_input.push(files.len() as u32);
        match r {
            Ok(e) => {
                files.push(e.file);
                extras.push(e.extra);
                alones.push(e.alone);
            }
            Err(e) => io_errors.push(e),
        }
    }
    // Dependencies named inputs; now they name files of the project.
    alones.par_iter_mut().for_each(|a| {
        if let Some((_, deps)) = a.as_mut().and_then(|a| a.checked.as_mut()) {
            for f in &mut deps.files {
                *f = at_input[*f as usize];
            }
        }
    });
    crate::timing::phase("read, parse and check what stands alone");
    let mut loaded = finish(files, extras, alones, io_errors, max_size);
    loaded.kustomize = if standalone {
        kustomize
    } else {
        Arc::new(Kustomizations::new(&loaded.project))
    };
    loaded
}

/// An input's index and what reading it gave.
type ReadResult<T> = (usize, Result<Entry<T>, IoError>);

fn whole_entry<T>(file: SourceFile, extra: T) -> Entry<T> {
    Entry {
        file,
        extra,
        alone: None,
    }
}

/// Reads the inputs `chunk`, and checks those that stand alone in one model. The results
/// are in `chunk`'s order.
fn batch<S, T>(
    chunk: Vec<(usize, S)>,
    read: &(dyn Fn(usize, S) -> Result<(SourceFile, T), IoError> + Sync),
    options: &Options<'_>,
    kustomize: &Arc<Kustomizations>,
    standalone: bool,
    check_now: CheckNow<'_, T>,
) -> Vec<ReadResult<T>> {
    let mut out: Vec<Option<ReadResult<T>>> = Vec::with_capacity(chunk.len());
    // Those that may stand alone: their place in `out`, input, file and extra.
    let mut may: Vec<(usize, usize, SourceFile, T)> = Vec::new();
    for (i, state) in chunk {
        match read(i, state) {
            Err(e) => out.push(Some((i, Err(e)))),
            Ok((file, extra)) => {
                let maybe = standalone
                    && file.skip.is_none()
                    && !file.stream.documents.is_empty()
                    && !is_kustomization_path(&file.path)
                    && !kustomize.is_patch(&file.path)
                    && !manifest::read_across_files(file.text.as_bytes());
                if maybe {
                    may.push((out.len(), i, file, extra));
                    out.push(None);
                } else {
                    out.push(Some((i, Ok(whole_entry(file, extra)))));
                }
            }
        }
    }
    if may.is_empty() {
        return out.into_iter().flatten().collect();
    }
    let mut places = Vec::with_capacity(may.len());
    let mut extras = Vec::with_capacity(may.len());
    let mut files = Vec::with_capacity(may.len());
    for (at, i, f, x) in may {
        places.push((at, i));
        files.push(f);
        extras.push(x);
    }
    let project = Project::new(files);
    let model = Model::with_kustomizations(&project, options.config, kustomize.clone());
    let alone: Vec<bool> = (0..project.files.len())
        .map(|f| model.kubernetes.whole_only(&model, f))
        .collect();
    let mut checked: Vec<Option<(Vec<Diagnostic>, Deps)>> =
        (0..project.files.len()).map(|_| None).collect();
    let now: Vec<Now> = extras.iter().map(check_now).collect();
    for (j, diags, mut deps) in check_recorded(&model, &|j| alone[j] && now[j] == Now::Check) {
        // The batch's files, as inputs.
        for f in &mut deps.files {
            *f = places[*f as usize].1 as u32;
        }
        checked[j] = Some((diags, deps));
    }
    let names: Vec<Vec<(String, String)>> = (0..project.files.len())
        .map(|j| {
            if !alone[j] {
                return Vec::new();
            }
            project
                .objects_of_file(j)
                .filter(|&id| project.objects()[id].family == Family::Kubernetes)
                .filter_map(|id| {
                    let (_, meta, _) = project.object(id);
                    Some((meta.kind.to_string(), meta.name?.to_string()))
                })
                .collect()
        })
        .collect();
    drop(model);
    let files = project.sources.into_files();
    for (((((mut file, extra), (at, i)), (alone, checked)), names), now) in files
        .into_iter()
        .zip(extras)
        .zip(places)
        .zip(alone.into_iter().zip(checked))
        .zip(names)
        .zip(now)
    {
        let entry = if alone {
            let tokens = options.tokens.then(|| crate::cache::tokens_of(&file));
            file.stream = Stream::default();
            let found = match now {
                Now::Check => checked.as_ref().is_some_and(|c| !c.0.is_empty()),
                Now::Later { has_findings } => has_findings,
            };
            // A report that shows source text shows it only where there are findings.
            if !found || !options.keep_text {
                drop_text(&mut file, found);
            }
            Entry {
                file,
                extra,
                alone: Some(Alone {
                    checked,
                    tokens,
                    names,
                }),
            }
        } else {
            whole_entry(file, extra)
        };
        out[at] = Some((i, Ok(entry)));
    }
    out.into_iter().flatten().collect()
}

/// The project of every file; files that stood alone but hold the kind and name of a
/// workload in a file kept whole parsed again and left to be checked with it.
fn finish<T>(
    files: Vec<SourceFile>,
    extras: Vec<T>,
    mut alones: Vec<Option<Alone>>,
    io_errors: Vec<IoError>,
    max_size: u64,
) -> Loaded<T> {
    let n = files.len();
    let mut project = Project::new(files);
    if alones.iter().any(Option::is_some) {
        let kept: HashSet<(&str, &str)> = project
            .objects()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.family == Family::Kubernetes)
            .filter_map(|(id, _)| {
                let (_, meta, _) = project.object(id);
                Some((meta.kind, meta.name?))
            })
            .collect();
        let again: Vec<usize> = (0..n)
            .filter(|&i| {
                alones[i].as_ref().is_some_and(|a| {
                    a.names
                        .iter()
                        .any(|(k, name)| kept.contains(&(k.as_str(), name.as_str())))
                })
            })
            .collect();
        drop(kept);
        if !again.is_empty() {
            let mut files = project.sources.into_files();
            for &i in &again {
                // Read again when its text was not kept (it was the same a moment ago).
                if let Some(whole) = parse_again(&files[i], max_size) {
                    files[i] = whole;
                    alones[i] = None;
                }
            }
            project = Project::new(files);
        }
    }
    let alone: Vec<bool> = alones.iter().map(Option::is_some).collect();
    let mut checked = Vec::with_capacity(n);
    let mut tokens = Vec::with_capacity(n);
    for a in alones {
        match a {
            Some(a) => {
                checked.push(a.checked);
                tokens.push(a.tokens);
            }
            None => {
                checked.push(None);
                tokens.push(None);
            }
        }
    }
    Loaded {
        project,
        extras,
        checked,
        tokens,
        alone,
        io_errors,
        kustomize: Arc::default(),
    }
}

/// The file `f` that stood alone, parsed: from its text, or read again when it was not
/// kept. `None` when it can no longer be read as it was (its findings then stand).
fn parse_again(f: &SourceFile, max_size: u64) -> Option<SourceFile> {
    if !f.text_elided {
        return Some(SourceFile::new(
            f.path.clone(),
            f.fs_path.clone(),
            f.text.to_string(),
            f.report,
        ));
    }
    let fs_path = f.fs_path.as_ref()?;
    let text = match super::read_bounded(fs_path, max_size).ok()? {
        super::Read::Bytes(b) => String::from_utf8(b).ok()?,
        super::Read::TooLarge(_) => return None,
    };
    Some(SourceFile::new(
        f.path.clone(),
        f.fs_path.clone(),
        text,
        f.report,
    ))
}

/// What a file that stood alone keeps for the reports: nothing without a finding; with
/// one, the line index of an ASCII text (all positions need), the text otherwise.
fn drop_text(f: &mut SourceFile, found: bool) {
    if found && !f.text.is_ascii() {
        return;
    }
    let lines = if found {
        LineIndex::new(&f.text)
    } else {
        LineIndex::new("")
    };
    *f = SourceFile::positions_only(f.path.clone(), f.fs_path.take(), lines, f.report);
}
