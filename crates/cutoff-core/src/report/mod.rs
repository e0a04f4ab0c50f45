//! Reporters: turn sorted diagnostics into one of the output formats.
//!
//! Every reporter reads the same [`Report`]; byte spans are mapped to lines and
//! columns here, with the line index of the file the span belongs to (labels and
//! edits may point into other files than their diagnostic).
//!
//! Columns are 1-based and count chars (Unicode scalar values), except in SARIF,
//! which counts UTF-16 code units (`columnKind: utf16CodeUnits`).

mod checkstyle;
mod concise;
mod github;
mod json;
mod junit;
mod sarif;
mod text;

pub use text::summary;

use std::io::{self, Write};

use crate::diagnostic::{Applicability, Diagnostic, RuleMeta};
use crate::source::{SourceFile, Sources};

/// An output format of `cutoff lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Source snippets with labels and help, then a summary line.
    Text,
    /// `path:line:col: severity[CODE] message`, one line per finding.
    Concise,
    /// A stable JSON document (`version: 1`).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML.
    Junit,
    /// Checkstyle XML.
    Checkstyle,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Checkstyle,
    ];

    /// The format named `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }

    /// One line on what the format is for.
    pub fn description(self) -> &'static str {
        match self {
            Format::Text => "Source snippets with labels and help, then a summary line",
            Format::Concise => "`path:line:col: severity[CODE] message`, one line per finding",
            Format::Json => "A stable JSON document (`version: 1`)",
            Format::Sarif => "SARIF 2.1.0, for code scanning",
            Format::Github => "GitHub Actions workflow commands (annotations)",
            Format::Junit => "JUnit XML",
            Format::Checkstyle => "Checkstyle XML",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Checkstyle => "checkstyle",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reporter prints.
#[derive(Clone, Copy)]
pub struct Report<'a> {
    /// Maps spans of any file (labels and edits may be in other files) to lines,
    /// columns and source snippets.
    pub sources: &'a Sources,
    /// The metadata of every rule (SARIF describes them all), in code order.
    pub rules: &'a [RuleMeta],
    /// Already sorted.
    pub diagnostics: &'a [Diagnostic],
    pub files_scanned: usize,
    /// Fixes applied in this run (for the summary line); 0 if none.
    pub fixed: usize,
    /// ANSI colours (text format only).
    pub color: bool,
    /// Text format: print a `fix (safe|unsafe): description` line for findings with a fix.
    pub show_fixes: bool,
}

/// Writes `report` to `out` in `format`.
pub fn render(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::render(report, out),
        Format::Concise => concise::render(report, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Checkstyle => checkstyle::render(report, out),
    }
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// Start and end (exclusive end offset) of a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Range {
    pub start: Pos,
    pub end: Pos,
}

impl Report<'_> {
    pub(crate) fn file(&self, path: &str) -> Option<&SourceFile> {
        self.sources.file(path)
    }

    /// Line and char column of `offset` in the file at `path`; `1:1` for a file
    /// the project does not hold.
    pub(crate) fn pos(&self, path: &str, offset: usize) -> Pos {
        pos_in(self.file(path), offset, false)
    }

    pub(crate) fn range(&self, path: &str, start: usize, end: usize) -> Range {
        self.range_in(path, start, end, false)
    }

    pub(crate) fn range_utf16(&self, path: &str, start: usize, end: usize) -> Range {
        self.range_in(path, start, end, true)
    }

    /// Both ends, with the file looked up once (a report of 38,000 findings looks up
    /// hundreds of thousands of places).
    fn range_in(&self, path: &str, start: usize, end: usize, utf16: bool) -> Range {
        let file = self.file(path);
        Range {
            start: pos_in(file, start, utf16),
            end: pos_in(file, end.max(start), utf16),
        }
    }
}

/// Line and column (chars, or UTF-16 units) of `offset` in `file`; `1:1` without one.
fn pos_in(file: Option<&SourceFile>, offset: usize, utf16: bool) -> Pos {
    let (line, col) = file.map_or((1, 1), |f| f.position(offset, utf16));
    Pos { line, col }
}

/// Number of findings with a safe fix and with an unsafe fix.
pub(crate) fn fix_counts(diags: &[Diagnostic]) -> (usize, usize) {
    let mut safe = 0;
    let mut unsafe_ = 0;
    for d in diags {
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => safe += 1,
            Some(Applicability::Unsafe) => unsafe_ += 1,
            None => {}
        }
    }
    (safe, unsafe_)
}

/// Groups diagnostics by path, in order of first appearance.
pub(crate) fn by_file(diags: &[Diagnostic]) -> Vec<(&str, Vec<&Diagnostic>)> {
    let mut groups: Vec<(&str, Vec<&Diagnostic>)> = Vec::new();
    for d in diags {
        match groups.iter_mut().find(|(p, _)| *p == &*d.path) {
            Some((_, v)) => v.push(d),
            None => groups.push((&d.path, vec![d])),
        }
    }
    groups
}

/// Escapes text for XML 1.0 content and attribute values (double-quoted).
/// Characters XML 1.0 cannot carry at all become U+FFFD.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Kept through attribute-value normalisation.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for XML 1.0 element content; line breaks stay literal.
pub(crate) fn xml_escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_handles_markup_and_controls() {
        assert_eq!(
            xml_escape("a<b>&\"c\"'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#10;\u{fffd}"
        );
        assert_eq!(
            xml_escape_text("a<&>\"\n\u{1b}"),
            "a&lt;&amp;&gt;\"\n\u{fffd}"
        );
    }
}
