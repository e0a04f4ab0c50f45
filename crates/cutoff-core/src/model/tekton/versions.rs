//! What each Tekton and Pipelines-as-Code version does with timeouts, written once. Every
//! rule message, `cutoff timeouts` and the budgets read these facts from here.
//!
//! Facts, with links to the upstream lines: `docs/tekton-timeouts.md` (the version table).

use crate::config::Targets;
use crate::version::Version;

/// Tasks/finally budgets are passed down to each TaskRun (when 0 or above the default).
pub const PASS_DOWN_SINCE: Version = Version::new(1, 11, 0);
/// `PipelineTaskRunSpec.Timeout` (`taskRunSpecs[].timeout`) exists.
pub const TASK_RUN_SPEC_TIMEOUT_SINCE: Version = Version::new(1, 4, 0);
/// The first Pipelines-as-Code release built against Tekton v1.4, so that it keeps
/// `taskRunSpecs[].timeout` when it decodes a `.tekton/` run.
pub const PAC_TASK_RUN_SPEC_TIMEOUT_SINCE: Version = Version::new(0, 38, 0);
/// Until this release each child TaskRun got the time left in the run's budget, capped by
/// its own timeout (`calculateTaskRunTimeout`, removed in v0.40.0): no task was ever held at
/// the default TaskRun timeout while the run allowed more.
pub const TIME_LEFT_UNTIL: Version = Version::new(0, 40, 0);
/// `spec.timeouts` (pipeline/tasks/finally) left the alpha feature gate: before this release
/// it needs `enable-api-fields: "alpha"` in the `feature-flags` ConfigMap, and the webhook
/// rejects it otherwise.
pub const TIMEOUTS_FIELD_SINCE: Version = Version::new(0, 36, 0);
/// Structural CRD schemas: from then on the API server prunes unknown fields in
/// schema-covered parts before the webhook sees them.
pub const PRUNING_SINCE: Version = Version::new(0, 70, 0);

/// Where a Tekton object is read, as far as the version facts care.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    pub targets: &'a Targets,
    /// The file sits under `.tekton/`: Pipelines-as-Code reads it.
    pub pac: bool,
    /// The object is a resource of a TriggerTemplate: Triggers creates it.
    pub in_trigger_template: bool,
}

impl Reader<'_> {
    /// A `.tekton/` file with a Pipelines-as-Code target older than v0.38.
    pub fn pac_too_old_for_task_run_spec_timeout(&self) -> bool {
        self.pac
            && self
                .targets
                .pipelines_as_code
                .is_some_and(|p| p < PAC_TASK_RUN_SPEC_TIMEOUT_SINCE)
    }

    /// Does the targeted version read `taskRunSpecs[].timeout`?
    pub fn reads_task_run_spec_timeout(&self) -> bool {
        self.targets.tekton >= TASK_RUN_SPEC_TIMEOUT_SINCE
            && !self.pac_too_old_for_task_run_spec_timeout()
    }

    /// Why the targeted versions do not read `taskRunSpecs[].timeout`, or `None` if they do.
    pub fn task_run_spec_timeout_unread_because(&self) -> Option<String> {
        let tekton = self.targets.tekton;
        if self.pac_too_old_for_task_run_spec_timeout() {
            let pac = self
                .targets
                .pipelines_as_code
                .unwrap_or(PAC_TASK_RUN_SPEC_TIMEOUT_SINCE);
            return Some(format!(
                "Pipelines-as-Code reads it only since v0.38 (the first release built against Tekton v1.4); you target {pac} (set `targets.pipelines-as-code` in .cutoff.yaml)"
            ));
        }
        (tekton < TASK_RUN_SPEC_TIMEOUT_SINCE).then(|| {
            format!("it is read only since Tekton v1.4; you target {tekton} (set `targets.tekton` in .cutoff.yaml)")
        })
    }

    /// What happens to an unknown field at `path` (its path in the file; `in_embedded_spec`:
    /// inside an embedded `pipelineSpec`/`taskSpec`), for messages.
    pub fn unknown_field_fate(&self, path: &str, in_embedded_spec: bool) -> String {
        let obj_path = object_path(path);
        let key = obj_path.rsplit('.').next().unwrap_or(obj_path);
        let key = key.split('[').next().unwrap_or(key);
        if self.pac {
            return "Pipelines-as-Code decodes `.tekton/` files leniently and drops it silently"
                .to_string();
        }
        // Embedded specs are parts the CRDs mark `x-kubernetes-preserve-unknown-fields`, so
        // unknown keys there reach the webhook, which decodes strictly.
        if in_embedded_spec || self.targets.tekton < PRUNING_SINCE {
            return format!(
                "rejected by the Tekton webhook (`cannot decode incoming new object: json: unknown field \"{key}\"`)"
            );
        }
        if self.in_trigger_template {
            return "Triggers creates the resource without strict field validation, so the API server drops it silently"
                .to_string();
        }
        format!(
            "kubectl rejects it (`strict decoding error: unknown field \"{obj_path}\"`); clients that skip strict field validation have it dropped silently"
        )
    }
}

/// The path as the API server sees it: without the `spec.resourcetemplates[i].` prefix of a
/// resource embedded in a TriggerTemplate.
pub fn object_path(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix("spec.resourcetemplates[") {
        if let Some(i) = rest.find("].") {
            return &rest[i + 2..];
        }
    }
    path
}

/// Does no Tekton version read the timeout at `slot` of `object`? (A v1 PipelineRun's
/// `spec.timeout` is unknown; v1beta1 still reads it.)
pub fn never_read(
    object: &crate::manifest::tekton::Object<'_>,
    slot: crate::manifest::tekton::Slot,
) -> bool {
    use crate::manifest::tekton::{Object, Slot};
    !slot.is_read()
        || (slot == Slot::RunTimeout && matches!(object, Object::PipelineRun(r) if !r.v1beta1))
}
