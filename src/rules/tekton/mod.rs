//! Tekton rules. Facts: `../shared/docs/tekton-timeouts.md`; corrections: `ERRATA.md`.

pub mod tkn001_invalid_duration;

use super::Rule;

pub static RULES: &[&Rule] = &[&tkn001_invalid_duration::RULE];
