//! SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! One run; the driver lists every rule, with tags and a help link to the rule's page at
//! this version's tag; columns count UTF-16 code units (`columnKind: utf16CodeUnits`),
//! 1-based. Paths are relative to `%SRCROOT%`, the directory cutoff ran in (given in
//! `originalUriBaseIds`). Labels become related locations, linked from the message
//! (`[text](id)`), and a fix becomes `fixes[]` with one artifact change per file it edits.
//! Each result carries a `partialFingerprints` entry that survives edits elsewhere in the
//! file (code, offending text, message and occurrence, not the line), so code scanning
//! keeps tracking an alert as lines move. Code scanning keeps at most 5,000 results per
//! run: past that, the most severe are kept and a notification says how many were left out.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Edit, FixAvailability, RuleMeta, Severity};

use super::Report;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/cutoff-dev/cutoff";
/// The rule pages as of this version's tag (`v0.1.0`), which exists as long as the release.
const RULE_DOC_BASE: &str = concat!(
    "https://github.com/cutoff-dev/cutoff/blob/v",
    env!("CARGO_PKG_VERSION"),
    "/rules/"
);
/// Results code scanning takes from one run (it drops the rest).
pub(crate) const MAX_RESULTS: usize = 5000;
const SRCROOT: &str = "%SRCROOT%";

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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    original_uri_base_ids: BaseIds,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    srcroot: BaseUri,
}

#[derive(Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
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
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
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
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "cutoffFindingHash/v1")]
    finding: String,
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
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
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
    render_capped(report, MAX_RESULTS, out)
}

/// [`render`] keeping at most `cap` results: the most severe, in report order.
pub(crate) fn render_capped(
    report: &Report<'_>,
    cap: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let all = report.rules;
    let diags = report.diagnostics;
    let kept: Vec<usize> = if diags.len() <= cap {
        (0..diags.len()).collect()
    } else {
        let mut by_severity: Vec<usize> = (0..diags.len()).collect();
        by_severity.sort_by_key(|&i| std::cmp::Reverse(diags[i].severity));
        let mut kept: Vec<usize> = by_severity.into_iter().take(cap).collect();
        kept.sort_unstable();
        kept
    };
    let mut invocations = Vec::new();
    if kept.len() < diags.len() {
        invocations.push(Invocation {
            execution_successful: true,
            tool_execution_notifications: vec![Notification {
                level: "warning",
                message: Message {
                    text: format!(
                        "{} of {} findings are not in this report: code scanning keeps {cap} results per run, so the most severe are kept. `cutoff lint` lists them all.",
                        diags.len() - kept.len(),
                        diags.len()
                    ),
                },
            }],
        });
    }
    let fingerprints = fingerprints(report);
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
            invocations,
            original_uri_base_ids: BaseIds {
                srcroot: BaseUri { uri: srcroot_uri() },
            },
            column_kind: "utf16CodeUnits",
            results: kept
                .iter()
                .map(|&i| result(report, all, &diags[i], fingerprints[i].clone()))
                .collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// The directory cutoff runs in, which every path is relative to, as a `file:` URI
/// ending in `/`.
fn srcroot_uri() -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut path = cwd.to_string_lossy().replace('\\', "/");
    if !path.starts_with('/') {
        path.insert(0, '/'); // `C:/x` → `/C:/x`
    }
    let mut out = String::from("file://");
    for part in path.split('/').skip(1) {
        out.push('/');
        out.push_str(&uri(part).replace("%3A", ":"));
    }
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// FNV-1a, 64 bit: stable across platforms and releases.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Per diagnostic: a hash of its code, offending text (trimmed) and message, and which
/// occurrence of that hash it is in its file (`:1`, `:2`, … in report order).
fn fingerprints(report: &Report<'_>) -> Vec<String> {
    let mut seen: std::collections::HashMap<(String, u64), usize> = Default::default();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let text = report
                .file(&d.path)
                .and_then(|f| f.text.get(d.span.range()))
                .unwrap_or("")
                .trim();
            let h = fnv1a(&[d.code.as_bytes(), text.as_bytes(), d.message.as_bytes()]);
            let n = seen.entry((d.path.to_string(), h)).or_insert(0);
            *n += 1;
            format!("{h:016x}:{n}")
        })
        .collect()
}

/// Tags for code scanning's rule filter: the family the rule belongs to, and whether
/// cutoff can fix its findings.
fn tags(r: &RuleMeta) -> Vec<&'static str> {
    let mut tags = match r.code.get(..3) {
        Some("TKN") => vec!["tekton", "timeouts"],
        Some("CUT") => vec!["cutoff", "yaml"],
        _ => vec!["timeouts"],
    };
    if r.fix != FixAvailability::None {
        tags.push("fixable");
    }
    tags
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
        properties: RuleProperties { tags: tags(r) },
    }
}

/// Plain text that cannot read as an embedded link (`[text](target)`): a `]` before `(`
/// escaped, other brackets (`tasks[0]`) left as they are.
fn plain(s: &str) -> String {
    s.replace("](", "\\](")
}

