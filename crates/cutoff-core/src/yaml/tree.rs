//! Builds [`Stream`]s from `granit-parser` events in one pass.

use std::sync::Arc;

use granit_parser::{Event, Options, Parser, ScanError, StructureStyle};

use super::{
    flags, Comment, Document, Extra, NodeId, RawNode, ScalarStyle, Span, Stream, YamlError,
};

/// Parses a whole file. Never panics; syntax errors are recorded on their document.
pub fn parse(text: &str) -> Stream {
    parse_shared(&Arc::from(text))
}

/// The longest text [`parse`] reads: offsets are stored in 32 bits.
pub const MAX_TEXT_LEN: usize = u32::MAX as usize - 1;

/// [`parse`] over a text the documents then share (no copy).
pub fn parse_shared(arc: &Arc<str>) -> Stream {
    let text: &str = arc;
    if text.len() > MAX_TEXT_LEN {
        return Stream {
            documents: vec![Document {
                span: Span::new(0, 0),
                error: Some(Box::new(YamlError {
                    message: format!("the file is too large to parse ({} bytes)", text.len()),
                    offset: 0,
                    line: 1,
                    column: 1,
                })),
                ..Document::empty(arc.clone())
            }],
        };
    }
    let mut options = Options::default();
    // Anchor names arrive as `Event::Anchor` right after their node.
    options.emit_anchor_events = true;
    // The default (96) turns a long run of comment lines between a key and its value
    // (a commented-out block) into a syntax error.
    options.max_buffered_comment_events = usize::MAX;
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut b = Builder::new(text, arc.clone());
    // Stops a (theoretical) recovery loop that makes no progress.
    let mut last_error: Option<usize> = None;
    let mut events_since_error = 0usize;
    loop {
        match parser.next_event() {
            Some(Ok((event, span))) => {
                events_since_error += 1;
                b.event(event, span);
            }
            Some(Err(err)) => {
                let offset = b.error_offset(&err);
                let stuck = events_since_error == 0 && last_error == Some(offset);
                b.error(&err, offset);
                if stuck {
                    break;
                }
                last_error = Some(offset);
                events_since_error = 0;
                if parser.proceed_next_document().is_err() {
                    break;
                }
            }
            None => break,
        }
    }
    b.finish()
}

/// An open collection.
struct Frame {
    id: NodeId,
    is_map: bool,
    /// For mappings: the key waiting for its value.
    key: Option<NodeId>,
    /// End of the last finished child.
    last_end: usize,
    /// Where its children start in the builder's pending entries or items.
    pending_start: usize,
    /// Whether the end comes from the last child (block and implicit flow-pair collections)
    /// rather than from the end event (`}`/`]`).
    end_from_child: bool,
}

