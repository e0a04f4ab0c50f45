//! The cache of lint results for repeated runs.
//!
//! One cache file per group of files (one configuration, one reference root), holding per
//! file: how it looked on disk (size, times, inode), its content hash, whether it was
//! reported, its findings, the names it holds ([`tokens_of`]) and what its check read
//! beyond itself ([`crate::deps`]). The whole file is keyed by the identity of the run
//! ([`identity`]: this build of cutoff, the configuration, the current directory, the
//! root), so that it is never trusted across versions or configurations.
//!
//! A run then:
//! - when no file changed (same files, same content, same reported set), replays the
//!   findings without parsing anything, reading only the files findings point into (for
//!   lines, columns and snippets);
//! - otherwise parses every file (the model needs them all), and re-checks a file only when
//!   it changed, when a file its check read changed, when a changed file holds (or held) a
//!   name its check asked about, or when its check read a project-wide aggregate; every
//!   other file's findings are reused.
//!
//! A cache file that cannot be read is ignored (with a note), and replaced.

use std::collections::{HashMap, HashSet};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::config::Config;
use crate::deps::{self, Deps};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, Severity};
use crate::lint::standalone::Now;
use crate::lint::{self, Input, IoError, Read};
use crate::model::Model;
use crate::project::Project;
use crate::source::SourceFile;
use crate::yaml::{LineIndex, Span};

/// Bumped whenever the layout of a cache file changes.
const FORMAT: u32 = 6;
const MAGIC: &[u8; 8] = b"CUTOFFC\0";

/// A stat newer than this before the cache was written may hide a change made in the same
/// clock tick: such files are hashed again.
const RACY_NS: i64 = 2_000_000_000;

/// The name of the default cache directory, below the repository root.
pub const DIR_NAME: &str = ".cutoff_cache";

/// This build of cutoff: its version and a digest of the sources it was built from.
pub fn build_id() -> String {
    format!(
        "{}+{}",
        env!("CARGO_PKG_VERSION"),
        env!("CUTOFF_SOURCE_DIGEST")
    )
}

/// A stable 64-bit hash (the same in every build and on every platform), fast on long
/// inputs: 8 bytes a step, each step a bijection of the state, then a final mix.
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut s = StreamHash::new();
    s.h ^= (bytes.len() as u64).wrapping_mul(StreamHash::K);
    s.update(bytes);
    s.drain();
    avalanche(s.h)
}

