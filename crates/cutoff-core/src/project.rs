//! The objects of one run: every manifest object found in the input files, of any family,
//! and an index by (family, kind, name) with namespaces checked at lookup, so that
//! references resolve across files. Family-specific relations (which runs use which
//! Pipeline, say) are the model's, built from this index.

use std::collections::HashMap;
use std::ops::{Deref, Range};

use rayon::prelude::*;

use crate::manifest::{self, Family, Meta};
use crate::source::{SourceFile, Sources};
use crate::yaml::{NodeId, NodeRef};

/// Where a document lives: file and document index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DocRef {
    pub file: usize,
    pub doc: usize,
}

/// One object of the project: a document root, or a resource embedded in another object
/// (a Tekton TriggerTemplate's `resourcetemplates`). Identified once, in [`Project::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub file: usize,
    pub doc: usize,
    pub node: NodeId,
    pub family: Family,
    /// Embedded in the document's root object rather than being it.
    pub embedded: bool,
    /// Where [`Meta`]'s strings are (read once, in [`Project::new`]).
    ident: Ident,
}

/// The nodes holding an object's identity, so that [`Project::object`] need not look
/// for them again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ident {
    api_version: Option<NodeId>,
    kind: Option<NodeId>,
    name: Option<NodeId>,
    namespace: Option<NodeId>,
}

impl Ident {
    /// The nodes of `meta`'s strings (each is the value of a scalar of its document).
    fn of(meta: &Meta<'_>) -> Ident {
        let node_of = |s: &str| find_scalar(meta.root, s);
        Ident {
            api_version: (!meta.api_version.is_empty())
                .then(|| node_of(meta.api_version))
                .flatten(),
            kind: (meta.family != Family::Orchestrator)
                .then(|| node_of(meta.kind))
                .flatten(),
            name: meta.name.and_then(node_of),
            namespace: meta.namespace.and_then(node_of),
        }
    }

    fn meta<'a>(&self, root: NodeRef<'a>, family: Family) -> Meta<'a> {
        let doc = root.doc;
        let s = |id: Option<NodeId>| id.and_then(|id| doc.get(id).as_str());
        Meta {
            root,
            api_version: s(self.api_version).unwrap_or(""),
            kind: match family {
                Family::Orchestrator => manifest::orchestrator::KIND,
                _ => s(self.kind).unwrap_or(""),
            },
            name: s(self.name),
            namespace: s(self.namespace),
            family,
        }
    }
}

/// The scalar node whose value is the string `s` itself (the same bytes, not an equal
/// string): looked for below `root` (two levels down, where identities are), else in the
/// whole document.
fn find_scalar(root: NodeRef<'_>, s: &str) -> Option<NodeId> {
    let is = |n: NodeRef<'_>| {
        n.as_str()
            .is_some_and(|v| std::ptr::eq(v.as_ptr(), s.as_ptr()) && v.len() == s.len())
    };
    for (_, v) in root.entries() {
        if is(v) {
            return Some(v.id);
        }
        if let Some((_, w)) = v.entries().find(|(_, w)| is(*w)) {
            return Some(w.id);
        }
    }
    root.doc.node_refs().find(|n| is(*n)).map(|n| n.id)
}

/// The objects of one file, identified (in parallel) before they are indexed.
struct FileObjects {
    objects: Vec<ObjectRef>,
    /// (family, kind, name) of each document-root object with a name, and its position in
    /// `objects`.
    named: Vec<(Family, String, String, usize)>,
}

fn identify_file(fi: usize, f: &SourceFile) -> FileObjects {
    let mut out = FileObjects {
        objects: Vec::new(),
        named: Vec::new(),
    };
    if f.skip.is_some() {
        return out;
    }
    for (di, d) in f.stream.documents.iter().enumerate() {
        let Some(meta) = manifest::identify_meta(d) else {
            continue;
        };
        if let Some(name) = meta.name {
            out.named.push((
                meta.family,
                meta.kind.to_string(),
                name.to_string(),
                out.objects.len(),
            ));
        }
        out.objects.push(ObjectRef {
            file: fi,
            doc: di,
            node: meta.root.id,
            family: meta.family,
            embedded: false,
            ident: Ident::of(&meta),
        });
        for inner in manifest::embedded(&meta) {
            out.objects.push(ObjectRef {
                file: fi,
                doc: di,
                node: inner.root.id,
                family: inner.family,
                embedded: true,
                ident: Ident::of(&inner),
            });
        }
    }
    out
}

