//! The files of one run, parsed, and an index of the Tekton objects in them by name,
//! so that references resolve across files.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::manifest::{self, Meta};
use crate::yaml::{self, Document, LineIndex, NodeId, NodeRef, Stream};

/// Why a file was read but not parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// No marker of any kind cutoff reads (byte scan).
    Irrelevant,
    /// Larger than the size limit.
    TooLarge,
    /// Not UTF-8.
    NotUtf8,
}

/// One input file.
pub struct SourceFile {
    /// The path shown to users: relative to the current directory, with `/`.
    pub path: Arc<str>,
    /// Where it lives on disk; `None` for standard input.
    pub fs_path: Option<PathBuf>,
    pub text: String,
    pub lines: LineIndex,
    pub stream: Stream,
    /// Findings in this file are reported (false for files read only to resolve references).
    pub report: bool,
    pub skip: Option<Skip>,
    /// Size on disk, for files skipped before reading.
    pub size: u64,
    /// Under a `.tekton/` directory: read by Pipelines-as-Code.
    pub pac: bool,
}

impl SourceFile {
    pub fn new(path: Arc<str>, fs_path: Option<PathBuf>, text: String, report: bool) -> SourceFile {
        let pac = path.split('/').any(|c| c == ".tekton");
        let size = text.len() as u64;
        let relevant = manifest::may_be_relevant(text.as_bytes());
        let stream = if relevant {
            yaml::parse(&text)
        } else {
            Stream {
                documents: Vec::new(),
            }
        };
        let lines = if relevant {
            LineIndex::new(&text)
        } else {
            LineIndex::new("")
        };
        SourceFile {
            path,
            fs_path,
            text,
            lines,
            stream,
            report,
            skip: (!relevant).then_some(Skip::Irrelevant),
            size,
            pac,
        }
    }

    /// A file that could not be parsed at all.
    pub fn skipped(
        path: Arc<str>,
        fs_path: Option<PathBuf>,
        skip: Skip,
        size: u64,
        report: bool,
    ) -> SourceFile {
        let pac = path.split('/').any(|c| c == ".tekton");
        SourceFile {
            path,
            fs_path,
            text: String::new(),
            lines: LineIndex::new(""),
            stream: Stream {
                documents: Vec::new(),
            },
            report,
            skip: Some(skip),
            size,
            pac,
        }
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(&self.text, offset)
    }

    pub fn has_syntax_error(&self) -> bool {
        self.stream.documents.iter().any(|d| d.error.is_some())
    }
}

/// Where an object lives: file and document index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DocRef {
    pub file: usize,
    pub doc: usize,
}

/// One Tekton object of the project: a document root, or a resource of a TriggerTemplate
/// (the TriggerTemplate itself is not a root). Identified once, in [`Project::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Root {
    pub file: usize,
    pub doc: usize,
    pub node: NodeId,
    /// A resource of a TriggerTemplate's `spec.resourcetemplates`.
    pub in_tt: bool,
}

/// An index into [`Project::roots`].
pub type RootId = usize;

/// All files of a run and the indexes over them, built once in [`Project::new`]:
/// objects by (kind, name), PipelineRuns by the Pipeline they reference, and the
/// Pipelines, PipelineRuns and TaskRuns that reference each Task. Every lookup costs
/// what it returns, never a walk over the project.
pub struct Project {
    pub files: Vec<SourceFile>,
    /// (kind, name) → where, sorted by path. Kinds: Pipeline, Task, ClusterTask, StepAction.
    index: HashMap<(String, String), Vec<DocRef>>,
    referenced_pipelines: HashSet<String>,
    by_path: HashMap<Arc<str>, usize>,
    /// Every Tekton object root, in file, document and resource order.
    roots: Vec<Root>,
    /// The roots of file `i` are `roots[file_roots[i]..file_roots[i + 1]]`.
    file_roots: Vec<usize>,
    /// PipelineRuns (top-level or in a TriggerTemplate) by `pipelineRef.name`
    /// (resolver and bundle references left out), in root order.
    runs_by_pipeline: HashMap<String, Vec<RootId>>,
    /// (taskRef kind, name) → the roots that reference it, in root order: Pipelines
    /// (top-level), PipelineRuns through an embedded `pipelineSpec`, and TaskRuns.
    task_referrers: HashMap<(String, String), Vec<RootId>>,
    /// Caches of the effective-timeout model (see [`crate::model::cache`]).
    pub(crate) cache: crate::model::cache::Cache,
}