/// The final mix of [`hash64`] and [`StreamHash`].
fn avalanche(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

/// The last component of a `/`-separated path.
pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// What identifies a run whose results may be reused: this build, the configuration (with
/// the command line's overrides), where paths are shown from, the reference root.
pub fn identity(config: &Config, cwd: &Path, root: &Path) -> u64 {
    let text = format!(
        "{FORMAT}\n{}\n{}\n{}\n{config:?}",
        build_id(),
        cwd.display(),
        root.display()
    );
    hash64(text.as_bytes())
}

/// The names a file holds: every scalar's value (and a path's last component), and its
/// own path and file name, as [`deps::token`]s. A check that asked about one of them may
/// have another answer once the file changes.
pub fn tokens_of(file: &SourceFile) -> Vec<u32> {
    let mut out = vec![deps::token(&file.path), deps::token(base_name(&file.path))];
    for doc in &file.stream.documents {
        for n in doc.node_refs() {
            if let Some(v) = n.as_str() {
                if v.len() > 512 {
                    continue;
                }
                out.push(deps::token(v));
                if v.contains('/') {
                    out.push(deps::token(base_name(v)));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    // Those of the files that stand alone are kept until the cache is written.
    out.shrink_to_fit();
    out
}

use crate::walk::{stamp as stat, Stamp as Stat};

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// One file of a cache.
#[derive(Clone, Debug)]
struct Record {
    path: Arc<str>,
    report: bool,
    stat: Stat,
    /// The content's [`hash64`] (of the size, for a file too large to read).
    hash: u64,
    tokens: Vec<u32>,
    /// `files` are indexes into the cache's records.
    deps: Deps,
    diags: Vec<Diagnostic>,
    /// For an ASCII file some finding points into: its line starts and length, so that an
    /// unchanged run can report positions without reading it (see [`replay`]).
    lines: Option<(Vec<u32>, u64)>,
}

/// A cache to write.
struct CacheData {
    identity: u64,
    written_at: i64,
    /// Every name some check asked about (sorted): the names kept in [`Record::tokens`].
    asked: Vec<u32>,
    records: Vec<Record>,
}

/// A cache as read: each record's path, stat and hash decoded, the rest of it (names,
/// dependencies, findings, line index) left in the file's bytes, checked when the file was
/// read, and decoded when asked for. An unchanged run needs only the findings of the
/// files that have some; decoding every record whole cost more than the replay.
struct OldCache {
    identity: u64,
    written_at: i64,
    asked: Vec<u32>,
    records: Vec<OldRecord>,
    bytes: Vec<u8>,
    table: Vec<Arc<str>>,
}

/// One file of a cache as read (see [`OldCache`]).
struct OldRecord {
    path: Arc<str>,
    report: bool,
    stat: Stat,
    hash: u64,
    /// How many findings it holds.
    diags: u32,
    /// Where in the bytes its names, dependencies, findings and line index start, and
    /// where it ends.
    tokens_at: usize,
    deps_at: usize,
    diags_at: usize,
    lines_at: usize,
    end: usize,
}

/// The lazily decoded parts were read once, with the same code, when the cache was read.
const CHECKED: &str = "a cache record is checked when the cache is read";

impl OldCache {
    fn reader(&self, at: usize, end: usize) -> Reader<'_> {
        Reader {
            b: &self.bytes[..end],
            at,
            table: &self.table,
        }
    }
    /// The names record `r` holds that some check asked about.
    fn tokens(&self, r: usize) -> Vec<u32> {
        let rec = &self.records[r];
        self.reader(rec.tokens_at, rec.deps_at)
            .u32s()
            .expect(CHECKED)
    }
    /// What record `r`'s check read beyond its file.
    fn deps(&self, r: usize) -> Deps {
        let rec = &self.records[r];
        self.reader(rec.deps_at, rec.diags_at)
            .deps()
            .expect(CHECKED)
    }
    /// Record `r`'s findings.
    fn diags(&self, r: usize) -> Vec<Diagnostic> {
        let rec = &self.records[r];
        if rec.diags == 0 {
            return Vec::new();
        }
        self.reader(rec.diags_at, rec.lines_at)
            .diags(true)
            .expect(CHECKED)
    }
    /// Record `r`'s line index, when it was kept.
    fn lines(&self, r: usize) -> Option<(Vec<u32>, u64)> {
        let rec = &self.records[r];
        self.reader(rec.lines_at, rec.end)
            .lines(true)
            .expect(CHECKED)
    }
}

/// What a cached lint of one group found, and how much it reused.
pub struct Outcome {
    /// The files (for the reporters: with a replay, only those findings point into).
    pub project: Project,
    pub diagnostics: Vec<Diagnostic>,
    pub io_errors: Vec<IoError>,
    pub stats: Stats,
    /// Things to tell the user (a cache that could not be read or written).
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files of the group.
    pub files: usize,
    /// Files whose findings were reused.
    pub reused: usize,
    /// Files checked (reported files only).
    pub checked: usize,
    /// Nothing changed: the findings were replayed without parsing.
    pub replayed: bool,
}

/// What was learnt about one input before deciding how to lint.
struct Seen {
    stat: Option<Stat>,
    /// The bytes, when the file had to be read to know whether it changed.
    read: Option<std::io::Result<Read>>,
    hash: Option<u64>,
    /// Index of its record in the old cache, when its content and reported flag are unchanged.
    unchanged: Option<usize>,
}

/// The cache records of this run's files, in their order, and the names some check asked
/// about: each file's findings and dependencies from this run's check (`per_file`) or, for a
/// file not checked again, from its old record (`seens` says which), with the names it holds
/// that were asked about and the line index of the files findings point into.
fn build_records(
    project: &Project,
    seens: &[Seen],
    per_file: Vec<Option<(Vec<Diagnostic>, Deps)>>,
    old: Option<&OldCache>,
    mut new_tokens: Vec<Option<Vec<u32>>>,
    stats: &mut Stats,
) -> (Vec<Record>, HashSet<u32>) {
    // Old record index -> new index, for the files dependencies name.
    let new_index: HashMap<&str, u32> = project
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (&*f.path, i as u32))
        .collect();
    for ((f, s), mine) in project.files.iter().zip(seens).zip(&per_file) {
        match (mine, s.unchanged.and(old)) {
            (Some(_), _) if f.report => stats.checked += 1,
            (None, Some(_)) => stats.reused += 1,
            _ => {}
        }
    }
    // In parallel: a reused record's findings are decoded again (tens of thousands of them
    // after an edit at 100,000 files).
    let mut records: Vec<Record> = project
        .files
        .par_iter()
        .zip(seens.par_iter())
        .zip(per_file.into_par_iter())
        .map(|((f, s), mine)| {
            let (diags, deps) = match (mine, s.unchanged.and_then(|r| old.map(|o| (r, o)))) {
                (Some((d, deps)), _) => (d, deps),
                (None, Some((r, old))) => {
                    let mut d = old.deps(r);
                    d.files = d
                        .files
                        .iter()
                        .filter_map(|&f| old.records.get(f as usize))
                        .filter_map(|r| new_index.get(&*r.path).copied())
                        .collect();
                    d.normalize();
                    (old.diags(r), d)
                }
                (None, None) => (Vec::new(), Deps::default()),
            };
            Record {
                path: f.path.clone(),
                report: f.report,
                stat: s.stat.unwrap_or_default(),
                hash: s.hash.unwrap_or(0),
                tokens: Vec::new(),
                deps,
                diags,
                lines: None,
            }
        })
        .collect();
    // The line index of each ASCII file a finding points into: a replay whose reports show
    // no source text need not read it.
    let wanted = pointed_into(records.iter().flat_map(|r| &r.diags));
    let keep: Vec<bool> = project
        .files
        .iter()
        .map(|f| {
            wanted.contains(&*f.path)
                && (f.text_elided || (!f.text.is_empty() && f.text.is_ascii()))
        })
        .collect();
    drop(wanted);
    records
        .par_iter_mut()
        .zip(project.files.par_iter())
        .zip(keep.par_iter())
        .filter(|(_, &keep)| keep)
        .for_each(|((r, f), _)| {
            let lines = f.full_lines();
            let (starts, len) = lines.parts();
            r.lines = Some((starts.to_vec(), len as u64));
        });
    // A file's names matter only if some check asked about them: keep those. Every file's
    // are taken again (the files are parsed), since this run may ask about names the last
    // one did not; an unchanged file's dependencies are all among the names asked then.
    // When this run asked about no name the last one did not, an unchanged file's kept
    // names are still the right ones.
    let asked: HashSet<u32> = records
        .iter()
        .flat_map(|r| r.deps.keys.iter().copied())
        .collect();
    let same_names = old.is_some_and(|o| {
        let before: HashSet<u32> = o.asked.iter().copied().collect();
        asked.iter().all(|k| before.contains(k))
    });
    records
        .par_iter_mut()
        .zip(project.files.par_iter())
        .zip(new_tokens.par_iter_mut())
        .zip(seens.par_iter())
        .for_each(|(((r, f), fresh), s)| {
            let kept = match (same_names, s.unchanged, old) {
                (true, Some(i), Some(o)) if fresh.is_none() => Some(o.tokens(i)),
                _ => None,
            };
            let mut t = kept.unwrap_or_else(|| fresh.take().unwrap_or_else(|| tokens_of(f)));
            t.retain(|k| asked.contains(k));
            t.shrink_to_fit();
            r.tokens = t;
        });
    (records, asked)
}

fn content_hash(r: &Read) -> u64 {
    match r {
        Read::Bytes(b) => hash64(b),
        Read::TooLarge(size) => hash64(format!("too large: {size}").as_bytes()),
    }
}

/// Lints `inputs` under `config` with the cache file `cache_file` (identity `id`, see
/// [`identity`]). `need_text`: the reports show source text (a replay must read the files
/// findings point into, not only their line index).
pub fn lint(
    inputs: &[Input],
    max_size: u64,
    config: &Config,
    cache_file: &Path,
    id: u64,
    need_text: bool,
) -> Outcome {
    let mut notes = Vec::new();
    // The inputs are stamped while the cache is read: reading it is mostly one thread's
    // work (the file, its string table), stamping 100,000 files is every thread's.
    let (read, stamps): (R<Option<OldCache>>, Vec<Option<Stat>>) = rayon::join(
        || read_cache(cache_file),
        || inputs.par_iter().map(|i| stat(&i.fs_path).ok()).collect(),
    );
    let old = match read {
        Ok(Some(c)) if c.identity == id => Some(c),
        Ok(_) => None,
        Err(why) => {
            notes.push(format!(
                "ignoring the cache file {} ({why}); it will be rebuilt",
                cache_file.display()
            ));
            None
        }
    };
    // Records are in the inputs' order unless files came or went: a record is looked for
    // at its input's position first, and by path (a map built on first need) otherwise.
    // Owned keys: a replay takes the findings out of `old`.
    let by_path: OnceLock<HashMap<Arc<str>, usize>> = OnceLock::new();
    let record_of = |old: &OldCache, at: usize, path: &str| -> Option<usize> {
        if old.records.get(at).is_some_and(|r| &*r.path == path) {
            return Some(at);
        }
        by_path
            .get_or_init(|| {
                old.records
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.path.clone(), i))
                    .collect()
            })
            .get(path)
            .copied()
    };
    let written_at = old.as_ref().map_or(0, |c| c.written_at);
    crate::timing::phase("cache: read");
    let seen: Vec<Seen> = inputs
        .par_iter()
        .zip(stamps.into_par_iter())
        .enumerate()
        .map(|(at, (i, st))| {
            let rec = old
                .as_ref()
                .and_then(|old| record_of(old, at, &i.path).map(|r| (r, &old.records[r])));
            if let (Some((r, rec)), Some(st)) = (rec, st) {
                if rec.stat == st && st.mtime < written_at - RACY_NS && rec.report == i.report {
                    return Seen {
                        stat: Some(st),
                        read: None,
                        hash: Some(rec.hash),
                        unchanged: Some(r),
                    };
                }
            }
            if rec.is_none() {
                // Nothing to compare with: read when parsed, not held until then.
                return Seen {
                    stat: st,
                    read: None,
                    hash: None,
                    unchanged: None,
                };
            }
            let read = lint::read_bounded(&i.fs_path, max_size);
            let hash = read.as_ref().ok().map(content_hash);
            let unchanged = match (rec, hash) {
                (Some((r, rec)), Some(h)) if rec.hash == h && rec.report == i.report => Some(r),
                _ => None,
            };
            Seen {
                stat: st,
                read: Some(read),
                hash,
                unchanged,
            }
        })
        .collect();

    crate::timing::phase("cache: stat");
    let all_same = old.as_ref().is_some_and(|old| {
        seen.iter().all(|s| s.unchanged.is_some()) && inputs.len() == old.records.len()
    });
    if let (true, Some(o)) = (all_same, &old) {
        if let Some(out) = replay(inputs, o, &seen, max_size, need_text) {
            // What was read is done with: freed beside the reports (100,000 records and
            // their strings, one by one, cost an unchanged run 10 ms).
            std::thread::spawn(move || drop((old, seen)));
            return Outcome { notes, ..out };
        }
    }

    // Something changed (or there is no cache): parse everything, check what may differ.
    // The files that stand alone are checked as they are read when they changed (or there
    // is no cache), and keep no tree ([`lint::standalone`]).
    let read = |i: usize, mut s: Seen| -> Result<(SourceFile, Seen), IoError> {
        let input = &inputs[i];
        let read = match s.read.take() {
            Some(r) => r,
            None => lint::read_bounded(&input.fs_path, max_size),
        };
        let read = read.map_err(|e| IoError {
            path: input.path.clone(),
            message: e.to_string(),
        })?;
        s.hash = Some(content_hash(&read));
        Ok((lint::from_read(input, read, true), s))
    };
    let options = lint::standalone::Options {
        config,
        keep_text: need_text,
        tokens: true,
    };
    let _session = deps::Session::start();
    let mut loaded = lint::standalone::load(
        inputs,
        seen,
        &read,
        max_size,
        &options,
        true,
        &|s: &Seen| match (s.unchanged, &old) {
            (Some(r), Some(old)) => Now::Later {
                has_findings: old.records[r].diags > 0,
            },
            _ => Now::Check,
        },
    );
    let seens = std::mem::take(&mut loaded.extras);
    let io_errors = std::mem::take(&mut loaded.io_errors);
    // The names of the files that stand alone, taken before their trees were dropped.
    let mut new_tokens = std::mem::take(&mut loaded.tokens);
    crate::timing::phase("cache: read and parse");
    let project = &loaded.project;

    // Which files changed, by path; and the names they hold, before and after.
    let n = project.files.len();
    let mut changed_paths: HashSet<&str> = HashSet::new();
    let mut changed_tokens: HashSet<u32> = HashSet::new();
    let present: HashSet<&str> = project.files.iter().map(|f| &*f.path).collect();
    if let Some(old) = &old {
        for (i, r) in old.records.iter().enumerate() {
            if !present.contains(&*r.path) {
                changed_paths.insert(&r.path);
                changed_tokens.extend(old.tokens(i));
            }
        }
    }
    // The names changed files hold decide what else is re-checked; without an old cache
    // everything is checked, and the names are taken once the checks are done.
    // (Those of the files that stand alone were taken as they were read.)
    new_tokens
        .par_iter_mut()
        .zip(project.files.par_iter())
        .zip(seens.par_iter())
        .filter(|((t, _), s)| old.is_some() && s.unchanged.is_none() && t.is_none())
        .for_each(|((t, f), _)| *t = Some(tokens_of(f)));
    for (i, (f, s)) in project.files.iter().zip(&seens).enumerate() {
        if s.unchanged.is_none() {
            changed_paths.insert(&f.path);
            if let Some(t) = &new_tokens[i] {
                changed_tokens.extend(t.iter().copied());
            }
            let old = old.as_ref();
            if let Some((r, old)) = old.and_then(|o| Some((record_of(o, i, &f.path)?, o))) {
                changed_tokens.extend(old.tokens(r));
            }
        }
    }
    let anything_changed = !changed_paths.is_empty();
    let recheck: Vec<bool> = seens
        .par_iter()
        .map(|s| match (s.unchanged, &old) {
            (Some(r), Some(old)) => {
                let d = old.deps(r);
                (d.all && anything_changed)
                    || d.files.iter().any(|&f| {
                        old.records
                            .get(f as usize)
                            .is_none_or(|dep| changed_paths.contains(&*dep.path))
                    })
                    || d.keys.iter().any(|k| changed_tokens.contains(k))
            }
            _ => true,
        })
        .collect();

    // A file that stands alone, was not checked as it was read (it had not changed) and
    // must be checked again now (something it depends on changed) is parsed again.
    let again: Vec<bool> = (0..n)
        .map(|i| {
            recheck[i]
                && loaded.alone[i]
                && loaded.checked[i].is_none()
                && loaded.project.files[i].report
        })
        .collect();
    loaded.parse_again(&|i| again[i], max_size);
    crate::timing::phase("cache: what to check");
    let project = &loaded.project;
    let model = Model::with_kustomizations(project, config, loaded.kustomize.clone());
    crate::timing::phase("cache: model");
    let alone = &loaded.alone;
    let checked = lint::check_recorded(&model, &|i| recheck[i] && !alone[i]);
    crate::timing::phase("cache: check");
    let mut per_file: Vec<Option<(Vec<Diagnostic>, Deps)>> = std::mem::take(&mut loaded.checked);
    let mut stats = Stats {
        files: n,
        ..Stats::default()
    };
    for (i, diags, d) in checked {
        per_file[i] = Some((diags, d));
    }
    let mut diagnostics = Vec::new();
    // The model is done, and its caches are now the largest part of the heap: freed and
    // handed back before the records are built, they make room for the records and the
    // cache file's buffers instead of adding to them (the peak of a run that writes the
    // cache). Freed on another thread meanwhile, they stayed in the arenas of the threads
    // that built them, where the records could not reuse them.
    drop(model);
    crate::heap::give_back();
    let (records, asked) = build_records(
        project,
        &seens,
        per_file,
        old.as_ref(),
        new_tokens,
        &mut stats,
    );
    // The old cache (its bytes and strings, tens of megabytes at 100,000 files) and what
    // was seen of each file are done with once the records are built.
    drop(old);
    drop(seens);
    let mut asked: Vec<u32> = asked.into_iter().collect();
    asked.sort_unstable();
    crate::timing::phase("cache: records");
    let mut data = CacheData {
        identity: id,
        written_at: now_ns(),
        asked,
        records,
    };
    if let Err(e) = write_cache(cache_file, &data) {
        notes.push(format!(
            "could not write the cache file {}: {e}",
            cache_file.display()
        ));
    }
    crate::timing::phase("cache: write");
    for r in &mut data.records {
        diagnostics.append(&mut r.diags);
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Outcome {
        project: loaded.project,
        diagnostics,
        io_errors,
        stats,
        notes,
    }
}

/// The paths of the files a finding points into (its own, its labels', its edits').
fn paths_of(d: &Diagnostic) -> impl Iterator<Item = &str> {
    std::iter::once(&*d.path)
        .chain(d.labels.iter().map(|l| &*l.path))
        .chain(d.fix.iter().flat_map(|f| f.edits.iter().map(|e| &*e.path)))
}

/// The paths of the files `diags` point into.
fn pointed_into<'a>(diags: impl Iterator<Item = &'a Diagnostic>) -> HashSet<&'a str> {
    diags.flat_map(paths_of).collect()
}

