//! Tests for `cutoff_core::yaml`: the span-exact YAML tree over granit-parser.

use cutoff_core::yaml::{
    parse, plain_safe, render_scalar, Document, LineIndex, NodeId, NodeKind, NodeRef, ScalarStyle,
    Span, Stream,
};

/// The source text a node covers.
fn src<'t>(text: &'t str, n: NodeRef<'_>) -> &'t str {
    &text[n.span().range()]
}

fn one(text: &str) -> Stream {
    let s = parse(text);
    for d in &s.documents {
        assert!(
            d.error.is_none(),
            "unexpected error in {text:?}: {:?}",
            d.error
        );
    }
    s
}

fn root(s: &Stream, i: usize) -> NodeRef<'_> {
    s.documents[i].root_ref().expect("document has a root")
}

/// Checks structural invariants that must hold for any input: spans in bounds and on char
/// boundaries; for documents without errors, children inside their parents and documents.
fn check_invariants(text: &str, s: &Stream) {
    for (i, d) in s.documents.iter().enumerate() {
        assert_eq!(d.index, i);
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "doc span {:?}",
            d.span
        );
        for n in d.node_refs() {
            let span = n.span();
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "node span {span:?}"
            );
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
        for c in &d.comments {
            assert!(c.span.end <= text.len() && text.is_char_boundary(c.span.start));
            assert_eq!(text.as_bytes()[c.span.start], b'#');
            assert_eq!(
                &text[c.span.start + 1..c.span.end].trim_end_matches('\r'),
                &c.text
            );
        }
        if let Some(e) = &d.error {
            assert!(e.offset <= text.len() && e.line >= 1 && e.column >= 1);
            continue;
        }
        if let Some(r) = d.root_ref() {
            assert!(
                d.span.contains(r.span()),
                "root {:?} outside doc {:?} in {text:?}",
                r.span(),
                d.span
            );
            let mut todo = vec![r];
            while let Some(n) = todo.pop() {
                check_node_text(text, n);
                let children: Vec<NodeRef<'_>> = match n.kind() {
                    NodeKind::Mapping { .. } => n.entries().flat_map(|(k, v)| [k, v]).collect(),
                    NodeKind::Sequence { .. } => n.items().collect(),
                    _ => vec![],
                };
                for c in children {
                    assert!(
                        n.span().contains(c.span()),
                        "child {:?} {:?} outside parent {:?} {:?} in {text:?}",
                        c.span(),
                        &text[c.span().range()],
                        n.span(),
                        &text[n.span().range()]
                    );
                    todo.push(c);
                }
            }
        }
    }
}

/// What the source text of a node must look like, given its kind and style.
fn check_node_text(text: &str, n: NodeRef<'_>) {
    let raw = &text[n.span().range()];
    let ok = match n.kind() {
        NodeKind::Scalar { style, value, .. } => match style {
            ScalarStyle::SingleQuoted => {
                raw.len() >= 2 && raw.starts_with('\'') && raw.ends_with('\'')
            }
            ScalarStyle::DoubleQuoted => {
                raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"')
            }
            ScalarStyle::Literal => raw.starts_with('|'),
            ScalarStyle::Folded => raw.starts_with('>'),
            ScalarStyle::Plain => {
                (raw.is_empty() && value.is_empty())
                    || (!raw.is_empty()
                        && raw.trim_matches([' ', '\t', '\r', '\n']) == raw
                        && !raw.starts_with('#'))
            }
        },
        NodeKind::Sequence { flow: true, .. } => raw.starts_with('[') && raw.ends_with(']'),
        NodeKind::Sequence { flow: false, .. } => raw.starts_with('-'),
        NodeKind::Mapping { flow: true, .. } => !raw.starts_with('{') || raw.ends_with('}'),
        NodeKind::Mapping { flow: false, .. } => !raw.is_empty(),
        NodeKind::Alias { name } => raw.strip_prefix('*') == Some(name),
    };
    assert!(
        ok,
        "node text {raw:?} does not match {:?} in {text:?}",
        n.kind()
    );
}

// ---------------------------------------------------------------------------------------------
// Scalars