/// The (kind, name) of the `taskRef`s of a pipeline spec's tasks and finally tasks.
fn spec_task_refs<'a>(spec: NodeRef<'a>, out: &mut Vec<(&'a str, &'a str)>) {
    for list in ["tasks", "finally"] {
        let Some(l) = spec.get(list) else { continue };
        for t in l.items() {
            if let Some(r) = t.get("taskRef") {
                if let Some(name) = r.get("name").and_then(|n| n.as_str()) {
                    let kind = r.get("kind").and_then(|k| k.as_str()).unwrap_or("Task");
                    out.push((kind, name));
                }
            }
        }
    }
}

impl Project {
    pub fn new(files: Vec<SourceFile>) -> Project {
        let mut index: HashMap<(String, String), Vec<DocRef>> = HashMap::new();
        let mut referenced_pipelines = HashSet::new();
        let mut roots = Vec::new();
        let mut runs_by_pipeline: HashMap<String, Vec<RootId>> = HashMap::new();
        let mut task_referrers: HashMap<(String, String), Vec<RootId>> = HashMap::new();
        let mut refs = Vec::new();
        let mut file_roots = Vec::with_capacity(files.len() + 1);
        for (fi, f) in files.iter().enumerate() {
            file_roots.push(roots.len());
            for (di, d) in f.stream.documents.iter().enumerate() {
                let Some(meta) = manifest::identify(d) else {
                    continue;
                };
                let mut metas = Vec::new();
                if meta.kind == "TriggerTemplate" {
                    if let Some(list) = meta.root.path(&["spec", "resourcetemplates"]) {
                        for r in list.items() {
                            if let Some(n) = r
                                .path(&["spec", "pipelineRef", "name"])
                                .and_then(|n| n.as_str())
                            {
                                referenced_pipelines.insert(n.to_string());
                            }
                            if f.skip.is_none() {
                                metas.extend(manifest::identify_node(r).map(|m| (m, true)));
                            }
                        }
                    }
                } else if f.skip.is_none() {
                    metas.push((meta, false));
                }
                if let Some(n) = meta
                    .root
                    .path(&["spec", "pipelineRef", "name"])
                    .and_then(|n| n.as_str())
                {
                    referenced_pipelines.insert(n.to_string());
                }
                if matches!(
                    meta.kind,
                    "Pipeline" | "Task" | "ClusterTask" | "StepAction"
                ) {
                    if let Some(name) = meta.name {
                        index
                            .entry((meta.kind.to_string(), name.to_string()))
                            .or_default()
                            .push(DocRef { file: fi, doc: di });
                    }
                }
                for (m, in_tt) in metas {
                    let id = roots.len();
                    roots.push(Root {
                        file: fi,
                        doc: di,
                        node: m.root.id,
                        in_tt,
                    });
                    refs.clear();
                    match m.kind {
                        "PipelineRun" => {
                            let r = m.root.path(&["spec", "pipelineRef"]);
                            let remote = r.is_some_and(|r| {
                                r.get("resolver").is_some() || r.get("bundle").is_some()
                            });
                            if let (Some(name), false) = (
                                r.and_then(|r| r.get("name")).and_then(|n| n.as_str()),
                                remote,
                            ) {
                                runs_by_pipeline
                                    .entry(name.to_string())
                                    .or_default()
                                    .push(id);
                            }
                            if let Some(s) = m.root.path(&["spec", "pipelineSpec"]) {
                                spec_task_refs(s, &mut refs);
                            }
                        }
                        "Pipeline" if !in_tt => {
                            if let Some(s) = m.root.get("spec") {
                                spec_task_refs(s, &mut refs);
                            }
                        }
                        "TaskRun" => {
                            if let Some(r) = m.root.path(&["spec", "taskRef"]) {
                                if let Some(name) = r.get("name").and_then(|n| n.as_str()) {
                                    let kind =
                                        r.get("kind").and_then(|k| k.as_str()).unwrap_or("Task");
                                    refs.push((kind, name));
                                }
                            }
                        }
                        _ => {}
                    }
                    for &(kind, name) in &refs {
                        let list = task_referrers
                            .entry((kind.to_string(), name.to_string()))
                            .or_default();
                        if list.last() != Some(&id) {
                            list.push(id);
                        }
                    }
                }
            }
        }
        file_roots.push(roots.len());
        // Sorted by path once, so that lookups need not sort.
        for refs in index.values_mut() {
            refs.sort_by(|a, b| files[a.file].path.cmp(&files[b.file].path));
        }
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();
        Project {
            by_path,
            files,
            index,
            referenced_pipelines,
            roots,
            file_roots,
            runs_by_pipeline,
            task_referrers,
            cache: Default::default(),
        }
    }