/// Nothing changed: the cached findings, and the files they point into: read (not
/// parsed) when `need_text`, else only what positions need when the cache kept it.
/// `None` when one of those files can no longer be read (then everything is linted).
fn replay(
    inputs: &[Input],
    old: &OldCache,
    seen: &[Seen],
    max_size: u64,
    need_text: bool,
) -> Option<Outcome> {
    let records: Vec<usize> = seen.iter().map(|s| s.unchanged).collect::<Option<_>>()?;
    // The findings, decoded from the records that hold some, by input.
    let found: Vec<(usize, Vec<Diagnostic>)> = records
        .par_iter()
        .enumerate()
        .filter(|(_, &r)| old.records[r].diags > 0)
        .map(|(i, &r)| (i, old.diags(r)))
        .collect();
    // The files they point into: mostly their own; the few others looked up by path.
    let mut wanted = vec![false; inputs.len()];
    let mut others: Vec<&str> = Vec::new();
    for (i, diags) in &found {
        for p in diags.iter().flat_map(paths_of) {
            if p == &*inputs[*i].path {
                wanted[*i] = true;
            } else {
                others.push(p);
            }
        }
    }
    others.sort_unstable();
    others.dedup();
    crate::timing::phase("replay: wanted");
    let files: Vec<Option<SourceFile>> = inputs
        .par_iter()
        .zip(seen.par_iter())
        .zip(records.par_iter())
        .zip(wanted.par_iter())
        .filter(|(((i, _), _), &own)| own || others.binary_search(&&*i.path).is_ok())
        .map(|(((i, s), &r), _)| {
            let kept = if need_text { None } else { old.lines(r) };
            if let Some((starts, len)) = kept {
                if let Some(lines) = LineIndex::from_parts(starts, len as usize) {
                    return Some(SourceFile::positions_only(
                        i.path.clone(),
                        Some(i.fs_path.clone()),
                        lines,
                        i.report,
                    ));
                }
            }
            let read = match &s.read {
                Some(Ok(Read::Bytes(b))) => Read::Bytes(b.clone()),
                _ => lint::read_bounded(&i.fs_path, max_size).ok()?,
            };
            Some(lint::from_read(i, read, false))
        })
        .collect();
    drop(others);
    let files: Vec<SourceFile> = files.into_iter().collect::<Option<_>>()?;
    crate::timing::phase("replay: files");
    let mut diagnostics: Vec<Diagnostic> =
        Vec::with_capacity(found.iter().map(|f| f.1.len()).sum());
    for (_, mut d) in found {
        diagnostics.append(&mut d);
    }
    crate::timing::phase("replay: take");
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    crate::timing::phase("replay: sort");
    let project = Project::new(files);
    crate::timing::phase("replay: project");
    Some(Outcome {
        project,
        diagnostics,
        io_errors: Vec::new(),
        stats: Stats {
            files: inputs.len(),
            reused: inputs.len(),
            checked: 0,
            replayed: true,
        },
        notes: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------
// The file format: little-endian integers; strings once, as a length and UTF-8 bytes, in a
// table, and elsewhere as their index in it. A header (magic, format, build, identity, and
// the length and checksum of each part), then the parts: the records (written as they are
// encoded), the index (where each record starts) and the string table; every checksum is
// checked before anything is decoded, and the records are decoded in parallel.

struct Writer<'a> {
    buf: Vec<u8>,
    strings: HashMap<&'a str, u32>,
    table: Vec<&'a str>,
}

impl<'a> Writer<'a> {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
    }
    /// A path or a text, written once in the table and referred to by its index there
    /// (help texts, and many messages, repeat from one finding to the next).
    fn text(&mut self, p: &'a str) {
        let next = self.table.len() as u32;
        let i = *self.strings.entry(p).or_insert(next);
        if i == next {
            self.table.push(p);
        }
        self.u32(i);
    }
    fn span(&mut self, s: Span) {
        self.u64(s.start as u64);
        self.u64(s.end as u64);
    }
    fn diag(&mut self, d: &'a Diagnostic) {
        self.text(d.code);
        self.text(d.name);
        self.u8(match d.severity {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Error => 2,
        });
        self.text(&d.path);
        self.span(d.span);
        self.text(&d.message);
        self.u32(d.labels.len() as u32);
        for l in &d.labels {
            self.text(&l.path);
            self.span(l.span);
            self.text(&l.message);
        }
        match &d.help {
            Some(h) => {
                self.u8(1);
                self.text(h);
            }
            None => self.u8(0),
        }
        match &d.fix {
            Some(f) => {
                self.u8(match f.applicability {
                    Applicability::Safe => 1,
                    Applicability::Unsafe => 2,
                });
                self.text(&f.description);
                self.u32(f.edits.len() as u32);
                for e in &f.edits {
                    self.text(&e.path);
                    self.u64(e.start as u64);
                    self.u64(e.end as u64);
                    self.text(&e.replacement);
                }
            }
            None => self.u8(0),
        }
    }
}

/// A checksum computed as bytes arrive: [`hash64`]'s steps, with the length mixed in at
/// the end instead of up front (the records are written to the file as they are encoded,
/// never held whole).
struct StreamHash {
    h: u64,
    pending: [u8; 8],
    npending: usize,
    len: u64,
}

impl StreamHash {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;

    fn new() -> StreamHash {
        StreamHash {
            h: 0x243F_6A88_85A3_08D3,
            pending: [0; 8],
            npending: 0,
            len: 0,
        }
    }

    fn word(&mut self, w: [u8; 8]) {
        self.h = (self.h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(Self::K);
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.npending > 0 {
            let take = (8 - self.npending).min(bytes.len());
            self.pending[self.npending..self.npending + take].copy_from_slice(&bytes[..take]);
            self.npending += take;
            bytes = &bytes[take..];
            if self.npending < 8 {
                return;
            }
            self.word(self.pending);
            self.npending = 0;
        }
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(w);
        }
        let rest = chunks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.npending = rest.len();
    }

    /// Mixes in the last, partial word (zero-padded).
    fn drain(&mut self) {
        if self.npending > 0 {
            let mut w = [0u8; 8];
            w[..self.npending].copy_from_slice(&self.pending[..self.npending]);
            self.word(w);
            self.npending = 0;
        }
    }

    fn finish(mut self) -> u64 {
        self.drain();
        avalanche(self.h ^ self.len.wrapping_mul(Self::K))
    }

    fn of(bytes: &[u8]) -> u64 {
        let mut s = StreamHash::new();
        s.update(bytes);
        s.finish()
    }
}

/// One part of the file being written: its length and checksum.
struct PartSum {
    len: u64,
    hash: u64,
}

/// A part of the file as it is written out a megabyte at a time: its length so far and
/// its running checksum.
struct PartWriter {
    sum: StreamHash,
    len: u64,
}

impl PartWriter {
    const FLUSH_AT: usize = 1 << 20;

    fn new() -> PartWriter {
        PartWriter {
            sum: StreamHash::new(),
            len: 0,
        }
    }

    /// Writes out and empties `buf` once it holds a megabyte (or whatever it holds, with
    /// `all`).
    fn flush(&mut self, out: &mut impl Write, buf: &mut Vec<u8>, all: bool) -> std::io::Result<()> {
        if all || buf.len() >= Self::FLUSH_AT {
            self.sum.update(buf);
            out.write_all(buf)?;
            self.len += buf.len() as u64;
            buf.clear();
        }
        Ok(())
    }

    fn finish(self) -> PartSum {
        PartSum {
            len: self.len,
            hash: self.sum.finish(),
        }
    }
}

/// Writes the cache to `out`: the header (with each part's length and checksum, written
/// last, over a placeholder of the same size), the records as they are encoded (a megabyte
/// at a time: at 100,000 files they are tens of megabytes), the index (what is not per
/// file, and where each record starts) and the string table.
fn encode_to<W: Write + Seek>(out: &mut W, data: &CacheData) -> std::io::Result<()> {
    let build = build_id();
    let header_len = MAGIC.len() + 4 + 4 + build.len() + 8 + 3 * 16;
    let start = out.stream_position()?;
    out.write_all(&vec![0u8; header_len])?;

    let mut w = Writer {
        buf: Vec::with_capacity(PartWriter::FLUSH_AT + 4096),
        strings: HashMap::new(),
        table: Vec::new(),
    };
    let mut part = PartWriter::new();
    let mut starts = Vec::with_capacity(data.records.len());
    for r in &data.records {
        starts.push(part.len + w.buf.len() as u64);
        w.text(&r.path);
        w.u8(r.report as u8);
        w.u64(r.stat.size);
        w.u64(r.stat.mtime as u64);
        w.u64(r.stat.ctime as u64);
        w.u64(r.stat.ino);
        w.u64(r.stat.dev);
        w.u64(r.hash);
        w.u32(r.tokens.len() as u32);
        for t in &r.tokens {
            w.u32(*t);
        }
        w.u8(r.deps.all as u8);
        w.u32(r.deps.files.len() as u32);
        for f in &r.deps.files {
            w.u32(*f);
        }
        w.u32(r.deps.keys.len() as u32);
        for k in &r.deps.keys {
            w.u32(*k);
        }
        w.u32(r.diags.len() as u32);
        for d in &r.diags {
            w.diag(d);
        }
        match &r.lines {
            Some((starts, len)) => {
                w.u8(1);
                w.u64(*len);
                w.u32(starts.len() as u32);
                for s in starts {
                    w.u32(*s);
                }
            }
            None => w.u8(0),
        }
        part.flush(out, &mut w.buf, false)?;
    }
    part.flush(out, &mut w.buf, true)?;
    let records = part.finish();

    w.u64(data.written_at as u64);
    w.u32(data.asked.len() as u32);
    for k in &data.asked {
        w.u32(*k);
    }
    w.u32(starts.len() as u32);
    for s in &starts {
        w.u64(*s);
    }
    let index = std::mem::take(&mut w.buf);
    out.write_all(&index)?;
    // The table too is written a megabyte at a time (at 100,000 files, over ten megabytes
    // of messages and paths).
    let table = std::mem::take(&mut w.table);
    let mut part = PartWriter::new();
    w.u32(table.len() as u32);
    for s in &table {
        w.str(s);
        part.flush(out, &mut w.buf, false)?;
    }
    part.flush(out, &mut w.buf, true)?;
    let sums = [
        records,
        PartSum {
            len: index.len() as u64,
            hash: StreamHash::of(&index),
        },
        part.finish(),
    ];

    let header = header(&build, data.identity, &sums);
    debug_assert_eq!(header.len(), header_len);
    let end = out.stream_position()?;
    out.seek(std::io::SeekFrom::Start(start))?;
    out.write_all(&header)?;
    out.seek(std::io::SeekFrom::Start(end))?;
    Ok(())
}

/// The header: magic, format, this build, the identity, and each part's length and checksum.
fn header(build: &str, identity: u64, sums: &[PartSum]) -> Vec<u8> {
    let mut h = Vec::with_capacity(MAGIC.len() + 16 + build.len() + 16 * sums.len());
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT.to_le_bytes());
    h.extend_from_slice(&(build.len() as u32).to_le_bytes());
    h.extend_from_slice(build.as_bytes());
    h.extend_from_slice(&identity.to_le_bytes());
    for p in sums {
        h.extend_from_slice(&p.len.to_le_bytes());
        h.extend_from_slice(&p.hash.to_le_bytes());
    }
    h
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    table: &'a [Arc<str>],
}

