//! `policy:` in `.cutoff.yaml`: how long things may run, at several levels (global, per
//! namespace, per kind, per name), and whether every run must be bounded.

use crate::yaml::NodeRef;

use super::{At, ConfigError};

/// The `policy:` section (empty: no caps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {}

/// Parses the `policy:` section.
pub fn parse(v: NodeRef<'_>, at: &At<'_>) -> Result<Policy, ConfigError> {
    if v.is_null() {
        return Ok(Policy::default());
    }
    Err(at.err(v.span().start, "the `policy:` section is not supported yet"))
}
