//! `path:line:col: severity[CODE] message`, one line per finding and nothing else,
//! so that editors and CI problem matchers can parse it.

use std::io::{self, Write};

use super::Report;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        let p = report.pos(&d.path, d.span.start);
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            d.path,
            p.line,
            p.col,
            d.severity,
            d.code,
            one_line(&d.message)
        )?;
    }
    Ok(())
}

/// Keeps a finding on one line.
pub(super) fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\n', '\r']) {
        s.split(['\n', '\r'])
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .into()
    } else {
        s.into()
    }
}
