//! CUT001 yaml-syntax-error: produced by the engine when a document does not parse (or the file is not UTF-8).

use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::rule_doc;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CUT001",
        name: "yaml-syntax-error",
        severity: Severity::Error,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A document is not valid YAML (or the file is not UTF-8); the other documents are still linted",
        doc: rule_doc!("CUT001"),
    },
    check: Check::Engine,
};
