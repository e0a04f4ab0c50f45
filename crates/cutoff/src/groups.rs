//! Which configuration and which reference root each file is read under.
//!
//! Every file is read under the `.cutoff.yaml` nearest to it (unless `--config` or
//! `--no-config` says otherwise for all), and its Pipelines and Tasks resolve against that
//! configuration's directory, else the file's git root, else the path it was found under
//! (or `--root`). So a file gets the
//! same findings whichever other paths are given, in whatever order, and whether it is
//! named or found by walking a directory: pre-commit (named files), the Action (a
//! directory) and `--changed-since` agree. Files that share both are linted together, as
//! one group.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use cutoff_core::config::{self, Config};
use cutoff_core::walk::{self, Trail};

use crate::cli::Common;

/// Files read under one configuration, against one reference root.
pub struct Group {
    pub config: Config,
    /// Pipelines and Tasks resolve against every file below it.
    pub root: PathBuf,
    /// The files to report on, sorted.
    pub files: Vec<PathBuf>,
    /// A walked directory contains the whole root: no context to add.
    pub covers_root: bool,
    /// Standard input belongs to this group.
    pub stdin: bool,
}

pub struct Plan {
    pub groups: Vec<Group>,
    /// Paths that do not exist.
    pub io_errors: Vec<String>,
    /// What the walk rested on (when asked to trace it), and when it began (nanoseconds
    /// since the epoch): for [`crate::snapshot::save`].
    pub trail: Option<(Trail, i64)>,
}

/// What to read: `paths` walked (directories) or taken as given (files), `stdin_name` the
/// shown path of standard input if it is read. `exclude:` of a file's configuration
/// leaves out walked files, and named files too with `force_exclude`. `adjust` applies
/// the command line's overrides to each configuration once it is loaded. With `trace`, the
/// plan keeps the [`Trail`] of its walk.
pub fn plan(
    paths: &[PathBuf],
    common: &Common,
    force_exclude: bool,
    stdin_name: Option<&str>,
    adjust: &dyn Fn(&mut Config) -> Result<(), String>,
    trace: bool,
) -> Result<Plan, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    let (files, io_errors, trail) = walk::collect_traced(paths, &cwd, &|_| false, trace);
    let trail = trace.then_some((trail, started));
    cutoff_core::timing::phase("plan: walk");
    let mut finder = Finder::new(common, adjust)?;
    // Every directory of a file is asked for a configuration (and a `.git`): ask them all
    // at once, in parallel.
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent())
        .map(|d| absolute(&cwd, d))
        .collect();
    walk::sort_paths(&mut dirs);
    // Once per directory, not once per file (100,000 files in 40,000 directories).
    dirs.dedup();
    // Only what [`Finder::find`] will ask: no configuration with `--config`/`--no-config`,
    // no `.git` with `--root`.
    let names: &[&str] = if finder.fixed.is_some() {
        &[]
    } else {
        &config::CONFIG_FILE_NAMES
    };
    let probed = walk::probe_dirs(&dirs, names, common.root.is_none());
    finder.here = dirs.into_iter().zip(probed).collect();
    cutoff_core::timing::phase("plan: probe");

    // Group key: (configuration file, root); BTreeMap for a stable order.
    let mut groups: BTreeMap<(Option<PathBuf>, PathBuf), Group> = BTreeMap::new();
    let walked_dirs: Vec<&PathBuf> = paths.iter().filter(|p| p.is_dir()).collect();
    // Files of one directory (runs of them, in sorted order) share a group: it is found
    // once per run.
    let mut files = files.into_iter().peekable();
    while let Some(first) = files.next() {
        let dir = match first.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut run = vec![first];
        while let Some(next) = files.next_if(|n| n.parent() == Some(dir.as_path())) {
            run.push(next);
        }
        // The path the files were found under: their directory when named, else the walked
        // one.
        let under = walked_dirs
            .iter()
            .find(|p| dir.starts_with(p))
            .map(|p| (*p).clone())
            .unwrap_or_else(|| dir.clone());
        let (config_path, root) = finder.find(&dir, &under)?;
        let key = (config_path.clone(), root.clone());
        if !groups.contains_key(&key) {
            let config = finder.config(config_path.as_deref())?;
            groups.insert(key.clone(), Group::new(config, root));
        }
        let g = groups.get_mut(&key).expect("inserted above");
        let excludes = g.config.exclude_set.is_some();
        for f in run {
            let named = paths.contains(&f);
            if (!named || force_exclude)
                && excludes
                && g.config.is_excluded(&walk::display_path(&f, &cwd))
            {
                continue;
            }
            g.files.push(f);
        }
    }
    if let Some(name) = stdin_name {
        // Standard input is read as if it were the file it names.
        let dir = parent_dir(Path::new(name));
        let dir = if dir.is_dir() { dir } else { cwd.clone() };
        let (config_path, root) = finder.find(&dir, &cwd)?;
        let key = (config_path.clone(), root.clone());
        if !groups.contains_key(&key) {
            let config = finder.config(config_path.as_deref())?;
            groups.insert(key.clone(), Group::new(config, root));
        }
        groups.get_mut(&key).expect("inserted above").stdin = true;
    }
    cutoff_core::timing::phase("plan: group");
    let walked: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut groups: Vec<Group> = groups.into_values().collect();
    for g in &mut groups {
        let root = std::fs::canonicalize(&g.root).unwrap_or_else(|_| g.root.clone());
        g.covers_root = walked.iter().any(|w| root.starts_with(w));
    }
    if groups.is_empty() {
        // Nothing to read: one empty group, so that the run still reports (no findings).
        let start = paths.first().cloned().unwrap_or_else(|| cwd.clone());
        let (config_path, root) = finder.find(&parent_dir(&start), &parent_dir(&start))?;
        let mut g = Group::new(finder.config(config_path.as_deref())?, root);
        g.covers_root = true;
        groups.push(g);
    }
    Ok(Plan {
        groups,
        io_errors,
        trail,
    })
}

