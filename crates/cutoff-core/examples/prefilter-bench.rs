//! Throughput of the pre-parse byte scan that rejects files with nothing cutoff reads.
//! `cargo run --release --example prefilter-bench -- DIR`: reads every YAML file under DIR
//! into memory, then times `manifest::may_be_relevant` over all of them (best of 20 passes).

use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let cwd = std::env::current_dir().expect("current directory");
    let (files, _) = cutoff_core::walk::collect(&[dir.into()], &cwd, &|_| false);
    let texts: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_default())
        .collect();
    let bytes: usize = texts.iter().map(Vec::len).sum();
    let mut best = f64::MAX;
    let mut relevant = 0;
    for _ in 0..20 {
        let t = Instant::now();
        relevant = texts
            .iter()
            .filter(|t| cutoff_core::manifest::may_be_relevant(t))
            .count();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {bytes} bytes, {relevant} relevant; scan {:.3} ms = {:.2} GB/s",
        texts.len(),
        best * 1e3,
        bytes as f64 / best / 1e9
    );
}
