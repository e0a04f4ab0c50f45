//! The cache file's decoder, behind its checksums: any records, index and string table
//! (split from the input at two offsets it gives) decode or are refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let rest = &data[4..];
    let a = (u16::from_le_bytes([data[0], data[1]]) as usize).min(rest.len());
    let b = (u16::from_le_bytes([data[2], data[3]]) as usize).min(rest.len() - a);
    let (records, rest) = rest.split_at(a);
    let (index, table) = rest.split_at(b);
    let _ = cutoff_core::cache::fuzz_decode(records, index, table);
});
