//! Which files a run reads, in a deterministic order.
//!
//! Uses the `ignore` crate (honours `.gitignore`, also outside git) but visits hidden
//! directories, because `.tekton/` (Pipelines-as-Code) and `.github/` must be linted.
//! `.git/` is skipped. Directories yield `*.yaml`/`*.yml`; explicit files are always read.
//! Inside a git checkout, a file git tracks is part of the repository even when a
//! `.gitignore` pattern matches it (it was force-added, and Argo CD and Flux apply it all the
//! same): those files are linted too (`git ls-files`).

use std::path::{Component, Path, PathBuf};

/// Is this a file name cutoff lints when walking a directory?
pub fn is_lintable_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml")
    )
}

/// A path as shown to users: relative to `cwd` when below it, with `/`, without `./`.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let rel = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    // What the walk writes (`./a/b.yaml`, `a/b.yaml`) is shown as it is, without `./`:
    // no need to take it apart (a run shows every file's path).
    if let Some(s) = rel.to_str() {
        let s = s.trim_start_matches("./");
        let plain = !s.is_empty()
            && !s.starts_with('/')
            && !s.ends_with('/')
            && !s.contains("//")
            && s.split('/').all(|c| c != "." && c != "..")
            && !cfg!(windows);
        if plain {
            return s.to_string();
        }
    }
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::RootDir => parts.push(String::new()),
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => parts.push("..".into()),
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let s = parts.join("/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// How a path looked on disk (following symbolic links): enough to tell that it changed,
/// or was replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime: i64,
    /// Nanoseconds since the Unix epoch (0 where the platform has no ctime).
    pub ctime: i64,
    pub ino: u64,
    pub dev: u64,
}

/// The [`Stamp`] of `path`.
pub fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let m = std::fs::metadata(path)?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(Stamp {
            size: m.len(),
            mtime,
            ctime: m.ctime().saturating_mul(1_000_000_000) + m.ctime_nsec(),
            ino: m.ino(),
            dev: m.dev(),
        })
    }
    #[cfg(not(unix))]
    {
        Ok(Stamp {
            size: m.len(),
            mtime,
            ctime: 0,
            ino: 0,
            dev: 0,
        })
    }
}

/// What a walk's answer rests on, besides the files it found: every directory it listed (a
/// file added, removed or renamed in one changes the directory's time), the parents of the
/// paths it was given (their `.gitignore`s, `.git`s and configuration files apply too), and
/// each walked directory's entries as they were before the walk (see [`listing`]).
/// With the files that steer it ([`steering`]), stamped, they tell a later run whether the
/// same walk would find the same files.
#[derive(Debug, Default)]
pub struct Trail {
    pub listed: Vec<PathBuf>,
    pub above: Vec<PathBuf>,
    pub before: Vec<(PathBuf, Option<Listing>)>,
    /// Something the trail cannot vouch for was met (a walk error).
    pub unsure: bool,
}

/// The entries of a directory: each one's name, and whether it is a directory.
pub type Listing = Vec<(std::ffi::OsString, bool)>;

/// The entries of `dir`, sorted, but cutoff's cache directory (which a run may create
/// there); `None` if it cannot be listed.
pub fn listing(dir: &Path) -> Option<Listing> {
    let entries = entries(dir)?;
    Some(
        entries
            .into_iter()
            .map(|(name, kind)| (name, kind == b'd'))
            .collect(),
    )
}

/// The entries of `dir`, sorted: each name and what it is (`d` directory, `f` file, `l`
/// symbolic link, `o` other), but cutoff's cache directory (which a run may create there).
/// `None` when it cannot be listed.
fn entries(dir: &Path) -> Option<Vec<(std::ffi::OsString, u8)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        if e.file_name() == CACHE_DIR_NAME {
            continue;
        }
        let t = e.file_type().ok()?;
        let kind = if t.is_dir() {
            b'd'
        } else if t.is_file() {
            b'f'
        } else if t.is_symlink() {
            b'l'
        } else {
            b'o'
        };
        out.push((e.file_name(), kind));
    }
    out.sort_unstable();
    Some(out)
}

fn digest_of(entries: &[(std::ffi::OsString, u8)]) -> u64 {
    let mut bytes = Vec::new();
    for (name, kind) in entries {
        let name = name.as_encoded_bytes();
        bytes.extend_from_slice(&(name.len() as u64).to_le_bytes());
        bytes.extend_from_slice(name);
        bytes.push(*kind);
    }
    crate::cache::hash64(&bytes)
}

