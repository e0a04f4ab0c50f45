//! cutoff: finds and fixes wrong timeouts in CI and Kubernetes manifests.
//!
//! Data flows one way: files → YAML tree with exact spans → typed views of
//! manifests → timeout model → rules → diagnostics with edits → reporters/fixer.

pub mod cli;
pub mod duration;
pub mod yaml;