    /// The file shown as `path`.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.by_path.get(path).map(|&i| &self.files[i])
    }

    pub fn document(&self, r: DocRef) -> (&SourceFile, &Document) {
        let f = &self.files[r.file];
        (f, &f.stream.documents[r.doc])
    }

    /// Every Tekton object root of the project (document roots and TriggerTemplate
    /// resources), in file, document and resource order.
    pub fn roots(&self) -> &[Root] {
        &self.roots
    }

    /// The file and identity of a root.
    pub fn root(&self, id: RootId) -> (&SourceFile, Meta<'_>, bool) {
        let r = self.roots[id];
        let f = &self.files[r.file];
        let node = f.stream.documents[r.doc].get(r.node);
        let meta = manifest::identify_node(node).expect("roots are identified objects");
        (f, meta, r.in_tt)
    }

    /// The root of the object at `node` in `file`, if it is one.
    pub fn root_of(&self, file: &SourceFile, node: NodeRef<'_>) -> Option<RootId> {
        let fi = *self.by_path.get(&file.path)?;
        let f = &self.files[fi];
        (self.file_roots[fi]..self.file_roots[fi + 1]).find(|&id| {
            let r = &self.roots[id];
            r.node == node.id && std::ptr::eq(&f.stream.documents[r.doc], node.doc)
        })
    }

    /// Every object of `kind` named `name` (several with Kustomize overlays), sorted by path.
    /// When `namespace` is given, objects in another explicit namespace are left out.
    pub fn lookup(
        &self,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Vec<(&SourceFile, Meta<'_>)> {
        let Some(refs) = self.index.get(&(kind.to_string(), name.to_string())) else {
            return Vec::new();
        };
        refs.iter()
            .filter_map(|r| {
                let (f, d) = self.document(*r);
                let meta = manifest::identify(d)?;
                match (namespace, meta.namespace) {
                    (Some(a), Some(b)) if a != b => None,
                    _ => Some((f, meta)),
                }
            })
            .collect()
    }

    /// Does any PipelineRun (or TriggerTemplate resource) in the project reference the Pipeline `name`?
    pub fn pipeline_is_referenced(&self, name: &str) -> bool {
        self.referenced_pipelines.contains(name)
    }

    /// The PipelineRuns (top-level or in a TriggerTemplate) whose `pipelineRef.name` is
    /// `name` (not a resolver or bundle reference), in root order; namespaces unchecked.
    pub fn runs_of_pipeline(&self, name: &str) -> &[RootId] {
        self.runs_by_pipeline
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The Pipelines, PipelineRuns (through `pipelineSpec`) and TaskRuns whose `taskRef`
    /// names `kind`/`name`, in root order; namespaces unchecked.
    pub fn task_referrers(&self, kind: &str, name: &str) -> &[RootId] {
        self.task_referrers
            .get(&(kind.to_string(), name.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}