#[test]
fn scalar_styles_have_exact_spans() {
    let text = concat!(
        "plain: 1h30m   # trailing\n",
        "'single key': 'it''s'   \n",
        "\"double key\": \"a\\tb \\\"q\\\"\" # c\n",
        "multi: first\n  second\n",
        "unicode: \"build-é\"\n",
        "empty:\n",
        "spaced:    # only a comment\n",
        "tilde: ~\n",
    );
    let s = one(text);
    let m = root(&s, 0);
    let (k, v) = m.entry("plain").unwrap();
    assert_eq!((src(text, k), src(text, v)), ("plain", "1h30m"));
    assert_eq!(v.style(), Some(ScalarStyle::Plain));

    let (k, v) = m.entry("single key").unwrap();
    assert_eq!(src(text, k), "'single key'");
    assert_eq!(k.style(), Some(ScalarStyle::SingleQuoted));
    assert_eq!(src(text, v), "'it''s'");
    assert_eq!(v.as_str(), Some("it's"));

    let (k, v) = m.entry("double key").unwrap();
    assert_eq!(src(text, k), "\"double key\"");
    assert_eq!(src(text, v), "\"a\\tb \\\"q\\\"\"");
    assert_eq!(v.as_str(), Some("a\tb \"q\""));
    assert_eq!(v.style(), Some(ScalarStyle::DoubleQuoted));

    let v = m.get("multi").unwrap();
    assert_eq!(src(text, v), "first\n  second");
    assert_eq!(v.as_str(), Some("first second"));

    let v = m.get("unicode").unwrap();
    assert_eq!(src(text, v), "\"build-é\"");

    // Empty values: plain "" with an empty span right after the colon.
    for key in ["empty", "spaced"] {
        let (k, v) = m.entry(key).unwrap();
        assert_eq!(v.as_str(), Some(""));
        assert!(v.is_null());
        assert_eq!(
            v.span(),
            Span::new(k.span().end + 1, k.span().end + 1),
            "{key}"
        );
    }
    let v = m.get("tilde").unwrap();
    assert!(v.is_null());
    assert_eq!(src(text, v), "~");
    // The whole mapping runs from the first key to the end of the last value.
    assert_eq!(m.span(), Span::new(0, text.len() - 1));
}

#[test]
fn block_scalars_cover_their_indicator() {
    let text = concat!(
        "a: |\n  line 1\n  line 2\n",
        "b: >-\n  folded\n  text\n\n",
        "c: |+2 # keep, with | in the comment\n   x\n\n\n",
        "d: !!str &anc |-\n  tagged\n",
        "e: |\n",
        "f:\n  - |\n    in a sequence\n  - >\n    second\n",
        "g: |\r\n  crlf\r\n",
        "h: |\n\n  after a blank line\n",
        "last: >\n  at eof",
    );
    let s = one(text);
    let m = root(&s, 0);
    let cases = [
        (
            "a",
            "|\n  line 1\n  line 2",
            "line 1\nline 2\n",
            ScalarStyle::Literal,
        ),
        (
            "b",
            ">-\n  folded\n  text",
            "folded text",
            ScalarStyle::Folded,
        ),
        (
            "c",
            "|+2 # keep, with | in the comment\n   x",
            " x\n\n\n",
            ScalarStyle::Literal,
        ),
        ("d", "|-\n  tagged", "tagged", ScalarStyle::Literal),
        ("e", "|", "", ScalarStyle::Literal),
        ("g", "|\r\n  crlf", "crlf\n", ScalarStyle::Literal),
        (
            "h",
            "|\n\n  after a blank line",
            "\nafter a blank line\n",
            ScalarStyle::Literal,
        ),
        // granit-parser adds the clipped line break even when the file ends without one.
        ("last", ">\n  at eof", "at eof\n", ScalarStyle::Folded),
    ];
    for (key, raw, value, style) in cases {
        let v = m.get(key).unwrap();
        assert_eq!(src(text, v), raw, "{key}");
        assert_eq!(v.as_str(), Some(value), "{key}");
        assert_eq!(v.style(), Some(style), "{key}");
    }
    let d = m.get("d").unwrap();
    assert_eq!(d.anchor(), Some("anc"));
    assert_eq!(d.tag(), Some("!!str"));
    let items: Vec<_> = m.get("f").unwrap().items().map(|i| src(text, i)).collect();
    assert_eq!(items, ["|\n    in a sequence", ">\n    second"]);
    // Replacing a block scalar over its span gives valid YAML with the new value.
    let v = m.get("a").unwrap();
    let fixed = format!(
        "{}{}{}",
        &text[..v.span().start],
        render_scalar("new", ScalarStyle::Literal),
        &text[v.span().end..]
    );
    let s2 = one(&fixed);
    assert_eq!(root(&s2, 0).get("a").unwrap().as_str(), Some("new"));
    assert_eq!(root(&s2, 0).get("b").unwrap().as_str(), Some("folded text"));
    // The mapping ends at the end of its last value.
    assert_eq!(m.span().end, text.len());
}

#[test]
fn block_scalar_as_document_root() {
    let text = "--- |\n  root text\n...\n";
    let s = one(text);
    let r = root(&s, 0);
    assert_eq!(src(text, r), "|\n  root text");
    assert_eq!(s.documents[0].span, Span::new(0, text.len() - 1));
}

// ---------------------------------------------------------------------------------------------
// Collections

