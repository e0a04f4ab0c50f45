//! The stable JSON format (`version: 1`). Keys come out in declaration order.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Applicability, Diagnostic, Severity};

use super::Report;

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
    use rayon::prelude::*;
    // The bytes serde_json's pretty printer writes for the whole report (an object of
    // `version`, `files_scanned` and `diagnostics`), with the findings rendered in parallel,
    // a chunk at a time, each indented to its depth in the array.
    write!(
        out,
        "{{\n  \"version\": 1,\n  \"files_scanned\": {},\n  \"diagnostics\": ",
        report.files_scanned
    )?;
    if report.diagnostics.is_empty() {
        return out.write_all(b"[]\n}\n");
    }
    out.write_all(b"[\n")?;
    // Windows of chunks, each written before the next is rendered: memory stays bounded
    // whatever the number of findings.
    // Two chunks per thread: 1,024 findings (about 2 MB) a window on two threads.
    const CHUNK: usize = 256;
    let window_len = CHUNK * 2 * rayon::current_num_threads().max(1);
    for (wi, window) in report.diagnostics.chunks(window_len).enumerate() {
        let chunks: Vec<io::Result<Vec<u8>>> = window
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(ci, chunk)| {
                let mut buf = Vec::with_capacity(chunk.len() * 2048);
                for (i, d) in chunk.iter().enumerate() {
                    if wi > 0 || ci > 0 || i > 0 {
                        buf.extend_from_slice(b",\n");
                    }
                    buf.extend_from_slice(b"    ");
                    // Pretty-printed as it stands in the array, two levels down.
                    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Indented::at(2));
                    json_diagnostic(report, d).serialize(&mut ser)?;
                }
                Ok(buf)
            })
            .collect();
        for c in chunks {
            out.write_all(&c?)?;
        }
    }
    out.write_all(b"\n  ]\n}\n")
}

fn json_diagnostic<'a>(report: &Report<'_>, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
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
}

/// serde_json's pretty layout (two spaces a level, `[]` and `{}` when empty) for a value
/// that starts `depth` levels down, so that each finding is written in place.
struct Indented {
    depth: usize,
    has_value: bool,
}

impl Indented {
    fn at(depth: usize) -> Indented {
        Indented {
            depth,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"" } else { b"," })?;
        self.newline(w)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
