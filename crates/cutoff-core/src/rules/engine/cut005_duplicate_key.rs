//! CUT005 duplicate-key: produced by the engine when a mapping repeats a key.
//!
//! Facts: `docs/duplicate-keys.md` — strict decoding (`kubectl --validate=strict`, the API
//! server with `fieldValidation=Strict`) rejects the object; lenient decoding (the API
//! server's default, kubectl's YAML-to-JSON step, Pipelines-as-Code) keeps the last value
//! and drops the earlier one without a word.

use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::rule_doc;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CUT005",
        name: "duplicate-key",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("delete the earlier entry, which lenient clients drop anyway"),
        summary: "A mapping repeats a key: strict clients reject the object, lenient ones keep the last value and drop the first without a word",
        doc: rule_doc!("CUT005"),
    },
    check: Check::Engine,
};
