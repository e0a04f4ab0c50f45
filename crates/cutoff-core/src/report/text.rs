//! The human format: miette's graphical report per finding, then a summary line.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use crate::yaml::LineIndex;

use super::{fix_counts, Report};

/// Fixed so that output (and snapshots) do not depend on the terminal.
const WIDTH: usize = 100;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let theme = if report.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .with_show_related_as_nested(true);
    for d in report.diagnostics {
        let finding = finding(report, d);
        let mut s = String::new();
        handler
            .render_report(&mut s, &finding)
            .map_err(|_| io::Error::other("cannot render a diagnostic"))?;
        out.write_all(s.as_bytes())?;
        out.write_all(b"\n")?;
    }
    writeln!(out, "{}", summary(report))
}

/// The text format's last line: `Found N findings (E errors, W warnings, I infos) in F files
/// scanned; X fixable with --fix.`, or `All clear: F files scanned, no findings.`; then
/// `Fixed K.` when fixes were applied.
pub fn summary(report: &Report<'_>) -> String {
    let diags = report.diagnostics;
    let files = plural(report.files_scanned, "file", "files");
    let mut s = if diags.is_empty() {
        format!("All clear: {files} scanned, no findings.")
    } else {
        let c = crate::diagnostic::counts(diags);
        let (safe, unsafe_) = fix_counts(diags);
        let fixable = match (safe, unsafe_) {
            (0, 0) => String::new(),
            (s, 0) => format!("; {s} fixable with --fix"),
            (0, u) => format!("; {u} fixable with --unsafe-fixes"),
            (s, u) => format!("; {s} fixable with --fix ({u} more with --unsafe-fixes)"),
        };
        format!(
            "Found {} ({}, {}, {}) in {files} scanned{fixable}.",
            plural(diags.len(), "finding", "findings"),
            plural(c.error, "error", "errors"),
            plural(c.warning, "warning", "warnings"),
            plural(c.info, "info", "infos"),
        )
    };
    if report.fixed > 0 {
        s.push_str(&format!(" Fixed {}.", report.fixed));
    }
    s
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Builds the miette view of one diagnostic. Labels in the diagnostic's file are
/// secondary labels of its snippet; labels elsewhere become related notes with a
/// snippet of their own file.
fn finding<'a>(report: &Report<'a>, d: &'a Diagnostic) -> Finding<'a> {
    let mut help: Vec<Cow<'_, str>> = d.help.iter().map(|h| Cow::from(h.as_str())).collect();
    if report.show_fixes {
        if let Some(fix) = &d.fix {
            help.push(format!("fix ({}): {}", fix.applicability.as_str(), fix.description).into());
        }
    }
    let source = report.sources.file(&d.path).and_then(Src::new);
    let mut labels = Vec::new();
    let mut related = Vec::new();
    let message = match &source {
        Some(src) => {
            labels.push(LabeledSpan::new_primary_with_span(
                Some(d.name.to_string()),
                src.span(d.span.start, d.span.end),
            ));
            d.message.clone()
        }
        None => format!("{}: {}", d.path, d.message),
    };
    for l in &d.labels {
        match &source {
            Some(src) if l.path == d.path => labels.push(LabeledSpan::new_with_span(
                Some(l.message.clone()),
                src.span(l.span.start, l.span.end),
            )),
            _ => related.push(note(report, &l.path, l.span.start, l.span.end, &l.message)),
        }
    }
    Finding {
        message,
        code: Some(format!("{}[{}]", d.severity, d.code)),
        severity: severity(d.severity),
        help: (!help.is_empty()).then(|| help.join("\n")),
        source,
        labels,
        related,
    }
}

/// A related note for a label in another file: `path:line:col: message` and a
/// snippet of that file.
fn note<'a>(
    report: &Report<'a>,
    path: &'a str,
    start: usize,
    end: usize,
    message: &str,
) -> Finding<'a> {
    let source = report.sources.file(path).and_then(Src::new);
    let p = report.pos(path, start);
    let labels = source
        .iter()
        .map(|src| LabeledSpan::new_primary_with_span(None, src.span(start, end)))
        .collect();
    Finding {
        message: format!("{path}:{}:{}: {message}", p.line, p.col),
        code: None,
        severity: miette::Severity::Advice,
        help: None,
        source,
        labels,
        related: Vec::new(),
    }
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

#[derive(Debug)]
struct Finding<'a> {
    message: String,
    /// `error[TKN001]`, as in the concise format.
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Src<'a>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Finding<'a>>,
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Finding<'_> {}

impl miette::Diagnostic for Finding<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display + 'b>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// A file's text for miette, named by its path, whose snippet headers show the
/// column in chars (miette itself counts bytes).
#[derive(Debug)]
struct Src<'a> {
    name: &'a str,
    text: &'a str,
    lines: &'a LineIndex,
}

impl<'a> Src<'a> {
    /// `None` for a file without text (skipped: too large, not UTF-8): no snippet.
    fn new(file: &'a SourceFile) -> Option<Src<'a>> {
        if file.text.is_empty() {
            return None;
        }
        Some(Src {
            name: &file.path,
            text: &file.text,
            lines: file.full_lines(),
        })
    }

    /// The span `start..end`, clamped to the text and to char boundaries.
    fn span(&self, start: usize, end: usize) -> SourceSpan {
        let len = self.text.len();
        let mut s = start.min(len);
        while !self.text.is_char_boundary(s) {
            s -= 1;
        }
        let mut e = end.clamp(s, len);
        while !self.text.is_char_boundary(e) {
            e += 1;
        }
        (s, e - s).into()
    }
}

impl SourceCode for Src<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let column = if context_lines_before == 0 {
            self.lines.line_col(self.text, span.offset()).1 - 1
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}
