//! The objects of one run: every manifest object found in the input files, of any family,
//! and an index by (family, kind, name) with namespaces checked at lookup, so that
//! references resolve across files. Family-specific relations (which runs use which
//! Pipeline, say) are the model's, built from this index.

use std::collections::HashMap;
use std::ops::{Deref, Range};

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
}

/// An index into [`Project::objects`].
pub type ObjectId = usize;

/// What the index is keyed by; the namespace is checked at lookup.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    family: Family,
    kind: String,
    name: String,
}

/// All files of a run and the objects in them, indexed once in [`Project::new`].
pub struct Project {
    pub sources: Sources,
    /// Every object, in file, document and embedding order.
    objects: Vec<ObjectRef>,
    /// The objects of file `i` are `objects[file_objects[i]..file_objects[i + 1]]`.
    file_objects: Vec<usize>,
    /// Document-root objects by (family, kind, name), sorted by path.
    index: HashMap<Key, Vec<ObjectId>>,
}

impl Deref for Project {
    type Target = Sources;

    fn deref(&self) -> &Sources {
        &self.sources
    }
}

impl Project {
    pub fn new(files: Vec<SourceFile>) -> Project {
        let mut objects = Vec::new();
        let mut index: HashMap<Key, Vec<ObjectId>> = HashMap::new();
        let mut file_objects = Vec::with_capacity(files.len() + 1);
        for (fi, f) in files.iter().enumerate() {
            file_objects.push(objects.len());
            if f.skip.is_some() {
                continue;
            }
            for (di, d) in f.stream.documents.iter().enumerate() {
                let Some(meta) = manifest::identify_meta(d) else {
                    continue;
                };
                if let Some(name) = meta.name {
                    index
                        .entry(Key {
                            family: meta.family,
                            kind: meta.kind.to_string(),
                            name: name.to_string(),
                        })
                        .or_default()
                        .push(objects.len());
                }
                objects.push(ObjectRef {
                    file: fi,
                    doc: di,
                    node: meta.root.id,
                    family: meta.family,
                    embedded: false,
                });
                for inner in manifest::embedded(&meta) {
                    objects.push(ObjectRef {
                        file: fi,
                        doc: di,
                        node: inner.root.id,
                        family: inner.family,
                        embedded: true,
                    });
                }
            }
        }
        file_objects.push(objects.len());
        // Sorted by path once, so that lookups need not sort.
        for ids in index.values_mut() {
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
        self.file_objects[file]..self.file_objects[file + 1]
    }

    /// The file, identity and embedding of an object.
    pub fn object(&self, id: ObjectId) -> (&SourceFile, Meta<'_>, bool) {
        let r = self.objects[id];
        let f = &self.files[r.file];
        let node = f.stream.documents[r.doc].get(r.node);
        let meta = manifest::identify_node(node).expect("objects are identified");
        (f, meta, r.embedded)
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
        let key = Key {
            family,
            kind: kind.to_string(),
            name: name.to_string(),
        };
        let Some(ids) = self.index.get(&key) else {
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
