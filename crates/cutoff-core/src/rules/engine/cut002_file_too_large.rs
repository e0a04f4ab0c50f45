//! CUT002 file-too-large: produced by the engine when a file is over the size limit.

use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::rule_doc;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CUT002",
        name: "file-too-large",
        severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A file is larger than the size limit and was not parsed",
        doc: rule_doc!("CUT002"),
    },
    check: Check::Engine,
};
