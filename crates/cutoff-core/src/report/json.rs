//! The stable JSON format (`version: 1`). Keys come out in declaration order.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Applicability, Severity};

use super::Report;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    files_scanned: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    path: &'a str,
    start: usize,
    end: usize,
    replacement: &'a str,
}

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
            let r = report.range(&d.path, d.span.start, d.span.end);
            JsonDiagnostic {
                code: d.code,
                name: d.name,
                severity: d.severity,
                path: &d.path,
                line: r.start.line,
                column: r.start.col,
                end_line: r.end.line,
                end_column: r.end.col,
                message: &d.message,
                help: d.help.as_deref(),
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let r = report.range(&l.path, l.span.start, l.span.end);
                        JsonLabel {
                            path: &l.path,
                            line: r.start.line,
                            column: r.start.col,
                            end_line: r.end.line,
                            end_column: r.end.col,
                            message: &l.message,
                        }
                    })
                    .collect(),
                fix: d.fix.as_ref().map(|f| JsonFix {
                    applicability: f.applicability,
                    description: &f.description,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            path: &e.path,
                            start: e.start,
                            end: e.end,
                            replacement: &e.replacement,
                        })
                        .collect(),
                }),
            }
        })
        .collect();
    let output = Output {
        version: 1,
        files_scanned: report.files_scanned,
        diagnostics,
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    out.write_all(b"\n")
}