/// The text of an embedded link: its brackets escaped.
fn link_text(s: &str) -> String {
    s.replace('[', "\\[").replace(']', "\\]")
}

fn result<'a>(
    report: &Report<'_>,
    all: &[RuleMeta],
    d: &'a Diagnostic,
    fingerprint: String,
) -> SarifResult<'a> {
    let mut text = plain(&d.message);
    if let Some(help) = &d.help {
        text.push('\n');
        text.push_str(&plain(help));
    }
    // Each related location linked from the message, as code scanning shows them.
    if !d.labels.is_empty() {
        let links: Vec<String> = d
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| format!("[{}]({})", link_text(&l.message), i + 1))
            .collect();
        text.push_str("\nSee: ");
        text.push_str(&links.join("; "));
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
        partial_fingerprints: Fingerprints {
            finding: fingerprint,
        },
    }
}

fn physical(report: &Report<'_>, path: &str, start: usize, end: usize) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri(path),
            uri_base_id: SRCROOT,
        },
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
                artifact_location: ArtifactLocation {
                    uri: uri(path),
                    uri_base_id: SRCROOT,
                },
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
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::Sources;
    use std::sync::Arc;

    fn diag(code: &'static str, severity: Severity, path: &str, start: usize) -> Diagnostic {
        Diagnostic {
            code,
            name: "n",
            severity,
            path: Arc::from(path),
            span: crate::yaml::Span::new(start, start + 2),
            message: "m".into(),
            labels: Vec::new(),
            help: None,
            fix: None,
        }
    }

    fn sarif(diags: &[Diagnostic], cap: usize) -> serde_json::Value {
        let text = "a: 1h\nb: 1h\nc: 2h\n";
        let sources = Sources::new(vec![crate::source::SourceFile::new(
            Arc::from("x.yaml"),
            None,
            text.to_string(),
            true,
        )]);
        let report = Report {
            sources: &sources,
            rules: &[],
            diagnostics: diags,
            files_scanned: 1,
            fixed: 0,
            color: false,
            show_fixes: false,
        };
        let mut out = Vec::new();
        render_capped(&report, cap, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn capped_keeps_the_most_severe_and_says_so() {
        let diags = vec![
            diag("A", Severity::Info, "x.yaml", 0),
            diag("B", Severity::Error, "x.yaml", 6),
            diag("C", Severity::Warning, "x.yaml", 12),
        ];
        let v = sarif(&diags, 2);
        let ids: Vec<&str> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["B", "C"]);
        let note = &v["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "warning");
        assert!(note["message"]["text"].as_str().unwrap().starts_with(
            "1 of 3 findings are not in this report: code scanning keeps 2 results per run"
        ));
        assert!(sarif(&diags, 3)["runs"][0].get("invocations").is_none());
    }

    #[test]
    fn fingerprints_survive_moves_and_count_repeats() {
        // `1h` at line 1 and line 2: the same text, code and message; told apart by occurrence.
        let v = sarif(
            &[
                diag("B", Severity::Error, "x.yaml", 3),
                diag("B", Severity::Error, "x.yaml", 9),
                diag("B", Severity::Error, "x.yaml", 15),
            ],
            10,
        );
        let fp: Vec<&str> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["cutoffFindingHash/v1"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(fp[0].split(':').next(), fp[1].split(':').next());
        assert!(fp[0].ends_with(":1") && fp[1].ends_with(":2"), "{fp:?}");
        assert_ne!(
            fp[0].split(':').next(),
            fp[2].split(':').next(),
            "`2h` differs"
        );
        // The same finding on another line has the same fingerprint.
        let moved = sarif(&[diag("B", Severity::Error, "x.yaml", 9)], 10);
        assert_eq!(
            moved["runs"][0]["results"][0]["partialFingerprints"]["cutoffFindingHash/v1"],
            fp[0]
        );
    }

    #[test]
    fn related_locations_are_linked_from_the_message() {
        let mut d = diag("B", Severity::Error, "x.yaml", 0);
        d.message = "see `tasks[0]`".into();
        d.labels.push(Label {
            path: Arc::from("x.yaml"),
            span: crate::yaml::Span::new(6, 8),
            message: "the [other] one".into(),
        });
        let v = sarif(&[d], 10);
        let r = &v["runs"][0]["results"][0];
        assert_eq!(
            r["message"]["text"],
            "see `tasks[0]`\nSee: [the \\[other\\] one](1)"
        );
        assert_eq!(r["relatedLocations"][0]["id"], 1);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
        let base = v["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            base.starts_with("file:///") && base.ends_with('/'),
            "{base}"
        );
    }

    #[test]
    fn uri_encodes_what_a_uri_cannot_hold() {
        assert_eq!(uri("pipelines/build.yaml"), "pipelines/build.yaml");
        assert_eq!(uri("my dir/ä%#?.yaml"), "my%20dir/%C3%A4%25%23%3F.yaml");
        assert_eq!(uri("c:/x.yaml"), "c%3A/x.yaml");
    }
}
