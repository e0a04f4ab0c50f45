//! Tekton rules, and the context they are called with. Facts: `docs/tekton-timeouts.md`.
//!
//! Each rule receives a [`TektonContext`]: the typed object, the TriggerTemplate it sits
//! in (if any), and, built lazily once per object, the model's scope of the runs that
//! concern it ([`TektonContext::runs`]) and of the runs of a Task ([`TektonContext::tasks`]).

pub mod fixes;
pub mod tkn001_invalid_duration;
pub mod tkn002_negative_timeout;
pub mod tkn003_unsupported_timeout_field;
pub mod tkn004_taskrunspecs_timeout_unsupported;
pub mod tkn005_deprecated_pipelinerun_timeout;
pub mod tkn006_timeout_and_timeouts;
pub mod tkn007_budget_exceeds_pipeline;
pub mod tkn008_budgets_sum_exceeds_pipeline;
pub mod tkn009_taskrunspec_exceeds_budget;
pub mod tkn010_task_exceeds_budget;
pub mod tkn011_chain_exceeds_budget;
pub mod tkn012_default_timeout_trap;
pub mod tkn013_step_exceeds_task;
pub mod tkn014_param_in_timeout;
pub mod tkn015_non_canonical_duration;
pub mod tkn016_retries_exceed_budget;
pub mod tkn017_finally_starved;
pub mod tkn018_unresolved_reference;

use std::cell::OnceCell;
use std::ops::Deref;

use crate::diagnostic::{Diagnostic, Fix};
use crate::manifest::tekton::{self as views, is_pac_path, Object, Slot, TriggerTemplate};
use crate::model::tekton::versions::{self, Reader};
use crate::model::tekton::{Reach, Scope};
use crate::model::Finding;

use super::{Context, Rule};

pub static RULES: &[&Rule] = &[
    &tkn001_invalid_duration::RULE,
    &tkn002_negative_timeout::RULE,
    &tkn003_unsupported_timeout_field::RULE,
    &tkn004_taskrunspecs_timeout_unsupported::RULE,
    &tkn005_deprecated_pipelinerun_timeout::RULE,
    &tkn006_timeout_and_timeouts::RULE,
    &tkn007_budget_exceeds_pipeline::RULE,
    &tkn008_budgets_sum_exceeds_pipeline::RULE,
    &tkn009_taskrunspec_exceeds_budget::RULE,
    &tkn010_task_exceeds_budget::RULE,
    &tkn011_chain_exceeds_budget::RULE,
    &tkn012_default_timeout_trap::RULE,
    &tkn013_step_exceeds_task::RULE,
    &tkn014_param_in_timeout::RULE,
    &tkn015_non_canonical_duration::RULE,
    &tkn016_retries_exceed_budget::RULE,
    &tkn017_finally_starved::RULE,
    &tkn018_unresolved_reference::RULE,
];

/// What a Tekton rule may read when it checks one object.
pub struct TektonContext<'a> {
    pub base: &'a Context<'a>,
    /// The typed view of the object; for a TriggerTemplate, each embedded resource is
    /// checked as its own object with [`TektonContext::trigger_template`] set.
    pub object: &'a Object<'a>,
    /// The TriggerTemplate this object is embedded in, if any.
    pub trigger_template: Option<&'a TriggerTemplate<'a>>,
    /// The runs scope, and what building it read ([`crate::deps`]).
    runs: OnceCell<(Scope<'a>, crate::deps::Deps)>,
    tasks: OnceCell<Scope<'a>>,
}

impl<'a> Deref for TektonContext<'a> {
    type Target = Context<'a>;

    fn deref(&self) -> &Context<'a> {
        self.base
    }
}

impl<'a> TektonContext<'a> {
    pub fn new(
        base: &'a Context<'a>,
        object: &'a Object<'a>,
        trigger_template: Option<&'a TriggerTemplate<'a>>,
    ) -> TektonContext<'a> {
        TektonContext {
            base,
            object,
            trigger_template,
            runs: OnceCell::new(),
            tasks: OnceCell::new(),
        }
    }

    /// The file is read by Pipelines-as-Code (it sits under `.tekton/`).
    pub fn pac(&self) -> bool {
        is_pac_path(&self.file.path)
    }

    /// Who reads this object, for the version facts.
    pub fn reader(&self) -> Reader<'a> {
        Reader {
            targets: &self.base.config.targets,
            pac: self.pac(),
            in_trigger_template: self.trigger_template.is_some(),
        }
    }

    /// The view context for the object being checked.
    pub fn view_cx(&self) -> views::Cx<'a> {
        views::Cx::new(self.base.src(), self.trigger_template.is_some())
    }

    /// Is this site's value irrelevant for the targeted versions? True for fields no version
    /// reads (TKN003) and for `taskRunSpecs[].timeout` on targets that do not know it
    /// (TKN004): an unknown field is dropped or rejected as a whole, its value is never
    /// parsed. The value rules (TKN001, TKN002, TKN014, TKN015) skip these sites.
    pub fn ignored(&self, slot: Slot) -> bool {
        versions::never_read(self.object, slot)
            || (slot == Slot::TaskRunSpec && !self.reader().reads_task_run_spec_timeout())
    }

    /// The models of the runs concerning this object (a PipelineRun's own, a Pipeline's
    /// runs or default run, a TaskRun's own), built once per object.
    pub fn runs(&self) -> &Scope<'a> {
        &self.runs_and_deps().0
    }

    fn runs_and_deps(&self) -> &(Scope<'a>, crate::deps::Deps) {
        self.runs
            .get_or_init(|| crate::deps::record(|| self.scope(Reach::Runs)))
    }

    /// Also, for a Task, every run of it, built once per object.
    pub fn tasks(&self) -> &Scope<'a> {
        self.tasks.get_or_init(|| {
            // A run's or a Pipeline's task uses come from its own models: built once.
            let in_tt = self.trigger_template.is_some();
            if matches!(
                self.object,
                Object::PipelineRun(_) | Object::Pipeline { .. }
            ) && !in_tt
            {
                let (runs, read) = self.runs_and_deps();
                if let Some(s) =
                    Scope::tasks_from_runs(runs, read, self.base.config, self.object, in_tt)
                {
                    return s;
                }
            }
            self.scope(Reach::Tasks)
        })
    }

    fn scope(&self, reach: Reach) -> Scope<'a> {
        Scope::of(
            self.base.model,
            self.base.config,
            self.base.file,
            self.object,
            self.trigger_template.is_some(),
            reach,
        )
    }

    /// Places `findings` of `rule` (see [`crate::model::place`]) and pushes the ones this
    /// object shows.
    pub fn emit(
        &self,
        rule: &'static Rule,
        scope: &Scope<'_>,
        findings: Vec<Finding<Fix>>,
        out: &mut Vec<Diagnostic>,
    ) {
        for (p, f) in scope.settle(findings) {
            let mut d = self.diag(rule, p.primary.span, f.message);
            for l in p.labels {
                d = d.label(&l.at.path, l.at.span, l.note);
            }
            if let Some(h) = f.help {
                d = d.help(h);
            }
            out.push(d.with_fix(f.fix));
        }
    }
}