type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or("truncated")?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> R<u32> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }
    fn u64(&mut self) -> R<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    /// A count of items at least `min` bytes long each (bounded by what is left).
    fn count(&mut self, min: usize) -> R<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min.max(1)) > self.b.len() - self.at {
            return Err("a count past the end".into());
        }
        Ok(n)
    }
    fn str(&mut self) -> R<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).map_err(|_| "a string that is not UTF-8".into())
    }
    fn text(&mut self) -> R<Arc<str>> {
        self.text_ref().cloned()
    }
    /// A string of the table, borrowed: no reference count touched (threads decoding
    /// records would otherwise contend for the counts of the strings they share).
    fn text_ref(&mut self) -> R<&'a Arc<str>> {
        let i = self.u32()? as usize;
        self.table
            .get(i)
            .ok_or_else(|| "a string outside the table".into())
    }
    fn span(&mut self) -> R<Span> {
        let start = self.u64()? as usize;
        let end = self.u64()? as usize;
        Ok(Span::new(start, end))
    }
    /// A list of `u32`s (a count, then each).
    fn u32s(&mut self) -> R<Vec<u32>> {
        let n = self.count(4)?;
        Ok(self
            .take(4 * n)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    /// Passes over a list of `u32`s.
    fn skip_u32s(&mut self) -> R<()> {
        let n = self.count(4)?;
        self.take(4 * n).map(drop)
    }
    fn deps(&mut self) -> R<Deps> {
        let all = self.u8()? != 0;
        let files = self.u32s()?;
        let keys = self.u32s()?;
        Ok(Deps { files, keys, all })
    }
    /// A list of findings; with `keep` false, only read (and checked): then the list is
    /// empty.
    fn diags(&mut self, keep: bool) -> R<Vec<Diagnostic>> {
        let n = self.count(30)?;
        let mut out = Vec::with_capacity(if keep { n } else { 0 });
        for _ in 0..n {
            if let Some(d) = self.diag(keep)? {
                out.push(d);
            }
        }
        Ok(out)
    }
    /// A line index, if one was kept; with `keep` false, only read (and checked).
    fn lines(&mut self, keep: bool) -> R<Option<(Vec<u32>, u64)>> {
        match self.u8()? {
            0 => Ok(None),
            _ => {
                let len = self.u64()?;
                if keep {
                    Ok(Some((self.u32s()?, len)))
                } else {
                    self.skip_u32s().map(|_| None)
                }
            }
        }
    }
    /// A finding; with `keep` false, only read (and checked), without building it.
    fn diag(&mut self, keep: bool) -> R<Option<Diagnostic>> {
        let code = self.text_ref()?;
        let name = self.text_ref()?;
        // The rules are sorted by code.
        let all = crate::rules::all();
        let rule = all
            .binary_search_by(|r| r.code.cmp(&**code))
            .ok()
            .map(|i| all[i])
            .filter(|r| r.name == &**name)
            .ok_or_else(|| format!("an unknown rule {code}"))?;
        let severity = match self.u8()? {
            0 => Severity::Info,
            1 => Severity::Warning,
            2 => Severity::Error,
            _ => return Err("an unknown severity".into()),
        };
        let path = self.text_ref()?;
        let span = self.span()?;
        let message = self.text_ref()?;
        let n = self.count(20)?;
        let mut labels = Vec::with_capacity(if keep { n } else { 0 });
        for _ in 0..n {
            let (path, span, message) = (self.text_ref()?, self.span()?, self.text_ref()?);
            if keep {
                labels.push(Label {
                    path: path.clone(),
                    span,
                    message: message.to_string(),
                });
            }
        }
        let help = match self.u8()? {
            0 => None,
            1 => Some(self.text_ref()?),
            _ => return Err("a bad help marker".into()),
        };
        let fix = match self.u8()? {
            0 => None,
            a @ (1 | 2) => {
                let applicability = if a == 1 {
                    Applicability::Safe
                } else {
                    Applicability::Unsafe
                };
                let description = self.text_ref()?;
                let n = self.count(24)?;
                let mut edits = Vec::with_capacity(if keep { n } else { 0 });
                for _ in 0..n {
                    let path = self.text_ref()?;
                    let (start, end) = (self.u64()? as usize, self.u64()? as usize);
                    let replacement = self.text_ref()?;
                    if keep {
                        edits.push(Edit {
                            path: path.clone(),
                            start,
                            end,
                            replacement: replacement.to_string(),
                        });
                    }
                }
                Some(Fix {
                    applicability,
                    description: if keep {
                        description.to_string()
                    } else {
                        String::new()
                    },
                    edits,
                })
            }
            _ => return Err("a bad fix marker".into()),
        };
        if !keep {
            return Ok(None);
        }
        Ok(Some(Diagnostic {
            code: rule.code,
            name: rule.name,
            severity,
            path: path.clone(),
            span,
            message: message.to_string(),
            labels,
            help: help.map(|h| h.to_string()),
            fix,
        }))
    }
}

/// `Ok(None)`: no cache, or one written by another build (not an error).
fn decode(bytes: Vec<u8>) -> R<Option<OldCache>> {
    let mut r = Reader {
        b: &bytes,
        at: 0,
        table: &[],
    };
    if r.take(8)? != MAGIC {
        return Err("not a cutoff cache file".into());
    }
    if r.u32()? != FORMAT {
        return Ok(None);
    }
    if r.str()? != build_id() {
        return Ok(None);
    }
    let identity = r.u64()?;
    let (records_len, records_digest) = (r.u64()? as usize, r.u64()?);
    let (index_len, index_digest) = (r.u64()? as usize, r.u64()?);
    let (table_len, table_digest) = (r.u64()? as usize, r.u64()?);
    let records_at = r.at;
    let records_bytes = r.take(records_len)?;
    let index_bytes = r.take(index_len)?;
    let table_bytes = r.take(table_len)?;
    if r.at != bytes.len() {
        return Err("trailing bytes".into());
    }
    let digests = [
        (records_bytes, records_digest),
        (index_bytes, index_digest),
        (table_bytes, table_digest),
    ];
    if !digests.par_iter().all(|(b, d)| StreamHash::of(b) == *d) {
        return Err("its checksum does not match".into());
    }
    crate::timing::phase("cache: checksum");
    let mut t = Reader {
        b: table_bytes,
        at: 0,
        table: &[],
    };
    let n = t.count(4)?;
    let mut table = Vec::with_capacity(n);
    for _ in 0..n {
        table.push(Arc::<str>::from(t.str()?));
    }
    if t.at != table_bytes.len() {
        return Err("trailing bytes in its string table".into());
    }
    crate::timing::phase("cache: table");
    let mut r = Reader {
        b: index_bytes,
        at: 0,
        table: &table,
    };
    let written_at = r.u64()? as i64;
    let n = r.count(4)?;
    let mut asked = Vec::with_capacity(n);
    for _ in 0..n {
        asked.push(r.u32()?);
    }
    let n = r.count(8)?;
    let mut starts = Vec::with_capacity(n + 1);
    for _ in 0..n {
        starts.push(r.u64()? as usize);
    }
    if r.at != index_bytes.len() {
        return Err("trailing bytes in its index".into());
    }
    starts.push(records_bytes.len());
    if starts.first().is_some_and(|&s| s != 0) || starts.windows(2).any(|w| w[0] > w[1]) {
        return Err("a record outside its records".into());
    }
    let table_ref = &table;
    let base = records_at;
    let records: Vec<R<OldRecord>> = starts
        .par_windows(2)
        .map(|w| {
            let end = base + w[1];
            let mut r = Reader {
                b: &bytes[..end],
                at: base + w[0],
                table: table_ref,
            };
            let path = r.text()?;
            let report = r.u8()? != 0;
            let stat = Stat {
                size: r.u64()?,
                mtime: r.u64()? as i64,
                ctime: r.u64()? as i64,
                ino: r.u64()?,
                dev: r.u64()?,
            };
            let hash = r.u64()?;
            // The rest is read through (and so checked) here, and decoded when asked for.
            let tokens_at = r.at;
            r.skip_u32s()?;
            let deps_at = r.at;
            r.u8()?;
            r.skip_u32s()?;
            r.skip_u32s()?;
            let diags_at = r.at;
            let diags = Reader { ..r }.count(30)? as u32;
            r.diags(false)?;
            let lines_at = r.at;
            r.lines(false)?;
            if r.at != end {
                return Err("trailing bytes in a record".into());
            }
            Ok(OldRecord {
                path,
                report,
                stat,
                hash,
                diags,
                tokens_at,
                deps_at,
                diags_at,
                lines_at,
                end,
            })
        })
        .collect();
    let records = records.into_iter().collect::<R<Vec<OldRecord>>>()?;
    Ok(Some(OldCache {
        identity,
        written_at,
        asked,
        records,
        bytes,
        table,
    }))
}

fn read_cache(path: &Path) -> R<Option<OldCache>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            crate::timing::phase("cache: read bytes");
            decode(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn write_cache(path: &Path, data: &CacheData) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        encode_to(&mut out, data)?;
        out.flush()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Makes `dir` a cache directory: creates it, with a `.gitignore` that ignores everything
/// in it and a `CACHEDIR.TAG` (so that backup tools skip it).
pub fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            &ignore,
            "# Created by cutoff: its cache, never to be committed.\n*\n",
        )?;
    }
    let tag = dir.join("CACHEDIR.TAG");
    if !tag.exists() {
        std::fs::write(
            &tag,
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by cutoff.\n",
        )?;
    }
    Ok(())
}