/// A digest of what `dir` holds: the names of its entries and what each is (file,
/// directory, symbolic link, other), but cutoff's cache directory. Two equal digests mean a walk would find the same entries there, whatever moved the
/// directory's time meanwhile (an editor that saves by writing a new file and renaming it
/// over the old one). `None` when it cannot be listed.
pub fn listing_digest(dir: &Path) -> Option<u64> {
    entries(dir).map(|e| digest_of(&e))
}

/// The paths whose stamps (or absence) decide, besides the directories' own times, what a
/// walk of `listed` below `above` finds: in a listed directory its `.gitignore` and
/// `.ignore` when they exist (their coming and going shows in the directory's time), and
/// the `index` (which files git tracks), `info/` and `info/exclude` of any git directory
/// (`.git`, or where a `.git` file points in a worktree or submodule); in a
/// directory above, each of those whether it exists or not, and the configuration file
/// names `config_names`. Beside them, the [`listing_digest`] of each listed directory, in
/// `listed`'s order: each is listed once, in parallel, and its entries say which of those
/// files it holds.
pub fn steering(
    listed: &[PathBuf],
    above: &[PathBuf],
    config_names: &[&str],
) -> (Vec<PathBuf>, Vec<Option<u64>>) {
    use rayon::prelude::*;
    // `has`: whether the directory holds an entry of that name (a dangling link too, which
    // is then watched as absent).
    let of = |d: &Path, all: bool, has: &dyn Fn(&str) -> bool| -> Vec<PathBuf> {
        let mut out = Vec::new();
        for name in [".gitignore", ".ignore"] {
            if all || has(name) {
                out.push(d.join(name));
            }
        }
        if all {
            out.extend(config_names.iter().map(|n| d.join(n)));
        }
        let git = if all || has(".git") { git_dir(d) } else { None };
        if all || git.is_some() {
            out.push(d.join(".git"));
        }
        if let Some(git) = git {
            out.extend(["index", "info", "info/exclude"].map(|s| git.join(s)));
            out.push(git);
        }
        out
    };
    let per_listed: Vec<(Vec<PathBuf>, Option<u64>)> = listed
        .par_iter()
        .map(|d| match entries(d) {
            Some(e) => {
                let has = |n: &str| {
                    e.binary_search_by(|(name, _)| name.as_os_str().cmp(std::ffi::OsStr::new(n)))
                        .is_ok()
                };
                (of(d, false, &has), Some(digest_of(&e)))
            }
            None => (of(d, false, &|n: &str| d.join(n).exists()), None),
        })
        .collect();
    let mut digests = Vec::with_capacity(listed.len());
    let mut all = Vec::new();
    for (paths, digest) in per_listed {
        all.extend(paths);
        digests.push(digest);
    }
    all.extend(above.iter().flat_map(|d| of(d, true, &|_| true)));
    (all, digests)
}

/// Does `dir` ignore every entry in it? Its `.gitignore` has a `*` (or `/*`) line and no
/// `!` line, and it has no `.ignore` (which could bring entries back). So is cutoff's own
/// cache directory: what comes and goes in such a directory changes no walk.
pub fn ignores_everything(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join(".gitignore")) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.iter().any(|l| *l == "*" || *l == "/*")
        && !lines.iter().any(|l| l.starts_with('!'))
        && !dir.join(".ignore").exists()
}

/// The git directory of a checkout whose top is `dir`: its `.git`, or where a `.git` file
/// points (a worktree, a submodule: `gitdir: PATH`). `None` when there is neither.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let git = dir.join(".git");
    let meta = std::fs::metadata(&git).ok()?;
    if meta.is_dir() {
        return Some(git);
    }
    let text = std::fs::read_to_string(&git).ok()?;
    let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    Some(dir.join(target))
}

/// Walks `paths`, leaving out the files whose shown path (see [`display_path`]) `exclude`
/// matches. Returns sorted, de-duplicated file paths, and errors for paths that do not exist
/// or cannot be read. Directories are walked on every core.
pub fn collect(
    paths: &[PathBuf],
    cwd: &Path,
    exclude: &dyn Fn(&str) -> bool,
) -> (Vec<PathBuf>, Vec<String>) {
    let (files, errors, _) = collect_traced(paths, cwd, exclude, false);
    (files, errors)
}

