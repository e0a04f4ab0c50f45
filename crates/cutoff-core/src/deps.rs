//! What a file's findings depend on beyond the file itself, recorded while it is checked,
//! for the cache ([`crate::cache`]): the other files read, and the names asked about (a
//! name asked about and not found is a dependency too: a file that starts defining or
//! referencing it changes the answer). A file is re-checked when one of its files changed,
//! or when a changed file (before or after the change) holds one of its names.
//!
//! Recording is per thread: [`record`] opens a frame, the accessors of the project and the
//! model ([`file`], [`key`], [`all`]) add to the innermost one, and a computation cached
//! for every file (a Pipeline's task uses, a Task's definitions) keeps the dependencies it
//! recorded and hands them to each later reader ([`merge`]). Aggregates over the whole
//! project (the Job models, the run counts) are built with recording [`suspended`]; their
//! readers record the narrower dependencies of the one answer they read. Nothing is
//! recorded unless a cached run is under way ([`Session`]), and outside any frame.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many cached runs are under way in the process (their threads record).
static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// Dependencies of one check or one cached computation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deps {
    /// Indexes of the project's files that were read.
    pub files: Vec<u32>,
    /// [`token`]s of the names asked about.
    pub keys: Vec<u32>,
    /// Depends on every file (a project-wide aggregate such as the policy's).
    pub all: bool,
}

impl Deps {
    /// Sorted and without repeats.
    pub fn normalize(&mut self) {
        self.files.sort_unstable();
        self.files.dedup();
        self.keys.sort_unstable();
        self.keys.dedup();
    }

    pub fn merge(&mut self, other: &Deps) {
        self.files.extend_from_slice(&other.files);
        self.keys.extend_from_slice(&other.keys);
        self.all |= other.all;
        if self.files.len() + self.keys.len() > 4096 {
            self.normalize();
        }
    }
}

struct Frame {
    deps: Deps,
    /// Recording is suspended: what is read here is nobody's dependency.
    discard: bool,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// While alive, checks on every thread may record (see [`record`]).
pub struct Session(());

impl Session {
    pub fn start() -> Session {
        SESSIONS.fetch_add(1, Ordering::SeqCst);
        Session(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        SESSIONS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Is a cached run under way (so that dependencies are worth computing)?
pub fn active() -> bool {
    SESSIONS.load(Ordering::Relaxed) > 0
}

fn with_top(f: impl FnOnce(&mut Deps)) {
    if !active() {
        return;
    }
    FRAMES.with(|frames| {
        if let Some(top) = frames.borrow_mut().last_mut() {
            if !top.discard {
                f(&mut top.deps);
            }
        }
    });
}

/// The file at index `i` of the project was read.
pub fn file(i: usize) {
    with_top(|d| {
        let i = i as u32;
        if d.files.last() != Some(&i) {
            d.files.push(i);
        }
    });
}

/// The name (or path) `name` was asked about.
pub fn key(name: &str) {
    with_top(|d| d.keys.push(token(name)));
}

/// The answer depends on every file of the project.
pub fn all() {
    with_top(|d| d.all = true);
}

/// Adds dependencies recorded earlier (a cached computation's) to the current frame.
pub fn merge(other: &Deps) {
    with_top(|d| d.merge(other));
}

/// Pops its frame even when the computation panics.
struct Pop {
    merge_into_parent: bool,
}

impl Drop for Pop {
    fn drop(&mut self) {
        let _ = FRAMES.try_with(|frames| {
            let mut frames = frames.borrow_mut();
            if let Some(frame) = frames.pop() {
                if self.merge_into_parent && !frame.discard {
                    if let Some(parent) = frames.last_mut() {
                        if !parent.discard {
                            parent.deps.merge(&frame.deps);
                        }
                    }
                }
            }
        });
    }
}

/// Runs `f` in a frame of its own: returns what it read (normalized), which also counts
/// for the enclosing frame.
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Deps) {
    if !active() {
        return (f(), Deps::default());
    }
    FRAMES.with(|frames| {
        frames.borrow_mut().push(Frame {
            deps: Deps::default(),
            discard: false,
        })
    });
    let pop = Pop {
        merge_into_parent: true,
    };
    let value = f();
    let mut deps = FRAMES.with(|frames| {
        frames
            .borrow()
            .last()
            .map(|fr| fr.deps.clone())
            .unwrap_or_default()
    });
    drop(pop);
    deps.normalize();
    // Kept per file until the cache is written (100,000 of them).
    deps.files.shrink_to_fit();
    deps.keys.shrink_to_fit();
    (value, deps)
}

/// Runs `f` without recording what it reads (a project-wide aggregate, whose readers record
/// their own narrower dependencies).
pub fn suspended<T>(f: impl FnOnce() -> T) -> T {
    if !active() {
        return f();
    }
    FRAMES.with(|frames| {
        frames.borrow_mut().push(Frame {
            deps: Deps::default(),
            discard: true,
        })
    });
    let _pop = Pop {
        merge_into_parent: false,
    };
    f()
}

/// A stable 32-bit digest of a name (the same in every build and on every platform; a
/// collision only costs a needless re-check).
pub fn token(s: &str) -> u32 {
    let h = crate::cache::hash64(s.as_bytes());
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_nest_and_merge() {
        let _s = Session::start();
        let ((), outer) = record(|| {
            file(3);
            let ((), inner) = record(|| {
                key("build");
                file(1);
            });
            assert_eq!(inner.files, vec![1]);
            suspended(|| file(9));
        });
        assert_eq!(outer.files, vec![1, 3]);
        assert_eq!(outer.keys, vec![token("build")]);
        assert!(!outer.all);
    }

    #[test]
    fn nothing_outside_a_session() {
        let ((), d) = record(|| file(1));
        // Another test's session may be active; then the file is recorded.
        assert!(d.files.is_empty() || d.files == vec![1]);
    }
}
