//! Building blocks for fixes that keep the file's own style: its newline, its
//! indentation, its quoting. Every helper returns byte-range [`Edit`]s; nothing here
//! writes files.

use std::sync::Arc;

use crate::diagnostic::Edit;
use crate::yaml::{NodeKind, NodeRef, ScalarStyle, Span};

/// The file's newline: `\r\n` if its first line ends so, else `\n`.
pub fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

/// Byte offset just past the end of the line holding `offset` (after its newline, if any).
pub fn line_end_incl(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map(|i| offset + i + 1)
        .unwrap_or(text.len())
}

/// The column (in bytes) at which `offset` sits on its line.
pub fn column_of(text: &str, offset: usize) -> usize {
    offset - line_start(text, offset)
}

/// End of the last line that belongs to `node` (a block collection or scalar), before its newline.
fn content_end(text: &str, node: NodeRef<'_>) -> usize {
    // Trailing comments on the last line stay with it.
    let end = node.span().end;
    let end = end.min(text.len());
    // If the span ends at a newline boundary (block scalars), step back before it.
    let mut e = end;
    while e > 0 && matches!(text.as_bytes()[e - 1], b'\n' | b'\r') {
        e -= 1;
    }
    let line_end = text[e..].find('\n').map(|i| e + i).unwrap_or(text.len());
    if line_end > 0 && text.as_bytes()[line_end - 1] == b'\r' {
        line_end - 1
    } else {
        line_end
    }
}

/// Renders `value` for a new entry: plain when safe, else double-quoted.
pub fn scalar(value: &str, style: ScalarStyle) -> String {
    crate::yaml::render_scalar(value, style)
}

/// Inserts `key: value` into the mapping `map`, after its last entry, in the mapping's
/// own style (block: a new line at the keys' indentation; flow: `, key: value` before `}`).
/// `value` is written verbatim (already rendered). Returns `None` when the mapping is empty
/// and its indentation cannot be inferred, or `map` is not a mapping.
pub fn insert_entry(
    path: &Arc<str>,
    text: &str,
    map: NodeRef<'_>,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let NodeKind::Mapping { entries, flow } = map.kind() else {
        return None;
    };
    if flow {
        let close = map.span().end.checked_sub(1)?;
        if text.as_bytes().get(close) != Some(&b'}') {
            return None;
        }
        let sep = if entries.is_empty() { "" } else { ", " };
        // Insert after the last entry, before any blanks that precede `}`.
        let insert_at = text[..close]
            .trim_end_matches([' ', '\n', '\r', '\t'])
            .len();
        return Some(Edit::insert(
            path,
            insert_at,
            format!("{sep}{key}: {value}"),
        ));
    }
    let (first_key, _) = entries.first()?;
    let doc = map.doc;
    let first_key = doc.get(*first_key);
    // Where the entry starts: the key, or a tag or anchor written before it (`!!str key:`).
    let key_start = with_properties(text, first_key.span().start);
    let indent = column_of(text, key_start);
    let indent_str: String = text[line_start(text, key_start)..key_start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    debug_assert_eq!(indent_str.len(), indent);
    let (_, last_val) = entries.last()?;
    let at = content_end(text, doc.get(*last_val));
    let nl = newline(text);
    Some(Edit::insert(
        path,
        at,
        format!("{nl}{indent_str}{key}: {value}"),
    ))
}

