//! A small arena tree over `granit-parser` events, with exact byte spans.
//!
//! [`parse`] turns a whole file into a [`Stream`] of [`Document`]s. Every node (keys
//! included) carries the byte range it covers in the original text, so a fix can replace
//! exactly that range. Comments are kept per document; a syntax error is recorded on the
//! document it occurs in and parsing continues with the next document.
//!
//! Span conventions (all byte offsets into the whole text, BOM included):
//! - scalars cover their content only: quotes included for quoted scalars, nothing after
//!   them; anchors (`&a`) and tags (`!t`) written before a node are *not* part of its span;
//! - block scalars (`|`, `>`) cover their header indicator (with chomping/indentation
//!   indicators and any header comment) through the end of their last non-blank content
//!   line (the final line break and trailing blank lines are left out);
//! - flow collections cover their brackets; block collections run from the first key
//!   (or `-`) to the end of their last child;
//! - an empty value (`a:`) is a plain scalar `""` with an empty span right after the colon.

mod lines;
mod scalar;
mod tree;

pub use lines::LineIndex;
pub use scalar::{plain_safe, render_scalar};
pub use tree::{parse, parse_shared, MAX_TEXT_LEN};

use std::fmt;
use std::sync::Arc;

/// A byte range `start..end` into the whole file text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// Whether `other` lies within `self` (bounds included).
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Whether the byte `offset` lies in `start..end`.
    pub fn contains_offset(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    /// `|` or `>` block scalars.
    pub fn is_block(self) -> bool {
        matches!(self, ScalarStyle::Literal | ScalarStyle::Folded)
    }

    /// Single or double quoted.
    pub fn is_quoted(self) -> bool {
        matches!(self, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
    }
}

/// Index of a node in its [`Document`]'s arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// What a node is, borrowed from its [`Document`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind<'a> {
    /// `value` is the parsed (unescaped, folded) value; `tag` as written (`!reference`, `!!str`).
    Scalar {
        value: &'a str,
        style: ScalarStyle,
        tag: Option<&'a str>,
    },
    /// `(key, value)` pairs in source order; duplicate keys are all kept.
    Mapping {
        entries: &'a [(NodeId, NodeId)],
        flow: bool,
    },
    Sequence {
        items: &'a [NodeId],
        flow: bool,
    },
    /// `*name`, not expanded.
    Alias {
        name: &'a str,
    },
}

/// One node as stored: 16 bytes plus a flag byte (see [`flags`]), so that a repository of
/// 100,000 files fits in memory. `a`/`b` are, for a scalar or an alias, the value's start
/// and length (in the source text, or in [`Document::strings`] with [`flags::IN_STRINGS`]);
/// for a collection, the start and count of its children in [`Document::entries`] or
/// [`Document::items`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RawNode {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) a: u32,
    pub(crate) b: u32,
}

/// The flag byte of a node: its kind (bits 0-1), a scalar's style (bits 2-4) or a
/// collection's flow bit (bit 2), where a scalar's value lives, and whether it has a tag or
/// an anchor (looked up in [`Document::extras`]).
pub(crate) mod flags {
    pub const KIND: u8 = 0b11;
    pub const SCALAR: u8 = 0;
    pub const MAPPING: u8 = 1;
    pub const SEQUENCE: u8 = 2;
    pub const ALIAS: u8 = 3;
    pub const STYLE_SHIFT: u8 = 2;
    pub const STYLE: u8 = 0b111 << STYLE_SHIFT;
    pub const FLOW: u8 = 1 << 2;
    pub const IN_STRINGS: u8 = 1 << 5;
    pub const TAG: u8 = 1 << 6;
    pub const ANCHOR: u8 = 1 << 7;
}

impl ScalarStyle {
    pub(crate) fn bits(self) -> u8 {
        (match self {
            ScalarStyle::Plain => 0,
            ScalarStyle::SingleQuoted => 1,
            ScalarStyle::DoubleQuoted => 2,
            ScalarStyle::Literal => 3,
            ScalarStyle::Folded => 4,
        }) << flags::STYLE_SHIFT
    }

