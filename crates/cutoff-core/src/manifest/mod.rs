//! "What is this document?" and typed, read-only views over it.
//!
//! Views borrow the YAML tree, so every field they expose keeps its exact span.
//! Unknown kinds are ignored quietly: [`identify`] returns `None` for them.

pub mod tekton;
pub mod value;

use crate::yaml::{Document, NodeRef};

pub use value::{DurationValue, Templating};

/// The API family a document belongs to. Later rounds add Kubernetes workloads,
/// Argo, GitHub Actions and GitLab CI here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Tekton,
}

/// The identity of an object: apiVersion, kind, metadata.name/namespace.
#[derive(Clone, Copy)]
pub struct Meta<'a> {
    pub root: NodeRef<'a>,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub family: Family,
}

impl<'a> Meta<'a> {
    /// The `apiVersion`'s version part: `v1`, `v1beta1`.
    pub fn version(&self) -> &'a str {
        self.api_version
            .rsplit('/')
            .next()
            .unwrap_or(self.api_version)
    }

    pub fn annotations(&self) -> Option<NodeRef<'a>> {
        self.root.path(&["metadata", "annotations"])
    }

    /// `kind/name` for messages; `kind` alone when unnamed.
    pub fn display(&self) -> String {
        match self.name {
            Some(n) => format!("{} {n}", self.kind),
            None => self.kind.to_string(),
        }
    }
}

/// Identifies an object rooted at `root` (a document root or an embedded resource).
pub fn identify_node(root: NodeRef<'_>) -> Option<Meta<'_>> {
    let api_version = root.get("apiVersion")?.as_str()?;
    let kind = root.get("kind")?.as_str()?;
    let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
    let family = match group {
        "tekton.dev" | "triggers.tekton.dev" => Family::Tekton,
        _ => return None,
    };
    let metadata = root.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(|n| n.as_str());
    Some(Meta {
        root,
        api_version,
        kind,
        name: text("name").or_else(|| text("generateName")),
        namespace: text("namespace"),
        family,
    })
}

/// Identifies a document; `None` for unknown kinds, empty documents and documents with errors.
pub fn identify(doc: &Document) -> Option<Meta<'_>> {
    if doc.error.is_some() {
        return None;
    }
    identify_node(doc.root_ref()?)
}

/// Cheap pre-parse filter: could this file hold anything cutoff reads?
/// Files without any marker are never parsed (≥ 1 GB/s with memchr).
pub fn may_be_relevant(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"tekton.dev").is_some()
}
