//! "What is this document?" and typed, read-only views over it, per family.
//!
//! Views borrow the YAML tree, so every field they expose keeps its exact span.
//! Unknown kinds are ignored quietly: [`identify`] returns `None` for them. A family is a
//! module here (its markers for the byte prefilter, its identification, its views) and a
//! variant of [`Family`] and [`Object`]; the engine never asks which family it holds.

pub mod kubernetes;
pub mod orchestrator;
pub mod tekton;
pub mod value;

use crate::yaml::{Document, NodeRef};

pub use value::{DurationValue, Templating};

/// The family a document belongs to: whose rules read it and whose model knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// `tekton.dev` and `triggers.tekton.dev` objects.
    Tekton,
    /// Jobs, CronJobs and the pod templates of long-running workloads.
    Kubernetes,
    /// Orchestrator pipelines (`steps` with `id`, no `apiVersion`).
    Orchestrator,
}

impl Family {
    /// Every family, in the order rules and reports list them.
    pub const ALL: [Family; 3] = [Family::Tekton, Family::Kubernetes, Family::Orchestrator];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Tekton => "tekton",
            Family::Kubernetes => "kubernetes",
            Family::Orchestrator => "orchestrator",
        }
    }

    /// The family of an object with this `apiVersion` and `kind`, if cutoff reads it.
    fn of(api_version: &str, kind: &str) -> Option<Family> {
        if tekton::is_tekton(api_version, kind) {
            return Some(Family::Tekton);
        }
        if kubernetes::is_kubernetes(api_version, kind) {
            return Some(Family::Kubernetes);
        }
        None
    }

    /// Is a Helm/Go template that would render objects of this kind worth a word (CUT003)?
    /// Only kinds whose timeouts this family checks: a Deployment template is not.
    fn worth_reporting_in_template(self, kind: &str) -> bool {
        match self {
            Family::Tekton => true,
            Family::Kubernetes => matches!(kind, "Job" | "CronJob"),
            Family::Orchestrator => false,
        }
    }

    /// Byte strings one of which every file holding an object of this family contains.
    fn markers(self) -> &'static [&'static [u8]] {
        match self {
            Family::Tekton => tekton::MARKERS,
            Family::Kubernetes => kubernetes::MARKERS,
            Family::Orchestrator => orchestrator::MARKERS,
        }
    }

    /// Byte strings all of which such a file also contains (none: the markers suffice).
    fn also(self) -> &'static [&'static [u8]] {
        match self {
            Family::Orchestrator => orchestrator::ALSO,
            Family::Tekton | Family::Kubernetes => &[],
        }
    }
}

/// A typed, read-only view of one object, of whichever family it belongs to. Short-lived
/// (one object at a time, on the stack of the check that reads it), so variants keep
/// their views inline.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Object<'a> {
    Tekton(tekton::Object<'a>),
    Kubernetes(kubernetes::Object<'a>),
    Orchestrator(orchestrator::Object<'a>),
}

impl<'a> Object<'a> {
    pub fn meta(&self) -> &Meta<'a> {
        match self {
            Object::Tekton(o) => o.meta(),
            Object::Kubernetes(o) => &o.meta,
            Object::Orchestrator(o) => &o.meta,
        }
    }

    pub fn family(&self) -> Family {
        self.meta().family
    }
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
    let Some(api_version) = root.get("apiVersion") else {
        return orchestrator::identify(root);
    };
    let api_version = api_version.as_str()?;
    let kind = root.get("kind")?.as_str()?;
    let family = Family::of(api_version, kind)?;
    let metadata = root.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(|n| n.as_str());
    // A placeholder namespace (`$(tt.params.namespace)`, `{{ namespace }}`) is filled in
    // later: unknown here, so it matches any namespace.
    Some(Meta {
        root,
        api_version,
        kind,
        name: text("name").or_else(|| text("generateName")),
        namespace: text("namespace").filter(|n| !is_placeholder(n)),
        family,
    })
}

/// Is `s` (a name or namespace) a placeholder filled in later: Tekton/Triggers `$(…)`,
/// Pipelines-as-Code or Helm `{{ … }}`?
pub fn is_placeholder(s: &str) -> bool {
    s.contains("$(") || s.contains("{{")
}

/// The identity of a document's root object; `None` for unknown kinds, empty documents
/// and documents with errors.
pub fn identify_meta(doc: &Document) -> Option<Meta<'_>> {
    if doc.error.is_some() {
        return None;
    }
    identify_node(doc.root_ref()?)
}