    fn from_bits(f: u8) -> ScalarStyle {
        match (f & flags::STYLE) >> flags::STYLE_SHIFT {
            1 => ScalarStyle::SingleQuoted,
            2 => ScalarStyle::DoubleQuoted,
            3 => ScalarStyle::Literal,
            4 => ScalarStyle::Folded,
            _ => ScalarStyle::Plain,
        }
    }
}

/// A tag or an anchor name of a node, in [`Document::strings`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extra {
    pub(crate) node: NodeId,
    pub(crate) is_tag: bool,
    pub(crate) start: u32,
    pub(crate) len: u32,
}

#[derive(Clone, Debug)]
pub struct Comment {
    /// The text after `#`, without the line break (and without a `\r`); trailing blanks
    /// are kept.
    pub text: String,
    /// From `#` to the end of the line (line break excluded, trailing blanks included).
    pub span: Span,
    /// 1-based line.
    pub line: usize,
    /// Whether something other than whitespace precedes the comment on its line.
    pub trailing: bool,
}

#[derive(Clone, Debug)]
pub struct YamlError {
    pub message: String,
    /// Byte offset into the whole text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in chars.
    pub column: usize,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

impl std::error::Error for YamlError {}

#[derive(Clone, Debug)]
pub struct Document {
    /// The whole file text, shared by the documents of a stream (and its source file).
    pub(crate) text: Arc<str>,
    /// The arena; nodes are in source (pre-)order, parents before children.
    pub(crate) nodes: Vec<RawNode>,
    pub(crate) flags: Vec<u8>,
    /// The entries of every mapping, each mapping's contiguous.
    pub(crate) entries: Vec<(NodeId, NodeId)>,
    /// The items of every sequence, each sequence's contiguous.
    pub(crate) items: Vec<NodeId>,
    /// Scalar values that differ from their source text (escapes, folding), tags, anchors.
    pub(crate) strings: String,
    /// Tags and anchors, by node.
    pub(crate) extras: Vec<Extra>,
    /// `None` for an empty document (or one whose error came before any node).
    pub root: Option<NodeId>,
    /// From the document's first byte (its `---` if any) to its end (its `...` if any).
    pub span: Span,
    /// Comments of this document, sorted by position. Document 0 also holds the comments
    /// before it; comments between a `...` and the next document go to the next document;
    /// comments after the last document go to the last document.
    pub comments: Vec<Comment>,
    /// A syntax error inside this document; the tree may then be partial.
    pub error: Option<Box<YamlError>>,
    /// 0-based position in the stream.
    pub index: usize,
}

/// A key repeated in one mapping: the entry an earlier key opened, and the later key.
#[derive(Clone, Copy)]
pub struct DuplicateKey<'a> {
    pub mapping: NodeRef<'a>,
    pub first_key: NodeRef<'a>,
    pub first_value: NodeRef<'a>,
    pub key: NodeRef<'a>,
}

#[derive(Clone, Debug, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
}

impl Stream {
    /// The first syntax error of the stream, if any.
    pub fn first_error(&self) -> Option<&YamlError> {
        self.documents.iter().find_map(|d| d.error.as_deref())
    }
}

