//! A PipelineRun's budgets after defaulting: `timeouts.pipeline`, and the tasks and
//! finally budgets the controller enforces (`TasksTimeout()`/`FinallyTimeout()`).
//!
//! Facts: docs/tekton-timeouts.md (`v1/pipelinerun_defaults.go:56-62`,
//! `v1/pipelinerun_types.go:123-153`; v1beta1 `spec.timeout` and its conversion).

use serde::Serialize;

use crate::config::Config;
use crate::duration::GoDuration;
use crate::manifest::tekton::PipelineRun;
use crate::source::SourceFile;
use crate::version::Version;

use super::defaults::ClusterDefault;
use super::value::{Origin, Timed};
use super::versions::{
    PAC_TASK_RUN_SPEC_TIMEOUT_SINCE, PASS_DOWN_SINCE, TASK_RUN_SPEC_TIMEOUT_SINCE, TIME_LEFT_UNTIL,
};
use crate::model::value::{Bound, Loc};

/// What the targeted Tekton (and PaC) do with timeouts, for one run.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// The targeted Tekton version, as configured.
    pub tekton: String,
    #[serde(skip)]
    pub version: Version,
    pub default_timeout_minutes: i64,
    #[serde(skip)]
    pub default: Option<GoDuration>,
    /// Where the default came from ([`ClusterDefault::describe`]).
    pub default_source: String,
    /// The run is read by Pipelines-as-Code (under `.tekton/`).
    pub pac: bool,
    /// Tekton v1.11+: tasks/finally budgets are passed down to TaskRuns (when 0 or above the default).
    pub pass_down: bool,
    /// `taskRunSpecs[].timeout` is read (Tekton v1.4+, and PaC v0.38+ for `.tekton/` files).
    pub task_run_spec_timeout: bool,
    /// Before Tekton v0.40 each TaskRun got the time left in the run (capped by its own
    /// timeout): a task without a timeout was never held at the default.
    pub time_left: bool,
}

impl Settings {
    /// The settings a run is read under: the targeted versions (`config`), the assumed
    /// cluster default (`default`), and whether Pipelines-as-Code reads it.
    pub fn new(config: &Config, default: &ClusterDefault, pac: bool) -> Settings {
        let version = config.targets.tekton;
        let pac_ok = !pac
            || config
                .targets
                .pipelines_as_code
                .is_none_or(|v| v >= PAC_TASK_RUN_SPEC_TIMEOUT_SINCE);
        Settings {
            tekton: version.to_string(),
            version,
            default_timeout_minutes: default.minutes,
            default: default.duration(),
            default_source: default.describe(),
            pac,
            pass_down: version >= PASS_DOWN_SINCE,
            task_run_spec_timeout: version >= TASK_RUN_SPEC_TIMEOUT_SINCE && pac_ok,
            time_left: version < TIME_LEFT_UNTIL,
        }
    }

    /// The default TaskRun timeout: finite, or unbounded when configured to 0.
    pub fn default_bound(&self) -> Bound {
        Bound::from_default(self.default)
    }

    /// Why `taskRunSpecs[].timeout` is dropped, if it is.
    pub fn task_run_spec_dropped_why(&self) -> Option<String> {
        if self.task_run_spec_timeout {
            return None;
        }
        Some(if self.version < TASK_RUN_SPEC_TIMEOUT_SINCE {
            format!(
                "`taskRunSpecs[].timeout` exists only since Tekton v1.4; the targeted v{} drops it",
                self.tekton
            )
        } else {
            "Pipelines-as-Code before v0.38 drops `taskRunSpecs[].timeout`".to_string()
        })
    }
}

/// A field the targeted version ignores, kept to explain the numbers.
#[derive(Clone, Debug, Serialize)]
pub struct Dropped {
    pub at: Loc,
    pub value: Bound,
    pub why: String,
}

/// The budgets of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Budgets {
    /// `timeouts.pipeline` after defaulting (explicit, v1beta1 `spec.timeout`, or the default).
    pub pipeline: Timed,
    /// Tekton's `TasksTimeout()`: explicit `timeouts.tasks`, or `pipeline − finally`
    /// when both are set and neither is 0; `None`: the tasks are bounded by the pipeline budget only.
    pub tasks: Option<Timed>,
    /// Tekton's `FinallyTimeout()`: explicit, or `pipeline − tasks`; `None`: bounded by the pipeline budget.
    pub finally: Option<Timed>,
    /// Budget fields the run carries but Tekton does not read.
    pub dropped: Vec<Dropped>,
}

impl Budgets {
    /// The budget a phase runs under: its own, else the pipeline budget.
    pub fn phase(&self, finally: bool) -> Timed {
        let own = if finally { &self.finally } else { &self.tasks };
        match own {
            Some(t) => t.clone(),
            None => Timed::new(
                self.pipeline.value,
                Origin::Pipeline,
                self.pipeline.at.clone(),
            ),
        }
    }

