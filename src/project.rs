//! The files of one run, parsed, and an index of the Tekton objects in them by name,
//! so that references resolve across files.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::manifest::{self, Meta};
use crate::yaml::{self, Document, LineIndex, Stream};

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

/// All files of a run and the name index.
pub struct Project {
    pub files: Vec<SourceFile>,
    /// (kind, name) → where. Kinds: Pipeline, Task, ClusterTask, StepAction.
    index: HashMap<(String, String), Vec<DocRef>>,
    referenced_pipelines: HashSet<String>,
    by_path: HashMap<Arc<str>, usize>,
}

impl Project {
    pub fn new(files: Vec<SourceFile>) -> Project {
        let mut index: HashMap<(String, String), Vec<DocRef>> = HashMap::new();
        let mut referenced_pipelines = HashSet::new();
        for (fi, f) in files.iter().enumerate() {
            for (di, d) in f.stream.documents.iter().enumerate() {
                if let Some(meta) = manifest::identify(d) {
                    let mut roots = vec![meta.root];
                    if meta.kind == "TriggerTemplate" {
                        if let Some(list) = meta.root.path(&["spec", "resourcetemplates"]) {
                            roots.extend(list.items());
                        }
                    }
                    for r in roots {
                        if let Some(n) = r
                            .path(&["spec", "pipelineRef", "name"])
                            .and_then(|n| n.as_str())
                        {
                            referenced_pipelines.insert(n.to_string());
                        }
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
                }
            }
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
        let mut out: Vec<(&SourceFile, Meta<'_>)> = refs
            .iter()
            .filter_map(|r| {
                let (f, d) = self.document(*r);
                let meta = manifest::identify(d)?;
                match (namespace, meta.namespace) {
                    (Some(a), Some(b)) if a != b => None,
                    _ => Some((f, meta)),
                }
            })
            .collect();
        out.sort_by(|a, b| a.0.path.cmp(&b.0.path));
        out
    }

    /// Does any PipelineRun (or TriggerTemplate resource) in the project reference the Pipeline `name`?
    pub fn pipeline_is_referenced(&self, name: &str) -> bool {
        self.referenced_pipelines.contains(name)
    }
}