impl Document {
    /// Every repeated scalar key of every mapping in the document, in source order.
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey<'_>> {
        let mut out = Vec::new();
        for n in self.node_refs() {
            let NodeKind::Mapping { entries, .. } = n.kind() else {
                continue;
            };
            for (i, &(k, _)) in entries.iter().enumerate() {
                let Some(value) = self.get(k).scalar_value() else {
                    continue;
                };
                let earlier = entries[..i]
                    .iter()
                    .rev()
                    .find(|&&(e, _)| self.get(e).scalar_value() == Some(value));
                if let Some(&(e, ev)) = earlier {
                    out.push(DuplicateKey {
                        mapping: n,
                        first_key: self.get(e),
                        first_value: self.get(ev),
                        key: self.get(k),
                    });
                }
            }
        }
        out
    }

    /// Every node, in arena (source pre-)order.
    pub fn node_refs(&self) -> impl Iterator<Item = NodeRef<'_>> + '_ {
        (0..self.nodes.len() as u32).map(move |i| self.get(NodeId(i)))
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// A document with no node, over `text`.
    pub(crate) fn empty(text: Arc<str>) -> Document {
        Document {
            text,
            nodes: Vec::new(),
            flags: Vec::new(),
            entries: Vec::new(),
            items: Vec::new(),
            strings: String::new(),
            extras: Vec::new(),
            root: None,
            span: Span::default(),
            comments: Vec::new(),
            error: None,
            index: 0,
        }
    }

    /// The whole text of the file the document is part of.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn root_ref(&self) -> Option<NodeRef<'_>> {
        self.root.map(|id| self.get(id))
    }

    pub fn get(&self, id: NodeId) -> NodeRef<'_> {
        NodeRef { doc: self, id }
    }

    /// Whether the document has no content node.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// The heap bytes this document holds (its share of the text not counted).
    pub fn heap_size(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<RawNode>()
            + self.flags.capacity()
            + self.entries.capacity() * 8
            + self.items.capacity() * 4
            + self.strings.capacity()
            + self.extras.capacity() * std::mem::size_of::<Extra>()
            + self
                .comments
                .iter()
                .map(|c| c.text.capacity() + std::mem::size_of::<Comment>())
                .sum::<usize>()
    }

    fn extra(&self, id: NodeId, is_tag: bool) -> Option<&str> {
        self.extras
            .iter()
            .find(|e| e.node == id && e.is_tag == is_tag)
            .map(|e| &self.strings[e.start as usize..(e.start + e.len) as usize])
    }
}

/// A cheap `Copy` handle for navigation.
#[derive(Clone, Copy)]
pub struct NodeRef<'a> {
    pub doc: &'a Document,
    pub id: NodeId,
}

impl PartialEq for NodeRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.id == other.id
    }
}

impl Eq for NodeRef<'_> {}

impl fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("NodeRef");
        s.field("id", &self.id.0).field("span", &self.span());
        match self.kind() {
            NodeKind::Scalar { value, style, .. } => {
                s.field("scalar", &value).field("style", &style)
            }
            NodeKind::Mapping { entries, .. } => s.field("mapping_len", &entries.len()),
            NodeKind::Sequence { items, .. } => s.field("sequence_len", &items.len()),
            NodeKind::Alias { name } => s.field("alias", &name),
        };
        s.finish()
    }
}

