//! The Go duration port: never panics; a parsed duration's canonical form parses back to
//! the same duration; a repair, when offered, parses.
#![no_main]

use cutoff_core::duration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match duration::parse(s) {
        Ok(d) => {
            let c = d.canonical();
            assert_eq!(duration::parse(&c).ok(), Some(d), "{s:?} -> {c:?}");
            assert!(duration::repair(s).is_none());
        }
        Err(e) => {
            let _ = e.to_string();
            if let Some(r) = duration::repair(s) {
                assert!(duration::parse(&r).is_ok(), "{s:?} repaired to {r:?}");
            }
        }
    }
});
