//! JUnit XML: one test suite per file with findings, one failing test case per
//! finding; a single passing test case when there are none.

use std::io::{self, Write};

use super::{by_file, xml_escape, xml_escape_text, Report};

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let diags = report.diagnostics;
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    if diags.is_empty() {
        writeln!(out, r#"<testsuites name="cutoff" tests="1" failures="0">"#)?;
        writeln!(out, r#"  <testsuite name="cutoff" tests="1" failures="0">"#)?;
        writeln!(
            out,
            r#"    <testcase name="no findings in {} scanned" classname="cutoff"/>"#,
            files(report.files_scanned)
        )?;
        writeln!(out, "  </testsuite>")?;
        return writeln!(out, "</testsuites>");
    }
    writeln!(
        out,
        r#"<testsuites name="cutoff" tests="{0}" failures="{0}">"#,
        diags.len()
    )?;
    for (path, diags) in by_file(diags) {
        let path = xml_escape(path);
        writeln!(
            out,
            r#"  <testsuite name="{path}" tests="{0}" failures="{0}">"#,
            diags.len()
        )?;
        for d in diags {
            let p = report.pos(&d.path, d.span.start);
            let location = format!("{}:{}:{}", d.path, p.line, p.col);
            writeln!(
                out,
                r#"    <testcase name="{}" classname="{path}">"#,
                xml_escape(&format!("{} {}: {location}", d.code, d.name)),
            )?;
            let mut body = format!("{location}: {}[{}] {}", d.severity, d.code, d.message);
            if let Some(help) = &d.help {
                body.push_str("\nhelp: ");
                body.push_str(help);
            }
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                xml_escape(&d.message),
                d.severity,
                xml_escape_text(&body),
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_string()
    } else {
        format!("{n} files")
    }
}
