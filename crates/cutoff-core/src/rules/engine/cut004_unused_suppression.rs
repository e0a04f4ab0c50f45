//! CUT004 unused-suppression: produced by the suppression pass when a suppression suppresses nothing.

use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::rule_doc;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CUT004",
        name: "unused-suppression",
        severity: Severity::Info,
        enabled_by_default: true,
        fix: FixAvailability::Safe,
        fix_title: Some("remove the unused suppression"),
        summary: "A suppression comment or annotation suppresses nothing",
        doc: rule_doc!("CUT004"),
    },
    check: Check::Engine,
};