#[test]
fn flow_collections_include_brackets() {
    let text = "metadata: {name: \"build-é\", labels: {app: x}}   # c\nargs: [a, 'b', [c, d]]\npair: [k: v]\nempty: {}\nnone: []\n";
    let s = one(text);
    let m = root(&s, 0);
    let md = m.get("metadata").unwrap();
    assert!(md.is_mapping() && md.is_flow());
    assert_eq!(src(text, md), "{name: \"build-é\", labels: {app: x}}");
    assert_eq!(src(text, md.path(&["labels"]).unwrap()), "{app: x}");
    assert_eq!(src(text, md.get("name").unwrap()), "\"build-é\"");
    let args = m.get("args").unwrap();
    assert_eq!(src(text, args), "[a, 'b', [c, d]]");
    let items: Vec<_> = args.items().map(|i| src(text, i)).collect();
    assert_eq!(items, ["a", "'b'", "[c, d]"]);
    // A single-pair mapping inside a flow sequence has no brackets of its own.
    let pair = m.get("pair").unwrap().items().next().unwrap();
    assert!(pair.is_mapping());
    assert_eq!(src(text, pair), "k: v");
    assert_eq!(src(text, m.get("empty").unwrap()), "{}");
    assert_eq!(m.get("empty").unwrap().len(), 0);
    assert_eq!(src(text, m.get("none").unwrap()), "[]");
}

#[test]
fn block_collections_span_from_first_key_or_dash_to_last_child() {
    let text = concat!(
        "spec:\n",
        "  tasks:   # the tasks\n",
        "    - name: a\n",
        "      timeout: \"1h\"   # quoted\n",
        "\n",
        "    # between items\n",
        "    -   name: b\n",
        "        params:\n",
        "        - x\n",
        "        -\n",
        "\n",
        "# after everything\n",
    );
    let s = one(text);
    let spec = root(&s, 0).get("spec").unwrap();
    assert_eq!(spec.span().start, text.find("tasks").unwrap());
    let tasks = spec.get("tasks").unwrap();
    assert!(tasks.is_sequence() && !tasks.is_flow());
    let start = text.find("- name").unwrap();
    let end = text.find("        -\n").unwrap() + "        -".len();
    assert_eq!(tasks.span(), Span::new(start, end));
    let items: Vec<_> = tasks.items().collect();
    assert_eq!(items.len(), 2);
    assert_eq!(src(text, items[0]), "name: a\n      timeout: \"1h\"");
    assert_eq!(src(text, items[0].get("timeout").unwrap()), "\"1h\"");
    let params = items[1].get("params").unwrap();
    assert_eq!(src(text, params), "- x\n        -");
    assert!(params.items().nth(1).unwrap().is_null());
    assert_eq!(spec.span().end, end);
    assert_eq!(root(&s, 0).span().end, end);
}

#[test]
fn empty_items_and_keys() {
    let text = "seq:\n- \n-\n- ? k\n- {a: , b}\n";
    let s = one(text);
    let items: Vec<_> = root(&s, 0).get("seq").unwrap().items().collect();
    assert_eq!(items.len(), 4);
    assert!(items[0].is_null() && items[1].is_null());
    assert_eq!(items[0].span(), Span::new(7, 7)); // after "- "
    assert_eq!(items[1].span(), Span::new(9, 9)); // after "-"
    let (k, v) = items[2].entry("k").unwrap();
    assert!(v.is_null());
    assert_eq!(v.span(), Span::new(k.span().end, k.span().end));
    assert_eq!(src(text, items[2]), "? k");
    let flow = items[3];
    let (k, v) = flow.entry("a").unwrap();
    assert_eq!(v.span().start, k.span().end + 1);
    let (k, v) = flow.entry("b").unwrap();
    assert_eq!(v.span().start, k.span().end);
}

#[test]
fn navigation_helpers() {
    let text = "a:\n  b:\n    c: 1\nlist: [1, 2]\ns: x\n";
    let s = one(text);
    let r = root(&s, 0);
    assert_eq!(r.path(&["a", "b", "c"]).unwrap().as_str(), Some("1"));
    assert!(r.path(&["a", "x"]).is_none());
    assert!(r.get("s").unwrap().get("x").is_none());
    assert_eq!(r.get("s").unwrap().entries().count(), 0);
    assert_eq!(r.get("s").unwrap().items().count(), 0);
    assert_eq!(r.get("list").unwrap().items().count(), 2);
    assert_eq!(r.get("list").unwrap().entries().count(), 0);
    assert!(r.get("list").unwrap().as_str().is_none());
    let keys: Vec<_> = r.entries().map(|(k, _)| k.as_str().unwrap()).collect();
    assert_eq!(keys, ["a", "list", "s"]);
    let doc: &Document = &s.documents[0];
    let id: NodeId = doc.root.unwrap();
    assert_eq!(doc.get(id), r);
    assert!(doc.get(id).anchor().is_none());
}

// ---------------------------------------------------------------------------------------------
// Tags, anchors, duplicates

#[test]
fn tags_are_kept_not_errors() {
    let text = concat!(
        "script:\n",
        "  - !reference [.setup, script]\n",
        "  - !custom {a: 1}\n",
        "num: !!str 10\n",
        "local: !env VALUE\n",
    );
    let s = one(text);
    let r = root(&s, 0);
    let items: Vec<_> = r.get("script").unwrap().items().collect();
    assert!(items[0].is_sequence());
    assert_eq!(src(text, items[0]), "[.setup, script]");
    assert!(items[1].is_mapping());
    let num = r.get("num").unwrap();
    assert_eq!((num.as_str(), num.tag()), (Some("10"), Some("!!str")));
    assert_eq!(src(text, num), "10");
    assert_eq!(r.get("local").unwrap().tag(), Some("!env"));
}

