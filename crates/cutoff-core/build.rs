//! Gives the cache a build identity: a digest of this crate's sources, so that a cache is
//! never trusted by a build whose rules differ, even under the same version number.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut all = Vec::new();
    files(&root.join("src"), &mut all);
    all.push(root.join("Cargo.toml"));
    all.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &all {
        p.strip_prefix(&root).unwrap_or(p).hash(&mut h);
        std::fs::read(p).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=CUTOFF_SOURCE_DIGEST={:016x}", h.finish());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
}