struct DocBuilder {
    nodes: Vec<RawNode>,
    flags: Vec<u8>,
    entries: Vec<(NodeId, NodeId)>,
    items: Vec<NodeId>,
    strings: String,
    extras: Vec<Extra>,
    root: Option<NodeId>,
    start: usize,
    comments: Vec<Comment>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AfterDoc {
    /// No document yet.
    None,
    /// The last document ended with `...`: comments now belong to the next document.
    Closed,
    /// The last document ended implicitly: it runs until the next `---`.
    Open,
    /// The last document had an error: it runs until the next document starts.
    Broken,
}

struct Builder<'t> {
    text: &'t str,
    /// The same text, for the documents to keep.
    shared: Arc<str>,
    /// The entries and items of the open collections, innermost last.
    pending_entries: Vec<(NodeId, NodeId)>,
    pending_items: Vec<NodeId>,
    bytes: &'t [u8],
    docs: Vec<Document>,
    cur: Option<DocBuilder>,
    stack: Vec<Frame>,
    /// The node the next `Event::Anchor` belongs to.
    last_node: Option<NodeId>,
    /// End of the last non-comment, non-end event (lower bound for a block scalar header).
    last_event_end: usize,
    pending_comments: Vec<Comment>,
    after: AfterDoc,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, shared: Arc<str>) -> Self {
        Builder {
            text,
            shared,
            pending_entries: Vec::new(),
            pending_items: Vec::new(),
            bytes: text.as_bytes(),
            docs: Vec::new(),
            cur: None,
            stack: Vec::new(),
            last_node: None,
            last_event_end: 0,
            pending_comments: Vec::new(),
            after: AfterDoc::None,
        }
    }

    fn span_of(&self, span: &granit_parser::Span) -> Span {
        match span.byte_range() {
            Some(r) => {
                // Offsets from `new_from_str` are char boundaries; clamp anyway so that
                // slicing with a span can never panic.
                let end = self.floor_boundary(r.end);
                Span::new(self.floor_boundary(r.start.min(end)), end)
            }
            // `new_from_str` always gives byte offsets; stay safe anyway.
            None => Span::new(self.text.len(), self.text.len()),
        }
    }

    fn event(&mut self, event: Event<'_>, gspan: granit_parser::Span) {
        let span = self.span_of(&gspan);
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::Comment(text, _) => self.comment(&text, span, gspan.start.line()),
            Event::DocumentStart(..) => {
                self.start_doc(span.start);
                self.last_event_end = span.end;
            }
            Event::DocumentEnd => self.end_doc(span),
            Event::Scalar(value, style, _, tag) => {
                let style = match style {
                    granit_parser::ScalarStyle::Plain => ScalarStyle::Plain,
                    granit_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    granit_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    granit_parser::ScalarStyle::Literal => ScalarStyle::Literal,
                    granit_parser::ScalarStyle::Folded => ScalarStyle::Folded,
                };
                let (value, span): (&str, Span) = match style {
                    // The parser reports an empty node as "~" with an empty span: at the
                    // colon for `a:`, at the next token for `? a`.
                    ScalarStyle::Plain if span.is_empty() => {
                        let at = match self.pending_key_end() {
                            Some(_) if self.bytes.get(span.start) == Some(&b':') => span.start + 1,
                            // Back from the next line to the end of what precedes it.
                            Some(key_end) => self.skip_back(span.start, key_end),
                            None => span.start,
                        };
                        ("", Span::new(at, at))
                    }
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        (&value, self.block_scalar_span(span))
                    }
                    _ => (&value, span),
                };
                self.last_event_end = span.end.max(self.last_event_end);
                let (at, len, in_strings) = self.store_value(value, span);
                let mut f = flags::SCALAR | style.bits();
                if in_strings {
                    f |= flags::IN_STRINGS;
                }
                let id = self.add(f, span, at, len);
                if let Some(t) = tag {
                    self.add_extra(id, true, &t.original());
                }
                self.finished_child(span.end);
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                // The name is the source text after `*`.
                let (at, len) = match self.text.get(span.range()) {
                    Some(s) if s.starts_with('*') => (span.start + 1, s.len() - 1),
                    Some(s) => (span.start, s.len()),
                    None => (0, 0),
                };
                self.last_event_end = span.end.max(self.last_event_end);
                self.add(flags::ALIAS, span, at, len);
                self.finished_child(span.end);
            }
            Event::Anchor(_, name) => {
                if let Some(id) = self.last_node {
                    self.add_extra(id, false, &name);
                }
            }
            Event::MappingStart(style, ..) => {
                let flow = style == StructureStyle::Flow;
                // A flow "pair" (`[a: b]`) opens an implicit mapping with an empty span.
                let end_from_child = !flow || span.is_empty();
                let f = flags::MAPPING | if flow { flags::FLOW } else { 0 };
                self.open(f, span, end_from_child);
            }
            Event::SequenceStart(style, ..) => {
                let flow = style == StructureStyle::Flow;
                let mut span = span;
                if !flow {
                    span.start = self.seq_start(span.start);
                    span.end = span.start;
                }
                let f = flags::SEQUENCE | if flow { flags::FLOW } else { 0 };
                self.open(f, span, !flow || span.is_empty());
            }
            Event::MappingEnd | Event::SequenceEnd => self.close(Some(span)),
            _ => {}
        }
    }

    fn start_doc(&mut self, start: usize) {
        if self.cur.is_some() {
            self.end_doc(Span::new(start, start));
        }
        if self.after == AfterDoc::Broken {
            if let Some(last) = self.docs.last_mut() {
                last.span.end = last.span.end.max(start);
            }
        }
        self.after = AfterDoc::None;
        self.stack.clear();
        self.pending_entries.clear();
        self.pending_items.clear();
        self.last_node = None;
        // Documents in one file tend to be alike: start at the previous one's size, or
        // guess from the size of the text (a node for every 8 bytes or so).
        let capacity = self.docs.last().map_or(
            (self.text.len() - start.min(self.text.len())) / 8 + 4,
            |d| d.nodes.len(),
        );
        self.cur = Some(DocBuilder {
            nodes: Vec::with_capacity(capacity),
            flags: Vec::with_capacity(capacity),
            entries: Vec::new(),
            items: Vec::new(),
            strings: String::new(),
            extras: Vec::new(),
            root: None,
            start,
            comments: std::mem::take(&mut self.pending_comments),
        });
    }

    /// Closes the current document at `end` (the `DocumentEnd` event's span).
    fn end_doc(&mut self, end: Span) {
        let explicit = !end.is_empty();
        self.finish_doc(end.end, None);
        self.after = if explicit {
            AfterDoc::Closed
        } else {
            AfterDoc::Open
        };
    }

    fn finish_doc(&mut self, end: usize, error: Option<YamlError>) {
        while !self.stack.is_empty() {
            self.close(None);
        }
        let Some(mut doc) = self.cur.take() else {
            return;
        };
        let mut root = doc.root;
        // An empty document comes as an untagged empty plain scalar.
        if let Some(id) = root {
            let (node, f) = (&doc.nodes[id.0 as usize], doc.flags[id.0 as usize]);
            let plain_untagged = flags::KIND | flags::STYLE | flags::TAG | flags::ANCHOR;
            if node.start >= node.end && f & plain_untagged == flags::SCALAR && node.b == 0 {
                root = None;
            }
        }
        let mut start = doc.start;
        let mut span_end = end.max(start);
        if let Some(id) = root {
            // An implicit document starts at its first token, which for a root block
            // scalar is its content, after the header that the root's span now covers.
            let r = &doc.nodes[id.0 as usize];
            start = start.min(r.start as usize);
            span_end = span_end.max(r.end as usize);
        }
        if let Some(c) = doc.comments.last() {
            span_end = span_end.max(c.span.end);
        }
        doc.nodes.shrink_to_fit();
        doc.flags.shrink_to_fit();
        doc.entries.shrink_to_fit();
        doc.items.shrink_to_fit();
        doc.strings.shrink_to_fit();
        self.docs.push(Document {
            text: self.shared.clone(),
            nodes: doc.nodes,
            flags: doc.flags,
            entries: doc.entries,
            items: doc.items,
            strings: doc.strings,
            extras: doc.extras,
            root,
            span: Span::new(start, span_end.min(self.text.len())),
            comments: doc.comments,
            error: error.map(Box::new),
            index: self.docs.len(),
        });
    }

    fn error_offset(&self, err: &ScanError) -> usize {
        self.floor_boundary(err.marker().byte_offset().unwrap_or(self.text.len()))
    }

    /// `offset` clamped to the text and moved back to a char boundary.
    fn floor_boundary(&self, offset: usize) -> usize {
        let mut off = offset.min(self.text.len());
        while !self.text.is_char_boundary(off) {
            off -= 1;
        }
        off
    }

    fn error(&mut self, err: &ScanError, offset: usize) {
        let mut message = err.info();
        if message.is_empty() {
            message = err.to_string();
        }
        let error = YamlError {
            message,
            offset,
            line: err.marker().line(),
            column: err.marker().col() + 1,
        };
        if self.cur.is_none() {
            // An error before any node of a new document: a document of its own.
            let start = self
                .pending_comments
                .first()
                .map_or(offset, |c| c.span.start.min(offset));
            self.start_doc(start);
        }
        let end = offset.max(self.last_event_end);
        self.finish_doc(end, Some(error));
        self.after = AfterDoc::Broken;
    }

    fn finish(mut self) -> Stream {
        if self.cur.is_some() {
            let end = self.text.len();
            self.finish_doc(end, None);
        }
        if self.after == AfterDoc::Broken {
            if let Some(last) = self.docs.last_mut() {
                last.span.end = self.text.len();
            }
        }
        if !self.pending_comments.is_empty() {
            match self.docs.last_mut() {
                Some(last) => last.comments.append(&mut self.pending_comments),
                None => {
                    // A file of comments only: one empty document holding them.
                    self.docs.push(Document {
                        span: Span::new(0, self.text.len()),
                        comments: std::mem::take(&mut self.pending_comments),
                        ..Document::empty(self.shared.clone())
                    });
                }
            }
        }
        for doc in &mut self.docs {
            // Nearly always sorted already (a block scalar's header comment comes late).
            doc.comments.sort_by_key(|c| c.span.start);
            doc.comments.shrink_to_fit();
        }
        // Most files hold one document: a Vec grown by pushing would keep room for four.
        self.docs.shrink_to_fit();
        Stream {
            documents: self.docs,
        }
    }

    fn comment(&mut self, raw: &str, span: Span, line: usize) {
        let text = raw.strip_suffix('\r').unwrap_or(raw).to_owned();
        let line_start = self.bytes[..span.start]
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
            .map_or(0, |i| i + 1);
        let trailing = self.text[line_start..span.start]
            .chars()
            .any(|c| !matches!(c, ' ' | '\t' | '\u{feff}'));
        let comment = Comment {
            text,
            span,
            line,
            trailing,
        };
        if let Some(doc) = self.cur.as_mut() {
            doc.comments.push(comment);
            return;
        }
        match self.after {
            AfterDoc::Open | AfterDoc::Broken => {
                if let Some(last) = self.docs.last_mut() {
                    last.span.end = last.span.end.max(comment.span.end);
                    last.comments.push(comment);
                    return;
                }
                self.pending_comments.push(comment);
            }
            AfterDoc::None | AfterDoc::Closed => self.pending_comments.push(comment),
        }
    }

    /// Adds a node to the current document and attaches it to the open collection. `a`
    /// and `b`: see [`RawNode`].
    fn add(&mut self, f: u8, span: Span, a: usize, b: usize) -> NodeId {
        if self.cur.is_none() {
            self.start_doc(span.start);
        }
        let Some(doc) = self.cur.as_mut() else {
            return NodeId(0);
        };
        let id = NodeId(doc.nodes.len() as u32);
        // Offsets fit: `parse_shared` reads no text longer than `MAX_TEXT_LEN`.
        doc.nodes.push(RawNode {
            start: span.start as u32,
            end: span.end as u32,
            a: a as u32,
            b: b as u32,
        });
        doc.flags.push(f);
        match self.stack.last_mut() {
            None => {
                if doc.root.is_none() {
                    doc.root = Some(id);
                }
            }
            Some(frame) if frame.is_map => match frame.key.take() {
                None => frame.key = Some(id),
                Some(key) => self.pending_entries.push((key, id)),
            },
            Some(_) => self.pending_items.push(id),
        }
        self.last_node = Some(id);
        id
    }

    /// Where a scalar's value is kept: `(start, len, in the document's strings)`; in the
    /// source text when it is written there as is (nearly always), else copied.
    fn store_value(&mut self, value: &str, span: Span) -> (usize, usize, bool) {
        let text = self.text;
        let (vp, tp) = (value.as_ptr() as usize, text.as_ptr() as usize);
        if value.is_empty() {
            return (0, 0, false);
        }
        // Borrowed from the text by the parser.
        if vp >= tp && vp + value.len() <= tp + text.len() {
            return (vp - tp, value.len(), false);
        }
        if text.get(span.range()) == Some(value) {
            return (span.start, value.len(), false);
        }
        if span.len() >= 2 && text.get(span.start + 1..span.end - 1) == Some(value) {
            return (span.start + 1, value.len(), false);
        }
        match self.cur.as_mut() {
            Some(doc) => {
                let at = doc.strings.len();
                doc.strings.push_str(value);
                (at, value.len(), true)
            }
            None => (0, 0, false),
        }
    }

    /// Records a tag (`is_tag`) or an anchor name of the node `id`.
    fn add_extra(&mut self, id: NodeId, is_tag: bool, s: &str) {
        let Some(doc) = self.cur.as_mut() else { return };
        let Some(f) = doc.flags.get_mut(id.0 as usize) else {
            return;
        };
        let bit = if is_tag { flags::TAG } else { flags::ANCHOR };
        if *f & bit != 0 {
            return;
        }
        *f |= bit;
        let start = doc.strings.len() as u32;
        doc.strings.push_str(s);
        doc.extras.push(Extra {
            node: id,
            is_tag,
            start,
            len: s.len() as u32,
        });
    }

    /// When the next node is a mapping value: the end of its key.
    fn pending_key_end(&self) -> Option<usize> {
        let frame = self.stack.last().filter(|f| f.is_map)?;
        let key = frame.key?;
        let doc = self.cur.as_ref()?;
        Some(doc.nodes.get(key.0 as usize)?.end as usize)
    }

    /// Records that a child of the innermost open collection ended at `end`.
    fn finished_child(&mut self, end: usize) {
        if let Some(frame) = self.stack.last_mut() {
            frame.last_end = frame.last_end.max(end);
        }
    }

    fn open(&mut self, f: u8, span: Span, end_from_child: bool) {
        let is_map = f & flags::KIND == flags::MAPPING;
        self.last_event_end = self.last_event_end.max(span.end);
        let id = self.add(f, span, 0, 0);
        let pending_start = if is_map {
            self.pending_entries.len()
        } else {
            self.pending_items.len()
        };
        self.stack.push(Frame {
            id,
            is_map,
            key: None,
            last_end: span.end,
            pending_start,
            end_from_child,
        });
    }

    /// Closes the innermost collection; `end` is the end event's span (`None` on error).
    fn close(&mut self, end: Option<Span>) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let Some(doc) = self.cur.as_mut() else { return };
        // Its children move from the pending stack to the document, contiguously.
        let node = &mut doc.nodes[frame.id.0 as usize];
        if frame.is_map {
            let from = frame.pending_start.min(self.pending_entries.len());
            node.a = doc.entries.len() as u32;
            node.b = (self.pending_entries.len() - from) as u32;
            doc.entries.extend_from_slice(&self.pending_entries[from..]);
            self.pending_entries.truncate(from);
        } else {
            let from = frame.pending_start.min(self.pending_items.len());
            node.a = doc.items.len() as u32;
            node.b = (self.pending_items.len() - from) as u32;
            doc.items.extend_from_slice(&self.pending_items[from..]);
            self.pending_items.truncate(from);
        }
        let stop = match end {
            Some(e) if !frame.end_from_child && !e.is_empty() => {
                // A closing bracket: a real token (block end events sit at the next token).
                self.last_event_end = self.last_event_end.max(e.end);
                e.end
            }
            _ => frame.last_end,
        };
        node.end = (stop as u32).max(node.start);
        let stop = node.end as usize;
        self.finished_child(stop);
    }

    /// Where a block sequence really starts. The start event of an *indentless* sequence
    /// (`key:` then `- a` at the key's indentation) sits after its first `-`: at the item,
    /// past any comment, or at the end of the line when the item is empty. Step back to
    /// the dash.
    fn seq_start(&self, start: usize) -> usize {
        let b = self.bytes;
        let value_of = self.pending_key_end();
        if value_of.is_none() && b.get(start) == Some(&b'-') {
            return start;
        }
        let floor = value_of.unwrap_or(self.last_event_end).min(start);
        let i = self.skip_back(start, floor);
        if i > floor && b[i - 1] == b'-' {
            i - 1
        } else {
            start
        }
    }

    /// Steps back from `start` over whitespace, line breaks and comments, not below `floor`.
    fn skip_back(&self, start: usize, floor: usize) -> usize {
        let b = self.bytes;
        let floor = floor.min(start);
        let mut i = start;
        while i > floor {
            // A comment's span keeps its trailing blanks: look for one at every step.
            match self.comment_ending_at(i) {
                Some(c) if c >= floor && c < i => i = c,
                _ if matches!(b[i - 1], b' ' | b'\t' | b'\r' | b'\n') => i -= 1,
                _ => break,
            }
        }
        i
    }

    /// The start of the current document's comment that ends at `end`, if any.
    fn comment_ending_at(&self, end: usize) -> Option<usize> {
        let comments = self.cur.as_ref()?.comments.iter().rev();
        for c in comments {
            if c.span.end == end {
                return Some(c.span.start);
            }
            if c.span.end < end {
                break;
            }
        }
        None
    }

    /// Extends a block scalar's content span back over its `|`/`>` header and trims the
    /// final line break and trailing blank lines.
    fn block_scalar_span(&self, content: Span) -> Span {
        let b = self.bytes;
        let header = self.block_header(content.start);
        let start = header.unwrap_or(content.start);
        // Trim the end: line breaks, then whitespace-only lines, never into the header.
        let floor = header.map_or(content.start, |h| h + 1).min(b.len());
        let mut end = content.end.min(b.len()).max(floor);
        loop {
            while end > floor && matches!(b[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            let ls = line_start(b, end);
            if ls > floor && b[ls..end].iter().all(|&c| c == b' ' || c == b'\t') {
                end = ls;
                continue;
            }
            break;
        }
        Span::new(start.min(end), end)
    }

    /// The offset of the `|`/`>` indicator of a block scalar whose content starts at `content`.
    fn block_header(&self, content: usize) -> Option<usize> {
        let b = self.bytes;
        let content = content.min(b.len());
        // The header line: the content's own line if something precedes the content there
        // (an empty scalar at the end of the header line), else the nearest line above that
        // is not blank.
        let mut ls = line_start(b, content);
        if b[ls..content].iter().all(|&c| c == b' ' || c == b'\t') {
            loop {
                if ls == 0 {
                    return None;
                }
                let prev = line_start(b, ls - 1);
                let blank = b[prev..ls]
                    .iter()
                    .all(|&c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
                ls = prev;
                if !blank {
                    break;
                }
            }
        }
        let line_end = b[ls..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(b.len(), |i| ls + i);
        let from = if self.last_event_end >= ls && self.last_event_end <= line_end {
            self.last_event_end
        } else {
            ls
        };
        find_indicator(b, from, line_end).or_else(|| find_indicator(b, ls, line_end))
    }
}

/// Scans `b[from..to]` token by token (whitespace separated) for a block scalar header.
/// Skips `:`, `-`, `?`, `---`, tags and anchors; gives up at anything else.
fn find_indicator(b: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut i = from;
    while i < to {
        match b[i] {
            b' ' | b'\t' => i += 1,
            b'|' | b'>' => {
                let mut j = i + 1;
                while j < to && matches!(b[j], b'+' | b'-' | b'0'..=b'9') {
                    j += 1;
                }
                if j == to || matches!(b[j], b' ' | b'\t') {
                    return Some(i);
                }
                return None;
            }
            b'!' | b'&' | b':' | b'-' | b'?' => {
                while i < to && !matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
            }
            0xEF if b[i..].starts_with("\u{feff}".as_bytes()) => i += 3,
            _ => return None,
        }
    }
    None
}

/// Start of the line holding `offset` (after `\n`, `\r\n` or a lone `\r`).
fn line_start(b: &[u8], offset: usize) -> usize {
    b[..offset]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1)
}