#[test]
fn duplicate_keys_keep_both_entries() {
    let text = "timeout: 1h\nname: x\ntimeout: 2h\n";
    let s = one(text);
    let r = root(&s, 0);
    assert_eq!(r.len(), 3);
    // The last one wins, as in Kubernetes' lenient decoding (docs/duplicate-keys.md).
    assert_eq!(r.get("timeout").unwrap().as_str(), Some("2h"));
    let all: Vec<_> = r
        .entries()
        .filter(|(k, _)| k.as_str() == Some("timeout"))
        .map(|(_, v)| v.as_str().unwrap())
        .collect();
    assert_eq!(all, ["1h", "2h"]);
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = concat!(
        ".base: &base\n  timeout: 1h\n",
        "job:\n  <<: *base\n  script: &s [a]\n",
        "other: *s\n",
    );
    let s = one(text);
    let r = root(&s, 0);
    let base = r.get(".base").unwrap();
    assert_eq!(base.anchor(), Some("base"));
    assert!(base.is_mapping());
    assert_eq!(src(text, base), "timeout: 1h");
    let (k, v) = r.get("job").unwrap().entry("<<").unwrap();
    assert_eq!(src(text, k), "<<");
    assert!(v.is_alias());
    assert!(matches!(v.kind(), NodeKind::Alias { name } if name == "base"));
    assert_eq!(src(text, v), "*base");
    assert_eq!(r.path(&["job", "script"]).unwrap().anchor(), Some("s"));
    assert!(matches!(r.get("other").unwrap().kind(), NodeKind::Alias { name } if name == "s"));
    // Aliases are not expanded.
    assert!(r.path(&["job", "timeout"]).is_none());
}

#[test]
fn unknown_alias_is_an_error() {
    let s = parse("a: *nowhere\n");
    let e = s.documents[0].error.as_ref().unwrap();
    assert_eq!((e.line, e.column, e.offset), (1, 4, 3));
}

// ---------------------------------------------------------------------------------------------
// Comments

#[test]
fn comments_trailing_and_own_line() {
    let text = concat!(
        "# before the first doc\n",
        "  # indented, still own-line\n",
        "---\n",
        "a: 1 # trailing\n",
        "# own line\n",
        "b: |  # on a block scalar header\n",
        "  text # not a comment\n",
        "c: \"x #y\"   #z\n",
        "---\n",
        "d: 2\n",
        "# end of doc 2\n",
    );
    let s = one(text);
    assert_eq!(s.documents.len(), 2);
    let got: Vec<_> = s.documents[0]
        .comments
        .iter()
        .map(|c| (c.text.as_str(), c.line, c.trailing, &text[c.span.range()]))
        .collect();
    assert_eq!(
        got,
        [
            (" before the first doc", 1, false, "# before the first doc"),
            (
                " indented, still own-line",
                2,
                false,
                "# indented, still own-line"
            ),
            (" trailing", 4, true, "# trailing"),
            (" own line", 5, false, "# own line"),
            (
                " on a block scalar header",
                6,
                true,
                "# on a block scalar header"
            ),
            ("z", 8, true, "#z"),
        ]
    );
    assert_eq!(s.documents[0].span.start, text.find("---").unwrap());
    let d1 = &s.documents[1];
    assert_eq!(d1.comments.len(), 1);
    assert_eq!(d1.comments[0].text, " end of doc 2");
    assert!(d1.span.contains(d1.comments[0].span));
    assert_eq!(
        root(&s, 0).get("b").unwrap().as_str(),
        Some("text # not a comment\n")
    );
}

#[test]
fn comments_only_and_empty_documents() {
    let s = parse("# just a comment\n# and another\n");
    assert_eq!(s.documents.len(), 1);
    assert!(s.documents[0].root.is_none());
    assert_eq!(s.documents[0].comments.len(), 2);
    assert_eq!(parse("").documents.len(), 0);
    assert_eq!(parse("\n\n").documents.len(), 0);

    let text = "a: 1\n---\n# only a comment here\n---\n---\nb: 2\n...\n# after the end marker\n---\nc: 3\n";
    let s = one(text);
    assert_eq!(s.documents.len(), 5);
    assert!(s.documents[1].root.is_none());
    assert_eq!(s.documents[1].comments[0].text, " only a comment here");
    assert!(s.documents[1]
        .span
        .contains(s.documents[1].comments[0].span));
    assert!(s.documents[2].root.is_none());
    assert_eq!(&text[s.documents[3].span.range()], "---\nb: 2\n...");
    // A comment between `...` and `---` goes to the following document.
    assert_eq!(s.documents[4].comments[0].text, " after the end marker");
    assert_eq!(root(&s, 4).get("c").unwrap().as_str(), Some("3"));
}

// ---------------------------------------------------------------------------------------------
// Multi-document streams and errors

