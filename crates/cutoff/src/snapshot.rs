//! The plan of the last run, kept beside the lint cache: which files each group held, and
//! the stamps of everything the walk that found them rested on ([`walk::Trail`]): the
//! directories it listed, the parents of the paths it was given, the files that steer it
//! (`.gitignore`, `.ignore`, git's index and excludes, configuration files). When none of
//! those changed, the same walk would find the same files, so a repeated run takes the
//! plan from here instead of walking, probing and grouping again: at 100,000 files that is
//! most of what an unchanged run costs. The files' contents are not vouched for here: the
//! lint cache stamps (and, when in doubt, hashes) each of them.
//!
//! One snapshot per command line (the paths and what decides configurations and roots),
//! never trusted across builds of cutoff; a snapshot that cannot be read is ignored (and
//! replaced), since planning afresh is always correct.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use cutoff_core::cache;
use cutoff_core::config;
use cutoff_core::walk::{self, Stamp, Trail};

use crate::cli::Common;
use crate::groups::Plan;

/// Bumped whenever the layout changes.
const FORMAT: u32 = 2;
const MAGIC: &[u8; 8] = b"CUTOFFP\0";

/// A stamp newer than this before the walk began may hide a change made in the same clock
/// tick (or during the walk): then no snapshot is written. `CUTOFF_TEST_RACY_MS` sets
/// another window (the tests, which edit and lint within milliseconds, set 0; a change
/// made during the walk is still caught).
fn racy_ns() -> i64 {
    std::env::var("CUTOFF_TEST_RACY_MS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .map_or(2_000_000_000, |ms| ms.saturating_mul(1_000_000))
}

/// One group of a saved plan: its configuration is loaded again (it is small), its files
/// are not looked for again.
pub struct SavedGroup {
    pub config: Option<PathBuf>,
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    pub covers_root: bool,
}

/// What identifies a plan: this build, where paths are shown from, the paths given and
/// what chooses configurations and roots.
pub fn key(paths: &[PathBuf], common: &Common, force_exclude: bool) -> u64 {
    let cwd = std::env::current_dir().unwrap_or_default();
    let text = format!(
        "{FORMAT}\n{}\n{}\n{paths:?}\n{:?}\n{:?}\n{:?}\n{force_exclude}",
        cache::build_id(),
        cwd.display(),
        common.config,
        common.no_config,
        common.root,
    );
    cache::hash64(text.as_bytes())
}

/// The snapshot file of `key` in the cache directory `dir`.
pub fn file_in(dir: &Path, key: u64) -> PathBuf {
    dir.join(format!("plan-{key:016x}.bin"))
}

/// Where a snapshot of `key` may be: the chosen cache directory, else `.cutoff_cache/` in
/// the first path given (when a directory) or a parent of it (the root its cache went to),
/// else the platform's cache directory.
pub fn find(chosen: Option<&Path>, paths: &[PathBuf], key: u64) -> Option<PathBuf> {
    if let Some(dir) = chosen {
        return Some(file_in(dir, key)).filter(|f| f.is_file());
    }
    let first = paths.first()?;
    if !first.is_dir() {
        return None;
    }
    let abs = std::fs::canonicalize(first).ok()?;
    abs.ancestors()
        .map(|a| file_in(&a.join(cache::DIR_NAME), key))
        .chain(cache::platform_dir().map(|d| file_in(&d, key)))
        .find(|f| f.is_file())
}

/// The saved groups of `file` when it holds a snapshot of `key` whose stamps all still
/// hold; `None` otherwise (then plan afresh).
pub fn load(file: &Path, key: u64) -> Option<Vec<SavedGroup>> {
    let bytes = std::fs::read(file).ok()?;
    let (stamps, groups) = decode(&bytes, key)?;
    // A listed directory whose time moved still holds what the walk found when its
    // entries are the same (a file in it saved by renaming a new one over it).
    let same = stamps.par_iter().all(|(p, s, digest)| {
        let now = walk::stamp(p).ok();
        now == *s || (digest.is_some() && now.is_some() && walk::listing_digest(p) == *digest)
    });
    same.then_some(groups)
}

/// Writes the snapshot of `plan`, found by a walk that began at `started` (nanoseconds)
/// and left `trail`, to `file`; nothing when the plan cannot be vouched for (a walk error,
/// standard input, a change during the walk).
pub fn save(
    file: &Path,
    key: u64,
    plan: &Plan,
    trail: &Trail,
    paths: &[PathBuf],
    common: &Common,
    started: i64,
) {
    if trail.unsure || !plan.io_errors.is_empty() || plan.groups.iter().any(|g| g.stdin) {
        return;
    }
    let config_names: &[&str] = if common.config.is_some() || common.no_config {
        &[]
    } else {
        &config::CONFIG_FILE_NAMES
    };
    // Not the times of the directories above the walk (anything made beside it changes
    // them): what in them could change the walk.
    // Each listed directory's entries are digested here, before it is stamped below: when
    // the stamp is older than the walk (else nothing is saved), they are those the walk saw.
    let (steering, digests) = walk::steering(&trail.listed, &trail.above, config_names);
    // A listed directory that ignores every entry in it (a cache directory chosen inside the
    // tree, whose time changes on every run) changes no walk by what comes and goes in it:
    // its time is not watched, but its `.gitignore` is, and its `.ignore` whether it exists.
    // (A directory above the walk may be among them: its time is not watched anyway.)
    let quiet: Vec<&Path> = steering
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == ".gitignore"))
        .filter_map(|p| p.parent())
        .filter(|d| walk::ignores_everything(d))
        .collect();
    // (path, digest of its entries when it is a listed directory)
    let mut watched: Vec<(PathBuf, Option<Option<u64>>)> = trail
        .listed
        .iter()
        .zip(digests)
        .filter(|(d, _)| !quiet.contains(&d.as_path()))
        .map(|(d, digest)| (d.clone(), Some(digest)))
        .collect();
    let others = quiet
        .iter()
        .map(|d| d.join(".ignore"))
        .chain(steering.iter().cloned())
        .chain(paths.iter().filter(|p| !p.is_dir()).cloned())
        .chain(plan.groups.iter().filter_map(|g| g.config.path.clone()))
        .chain(common.config.iter().cloned());
    watched.extend(others.map(|p| (p, None)));
    // A path both listed and steering is watched as listed (with its digest). By bytes:
    // a path written two ways is only watched twice.
    watched.sort_unstable_by(|(a, da), (b, db)| {
        let (a, b) = (a.as_os_str(), b.as_os_str());
        a.as_encoded_bytes()
            .cmp(b.as_encoded_bytes())
            .then(da.is_none().cmp(&db.is_none()))
    });
    watched.dedup_by(|a, b| a.0 == b.0);
    let stamps: Vec<Watched> = watched
        .into_par_iter()
        .map(|(p, digest)| {
            let s = walk::stamp(&p).ok();
            (p, s, digest.flatten())
        })
        .collect();
    // A walked directory whose time moved only because the cache directory was made in it
    // (its other entries are those it had before the walk) is not a change. (A file that
    // came and went again while the walk listed that one directory goes unseen: a window
    // of milliseconds, in the one run that makes the cache directory.)
    let made_cache_dir = |p: &Path| {
        trail
            .before
            .iter()
            .any(|(d, before)| d == p && before.is_some() && walk::listing(d) == *before)
    };
    let window = racy_ns();
    let racy = stamps.iter().any(|(p, s, _)| {
        s.is_some_and(|s| s.mtime.max(s.ctime) >= started - window) && !made_cache_dir(p)
    });
    if racy {
        return;
    }
    let bytes = encode(key, &stamps, plan);
    let Some(dir) = file.parent() else { return };
    forget_old(dir, file);
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    use std::io::Write;
    if tmp.write_all(&bytes).is_ok() {
        let _ = tmp.persist(file);
    }
}

