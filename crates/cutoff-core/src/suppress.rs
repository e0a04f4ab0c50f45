//! Suppressions: `# cutoff: ignore[CODES] reason` comments (on the finding's line or the
//! line above), `# cutoff: ignore-file` at the top of a document, the
//! `cutoff.dev/ignore: "CODES"` annotation on a resource, and per-resource ignores in
//! the configuration. Suppressions that suppress nothing are reported (CUT004).

use crate::config::{selector_matches, Config};
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::manifest::{self, Meta};
use crate::rules::{engine::UNUSED_SUPPRESSION, new_diagnostic};
use crate::source::SourceFile;
use crate::yaml::{Document, Span};

pub const ANNOTATION: &str = "cutoff.dev/ignore";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// Findings starting on these 1-based lines.
    Lines(usize, usize),
    /// Findings inside this byte range (a document or a resource).
    Range(Span),
}

#[derive(Debug, Clone)]
struct Suppression {
    /// Codes or prefixes; empty = all rules.
    codes: Vec<String>,
    scope: Scope,
    /// Where it is written (reported when unused).
    span: Span,
    /// What deleting it means, when it is a comment of its own.
    removal: Option<Span>,
    used: bool,
    what: &'static str,
}

impl Suppression {
    fn covers(&self, d: &Diagnostic, line: usize) -> bool {
        let in_scope = match self.scope {
            Scope::Lines(a, b) => line >= a && line <= b,
            Scope::Range(r) => d.span.start >= r.start && d.span.start <= r.end,
        };
        in_scope
            && (self.codes.is_empty() || self.codes.iter().any(|c| selector_matches(c, d.code)))
    }
}

/// Parses `cutoff: ignore[A,B] reason` / `cutoff: ignore-file` from a comment's text.
/// Returns (file-wide?, codes).
fn parse_comment(text: &str) -> Option<(bool, Vec<String>)> {
    let t = text.trim_start();
    let rest = t.strip_prefix("cutoff:")?.trim_start();
    let (file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        return None;
    };
    let codes = match rest.strip_prefix('[') {
        Some(r) => {
            let end = r.find(']')?;
            split_codes(&r[..end])
        }
        None if rest.is_empty() || rest.starts_with(char::is_whitespace) => Vec::new(),
        None => return None,
    };
    Some((file, codes))
}

fn split_codes(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The span to delete to remove a comment cleanly: its whole line when it stands alone,
/// else the comment and the blanks before it.
fn comment_removal(file: &SourceFile, span: Span) -> Span {
    let text = &file.text;
    let line_start = text[..span.start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let before = &text[line_start..span.start];
    if before.trim().is_empty() {
        let line_end = text[span.end..]
            .find('\n')
            .map(|i| span.end + i + 1)
            .unwrap_or(text.len());
        Span::new(line_start, line_end)
    } else {
        let trimmed = before.trim_end_matches([' ', '\t']).len();
        Span::new(line_start + trimmed, span.end)
    }
}

fn collect(file: &SourceFile, doc: &Document, config: &Config, out: &mut Vec<Suppression>) {
    let first_content = doc
        .root_ref()
        .map(|r| r.span().start)
        .unwrap_or(doc.span.end);
    for c in &doc.comments {
        let Some((file_wide, codes)) = parse_comment(&c.text) else {
            continue;
        };
        let scope = if file_wide {
            if c.span.start > first_content {
                // ignore-file below content is misplaced: treat as a line suppression? No: report it unused.
                Scope::Lines(0, 0)
            } else {
                Scope::Range(doc.span)
            }
        } else if c.trailing {
            Scope::Lines(c.line, c.line)
        } else {
            // An own-line comment covers the next line of content (and itself).
            Scope::Lines(c.line, c.line + 1)
        };
        out.push(Suppression {
            codes,
            scope,
            span: c.span,
            removal: Some(comment_removal(file, c.span)),
            used: false,
            what: "comment",
        });
    }
    let Some(meta) = manifest::identify_meta(doc) else {
        return;
    };
    let mut metas: Vec<Meta<'_>> = vec![meta];
    metas.extend(manifest::embedded(&meta));
    for m in metas {
        if let Some(v) = m.annotations().and_then(|a| a.get(ANNOTATION)) {
            let codes = v.as_str().map(split_codes).unwrap_or_default();
            out.push(Suppression {
                codes,
                scope: Scope::Range(m.root.span()),
                span: v.span(),
                removal: None,
                used: false,
                what: "annotation",
            });
        }
        for ri in &config.resource_ignores {
            if ri.matches(m.kind, m.name, m.namespace) {
                out.push(Suppression {
                    codes: ri.rules.clone(),
                    scope: Scope::Range(m.root.span()),
                    span: m.root.span(),
                    removal: None,
                    used: true, // configuration ignores are not reported per resource
                    what: "config",
                });
            }
        }
    }
}

/// Removes suppressed findings of one file and adds CUT004 for suppressions that matched nothing.
/// `report_unused` is false when CUT004 is disabled.
pub fn apply(file: &SourceFile, config: &Config, diags: &mut Vec<Diagnostic>, report_unused: bool) {
    let mut sups = Vec::new();
    for doc in &file.stream.documents {
        collect(file, doc, config, &mut sups);
    }
    if sups.is_empty() {
        return;
    }
    diags.retain(|d| {
        if d.path != file.path || d.code == UNUSED_SUPPRESSION.code {
            return true;
        }
        let line = file.line_col(d.span.start).0;
        let mut keep = true;
        for s in sups.iter_mut() {
            if s.covers(d, line) {
                s.used = true;
                keep = false;
            }
        }
        keep
    });
    if !report_unused {
        return;
    }
    for s in sups.iter().filter(|s| !s.used) {
        let codes = if s.codes.is_empty() {
            "any rule".to_string()
        } else {
            s.codes.join(", ")
        };
        let mut d = new_diagnostic(
            &UNUSED_SUPPRESSION,
            &file.path,
            s.span,
            format!("this suppression {} ({codes}) matches no finding", s.what),
        )
        .help("remove it, or correct the rule codes it names; stale suppressions hide future findings");
        if let Some(r) = s.removal {
            d = d.fix(Fix::safe(
                "remove the unused suppression comment",
                vec![Edit::delete(&file.path, r)],
            ));
        }
        diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments() {
        assert_eq!(
            parse_comment(" cutoff: ignore[TKN001, tkn002] legacy"),
            Some((false, vec!["TKN001".into(), "TKN002".into()]))
        );
        assert_eq!(parse_comment(" cutoff: ignore-file"), Some((true, vec![])));
        assert_eq!(parse_comment(" cutoff: ignore"), Some((false, vec![])));
        assert_eq!(parse_comment(" cutoff: ignored"), None);
        assert_eq!(parse_comment(" nothing"), None);
    }
}