#[test]
fn multi_document_spans() {
    let text = "a: 1\n---\nb: 2\n---\nc: 3\n";
    let s = one(text);
    assert_eq!(s.documents.len(), 3);
    let spans: Vec<_> = s.documents.iter().map(|d| &text[d.span.range()]).collect();
    assert_eq!(spans, ["a: 1\n", "---\nb: 2\n", "---\nc: 3\n"]);
    for (i, d) in s.documents.iter().enumerate() {
        assert_eq!(d.index, i);
    }
}

#[test]
fn error_in_the_middle_document_keeps_the_others() {
    let text = concat!(
        "apiVersion: v1\nkind: A\n",
        "---\n",
        "kind: B\nspec: [1, 2\nbad: x\n",
        "---\n",
        "kind: C\n",
    );
    let s = parse(text);
    assert_eq!(s.documents.len(), 3);
    assert!(s.documents[0].error.is_none());
    assert_eq!(root(&s, 0).get("kind").unwrap().as_str(), Some("A"));
    let e = s.documents[1]
        .error
        .as_ref()
        .expect("error recorded in document 2");
    assert!(!e.message.is_empty());
    let li = LineIndex::new(text);
    assert_eq!(li.line_col(text, e.offset), (e.line, e.column));
    assert_eq!(e.line, 6);
    assert!(s.documents[1].span.contains_offset(e.offset));
    assert!(s.documents[2].error.is_none());
    assert_eq!(root(&s, 2).get("kind").unwrap().as_str(), Some("C"));
    assert_eq!(s.first_error().unwrap().line, 6);
    // The broken document runs up to the next `---`.
    assert_eq!(s.documents[1].span.end, text.rfind("---").unwrap());
}

#[test]
fn errors_in_several_documents() {
    let text = "a: [\n---\nb: \"x\n---\nc: 1\n---\n: : :\n- x\n";
    let s = parse(text);
    let errs: Vec<_> = s.documents.iter().map(|d| d.error.is_some()).collect();
    assert_eq!(errs.first(), Some(&true));
    assert!(s.documents.iter().any(|d| d
        .root_ref()
        .and_then(|r| r.get("c"))
        .and_then(|c| c.as_str())
        == Some("1")));
    check_invariants(text, &s);
}

#[test]
fn unrecoverable_error_stops_gracefully() {
    let text = "a: 1\n---\nb: \"unterminated\nc: 2\n";
    let s = parse(text);
    assert_eq!(s.documents.len(), 2);
    assert!(s.documents[1].error.is_some());
    assert_eq!(s.documents[1].span.end, text.len());
}

#[test]
fn many_comment_lines_between_key_and_value_are_fine() {
    let mut text = String::from("a:\n");
    for i in 0..500 {
        text.push_str(&format!("# commented out line {i}\n"));
    }
    text.push_str("  - x\nb: 1\n");
    let s = one(&text);
    assert_eq!(s.documents[0].comments.len(), 500);
    assert_eq!(root(&s, 0).get("b").unwrap().as_str(), Some("1"));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep_flow = "[".repeat(100_000);
    let s = parse(&deep_flow);
    assert!(s.documents[0].error.is_some());
    let mut deep_block = String::new();
    for i in 0..2000 {
        deep_block.push_str(&" ".repeat(i));
        deep_block.push_str("k:\n");
    }
    let _ = parse(&deep_block);
    let ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    assert!(parse(&ok).documents[0].error.is_none());
}

// ---------------------------------------------------------------------------------------------
// BOM, CRLF, line/column

#[test]
fn bom_and_crlf() {
    let text = "\u{feff}# c\r\napiVersion: v1\r\nkind: \"Pod\"   # k\r\nspec:\r\n  x: |\r\n    one\r\n    two\r\n---\r\nb: 'q'\r\n";
    let s = one(text);
    assert_eq!(s.documents.len(), 2);
    let r = root(&s, 0);
    let (k, v) = r.entry("apiVersion").unwrap();
    assert_eq!(k.span().start, text.find("apiVersion").unwrap());
    assert_eq!(src(text, v), "v1");
    assert_eq!(src(text, r.get("kind").unwrap()), "\"Pod\"");
    let x = r.path(&["spec", "x"]).unwrap();
    assert_eq!(src(text, x), "|\r\n    one\r\n    two");
    assert_eq!(x.as_str(), Some("one\ntwo\n"));
    let c = &s.documents[0].comments;
    assert_eq!(
        (c[0].text.as_str(), c[0].span.start, c[0].trailing),
        (" c", 3, false)
    );
    assert_eq!(
        (c[1].text.as_str(), &text[c[1].span.range()]),
        (" k", "# k")
    );
    assert!(c[1].trailing);
    assert_eq!(src(text, root(&s, 1).get("b").unwrap()), "'q'");
    let li = LineIndex::new(text);
    assert_eq!(li.line_col(text, k.span().start), (2, 1));
    assert_eq!(li.line_col(text, 3), (1, 1)); // after the BOM
    assert_eq!(li.line_col(text, 0), (1, 1));
    assert_eq!(li.line_start(1), 3);
    assert_eq!(li.line_start(2), text.find("apiVersion").unwrap());
}