/// [`collect`], and (if `trace`) the [`Trail`] of the walk.
pub fn collect_traced(
    paths: &[PathBuf],
    cwd: &Path,
    exclude: &dyn Fn(&str) -> bool,
    trace: bool,
) -> (Vec<PathBuf>, Vec<String>, Trail) {
    let mut trail = Trail::default();
    if trace {
        for p in paths {
            let abs = if p.is_absolute() {
                p.clone()
            } else {
                cwd.join(p)
            };
            trail
                .above
                .extend(abs.ancestors().skip(1).map(Path::to_path_buf));
            if p.is_dir() {
                trail.before.push((p.clone(), listing(p)));
            }
        }
        sort_paths(&mut trail.above);
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => {
                files.push(p.clone());
                continue;
            }
            Ok(m) if m.is_dir() => {}
            Ok(m) => {
                // A FIFO, socket or device named on the command line: say what it is.
                errors.push(format!(
                    "{}: {}",
                    p.display(),
                    crate::lint::not_a_regular_file(&m)
                ));
                continue;
            }
            Err(e) => {
                let what = if std::fs::symlink_metadata(p).is_ok() {
                    format!("cannot be read: {e}")
                } else {
                    "no such file or directory".to_string()
                };
                errors.push(format!("{}: {what}", p.display()));
                continue;
            }
        }
        for f in git_tracked(p) {
            if is_lintable_name(&f) && !exclude(&display_path(&f, cwd)) {
                files.push(f);
            }
        }
        let (found, errs) = walk_dir(p, trace.then_some(&mut trail.listed));
        trail.unsure |= !errs.is_empty();
        errors.extend(errs);
        for f in found {
            if !exclude(&display_path(&f, cwd)) {
                files.push(f);
            }
        }
    }
    crate::timing::phase("walk: walk");
    sort_paths(&mut files);
    crate::timing::phase("walk: sort");
    trail.unsure |= !errors.is_empty();
    if trace {
        sort_paths(&mut trail.listed);
    }
    (files, errors, trail)
}

/// Sorts `paths` in the order of their components and removes duplicates. On Unix the
/// bytes are compared with `/` lowest, which orders paths written the same way (as the walk
/// writes them) as their components do, without splitting each path into components on
/// every comparison.
pub fn sort_paths(paths: &mut Vec<PathBuf>) {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        fn key(p: &Path) -> impl Iterator<Item = u8> + '_ {
            p.as_os_str()
                .as_bytes()
                .iter()
                .map(|&b| if b == b'/' { 0 } else { b })
        }
        // Written another way (`a//b`, `a/./b`, a trailing `/`), two paths can be the same
        // path with other bytes: then the components decide, as they always did.
        let unusual = |p: &PathBuf| {
            let b = p.as_os_str().as_bytes();
            memchr::memmem::find(b, b"//").is_some()
                || memchr::memmem::find(b, b"/./").is_some()
                || b.ends_with(b"/")
                || b.ends_with(b"/.")
        };
        if paths.iter().any(unusual) {
            paths.sort_unstable();
            paths.dedup();
            return;
        }
        paths.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        paths.dedup_by(|a, b| a.as_os_str() == b.as_os_str());
    }
    #[cfg(not(unix))]
    {
        paths.sort_unstable();
        paths.dedup();
    }
}

/// The name of cutoff's cache directories, which the walk never enters: everything in one
/// is ignored anyway (by the `.gitignore` cutoff writes there), and its time changes on
/// every run.
const CACHE_DIR_NAME: &str = ".cutoff_cache";

/// The lintable files below `dir` (unsorted) and the errors met, walked in parallel with
/// `.gitignore` (and `.ignore`) honoured and hidden directories visited but `.git`. With
/// `dirs`, the directories listed are added to it.
fn walk_dir(dir: &Path, dirs: Option<&mut Vec<PathBuf>>) -> (Vec<PathBuf>, Vec<String>) {
    use std::sync::Mutex;
    let mut b = ignore::WalkBuilder::new(dir);
    b.hidden(false)
        .require_git(false)
        .git_global(false)
        .parents(true)
        .threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
        .filter_entry(|e| e.file_name() != ".git" && e.file_name() != CACHE_DIR_NAME);
    let found: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let trace = dirs.is_some();
    let listed: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    /// One walker thread's finds, handed over when the thread is done.
    struct Visitor<'a> {
        files: Vec<PathBuf>,
        errors: Vec<String>,
        dirs: Option<Vec<PathBuf>>,
        found: &'a Mutex<Vec<PathBuf>>,
        all_errors: &'a Mutex<Vec<String>>,
        listed: &'a Mutex<Vec<PathBuf>>,
    }
    impl ignore::ParallelVisitor for Visitor<'_> {
        fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> ignore::WalkState {
            match entry {
                Ok(e) => {
                    let t = e.file_type();
                    if t.is_some_and(|t| t.is_file()) && is_lintable_name(e.path()) {
                        self.files.push(e.into_path());
                    } else if let (Some(dirs), true) =
                        (&mut self.dirs, t.is_some_and(|t| t.is_dir()))
                    {
                        dirs.push(e.into_path());
                    }
                }
                Err(err) => self.errors.push(err.to_string()),
            }
            ignore::WalkState::Continue
        }
    }
    impl Drop for Visitor<'_> {
        fn drop(&mut self) {
            if let Ok(mut f) = self.found.lock() {
                f.append(&mut self.files);
            }
            if let Ok(mut e) = self.all_errors.lock() {
                e.append(&mut self.errors);
            }
            if let (Some(d), Ok(mut l)) = (&mut self.dirs, self.listed.lock()) {
                l.append(d);
            }
        }
    }
    struct Builder<'a> {
        found: &'a Mutex<Vec<PathBuf>>,
        errors: &'a Mutex<Vec<String>>,
        listed: &'a Mutex<Vec<PathBuf>>,
        trace: bool,
    }
    impl<'s> ignore::ParallelVisitorBuilder<'s> for Builder<'s> {
        fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
            Box::new(Visitor {
                files: Vec::new(),
                errors: Vec::new(),
                dirs: self.trace.then(Vec::new),
                found: self.found,
                all_errors: self.errors,
                listed: self.listed,
            })
        }
    }
    b.build_parallel().visit(&mut Builder {
        found: &found,
        errors: &errors,
        listed: &listed,
        trace,
    });
    if let Some(dirs) = dirs {
        dirs.append(&mut listed.into_inner().unwrap_or_default());
    }
    let mut errors = errors.into_inner().unwrap_or_default();
    // Threads finish in any order.
    errors.sort();
    (found.into_inner().unwrap_or_default(), errors)
}