/// The platform's cache directory for cutoff (`$XDG_CACHE_HOME/cutoff`, `~/.cache/cutoff`,
/// `~/Library/Caches/cutoff`, `%LOCALAPPDATA%\cutoff`), when there is one.
pub fn platform_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        env("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Caches"))
    } else {
        env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache")))
    };
    base.map(|b| b.join("cutoff"))
}

/// The cache file of the group with reference root `root` and configuration file `config`
/// in the cache directory `dir` (one per root and configuration, replaced as they change).
pub fn file_in(dir: &Path, root: &Path, config: Option<&Path>) -> PathBuf {
    let slot = format!(
        "{}\n{}",
        root.display(),
        config.map(|c| c.display().to_string()).unwrap_or_default()
    );
    dir.join(format!("lint-{:016x}.bin", hash64(slot.as_bytes())))
}

/// For the `cache` fuzz target: wraps three parts (records, index, string table) in a
/// header this build accepts, with their true lengths and checksums, so that arbitrary bytes
/// reach the decoder behind the checksums; then decodes them. Any outcome but a panic (or a
/// hang) is correct: a file that does not decode is ignored with a note.
#[doc(hidden)]
pub fn fuzz_decode(records: &[u8], index: &[u8], table: &[u8]) -> bool {
    let parts = [records, index, table];
    let sums = parts.map(|p| PartSum {
        len: p.len() as u64,
        hash: StreamHash::of(p),
    });
    let mut bytes = header(&build_id(), 7, &sums);
    for part in parts {
        bytes.extend_from_slice(part);
    }
    match decode(bytes) {
        Ok(Some(c)) => {
            // What was checked when it was read decodes, without a panic.
            for r in 0..c.records.len() {
                let _ = (c.tokens(r), c.deps(r), c.diags(r), c.lines(r));
            }
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_sensitive() {
        assert_eq!(hash64(b""), hash64(b""));
        assert_ne!(hash64(b"a"), hash64(b"b"));
        assert_ne!(hash64(b"abcdefgh1"), hash64(b"abcdefgh2"));
        assert_ne!(hash64(b"\0"), hash64(b""));
        // Pinned: cache file names depend on it across builds.
        assert_eq!(hash64(b""), 0x7acd_bb98_b134_4213);
        assert_eq!(hash64(b"cutoff"), 0xb282_969f_2e58_cc3a);
        assert_eq!(hash64(b"abcdefgh1"), 0x052c_7a3e_dd7c_4083);
        assert_eq!(hash64(b"0123456789abcdef"), 0xf2b5_016a_fd8f_7bc0);
    }

    #[test]
    fn a_checksum_does_not_depend_on_how_the_bytes_arrive() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = StreamHash::of(&bytes);
        for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let mut s = StreamHash::new();
            s.update(&bytes[..cut]);
            s.update(&bytes[cut..]);
            assert_eq!(s.finish(), whole, "cut at {cut}");
        }
        let mut s = StreamHash::new();
        for b in &bytes {
            s.update(std::slice::from_ref(b));
        }
        assert_eq!(s.finish(), whole);
        assert_ne!(StreamHash::of(b"a"), StreamHash::of(b"a\0"));
        assert_ne!(StreamHash::of(b""), StreamHash::of(b"\0"));
    }

    #[test]
    fn round_trip_and_corruption() {
        let p: Arc<str> = "a.yaml".into();
        let rule = crate::rules::all()[0];
        let d = Diagnostic {
            code: rule.code,
            name: rule.name,
            severity: Severity::Warning,
            path: p.clone(),
            span: Span::new(1, 4),
            message: "m".into(),
            labels: vec![Label {
                path: p.clone(),
                span: Span::new(0, 1),
                message: "l".into(),
            }],
            help: Some("h".into()),
            fix: Some(Fix {
                applicability: Applicability::Unsafe,
                description: "f".into(),
                edits: vec![Edit {
                    path: p.clone(),
                    start: 1,
                    end: 2,
                    replacement: "x".into(),
                }],
            }),
        };
        let data = CacheData {
            identity: 7,
            written_at: 9,
            asked: vec![1, 5],
            records: vec![Record {
                path: p.clone(),
                report: true,
                stat: Stat {
                    size: 3,
                    mtime: 4,
                    ctime: 5,
                    ino: 6,
                    dev: 7,
                },
                hash: 8,
                tokens: vec![1, 2],
                deps: Deps {
                    files: vec![0],
                    keys: vec![5],
                    all: false,
                },
                diags: vec![d.clone()],
                lines: Some((vec![0, 2], 3)),
            }],
        };
        let mut cursor = std::io::Cursor::new(Vec::new());
        encode_to(&mut cursor, &data).unwrap();
        let bytes = cursor.into_inner();
        let back = decode(bytes.clone()).unwrap().unwrap();
        assert_eq!(back.identity, 7);
        assert_eq!(back.diags(0), vec![d.clone()]);
        assert_eq!(back.lines(0), Some((vec![0, 2], 3)));
        assert_eq!(back.tokens(0), vec![1, 2]);
        let deps = back.deps(0);
        assert_eq!((deps.files, deps.keys, deps.all), (vec![0], vec![5], false));
        // Every truncation and every flipped byte is an error or another build, never a panic.
        for n in 0..bytes.len() {
            let _ = decode(bytes[..n].to_vec());
            let mut b = bytes.clone();
            b[n] ^= 0x55;
            if let Ok(Some(c)) = decode(b) {
                // Only the identity is outside the checksum.
                assert_ne!(c.identity, 7);
            }
        }
        // Records past the first megabyte are written in pieces: they come back the same.
        let many: Vec<Record> = (0..30_000u32)
            .map(|i| Record {
                path: format!("dir/file-{i}.yaml").into(),
                report: i % 3 != 0,
                stat: Stat {
                    size: i as u64,
                    mtime: 4,
                    ctime: 5,
                    ino: i as u64,
                    dev: 7,
                },
                hash: u64::from(i) * 31,
                tokens: vec![i, i + 1],
                deps: Deps {
                    files: vec![i / 2],
                    keys: vec![],
                    all: i % 7 == 0,
                },
                diags: if i % 10 == 0 { vec![d.clone()] } else { vec![] },
                lines: (i % 5 == 0).then(|| (vec![0, i + 1], u64::from(i) + 2)),
            })
            .collect();
        let data = CacheData {
            identity: 8,
            written_at: 9,
            asked: vec![],
            records: many,
        };
        let mut cursor = std::io::Cursor::new(Vec::new());
        encode_to(&mut cursor, &data).unwrap();
        let bytes = cursor.into_inner();
        assert!(bytes.len() > 2 << 20, "{} bytes", bytes.len());
        let back = decode(bytes).unwrap().unwrap();
        assert_eq!(back.records.len(), data.records.len());
        for (i, (a, b)) in back.records.iter().zip(&data.records).enumerate() {
            assert_eq!(
                (
                    &a.path,
                    a.report,
                    a.stat,
                    a.hash,
                    back.tokens(i),
                    back.lines(i)
                ),
                (
                    &b.path,
                    b.report,
                    b.stat,
                    b.hash,
                    b.tokens.clone(),
                    b.lines.clone()
                )
            );
            let deps = back.deps(i);
            assert_eq!((&deps.files, deps.all), (&b.deps.files, b.deps.all));
            assert_eq!(back.diags(i), b.diags);
            assert_eq!(a.diags as usize, b.diags.len());
        }
    }
}