#[test]
fn line_index_conversions() {
    let text = "a: é\nb: \"😀x\"\r\nc\rd\n";
    let li = LineIndex::new(text);
    assert_eq!(li.line_count(), 5);
    assert_eq!(li.line_start(1), 0);
    assert_eq!(li.line_start(2), 6);
    assert_eq!(li.line_start(3), text.find('c').unwrap());
    assert_eq!(li.line_start(4), text.find('d').unwrap());
    assert_eq!(li.line_start(5), text.len());
    assert_eq!(li.line_start(99), text.len());
    // é is 2 bytes, 1 char, 1 UTF-16 unit.
    let e = text.find('é').unwrap();
    assert_eq!(li.line_col(text, e), (1, 4));
    assert_eq!(li.line_col(text, e + 2), (1, 5));
    // Inside a multi-byte char: clamped to its start.
    assert_eq!(li.line_col(text, e + 1), (1, 4));
    // The emoji is 4 bytes, 1 char, 2 UTF-16 units.
    let x = text.find('x').unwrap();
    assert_eq!(li.line_col(text, x), (2, 6));
    assert_eq!(li.line_col_utf16(text, x), (2, 7));
    assert_eq!(li.line_col_utf16(text, e + 2), (1, 5));
    assert_eq!(li.line_of(0), 1);
    assert_eq!(li.line_of(5), 1); // the '\n' itself
    assert_eq!(li.line_of(6), 2);
    assert_eq!(li.line_of(text.len() + 10), 5);
    assert_eq!(li.line_col(text, text.len() + 10), (5, 1));
    assert_eq!(li.offset(text, 2, 6), x);
    assert_eq!(li.offset(text, 1, 4), e);
    // Error positions from the parser agree with the index (lone CR counts as a break).
    let bad = "a: 1\rb: é: [\n";
    let s = parse(bad);
    let err = s.documents[0].error.as_ref().unwrap();
    assert_eq!(
        LineIndex::new(bad).line_col(bad, err.offset),
        (err.line, err.column)
    );
    assert_eq!(LineIndex::new("").line_count(), 1);
    assert_eq!(LineIndex::new("").line_col("", 0), (1, 1));
}

// ---------------------------------------------------------------------------------------------
// render_scalar / plain_safe

fn reparse_value(rendered: &str) -> String {
    let text = format!("k: {rendered}\n");
    let s = parse(&text);
    let d = &s.documents[0];
    assert!(d.error.is_none(), "{text:?}: {:?}", d.error);
    let v = d.root_ref().unwrap().get("k").unwrap();
    // Also inside a flow mapping.
    let flow = format!("{{k: {rendered}, z: 1}}\n");
    let s2 = parse(&flow);
    assert!(s2.documents[0].error.is_none(), "{flow:?}");
    let v2 = s2.documents[0].root_ref().unwrap().get("k").unwrap();
    assert_eq!(v.as_str(), v2.as_str(), "{flow:?}");
    // The span covers exactly the rendered text.
    assert_eq!(&text[v.span().range()], rendered);
    v.as_str().unwrap().to_owned()
}

#[test]
fn render_scalar_round_trips() {
    let values = [
        "1h30m",
        "10m",
        "0s",
        "-1h",
        "hello world",
        "it's",
        "a \"quoted\" word",
        "back\\slash",
        "",
        " lead",
        "trail ",
        "a: b",
        "a #b",
        "a#b",
        "#x",
        "- x",
        "-x",
        "true",
        "yes",
        "No",
        "on",
        "null",
        "~",
        "123",
        "0777",
        "1:30",
        "1e3",
        ".5",
        ".inf",
        "0x1F",
        "2024-01-02",
        "{x}",
        "[1]",
        "a,b",
        "*alias",
        "&anchor",
        "!tag",
        "|",
        ">",
        "%x",
        "@x",
        "`x",
        "?x",
        "? x",
        ":x",
        "x:",
        "---",
        "...",
        "tab\there",
        "new\nline",
        "cr\rx",
        "nul\0x",
        "bell\u{7}",
        "é",
        "😀",
        "\u{feff}bom",
        "line\u{2028}sep",
        "<<",
        "=",
        "'",
        "\"",
    ];
    let styles = [
        ScalarStyle::Plain,
        ScalarStyle::SingleQuoted,
        ScalarStyle::DoubleQuoted,
        ScalarStyle::Literal,
        ScalarStyle::Folded,
    ];
    for v in values {
        for style in styles {
            let r = render_scalar(v, style);
            assert_eq!(
                reparse_value(&r),
                v,
                "value {v:?} style {style:?} rendered {r:?}"
            );
            let expect_plain = style == ScalarStyle::Plain && plain_safe(v);
            assert_eq!(
                !r.starts_with(['"', '\'']),
                expect_plain,
                "{v:?} {style:?} -> {r:?}"
            );
        }
    }
    assert_eq!(render_scalar("1h", ScalarStyle::Plain), "1h");
    assert_eq!(render_scalar("1h", ScalarStyle::SingleQuoted), "'1h'");
    assert_eq!(render_scalar("it's", ScalarStyle::SingleQuoted), "'it''s'");
    assert_eq!(
        render_scalar("a\"b\\c", ScalarStyle::DoubleQuoted),
        "\"a\\\"b\\\\c\""
    );
    assert_eq!(render_scalar("x", ScalarStyle::Literal), "\"x\"");
    assert_eq!(render_scalar("x", ScalarStyle::Folded), "\"x\"");
    assert_eq!(render_scalar("60", ScalarStyle::Plain), "\"60\"");
}

