//! Where a run's time goes: with `CUTOFF_TIMINGS` set, each phase's wall time is written
//! to standard error as it ends (`cutoff: timing: walk 0.412 s`). For benchmarks and
//! performance work; nothing is measured or printed otherwise. On Linux each line also
//! gives the resident memory then and the peak so far (`rss 212 MB, peak 388 MB`).

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

fn state() -> Option<&'static Mutex<Instant>> {
    static STATE: OnceLock<Option<Mutex<Instant>>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            std::env::var_os("CUTOFF_TIMINGS")
                .filter(|v| !v.is_empty() && v != "0")
                .map(|_| Mutex::new(Instant::now()))
        })
        .as_ref()
}

/// Is timing on?
pub fn enabled() -> bool {
    state().is_some()
}

/// Ends the phase `name`: reports the time since the previous phase ended (or since timing
/// was first asked about) and starts the next.
pub fn phase(name: &str) {
    let Some(m) = state() else {
        return;
    };
    let mut last = m.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    eprintln!(
        "cutoff: timing: {name} {:.3} s{}",
        now.duration_since(*last).as_secs_f64(),
        memory()
    );
    *last = now;
}

/// ", rss N MB, peak M MB" from `/proc/self/status` (empty where there is none).
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let mb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb / 1024)
    };
    match (mb("VmRSS:"), mb("VmHWM:")) {
        (Some(rss), Some(peak)) => format!(", rss {rss} MB, peak {peak} MB{}", heap()),
        _ => String::new(),
    }
}

/// ", heap N MB in use": what the allocator has handed out and not had back (glibc), so
/// that resident memory the allocator keeps but nothing uses shows as the difference.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap() -> String {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let info = unsafe { libc::mallinfo2() };
    // Large blocks are mapped apart (hblkhd) and are in use too.
    format!(
        ", heap {} MB in use",
        (info.uordblks + info.hblkhd) / (1024 * 1024)
    )
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap() -> String {
    String::new()
}
