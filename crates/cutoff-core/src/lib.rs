//! cutoff: finds and fixes wrong timeouts in CI and Kubernetes manifests.
//!
//! Data flows one way: files → YAML tree with exact spans → typed views of
//! manifests → timeout model → rules → diagnostics with edits → reporters/fixer.

pub mod baseline;
pub mod cache;
pub mod config;
pub mod deps;
pub mod diagnostic;
pub mod duration;
pub mod edit;
pub mod fix;
pub mod heap;
pub mod lint;
pub mod manifest;
pub mod model;
pub mod project;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod timing;
pub mod version;
pub mod walk;
pub mod yaml;
