//! CUT003 template-skipped: produced by the engine when a file is a Helm/Go template, not YAML.

use crate::diagnostic::{FixAvailability, RuleMeta, Severity};
use crate::rule_doc;
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "CUT003",
        name: "template-skipped",
        severity: Severity::Info,
        enabled_by_default: true,
        fix: FixAvailability::None,
        fix_title: None,
        summary: "A file is a Helm/Go template, not YAML, and was skipped",
        doc: rule_doc!("CUT003"),
    },
    check: Check::Engine,
};
