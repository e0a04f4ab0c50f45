//! The cron parser (robfig/cron's standard parser): never panics, and a schedule that
//! parses has a shortest interval it can compute.
#![no_main]

use cutoff_core::model::kubernetes::cron;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let spec = cron::tz_prefix(s).map_or(s, |(_, rest)| rest);
    if let Ok(schedule) = cron::parse(spec) {
        let _ = schedule.shortest_interval();
    }
});