#[test]
fn plain_safe_cases() {
    for v in [
        "1h", "1h30m", "90s", "1.5h", "-1h", "0.5s", "100ms", "2m30s", "1µs", "abc", "a b", "a#b",
        "a:b", "dead",
    ] {
        assert!(plain_safe(v), "{v:?} should be plain-safe");
    }
    for v in [
        "",
        "0",
        "60",
        "1.5",
        "1e3",
        "+1",
        "-2",
        ".5",
        "0x10",
        "0o7",
        "0777",
        "1_000",
        "1:30",
        "2001-12-14",
        "true",
        "False",
        "YES",
        "n",
        "off",
        "null",
        "NULL",
        "~",
        ".NaN",
        "-.inf",
        " a",
        "a ",
        "a: b",
        "a #b",
        "#a",
        "*a",
        "&a",
        "!a",
        "|",
        ">",
        "'a",
        "\"a",
        "%a",
        "@a",
        "`a",
        "[a",
        "{a",
        "a,b",
        "a]",
        "- a",
        "-",
        "---",
        "...x",
        "? a",
        ":a",
        "a:",
        "a\tb",
        "a\nb",
        "=",
        "<<",
    ] {
        assert!(!plain_safe(v), "{v:?} should not be plain-safe");
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness

const REAL: &str = r#"# Pipelines for the build
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: "build-é", labels: {app: x}}
spec:
  params:
    - name: timeout
      default: "1h"
  tasks:
    - name: clone   # first
      timeout: 10m
      taskRef:
        name: git-clone
    - name: build
      timeout: '1h30m'
      runAfter: [clone]
      description: |
        Block scalar
          over two lines ✓
  finally:
    - name: notify
      timeout: "5m"
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: &name run-1
  annotations:
    note: >-
      folded
      text
spec:
  pipelineRef: {name: build}
  timeouts:
    pipeline: 2h
    tasks: 1h
    finally: 30m
  params:
    - {name: x, value: *name}
...
# between documents
--- !custom
apiVersion: batch/v1
kind: Job
spec:
  activeDeadlineSeconds: 600
  template:
    spec:
      containers:
        - name: c
          command: ["sh", "-c", "sleep 10 # not a comment"]
      terminationGracePeriodSeconds: 30
---
.base: &base
  timeout: 1h
build:
  <<: *base
  script:
    - !reference [.setup, script]
    - echo 'done'
"#;

#[test]
fn real_yaml_parses_with_invariants() {
    let s = one(REAL);
    assert_eq!(s.documents.len(), 4);
    check_invariants(REAL, &s);
    let tasks = root(&s, 0).path(&["spec", "tasks"]).unwrap();
    let t: Vec<_> = tasks
        .items()
        .map(|i| src(REAL, i.get("timeout").unwrap()))
        .collect();
    assert_eq!(t, ["10m", "'1h30m'"]);
    let crlf = REAL.replace('\n', "\r\n");
    let s2 = one(&crlf);
    check_invariants(&crlf, &s2);
    let bom = format!("\u{feff}{crlf}");
    check_invariants(&bom, &one(&bom));
}

#[test]
fn never_panics_on_truncations() {
    for input in [REAL.to_owned(), REAL.replace('\n', "\r\n")] {
        for end in 0..=input.len() {
            if input.is_char_boundary(end) {
                let t = &input[..end];
                let s = parse(t);
                check_invariants(t, &s);
            }
        }
        // Suffixes too (starting mid-document).
        for start in (0..input.len()).step_by(7) {
            if input.is_char_boundary(start) {
                let t = &input[start..];
                check_invariants(t, &parse(t));
            }
        }
    }
}

/// xorshift64*, deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn never_panics_on_random_input() {
    // YAML_FUZZ_SCALE=100 runs 100 times as many cases (with other seeds).
    let scale: usize = std::env::var("YAML_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for round in 0..scale {
        fuzz_round(0x9E37_79B9_7F4A_7C15 ^ (round as u64).wrapping_mul(0x1000_0000_01B3));
    }
}