/// An index into [`Project::objects`].
pub type ObjectId = usize;

/// Document-root objects by family (in [`Family::ALL`] order), kind and name; the namespace
/// is checked at lookup. Nested, so that a lookup by `&str` allocates nothing.
type Index = [HashMap<String, HashMap<String, Vec<ObjectId>>>; 3];

fn family_slot(f: Family) -> usize {
    match f {
        Family::Tekton => 0,
        Family::Kubernetes => 1,
        Family::Orchestrator => 2,
    }
}

/// All files of a run and the objects in them, indexed once in [`Project::new`].
pub struct Project {
    pub sources: Sources,
    /// Every object, in file, document and embedding order.
    objects: Vec<ObjectRef>,
    /// The objects of file `i` are `objects[file_objects[i]..file_objects[i + 1]]`.
    file_objects: Vec<usize>,
    /// Document-root objects by (family, kind, name), sorted by path.
    index: Index,
}

impl Deref for Project {
    type Target = Sources;

    fn deref(&self) -> &Sources {
        &self.sources
    }
}

impl Project {
    pub fn new(files: Vec<SourceFile>) -> Project {
        let per_file: Vec<FileObjects> = files
            .par_iter()
            .enumerate()
            .map(|(fi, f)| identify_file(fi, f))
            .collect();
        let mut objects = Vec::with_capacity(per_file.iter().map(|f| f.objects.len()).sum());
        let mut index: Index = Default::default();
        let mut file_objects = Vec::with_capacity(files.len() + 1);
        for fo in per_file {
            file_objects.push(objects.len());
            let base = objects.len();
            for (family, kind, name, at) in fo.named {
                index[family_slot(family)]
                    .entry(kind)
                    .or_default()
                    .entry(name)
                    .or_default()
                    .push(base + at);
            }
            objects.extend(fo.objects);
        }
        file_objects.push(objects.len());
        // Sorted by path once, so that lookups need not sort (ids are in file order, so
        // only names defined in several files need it).
        for ids in index
            .iter_mut()
            .flat_map(|m| m.values_mut())
            .flat_map(|m| m.values_mut())
            .filter(|ids| ids.len() > 1)
        {
            ids.sort_by(|a, b| {
                files[objects[*a].file]
                    .path
                    .cmp(&files[objects[*b].file].path)
            });
        }
        Project {
            sources: Sources::new(files),
            objects,
            file_objects,
            index,
        }
    }

    /// Every object of the project, in file, document and embedding order.
    pub fn objects(&self) -> &[ObjectRef] {
        &self.objects
    }

    /// The ids of the objects of the file at `file` (an index into [`Sources::files`]).
    pub fn objects_of_file(&self, file: usize) -> Range<ObjectId> {
        crate::deps::file(file);
        self.file_objects[file]..self.file_objects[file + 1]
    }

    /// The file, identity and embedding of an object.
    pub fn object(&self, id: ObjectId) -> (&SourceFile, Meta<'_>, bool) {
        let r = self.objects[id];
        crate::deps::file(r.file);
        let f = &self.files[r.file];
        let node = f.stream.documents[r.doc].get(r.node);
        (f, r.ident.meta(node, r.family), r.embedded)
    }

    /// The object rooted at `node` in `file`, if it is one.
    pub fn object_at(&self, file: &SourceFile, node: NodeRef<'_>) -> Option<ObjectId> {
        let fi = self.index_of(&file.path)?;
        let f = &self.files[fi];
        self.objects_of_file(fi).find(|&id| {
            let r = &self.objects[id];
            r.node == node.id && std::ptr::eq(&f.stream.documents[r.doc], node.doc)
        })
    }

    /// Every document-root object of `family` and `kind` named `name` (several with
    /// Kustomize overlays), sorted by path. When `namespace` is given, objects in another
    /// explicit namespace are left out.
    pub fn lookup(
        &self,
        family: Family,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Vec<(&SourceFile, Meta<'_>)> {
        crate::deps::key(name);
        let Some(ids) = self.index[family_slot(family)]
            .get(kind)
            .and_then(|names| names.get(name))
        else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|&id| {
                let (f, meta, _) = self.object(id);
                match (namespace, meta.namespace) {
                    (Some(a), Some(b)) if a != b => None,
                    _ => Some((f, meta)),
                }
            })
            .collect()
    }
}