/// `at` (a node's start) moved back over the tags (`!t`) and anchors (`&a`) written before
/// the node on its line.
fn with_properties(text: &str, at: usize) -> usize {
    let b = text.as_bytes();
    let mut start = at.min(b.len());
    loop {
        let mut i = start;
        while i > 0 && matches!(b[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        let end = i;
        while i > 0 && !matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
            i -= 1;
        }
        if i < end && matches!(b[i], b'!' | b'&') {
            start = i;
        } else {
            return start;
        }
    }
}

/// Deletes the entry `key: value` of a block mapping, whole lines included, or of a flow
/// mapping with its separating comma. `key`/`value` are the entry's nodes.
pub fn delete_entry(
    path: &Arc<str>,
    text: &str,
    map: NodeRef<'_>,
    key: NodeRef<'_>,
    value: NodeRef<'_>,
) -> Option<Edit> {
    let NodeKind::Mapping { entries, flow } = map.kind() else {
        return None;
    };
    let pos = entries.iter().position(|(k, _)| *k == key.id)?;
    if flow {
        let start = key.span().start;
        let end = value.span().end.max(key.span().end);
        // Remove the following ", " (or, for the last entry, the preceding ", ").
        let after = &text[end..map.span().end];
        if let Some(i) = after.find(',') {
            let mut e = end + i + 1;
            while text.as_bytes().get(e) == Some(&b' ') {
                e += 1;
            }
            return Some(Edit::delete(path, Span::new(start, e)));
        }
        let before = &text[map.span().start..start];
        let s = before
            .rfind(',')
            .map(|i| map.span().start + i)
            .unwrap_or(start);
        return Some(Edit::delete(path, Span::new(s, end)));
    }
    if entries.len() == 1 {
        // Removing the only entry would leave `parent:` with a null value; callers delete the parent instead.
        return None;
    }
    let start = line_start(text, key.span().start);
    if text[start..key.span().start].trim().is_empty() {
        let end_line = content_end(text, value);
        let end = line_end_incl(text, end_line);
        return Some(Edit::delete(path, Span::new(start, end)));
    }
    // `- key: v` on the dash line of a sequence item: not deleted (the item would lose its dash).
    let _ = pos;
    None
}

/// Deletes a whole `key: value` entry of `map` found by key, if it is a block or flow entry.
pub fn delete_key(path: &Arc<str>, text: &str, map: NodeRef<'_>, key: &str) -> Option<Edit> {
    let (k, v) = map.entry(key)?;
    delete_entry(path, text, map, k, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn apply(text: &str, e: &Edit) -> String {
        format!("{}{}{}", &text[..e.start], e.replacement, &text[e.end..])
    }

    #[test]
    fn inserts_into_block_mapping() {
        let src =
            "spec:\n  tasks:\n    - name: a\n      taskRef:\n        name: t # c\n    - name: b\n";
        let s = yaml::parse(src);
        let d = &s.documents[0];
        let task = d
            .root_ref()
            .unwrap()
            .path(&["spec", "tasks"])
            .unwrap()
            .items()
            .next()
            .unwrap();
        let p: Arc<str> = "f".into();
        let e = insert_entry(&p, src, task, "timeout", "\"3h\"").unwrap();
        assert_eq!(
            apply(src, &e),
            "spec:\n  tasks:\n    - name: a\n      taskRef:\n        name: t # c\n      timeout: \"3h\"\n    - name: b\n"
        );
    }

    #[test]
    fn inserts_into_flow_mapping_and_crlf() {
        let src = "spec: {pipelineRef: {name: x}}\r\nother: 1\r\n";
        let s = yaml::parse(src);
        let d = &s.documents[0];
        let spec = d.root_ref().unwrap().get("spec").unwrap();
        let p: Arc<str> = "f".into();
        let e = insert_entry(&p, src, spec, "timeouts", "{pipeline: \"1h\"}").unwrap();
        assert_eq!(
            apply(src, &e),
            "spec: {pipelineRef: {name: x}, timeouts: {pipeline: \"1h\"}}\r\nother: 1\r\n"
        );
        let root = d.root_ref().unwrap();
        let e = insert_entry(&p, src, root, "x", "y").unwrap();
        assert_eq!(
            apply(src, &e),
            "spec: {pipelineRef: {name: x}}\r\nother: 1\r\nx: y\r\n"
        );
    }

    #[test]
    fn deletes_entries() {
        let src = "spec:\n  timeout: 1h # old\n  steps: []\n";
        let s = yaml::parse(src);
        let spec = s.documents[0].root_ref().unwrap().get("spec").unwrap();
        let p: Arc<str> = "f".into();
        let e = delete_key(&p, src, spec, "timeout").unwrap();
        assert_eq!(apply(src, &e), "spec:\n  steps: []\n");
        let src = "a: {x: 1, timeout: 2h, y: 3}\n";
        let s = yaml::parse(src);
        let m = s.documents[0].root_ref().unwrap().get("a").unwrap();
        let e = delete_key(&p, src, m, "timeout").unwrap();
        assert_eq!(apply(src, &e), "a: {x: 1, y: 3}\n");
        let e = delete_key(&p, src, m, "y").unwrap();
        assert_eq!(apply(src, &e), "a: {x: 1, timeout: 2h}\n");
    }
}
