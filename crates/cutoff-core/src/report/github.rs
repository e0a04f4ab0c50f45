//! GitHub Actions workflow commands: one annotation per finding.
//!
//! `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE name::message`
//! (`::warning` for warnings, `::notice` for infos). The help follows the message
//! after an escaped line break.

use std::io::{self, Write};

use crate::diagnostic::Severity;

use super::Report;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let r = report.range(&d.path, d.span.start, d.span.end);
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push('\n');
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&d.path),
            r.start.line,
            r.start.col,
            r.end.line,
            r.end.col,
            escape_property(&format!("{} {}", d.code, d.name)),
            escape_data(&message),
        )?;
    }
    Ok(())
}

/// Escapes a command's message (as `@actions/core` does).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value (as `@actions/core` does).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