/// What a document is: the typed view of its root object, of its family. `src` is the
/// file's text (views keep placeholders as written); `path` is the file's shown path.
pub fn identify<'a>(doc: &'a Document, path: &str, src: &str) -> Option<Object<'a>> {
    let meta = identify_meta(doc)?;
    read(meta, path, src)
}

/// The typed view of the object identified as `meta`.
pub fn read<'a>(meta: Meta<'a>, _path: &str, src: &str) -> Option<Object<'a>> {
    match meta.family {
        Family::Tekton => tekton::read_document(meta, src).map(Object::Tekton),
        Family::Kubernetes => kubernetes::read(meta, src).map(Object::Kubernetes),
        Family::Orchestrator => orchestrator::read(meta, src).map(Object::Orchestrator),
    }
}

/// The objects embedded in the object `meta` (a Tekton TriggerTemplate's resources), in order.
pub fn embedded<'a>(meta: &Meta<'a>) -> Vec<Meta<'a>> {
    match meta.family {
        Family::Tekton => tekton::embedded_roots(meta),
        Family::Kubernetes | Family::Orchestrator => Vec::new(),
    }
}

/// Is this the path of a Kustomize file (`kustomization.yaml`, `.yml`, or `Kustomization`)?
pub fn is_kustomization_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Where a file is a Helm/Go template rather than YAML: the offset of the first `{{` outside
/// quoted strings, comments and block scalars (a `kubectl --template '{{…}}'` inside a script
/// does not make a file a template); `None` when there is none.
pub fn template_marker(text: &str) -> Option<usize> {
    let mut offset = 0;
    // The indentation of the key that opened a block scalar (`key: |`), while inside it.
    let mut block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        if let Some(b) = block {
            if body.trim().is_empty() || indent > b {
                continue;
            }
            block = None;
        }
        let mut quote: Option<char> = None;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i] as char;
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if i == 0 || bytes[i - 1] == b' ' => break,
                    '"' | '\''
                        if i == indent || matches!(bytes[i - 1], b' ' | b'[' | b'{' | b',') =>
                    {
                        quote = Some(c)
                    }
                    '{' if bytes.get(i + 1) == Some(&b'{') => return Some(start + i),
                    _ => {}
                },
            }
            i += 1;
        }
        let t = body.trim_end();
        if t.ends_with('|')
            || t.ends_with('>')
            || t.ends_with("|-")
            || t.ends_with(">-")
            || t.ends_with("|+")
            || t.ends_with(">+")
        {
            block = Some(indent);
        }
    }
    None
}

/// Would the template `text` render objects whose timeouts cutoff checks? Read from its
/// `apiVersion:`/`kind:` lines as written.
pub fn template_holds_objects(text: &str) -> bool {
    let value = |line: &str, key: &str| -> Option<String> {
        let rest = line.trim_start().strip_prefix(key)?.trim();
        let v = rest
            .split('#')
            .next()?
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    };
    let mut api: Option<String> = None;
    for line in text.lines() {
        if let Some(a) = value(line, "apiVersion:") {
            api = Some(a);
        } else if let (Some(k), Some(a)) = (value(line, "kind:"), &api) {
            if Family::of(a, &k).is_some_and(|f| f.worth_reporting_in_template(&k)) {
                return true;
            }
        }
    }
    false
}

/// Could this file hold something the checks of other files read: an object of a family
/// whose objects refer to each other (Tekton, the orchestrators), or Tekton's cluster
/// configuration (`config-defaults`, a TektonConfig)? Kubernetes workloads are read across
/// files only through Kustomize (see [`crate::lint::standalone`]).
pub fn read_across_files(bytes: &[u8]) -> bool {
    let found = |m: &&[u8]| memchr::memmem::find(bytes, m).is_some();
    [Family::Tekton, Family::Orchestrator]
        .iter()
        .any(|f| f.markers().iter().any(found) && f.also().iter().all(found))
}

/// Cheap pre-parse filter: could this file hold anything cutoff reads? True when it
/// contains a marker of any family (and what else that family requires). Files without
/// one are never parsed (≥ 1 GB/s with memchr).
pub fn may_be_relevant(bytes: &[u8]) -> bool {
    let found = |m: &&[u8]| memchr::memmem::find(bytes, m).is_some();
    Family::ALL
        .iter()
        .any(|f| f.markers().iter().any(found) && f.also().iter().all(found))
}