/// How many snapshots (one per command line) a cache directory keeps.
const KEEP: usize = 8;

/// Removes the oldest snapshots in `dir` but `file`, so that `KEEP` remain with it.
fn forget_old(dir: &Path, file: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut plans: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p != file)
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("plan-") && n.ends_with(".bin")
            })
        })
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    plans.sort();
    let extra = plans.len().saturating_sub(KEEP - 1);
    for (_, p) in plans.into_iter().take(extra) {
        let _ = std::fs::remove_file(p);
    }
}

/// The bytes of a snapshot: a header (magic, format, build, checksum of the body), then the
/// body: the key, the stamps, the groups; little-endian integers, paths as their bytes.
fn encode(key: u64, stamps: &[Watched], plan: &Plan) -> Vec<u8> {
    let mut body = Vec::new();
    let u64 = |b: &mut Vec<u8>, v: u64| b.extend_from_slice(&v.to_le_bytes());
    let path = |b: &mut Vec<u8>, p: &Path| {
        let bytes = p.as_os_str().as_encoded_bytes();
        b.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        b.extend_from_slice(bytes);
    };
    u64(&mut body, key);
    u64(&mut body, stamps.len() as u64);
    for (p, s, digest) in stamps {
        path(&mut body, p);
        match s {
            None => body.push(0),
            Some(s) => {
                body.push(1);
                for v in [s.size, s.mtime as u64, s.ctime as u64, s.ino, s.dev] {
                    u64(&mut body, v);
                }
            }
        }
        match digest {
            None => body.push(0),
            Some(d) => {
                body.push(1);
                u64(&mut body, *d);
            }
        }
    }
    u64(&mut body, plan.groups.len() as u64);
    for g in &plan.groups {
        match &g.config.path {
            None => body.push(0),
            Some(c) => {
                body.push(1);
                path(&mut body, c);
            }
        }
        path(&mut body, &g.root);
        body.push(g.covers_root as u8);
        u64(&mut body, g.files.len() as u64);
        for f in &g.files {
            path(&mut body, f);
        }
    }
    let mut out = Vec::with_capacity(body.len() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    let build = cache::build_id();
    out.extend_from_slice(&(build.len() as u64).to_le_bytes());
    out.extend_from_slice(build.as_bytes());
    out.extend_from_slice(&cache::hash64(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A watched path, its stamp, and (for a listed directory) the digest of its entries
/// ([`walk::listing_digest`]).
type Watched = (PathBuf, Option<Stamp>, Option<u64>);

type Decoded = (Vec<Watched>, Vec<SavedGroup>);

/// Reads a snapshot written by [`encode`] for `key`; `None` if it is not one (another
/// build, another key, damaged).
fn decode(bytes: &[u8], key: u64) -> Option<Decoded> {
    struct R<'a>(&'a [u8]);
    impl<'a> R<'a> {
        fn take(&mut self, n: usize) -> Option<&'a [u8]> {
            if n > self.0.len() {
                return None;
            }
            let (a, b) = self.0.split_at(n);
            self.0 = b;
            Some(a)
        }
        fn u8(&mut self) -> Option<u8> {
            Some(self.take(1)?[0])
        }
        fn u64(&mut self) -> Option<u64> {
            Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
        }
        fn count(&mut self) -> Option<usize> {
            let n = usize::try_from(self.u64()?).ok()?;
            // Every counted item takes at least one byte.
            (n <= self.0.len()).then_some(n)
        }
        fn path(&mut self) -> Option<PathBuf> {
            let n = self.count()?;
            let b = self.take(n)?;
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStrExt;
                Some(PathBuf::from(std::ffi::OsStr::from_bytes(b)))
            }
            #[cfg(not(unix))]
            {
                std::str::from_utf8(b).ok().map(PathBuf::from)
            }
        }
    }
    let mut r = R(bytes);
    if r.take(8)? != MAGIC || u32::from_le_bytes(r.take(4)?.try_into().ok()?) != FORMAT {
        return None;
    }
    let n = r.count()?;
    if r.take(n)? != cache::build_id().as_bytes() {
        return None;
    }
    let sum = r.u64()?;
    if cache::hash64(r.0) != sum {
        return None;
    }
    if r.u64()? != key {
        return None;
    }
    let n = r.count()?;
    let mut stamps = Vec::with_capacity(n);
    for _ in 0..n {
        let p = r.path()?;
        let s = match r.u8()? {
            0 => None,
            1 => Some(Stamp {
                size: r.u64()?,
                mtime: r.u64()? as i64,
                ctime: r.u64()? as i64,
                ino: r.u64()?,
                dev: r.u64()?,
            }),
            _ => return None,
        };
        let digest = match r.u8()? {
            0 => None,
            1 => Some(r.u64()?),
            _ => return None,
        };
        stamps.push((p, s, digest));
    }
    let n = r.count()?;
    let mut groups = Vec::with_capacity(n);
    for _ in 0..n {
        let config = match r.u8()? {
            0 => None,
            1 => Some(r.path()?),
            _ => return None,
        };
        let root = r.path()?;
        let covers_root = r.u8()? != 0;
        let n = r.count()?;
        let mut files = Vec::with_capacity(n);
        for _ in 0..n {
            files.push(r.path()?);
        }
        groups.push(SavedGroup {
            config,
            root,
            files,
            covers_root,
        });
    }
    r.0.is_empty().then_some((stamps, groups))
}