fn fuzz_round(seed: u64) {
    let mut rng = Rng(seed);
    // Random bytes, read as lossy UTF-8.
    for _ in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let t = String::from_utf8_lossy(&bytes);
        check_invariants(&t, &parse(&t));
    }
    // Random strings over YAML's syntax characters.
    const ALPHABET: &[&str] = &[
        " ",
        "  ",
        "\n",
        "\r\n",
        "\r",
        "\t",
        "-",
        "- ",
        ":",
        ": ",
        "?",
        "#",
        " #",
        "[",
        "]",
        "{",
        "}",
        ",",
        "'",
        "\"",
        "|",
        ">",
        "|-",
        ">+",
        "&a",
        "*a",
        "!t",
        "!!str",
        "%YAML 1.2",
        "---",
        "...",
        "\\",
        "a",
        "k",
        "1h",
        "é",
        "😀",
        "\u{feff}",
        "<<",
    ];
    for _ in 0..5000 {
        let n = rng.below(40);
        let t: String = (0..n)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        check_invariants(&t, &parse(&t));
    }
    // Mutations of real YAML: insert, delete or replace a few pieces.
    for _ in 0..1500 {
        let mut t = REAL.to_owned();
        for _ in 0..1 + rng.below(4) {
            let mut at = rng.below(t.len() + 1);
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            match rng.below(3) {
                0 => t.insert_str(at, ALPHABET[rng.below(ALPHABET.len())]),
                1 => {
                    let mut end = (at + 1 + rng.below(8)).min(t.len());
                    while !t.is_char_boundary(end) {
                        end += 1;
                    }
                    t.replace_range(at..end, "");
                }
                _ => {
                    let mut end = (at + 1).min(t.len());
                    while !t.is_char_boundary(end) {
                        end += 1;
                    }
                    t.replace_range(at..end, ALPHABET[rng.below(ALPHABET.len())]);
                }
            }
        }
        check_invariants(&t, &parse(&t));
    }
}

// ---------------------------------------------------------------------------------------------
// Throughput (run with: cargo test --release --test yaml_tree -- --ignored --nocapture)

/// About `target` bytes of Tekton Pipelines, PipelineRuns and Jobs, one per document.
fn generate_manifests(target: usize) -> String {
    let mut out = String::with_capacity(target + 4096);
    let mut i = 0usize;
    while out.len() < target {
        match i % 3 {
            0 => {
                out.push_str(&format!(
                    "# pipeline {i}\napiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: build-{i}\n  labels: {{app: build, tier: \"ci\"}}\nspec:\n  params:\n    - name: timeout\n      default: \"1h\"\n  tasks:\n"
                ));
                for t in 0..8usize {
                    out.push_str(&format!(
                        "    - name: step-{t}   # task {t}\n      timeout: \"{t}m30s\"\n      runAfter: [step-{p}]\n      taskRef:\n        name: task-{t}\n      params:\n        - {{name: a, value: 'x-{i}'}}\n        - name: script\n          value: |\n            echo building {i}\n            make -j4 target-{t}\n",
                        p = t.saturating_sub(1)
                    ));
                }
                out.push_str("  finally:\n    - name: notify\n      timeout: 5m\n---\n");
            }
            1 => out.push_str(&format!(
                "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: build-{i}-\n  annotations:\n    note: >-\n      a folded\n      description\nspec:\n  pipelineRef: {{name: build-{i}}}\n  timeouts:\n    pipeline: 2h\n    tasks: 1h30m\n    finally: 30m\n  taskRunSpecs:\n    - pipelineTaskName: step-1\n      timeout: 45m\n---\n"
            )),
            _ => out.push_str(&format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job-{i}\nspec:\n  activeDeadlineSeconds: 3600\n  backoffLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n      terminationGracePeriodSeconds: 30\n      containers:\n        - name: main\n          image: \"registry.example.com/app:{i}\"\n          command: [\"sh\", \"-c\", \"sleep 10\"]\n          lifecycle:\n            preStop:\n              sleep: {{seconds: 5}}\n---\n"
            )),
        }
        i += 1;
    }
    out
}

#[test]
#[ignore = "throughput measurement; run in release with --ignored --nocapture"]
fn throughput() {
    let text = generate_manifests(20 * 1024 * 1024);
    let mb = text.len() as f64 / 1e6;
    let mut best = f64::MAX;
    let mut docs = 0;
    let mut nodes = 0;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let s = parse(&text);
        let secs = t.elapsed().as_secs_f64();
        best = best.min(secs);
        docs = s.documents.len();
        nodes = s.documents.iter().map(|d| d.node_count()).sum::<usize>();
        assert!(s.first_error().is_none());
    }
    let t = std::time::Instant::now();
    let li = LineIndex::new(&text);
    let li_secs = t.elapsed().as_secs_f64();
    println!(
        "parse: {mb:.1} MB, {docs} documents, {nodes} nodes, best {best:.3} s = {:.1} MB/s; LineIndex::new {:.1} MB/s ({} lines)",
        mb / best,
        mb / li_secs,
        li.line_count()
    );
}

#[test]
fn generated_manifests_parse() {
    let text = generate_manifests(64 * 1024);
    let s = one(&text);
    check_invariants(&text, &s);
    assert!(s.documents.len() > 10);
}
