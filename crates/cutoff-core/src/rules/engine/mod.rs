//! Findings the engine itself produces: files it cannot read or parse, and suppressions
//! that suppress nothing. Each is a rule like any other (a page, fixtures, a code users
//! can select or ignore); the engine and the suppression pass emit them.

pub mod cut001_yaml_syntax_error;
pub mod cut002_file_too_large;
pub mod cut003_template_skipped;
pub mod cut004_unused_suppression;
pub mod cut005_duplicate_key;

use super::Rule;

pub use cut001_yaml_syntax_error::RULE as SYNTAX_ERROR;
pub use cut002_file_too_large::RULE as FILE_TOO_LARGE;
pub use cut003_template_skipped::RULE as TEMPLATE_SKIPPED;
pub use cut004_unused_suppression::RULE as UNUSED_SUPPRESSION;
pub use cut005_duplicate_key::RULE as DUPLICATE_KEY;

pub static RULES: &[&Rule] = &[
    &SYNTAX_ERROR,
    &FILE_TOO_LARGE,
    &TEMPLATE_SKIPPED,
    &UNUSED_SUPPRESSION,
    &DUPLICATE_KEY,
];