/// The plan of a snapshot whose stamps still hold (see [`crate::snapshot`]): its groups
/// and files as they were, each configuration loaded again.
pub fn from_saved(
    saved: Vec<crate::snapshot::SavedGroup>,
    common: &Common,
    adjust: &dyn Fn(&mut Config) -> Result<(), String>,
) -> Result<Plan, String> {
    let mut finder = Finder::new(common, adjust)?;
    let mut groups = Vec::with_capacity(saved.len());
    for s in saved {
        let mut g = Group::new(finder.config(s.config.as_deref())?, s.root);
        g.files = s.files;
        g.covers_root = s.covers_root;
        groups.push(g);
    }
    Ok(Plan {
        groups,
        io_errors: Vec::new(),
        trail: None,
    })
}

impl Group {
    fn new(config: Config, root: PathBuf) -> Group {
        Group {
            config,
            root,
            files: Vec::new(),
            covers_root: false,
            stdin: false,
        }
    }
}

/// A directory itself, or a file's directory (`.` for a bare file name).
fn parent_dir(p: &Path) -> PathBuf {
    if p.is_dir() {
        return p.to_path_buf();
    }
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `dir` as an absolute path without `.` and `..` (lexically: `a/../b` is `b`).
fn absolute(cwd: &Path, dir: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(dir).components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// What [`Finder::nearest`] looks for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Marker {
    /// A configuration file (`.cutoff.yaml`, …).
    Config,
    /// A git repository (`.git`).
    Git,
}

/// Finds (with a cache per directory) and loads (once per file) configurations.
struct Finder<'a> {
    common: &'a Common,
    adjust: &'a dyn Fn(&mut Config) -> Result<(), String>,
    /// Set by `--config` / `--no-config`: the same for every file.
    fixed: Option<Option<PathBuf>>,
    by_dir: HashMap<(PathBuf, PathBuf), (Option<PathBuf>, PathBuf)>,
    /// Per directory and marker: the nearest marker file at or above it (shared by all the
    /// directories below, so each directory is looked at once).
    nearest: HashMap<(PathBuf, Marker), Option<PathBuf>>,
    loaded: HashMap<Option<PathBuf>, Config>,
    cwd: PathBuf,
    /// Per absolute directory, probed beforehand: its configuration file, and whether it
    /// holds a `.git`.
    here: HashMap<PathBuf, (Option<PathBuf>, bool)>,
}

