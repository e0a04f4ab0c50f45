//! The wall clock deadlines are measured against, swappable for tests.
//!
//! Deadlines, ladder steps, TTLs and audit timestamps read [`Clock::now`]. Real runs use
//! [`SystemClock`]; unit tests use [`ManualClock`]; end-to-end tests start the binary with
//! the hidden `--fake-clock FILE` flag, which installs a [`FileClock`] whose time is whatever
//! RFC 3339 timestamp the test last wrote into that file. Timers that only pace the process
//! (the `--interval` tick, leader-election renewals, retry backoff) use real monotonic time.

use jiff::Timestamp;
use std::path::PathBuf;
use std::sync::Mutex;

/// A source of the current wall-clock time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock standing at `t`.
    pub fn new(t: Timestamp) -> Self {
        ManualClock(Mutex::new(t))
    }
    /// Moves the clock to `t`.
    pub fn set(&self, t: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }
    /// Moves the clock forward.
    pub fn advance(&self, d: std::time::Duration) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(span) = jiff::SignedDuration::try_from(d) {
            if let Ok(t) = g.checked_add(span) {
                *g = t;
            }
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock read from a file holding one RFC 3339 timestamp (for end-to-end tests).
///
/// If the file cannot be read or parsed, the last good value is kept (initially the
/// system time), so a test that rewrites the file never makes time jump to garbage.
#[derive(Debug)]
pub struct FileClock {
    path: PathBuf,
    last: Mutex<Timestamp>,
}

impl FileClock {
    /// A clock reading `path`; fails if the file does not hold a timestamp now.
    pub fn new(path: PathBuf) -> Result<Self, String> {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read fake clock {}: {e}", path.display()))?;
        let t: Timestamp = text.trim().parse().map_err(|e| {
            format!(
                "fake clock {} does not hold an RFC 3339 time: {e}",
                path.display()
            )
        })?;
        Ok(FileClock {
            path,
            last: Mutex::new(t),
        })
    }
}

impl Clock for FileClock {
    fn now(&self) -> Timestamp {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(text) = std::fs::read_to_string(&self.path) {
            if let Ok(t) = text.trim().parse::<Timestamp>() {
                *last = t;
            }
        }
        *last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let t: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let c = ManualClock::new(t);
        assert_eq!(c.now(), t);
        c.advance(std::time::Duration::from_secs(90));
        assert_eq!(c.now().to_string(), "2030-01-01T00:01:30Z");
    }

    #[test]
    fn file_clock_keeps_last_good_value() {
        let dir = std::env::temp_dir().join(format!("cutoff-watch-clock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("now");
        std::fs::write(&f, "2030-01-01T00:00:00Z\n").unwrap();
        let c = FileClock::new(f.clone()).unwrap();
        assert_eq!(c.now().to_string(), "2030-01-01T00:00:00Z");
        std::fs::write(&f, "2030-01-01T01:00:00Z").unwrap();
        assert_eq!(c.now().to_string(), "2030-01-01T01:00:00Z");
        std::fs::write(&f, "garbage").unwrap();
        assert_eq!(c.now().to_string(), "2030-01-01T01:00:00Z");
        std::fs::remove_dir_all(&dir).ok();
    }
}
