//! The parser's limit, for the benchmark: walk, read and parse every YAML file under a
//! directory with the same walker, reader and parser as `cutoff lint`, and no rules.
//! `cargo run --release --example parse-only -- DIR` (prints the time of each part on
//! standard error).

use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let cwd = std::env::current_dir().expect("current directory");
    let t0 = Instant::now();
    let (files, _) = cutoff_core::walk::collect(&[dir.into()], &cwd, &|_| false);
    let walked = t0.elapsed();
    let (docs, bytes): (usize, usize) = files
        .par_iter()
        .map(|f| {
            let bytes = match cutoff_core::lint::read_bounded(f, u64::MAX) {
                Ok(cutoff_core::lint::Read::Bytes(b)) => b,
                _ => Vec::new(),
            };
            let text = String::from_utf8(bytes).unwrap_or_default();
            let stream = cutoff_core::yaml::parse(&text);
            (stream.documents.len(), text.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "{} files, {docs} documents, {bytes} bytes parsed",
        files.len()
    );
    eprintln!(
        "walk {:.3} s, read and parse {:.3} s",
        walked.as_secs_f64(),
        (t0.elapsed() - walked).as_secs_f64()
    );
}