impl<'a> Finder<'a> {
    fn new(
        common: &'a Common,
        adjust: &'a dyn Fn(&mut Config) -> Result<(), String>,
    ) -> Result<Finder<'a>, String> {
        let fixed = if common.no_config {
            Some(None)
        } else {
            common.config.clone().map(Some)
        };
        Ok(Finder {
            common,
            adjust,
            fixed,
            by_dir: HashMap::new(),
            nearest: HashMap::new(),
            loaded: HashMap::new(),
            here: HashMap::new(),
            cwd: std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))?,
        })
    }

    /// The configuration file and the root for files in `dir`, found under `under`.
    fn find(&mut self, dir: &Path, under: &Path) -> Result<(Option<PathBuf>, PathBuf), String> {
        let key = (dir.to_path_buf(), under.to_path_buf());
        if let Some(hit) = self.by_dir.get(&key) {
            return Ok(hit.clone());
        }
        let abs = absolute(&self.cwd, dir);
        let config_path = match &self.fixed {
            Some(p) => p.clone(),
            None => self.nearest(&abs, Marker::Config),
        };
        let root = match (
            &self.common.root,
            config_path.as_deref().and_then(Path::parent),
        ) {
            (Some(r), _) => r.clone(),
            (None, Some(config_dir)) => config_dir.to_path_buf(),
            (None, None) => self
                .nearest(&abs, Marker::Git)
                .and_then(|g| g.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| under.to_path_buf()),
        };
        let hit = (config_path, root);
        self.by_dir.insert(key, hit.clone());
        Ok(hit)
    }

    /// The nearest `marker` at or above the absolute directory `dir`: the configuration
    /// file, or the `.git` of the repository.
    fn nearest(&mut self, dir: &Path, marker: Marker) -> Option<PathBuf> {
        let key = (dir.to_path_buf(), marker);
        if let Some(hit) = self.nearest.get(&key) {
            return hit.clone();
        }
        let here = match (marker, self.here.get(dir)) {
            (Marker::Config, Some((config, _))) => config.clone(),
            (Marker::Git, Some((_, git))) => git.then(|| dir.join(".git")),
            (Marker::Config, None) => config::CONFIG_FILE_NAMES
                .iter()
                .map(|n| dir.join(n))
                .find(|c| c.is_file()),
            (Marker::Git, None) => Some(dir.join(".git")).filter(|g| g.exists()),
        };
        let found = match here {
            Some(h) => Some(h),
            None => dir.parent().and_then(|p| self.nearest(p, marker)),
        };
        self.nearest.insert(key, found.clone());
        found
    }

    fn config(&mut self, path: Option<&Path>) -> Result<Config, String> {
        let key = path.map(Path::to_path_buf);
        if let Some(c) = self.loaded.get(&key) {
            return Ok(c.clone());
        }
        let mut config = match path {
            // Loaded by the path shown to users (relative to the current directory when
            // below it), so that errors name it as they name linted files.
            Some(p) => {
                let cwd = std::env::current_dir().unwrap_or_default();
                let shown = PathBuf::from(walk::display_path(p, &cwd));
                Config::load(p, &shown.to_string_lossy()).map_err(|e| e.to_string())?
            }
            None => Config::default(),
        };
        // The repository's own URLs, for git-resolver references to itself.
        let near = path
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
        config.repository_urls = crate::cli::git_remote_urls(&near);
        crate::cli::apply_overrides(self.common, &mut config)?;
        (self.adjust)(&mut config)?;
        self.loaded.insert(key, config.clone());
        Ok(config)
    }
}
