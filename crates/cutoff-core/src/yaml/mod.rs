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
pub use tree::parse;

use std::fmt;

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

#[derive(Clone, Debug)]
pub enum NodeKind {
    /// `value` is the parsed (unescaped, folded) value; `tag` as written (`!reference`, `!!str`).
    Scalar {
        value: String,
        style: ScalarStyle,
        tag: Option<String>,
    },
    /// `(key, value)` pairs in source order; duplicate keys are all kept.
    Mapping {
        entries: Vec<(NodeId, NodeId)>,
        flow: bool,
    },
    Sequence {
        items: Vec<NodeId>,
        flow: bool,
    },
    /// `*name`, not expanded.
    Alias {
        name: String,
    },
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// `&name` defined on this node, without the `&`.
    pub anchor: Option<String>,
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
    /// The arena; nodes are in source (pre-)order, parents before children.
    pub nodes: Vec<Node>,
    /// `None` for an empty document (or one whose error came before any node).
    pub root: Option<NodeId>,
    /// From the document's first byte (its `---` if any) to its end (its `...` if any).
    pub span: Span,
    /// Comments of this document, sorted by position. Document 0 also holds the comments
    /// before it; comments between a `...` and the next document go to the next document;
    /// comments after the last document go to the last document.
    pub comments: Vec<Comment>,
    /// A syntax error inside this document; the tree may then be partial.
    pub error: Option<YamlError>,
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
        self.documents.iter().find_map(|d| d.error.as_ref())
    }
}

impl Document {
    /// Every repeated scalar key of every mapping in the document, in source order.
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey<'_>> {
        let mut out = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            let NodeKind::Mapping { entries, .. } = &node.kind else {
                continue;
            };
            for (i, &(k, _)) in entries.iter().enumerate() {
                let NodeKind::Scalar { value, .. } = &self.node(k).kind else {
                    continue;
                };
                let earlier = entries[..i].iter().rev().find(|&&(e, _)| {
                    matches!(&self.node(e).kind, NodeKind::Scalar { value: v, .. } if v == value)
                });
                if let Some(&(e, ev)) = earlier {
                    out.push(DuplicateKey {
                        mapping: self.get(NodeId(n as u32)),
                        first_key: self.get(e),
                        first_value: self.get(ev),
                        key: self.get(k),
                    });
                }
            }
        }
        out
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
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
        let node = self.node();
        let mut s = f.debug_struct("NodeRef");
        s.field("id", &self.id.0).field("span", &node.span);
        match &node.kind {
            NodeKind::Scalar { value, style, .. } => s.field("scalar", value).field("style", style),
            NodeKind::Mapping { entries, .. } => s.field("mapping_len", &entries.len()),
            NodeKind::Sequence { items, .. } => s.field("sequence_len", &items.len()),
            NodeKind::Alias { name } => s.field("alias", name),
        };
        s.finish()
    }
}

impl<'a> NodeRef<'a> {
    pub fn node(&self) -> &'a Node {
        self.doc.node(self.id)
    }

    pub fn span(&self) -> Span {
        self.node().span
    }

    pub fn kind(&self) -> &'a NodeKind {
        &self.node().kind
    }

    pub fn is_mapping(&self) -> bool {
        matches!(self.kind(), NodeKind::Mapping { .. })
    }

    pub fn is_sequence(&self) -> bool {
        matches!(self.kind(), NodeKind::Sequence { .. })
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self.kind(), NodeKind::Scalar { .. })
    }

    pub fn is_alias(&self) -> bool {
        matches!(self.kind(), NodeKind::Alias { .. })
    }

    /// Whether this is a flow (`{}`/`[]`) collection.
    pub fn is_flow(&self) -> bool {
        matches!(
            self.kind(),
            NodeKind::Mapping { flow: true, .. } | NodeKind::Sequence { flow: true, .. }
        )
    }

    /// The scalar value (any style); `None` for collections and aliases.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.kind() {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn style(&self) -> Option<ScalarStyle> {
        match self.kind() {
            NodeKind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// The scalar's tag as written (`!reference`, `!!str`).
    pub fn tag(&self) -> Option<&'a str> {
        match self.kind() {
            NodeKind::Scalar { tag, .. } => tag.as_deref(),
            _ => None,
        }
    }

    pub fn anchor(&self) -> Option<&'a str> {
        self.node().anchor.as_deref()
    }

    /// A plain, untagged scalar `""`, `~`, `null`, `Null` or `NULL`.
    pub fn is_null(&self) -> bool {
        match self.kind() {
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Plain,
                tag: None,
            } => matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    /// Number of entries or items (0 for scalars and aliases).
    pub fn len(&self) -> usize {
        match self.kind() {
            NodeKind::Mapping { entries, .. } => entries.len(),
            NodeKind::Sequence { items, .. } => items.len(),
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
            let matches =
                matches!(&doc.node(k).kind, NodeKind::Scalar { value, .. } if value == key);
            matches.then(|| (doc.get(k), doc.get(v)))
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
