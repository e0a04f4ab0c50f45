//! `kubernetes:` in `.cutoff.yaml`: the conventions the workload rules read (which
//! annotation keys and env var names promise a deadline, TTL or grace period, and which side
//! a fix changes).

use crate::yaml::NodeRef;

use super::{At, ConfigError};

/// The `kubernetes:` section (empty until the workload rules fill it in).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubernetesSettings {}

/// Parses the `kubernetes:` section.
pub fn parse(v: NodeRef<'_>, at: &At<'_>) -> Result<KubernetesSettings, ConfigError> {
    if v.is_null() {
        return Ok(KubernetesSettings::default());
    }
    Err(at.err(
        v.span().start,
        "the `kubernetes:` section is not supported yet",
    ))
}