    /// The phase's budget in words: "the `timeouts.tasks` budget of 1h0m0s",
    /// "the default pipeline budget of 1h0m0s (the run sets no timeouts)".
    pub fn describe_phase(&self, finally: bool) -> String {
        let phase = if finally { "finally" } else { "tasks" };
        let t = self.phase(finally);
        let v = match t.value {
            Bound::Unbounded => "\"0\" (no timeout)".to_string(),
            other => other.display(),
        };
        match (t.origin, self.pipeline.origin) {
            (Origin::Computed, _) if t.value == Bound::Unbounded => format!(
                "no {phase} budget of its own (`timeouts.pipeline` − `timeouts.{}` is 0s, which Tekton reads as no limit; the pipeline budget of {} still ends the run)",
                if finally { "tasks" } else { "finally" },
                self.pipeline.value.display()
            ),
            (Origin::Explicit, _) => format!("the `timeouts.{phase}` budget of {v}"),
            (Origin::Computed, _) => format!(
                "the {phase} budget of {v} (`timeouts.pipeline` − `timeouts.{}`)",
                if finally { "tasks" } else { "finally" }
            ),
            (Origin::Pipeline, Origin::ClusterDefault) => {
                format!("the default pipeline budget of {v} (the run sets no `timeouts.pipeline`)")
            }
            (Origin::Pipeline, Origin::Deprecated) => {
                format!("the pipeline budget of {v} (`spec.timeout`)")
            }
            (Origin::Pipeline, _) => format!("the `timeouts.pipeline` budget of {v}"),
            _ => format!("the {phase} budget of {v}"),
        }
    }

    /// How long the tasks of a phase may run at most: the phase's own budget, but never more
    /// than the pipeline budget, which ends the whole run (a computed `"0"` finally budget is
    /// "no limit of its own", yet the run still ends when `timeouts.pipeline` elapses).
    pub fn allowance(&self, finally: bool) -> Bound {
        let phase = self.phase(finally).value;
        match (phase, self.pipeline.value) {
            (Bound::Unbounded, p) => p,
            (Bound::Finite(a), Bound::Finite(b)) => Bound::Finite(a.min(b)),
            (a, _) => a,
        }
    }

    /// The budget Tekton's `pipelineRunTimeout()` considers for passing down (nil → `None`).
    pub fn pass_down_candidate(&self, finally: bool) -> Option<&Timed> {
        if finally {
            self.finally.as_ref()
        } else {
            self.tasks.as_ref()
        }
    }

    /// The budgets of the run the cluster creates by default (`tkn pipeline start` without
    /// timeouts): pipeline = the configured default, no tasks/finally budget.
    pub fn default_run(settings: &Settings) -> Budgets {
        Budgets {
            pipeline: Timed::new(settings.default_bound(), Origin::ClusterDefault, None),
            tasks: None,
            finally: None,
            dropped: Vec::new(),
        }
    }

    pub fn of_run(run: &PipelineRun<'_>, file: &SourceFile, settings: &Settings) -> Budgets {
        let read = |t: &Option<crate::manifest::tekton::Timeout<'_>>, o: Origin| {
            t.as_ref().and_then(|t| Timed::read(t, file, o))
        };
        let mut dropped = Vec::new();
        let pipeline_f = read(&run.pipeline, Origin::Explicit);
        let tasks_f = read(&run.tasks, Origin::Explicit);
        let finally_f = read(&run.finally, Origin::Explicit);
        let deprecated = read(&run.timeout, Origin::Deprecated);
        let (pipeline, tasks, finally) = match deprecated {
            Some(d) if run.v1beta1 => {
                // Conversion to v1 replaces `timeouts` by {pipeline: timeout} (v1beta1/pipelinerun_conversion.go:72-79).
                for (t, key) in [
                    (&pipeline_f, "pipeline"),
                    (&tasks_f, "tasks"),
                    (&finally_f, "finally"),
                ] {
                    if let Some(t) = t {
                        if let Some(at) = &t.at {
                            dropped.push(Dropped {
                                at: at.clone(),
                                value: t.value,
                                why: format!(
                                    "`timeouts.{key}` is replaced by the deprecated `spec.timeout` when the run is converted to v1"
                                ),
                            });
                        }
                    }
                }
                (d, None, None)
            }
            other => {
                if let Some(d) = other {
                    if let Some(at) = d.at {
                        dropped.push(Dropped {
                            at,
                            value: d.value,
                            why: "`spec.timeout` does not exist in tekton.dev/v1; use `spec.timeouts.pipeline`".into(),
                        });
                    }
                }
                let p = pipeline_f.unwrap_or_else(|| {
                    Timed::new(settings.default_bound(), Origin::ClusterDefault, None)
                });
                (p, tasks_f, finally_f)
            }
        };
        let computed = |a: &Timed, b: &Timed| -> Option<Timed> {
            // Both set and neither 0 (after defaulting the pipeline budget).
            match (a.value, b.value) {
                (Bound::Unbounded, _) | (_, Bound::Unbounded) => None,
                (Bound::Finite(x), Bound::Finite(y)) => {
                    Some(match x.checked_sub(y).filter(|d| !d.is_negative()) {
                        // A computed 0 is Tekton's "no timeout" for that phase (the pipeline budget still applies).
                        Some(d) if d.is_zero() => {
                            Timed::new(Bound::Unbounded, Origin::Computed, None)
                        }
                        Some(d) => Timed::new(Bound::Finite(d), Origin::Computed, None),
                        None => Timed::new(Bound::Unknown, Origin::Invalid, None),
                    })
                }
                _ => Some(Timed::new(Bound::Unknown, Origin::Computed, None)),
            }
        };
        let tasks_budget = match &tasks {
            Some(t) => Some(t.clone()),
            None => finally.as_ref().and_then(|f| computed(&pipeline, f)),
        };
        let finally_budget = match &finally {
            Some(f) => Some(f.clone()),
            None => tasks.as_ref().and_then(|t| computed(&pipeline, t)),
        };
        Budgets {
            pipeline,
            tasks: tasks_budget,
            finally: finally_budget,
            dropped,
        }
    }
}
