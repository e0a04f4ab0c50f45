//! Findings the engine itself produces: files it cannot read, and suppressions.

use crate::diagnostic::Severity;
use crate::rule_doc;

use super::{FixKind, Rule};

pub static SYNTAX_ERROR: Rule = Rule {
    code: "CUT001",
    name: "yaml-syntax-error",
    severity: Severity::Error,
    fix: FixKind::None,
    enabled_by_default: true,
    summary: "A document is not valid YAML (or the file is not UTF-8); the other documents are still linted",
    check: None,
    doc: rule_doc!("CUT001"),
};

pub static FILE_TOO_LARGE: Rule = Rule {
    code: "CUT002",
    name: "file-too-large",
    severity: Severity::Warning,
    fix: FixKind::None,
    enabled_by_default: true,
    summary: "A file is larger than the size limit and was not parsed",
    check: None,
    doc: rule_doc!("CUT002"),
};

pub static TEMPLATE_SKIPPED: Rule = Rule {
    code: "CUT003",
    name: "template-skipped",
    severity: Severity::Info,
    fix: FixKind::None,
    enabled_by_default: true,
    summary: "A file is a Helm/Go template, not YAML, and was skipped",
    check: None,
    doc: rule_doc!("CUT003"),
};

pub static UNUSED_SUPPRESSION: Rule = Rule {
    code: "CUT004",
    name: "unused-suppression",
    severity: Severity::Info,
    fix: FixKind::Always,
    enabled_by_default: true,
    summary: "A suppression comment or annotation suppresses nothing",
    check: None,
    doc: rule_doc!("CUT004"),
};

pub static RULES: &[&Rule] = &[
    &SYNTAX_ERROR,
    &FILE_TOO_LARGE,
    &TEMPLATE_SKIPPED,
    &UNUSED_SUPPRESSION,
];
