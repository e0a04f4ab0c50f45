//! cutoff: finds and fixes wrong timeouts in CI and Kubernetes manifests.
//!
//! Data flows one way: files → YAML tree with exact spans → typed views of
//! manifests → timeout model → rules → diagnostics with edits → reporters/fixer.

pub mod cli;
pub mod duration;
pub mod yaml;
pub mod config;
pub mod diagnostic;
pub mod lint;
pub mod manifest;
pub mod project;
pub mod rules;
pub mod suppress;
pub mod version;
pub mod edit;
pub mod fix;
pub mod baseline;
pub mod walk;
