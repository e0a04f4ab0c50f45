//! Kubernetes workloads: Jobs, CronJobs (their `jobTemplate`), and the pod templates of
//! Deployments, ReplicaSets, StatefulSets and DaemonSets, as typed views with spans.

use super::Meta;

/// The bytes every file holding a workload this family reads contains (for the prefilter).
pub const MARKERS: &[&[u8]] = &[];

/// Is an object of this `apiVersion` and `kind` a workload this family reads?
pub fn is_kubernetes(_api_version: &str, _kind: &str) -> bool {
    false
}

/// A typed view of a workload.
#[derive(Clone)]
pub struct Object<'a> {
    pub meta: Meta<'a>,
}

/// Reads the workload identified as `meta`.
pub fn read<'a>(_meta: Meta<'a>, _src: &str) -> Option<Object<'a>> {
    None
}
