//! The parser's limit, for the benchmark: walk, read and parse every YAML file under a
//! directory with the same walker, reader and parser as `cutoff lint`, and no rules.
//! `cargo run --release --example parse-only -- DIR`

use rayon::prelude::*;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let cwd = std::env::current_dir().expect("current directory");
    let (files, _) = cutoff_core::walk::collect(&[dir.into()], &cwd, &|_| false);
    let (docs, bytes): (usize, usize) = files
        .par_iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let stream = cutoff_core::yaml::parse(&text);
            (stream.documents.len(), text.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "{} files, {docs} documents, {bytes} bytes parsed",
        files.len()
    );
}