impl<'a> NodeRef<'a> {
    fn raw(&self) -> &'a RawNode {
        &self.doc.nodes[self.id.0 as usize]
    }

    fn flags(&self) -> u8 {
        self.doc.flags[self.id.0 as usize]
    }

    pub fn span(&self) -> Span {
        let r = self.raw();
        Span::new(r.start as usize, r.end as usize)
    }

    pub fn kind(&self) -> NodeKind<'a> {
        let (r, f, doc) = (self.raw(), self.flags(), self.doc);
        let (a, b) = (r.a as usize, r.b as usize);
        match f & flags::KIND {
            flags::SCALAR => NodeKind::Scalar {
                value: self.value_str(),
                style: ScalarStyle::from_bits(f),
                tag: if f & flags::TAG != 0 {
                    doc.extra(self.id, true)
                } else {
                    None
                },
            },
            flags::MAPPING => NodeKind::Mapping {
                entries: &doc.entries[a..a + b],
                flow: f & flags::FLOW != 0,
            },
            flags::SEQUENCE => NodeKind::Sequence {
                items: &doc.items[a..a + b],
                flow: f & flags::FLOW != 0,
            },
            _ => NodeKind::Alias {
                name: self.value_str(),
            },
        }
    }

    /// A scalar's value or an alias's name.
    fn value_str(&self) -> &'a str {
        let (r, f) = (self.raw(), self.flags());
        let range = r.a as usize..(r.a as usize + r.b as usize);
        if f & flags::IN_STRINGS != 0 {
            &self.doc.strings[range]
        } else {
            &self.doc.text[range]
        }
    }

    /// A scalar's value, cheaply (no tag lookup).
    fn scalar_value(&self) -> Option<&'a str> {
        (self.flags() & flags::KIND == flags::SCALAR).then(|| self.value_str())
    }

    pub fn is_mapping(&self) -> bool {
        self.flags() & flags::KIND == flags::MAPPING
    }

    pub fn is_sequence(&self) -> bool {
        self.flags() & flags::KIND == flags::SEQUENCE
    }

    pub fn is_scalar(&self) -> bool {
        self.flags() & flags::KIND == flags::SCALAR
    }

    pub fn is_alias(&self) -> bool {
        self.flags() & flags::KIND == flags::ALIAS
    }

    /// Whether this is a flow (`{}`/`[]`) collection.
    pub fn is_flow(&self) -> bool {
        let f = self.flags();
        matches!(f & flags::KIND, flags::MAPPING | flags::SEQUENCE) && f & flags::FLOW != 0
    }

    /// The scalar value (any style); `None` for collections and aliases.
    pub fn as_str(&self) -> Option<&'a str> {
        self.scalar_value()
    }

    pub fn style(&self) -> Option<ScalarStyle> {
        let f = self.flags();
        (f & flags::KIND == flags::SCALAR).then(|| ScalarStyle::from_bits(f))
    }

    /// The scalar's tag as written (`!reference`, `!!str`).
    pub fn tag(&self) -> Option<&'a str> {
        let f = self.flags();
        if f & flags::KIND == flags::SCALAR && f & flags::TAG != 0 {
            self.doc.extra(self.id, true)
        } else {
            None
        }
    }

    pub fn anchor(&self) -> Option<&'a str> {
        if self.flags() & flags::ANCHOR != 0 {
            self.doc.extra(self.id, false)
        } else {
            None
        }
    }

    /// A plain, untagged scalar `""`, `~`, `null`, `Null` or `NULL`.
    pub fn is_null(&self) -> bool {
        let f = self.flags();
        f & (flags::KIND | flags::STYLE | flags::TAG) == flags::SCALAR
            && matches!(self.value_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// Number of entries or items (0 for scalars and aliases).
    pub fn len(&self) -> usize {
        match self.flags() & flags::KIND {
            flags::MAPPING | flags::SEQUENCE => self.raw().b as usize,
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Mapping lookup by scalar key; `None` if not a mapping. With a duplicate key, the last
    /// entry wins, as in Kubernetes' lenient decoding (see `docs/duplicate-keys.md`).
    pub fn get(&self, key: &str) -> Option<NodeRef<'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// `(key node, value node)` of the entry whose key is the scalar `key` (the last one,
    /// when the key is repeated).
    pub fn entry(&self, key: &str) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
        let NodeKind::Mapping { entries, .. } = self.kind() else {
            return None;
        };
        let doc = self.doc;
        entries.iter().rev().find_map(|&(k, v)| {
            let k = doc.get(k);
            (k.scalar_value() == Some(key)).then(|| (k, doc.get(v)))
        })
    }

    /// Successive [`NodeRef::get`]s.
    pub fn path(&self, keys: &[&str]) -> Option<NodeRef<'a>> {
        let mut cur = *self;
        for k in keys {
            cur = cur.get(k)?;
        }
        Some(cur)
    }

    /// `(key, value)` pairs; empty if not a mapping.
    pub fn entries(&self) -> impl Iterator<Item = (NodeRef<'a>, NodeRef<'a>)> + 'a {
        let doc = self.doc;
        let entries: &'a [(NodeId, NodeId)] = match self.kind() {
            NodeKind::Mapping { entries, .. } => entries,
            _ => &[],
        };
        entries.iter().map(move |&(k, v)| (doc.get(k), doc.get(v)))
    }

    /// Items; empty if not a sequence.
    pub fn items(&self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let doc = self.doc;
        let items: &'a [NodeId] = match self.kind() {
            NodeKind::Sequence { items, .. } => items,
            _ => &[],
        };
        items.iter().map(move |&id| doc.get(id))
    }
}