/// For each of `dirs`: the first of `names` that is a file in it, and (if `git`) whether
/// it holds a `.git`; probed in parallel (configuration discovery asks this of every
/// directory).
pub fn probe_dirs(dirs: &[PathBuf], names: &[&str], git: bool) -> Vec<(Option<PathBuf>, bool)> {
    use rayon::prelude::*;
    dirs.par_iter()
        .map(|d| {
            let found = names.iter().map(|n| d.join(n)).find(|c| c.is_file());
            (found, git && d.join(".git").exists())
        })
        .collect()
}

/// The files git tracks below the directory `dir`, when it is inside a git checkout and git
/// can be run; none otherwise. Paths are `dir` joined with each file's path below it.
fn git_tracked(dir: &Path) -> Vec<PathBuf> {
    let inside = dir.ancestors().any(|a| a.join(".git").exists())
        || std::fs::canonicalize(dir)
            .map(|c| c.ancestors().any(|a| a.join(".git").exists()))
            .unwrap_or(false);
    if !inside {
        return Vec::new();
    }
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-files", "-z", "--cached", "--", "."])
        .stderr(std::process::Stdio::null())
        .output();
    let Ok(out) = out else { return Vec::new() };
    if !out.status.success() {
        return Vec::new();
    }
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .filter_map(|p| std::str::from_utf8(p).ok())
        .map(|p| dir.join(p))
        .filter(|p| p.is_file())
        .collect()
}

/// The repository root for reference resolution: `config_dir` (the directory of the
/// configuration file) when there is one, else the nearest parent of `start` with `.git`,
/// else `start`.
pub fn find_root(start: &Path, config_dir: Option<&Path>) -> PathBuf {
    if let Some(dir) = config_dir {
        return dir.to_path_buf();
    }
    let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if abs.is_file() {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    } else {
        abs.clone()
    };
    loop {
        if dir.join(".git").exists() {
            return dir;
        }
        if !dir.pop() {
            return if abs.is_file() {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            } else {
                abs
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sort_as_their_components_do() {
        let mut ps: Vec<PathBuf> = [
            "a-b/c.yaml",
            "a/b.yaml",
            "a.yaml",
            "a/b/c.yaml",
            "a/b.yaml",
            "a0/x.yaml",
            "ab.yaml",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut want = ps.clone();
        want.sort();
        want.dedup();
        sort_paths(&mut ps);
        assert_eq!(ps, want);
        // The same file written two ways is one file, as before.
        let mut ps: Vec<PathBuf> = ["a/b.yaml", "a//b.yaml", "a/./b.yaml", "a//c.yaml"]
            .iter()
            .map(PathBuf::from)
            .collect();
        sort_paths(&mut ps);
        assert_eq!(ps.len(), 2);
    }

    #[test]
    fn display_paths() {
        let cwd = Path::new("/repo");
        assert_eq!(display_path(Path::new("/repo/a/b.yaml"), cwd), "a/b.yaml");
        assert_eq!(display_path(Path::new("./a/b.yaml"), cwd), "a/b.yaml");
        assert_eq!(
            display_path(Path::new("/other/x.yaml"), cwd),
            "/other/x.yaml"
        );
    }
}
