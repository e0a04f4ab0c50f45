//! Tekton rules. Facts: `../shared/docs/tekton-timeouts.md`; corrections: `ERRATA.md`.

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

use super::Rule;

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
    &tkn014_param_in_timeout::RULE,
    &tkn015_non_canonical_duration::RULE,
    &tkn010_task_exceeds_budget::RULE,
    &tkn011_chain_exceeds_budget::RULE,
    &tkn012_default_timeout_trap::RULE,
    &tkn013_step_exceeds_task::RULE,
    &tkn016_retries_exceed_budget::RULE,
    &tkn017_finally_starved::RULE,
    &tkn018_unresolved_reference::RULE,
];
