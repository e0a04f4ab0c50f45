//! SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! One run; the driver lists every rule; columns count UTF-16 code units
//! (`columnKind: utf16CodeUnits`), 1-based. Labels become related locations and a
//! fix becomes `fixes[]` with one artifact change per file it edits.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Edit, RuleMeta, Severity};

use super::Report;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/cutoff-dev/cutoff";
const RULE_DOC_BASE: &str = "https://github.com/cutoff-dev/cutoff/blob/main/rules/";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    rules: Vec<SarifRule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Text<'a>,
    help_uri: String,
    default_configuration: Configuration,
}

/// A `multiformatMessageString` (`text` is required, `markdown` optional).
#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<&'a str>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
    /// Only written for rules that are off by default (SARIF's default is `true`).
    #[serde(skip_serializing_if = "is_true")]
    enabled: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<'a>,
    artifact_changes: Vec<ArtifactChange<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: InsertedContent<'a>,
}

#[derive(Serialize)]
struct InsertedContent<'a> {
    text: &'a str,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let all = report.rules;
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "cutoff",
                    information_uri: INFORMATION_URI,
                    version: env!("CARGO_PKG_VERSION"),
                    rules: all.iter().map(|r| rule(r)).collect(),
                },
            },
            column_kind: "utf16CodeUnits",
            results: report
                .diagnostics
                .iter()
                .map(|d| result(report, all, d))
                .collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn rule(r: &RuleMeta) -> SarifRule<'static> {
    let doc = (!r.doc.trim().is_empty()).then_some(r.doc);
    SarifRule {
        id: r.code,
        name: r.name,
        short_description: Text {
            text: r.summary,
            markdown: None,
        },
        full_description: Text {
            text: r.summary,
            markdown: doc,
        },
        help: Text {
            text: r.summary,
            markdown: doc,
        },
        help_uri: format!("{RULE_DOC_BASE}{}.md", r.code),
        default_configuration: Configuration {
            level: level(r.severity),
            enabled: r.enabled_by_default,
        },
    }
}

fn result<'a>(report: &Report<'_>, all: &[RuleMeta], d: &'a Diagnostic) -> SarifResult<'a> {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push('\n');
        text.push_str(help);
    }
    SarifResult {
        rule_id: d.code,
        rule_index: all.iter().position(|r| r.code == d.code),
        level: level(d.severity),
        message: Message { text },
        locations: vec![Location {
            id: None,
            physical_location: physical(report, &d.path, d.span.start, d.span.end),
            message: None,
        }],
        related_locations: d
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| Location {
                id: Some(i + 1),
                physical_location: physical(report, &l.path, l.span.start, l.span.end),
                message: Some(Text {
                    text: &l.message,
                    markdown: None,
                }),
            })
            .collect(),
        fixes: d
            .fix
            .iter()
            .map(|f| SarifFix {
                description: Text {
                    text: &f.description,
                    markdown: None,
                },
                artifact_changes: changes(report, &f.edits),
            })
            .filter(|f| !f.artifact_changes.is_empty())
            .collect(),
    }
}

fn physical(report: &Report<'_>, path: &str, start: usize, end: usize) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri: uri(path) },
        region: region(report, path, start, end),
    }
}

fn region(report: &Report<'_>, path: &str, start: usize, end: usize) -> Region {
    let r = report.range_utf16(path, start, end);
    Region {
        start_line: r.start.line,
        start_column: r.start.col,
        end_line: r.end.line,
        end_column: r.end.col,
    }
}

/// One artifact change per edited file (in order of first appearance), its
/// replacements ordered by position.
fn changes<'a>(report: &Report<'_>, edits: &'a [Edit]) -> Vec<ArtifactChange<'a>> {
    let mut by_path: Vec<(&str, Vec<&Edit>)> = Vec::new();
    for e in edits {
        match by_path.iter_mut().find(|(p, _)| *p == &*e.path) {
            Some((_, v)) => v.push(e),
            None => by_path.push((&e.path, vec![e])),
        }
    }
    by_path
        .into_iter()
        .map(|(path, mut edits)| {
            edits.sort_by_key(|e| (e.start, e.end));
            ArtifactChange {
                artifact_location: ArtifactLocation { uri: uri(path) },
                replacements: edits
                    .into_iter()
                    .map(|e| Replacement {
                        deleted_region: region(report, path, e.start, e.end),
                        inserted_content: InsertedContent {
                            text: &e.replacement,
                        },
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A relative URI reference for a path shown with `/`: every byte outside the
/// unreserved set, `/` and a few safe sub-delimiters is percent-encoded (`:` too, so
/// that `c:/x` is not read as a scheme).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uri_encodes_what_a_uri_cannot_hold() {
        assert_eq!(uri("pipelines/build.yaml"), "pipelines/build.yaml");
        assert_eq!(uri("my dir/ä%#?.yaml"), "my%20dir/%C3%A4%25%23%3F.yaml");
        assert_eq!(uri("c:/x.yaml"), "c%3A/x.yaml");
    }
}
