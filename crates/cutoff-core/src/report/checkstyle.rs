//! Checkstyle XML, grouped by file.

use std::io::{self, Write};

use super::{by_file, xml_escape, Report};

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    for (path, diags) in by_file(report.diagnostics) {
        writeln!(out, r#"  <file name="{}">"#, xml_escape(path))?;
        for d in diags {
            let p = report.pos(&d.path, d.span.start);
            writeln!(
                out,
                r#"    <error line="{}" column="{}" severity="{}" message="{}" source="cutoff.{}"/>"#,
                p.line,
                p.col,
                d.severity,
                xml_escape(&d.message),
                xml_escape(d.code),
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}
