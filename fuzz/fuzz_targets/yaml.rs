//! The YAML layer: any text parses without panicking, and every node, comment and error
//! lies inside the text on char boundaries, children inside their parents.
#![no_main]

use cutoff_core::yaml::{self, NodeKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let stream = yaml::parse(text);
    let ok = |at: usize| at <= text.len() && text.is_char_boundary(at);
    for d in &stream.documents {
        assert!(d.span.start <= d.span.end && ok(d.span.start) && ok(d.span.end));
        for c in &d.comments {
            assert!(ok(c.span.start) && ok(c.span.end));
        }
        if let Some(e) = &d.error {
            assert!(ok(e.offset));
            continue;
        }
        for n in d.node_refs() {
            let s = n.span();
            assert!(s.start <= s.end && ok(s.start) && ok(s.end), "{s:?}");
            let children: Vec<_> = match n.kind() {
                NodeKind::Mapping { .. } => n.entries().flat_map(|(k, v)| [k, v]).collect(),
                NodeKind::Sequence { .. } => n.items().collect(),
                _ => Vec::new(),
            };
            for c in children {
                assert!(s.contains(c.span()), "child {:?} outside {s:?}", c.span());
            }
        }
    }
});
