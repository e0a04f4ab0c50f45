//! Kustomize, as far as timeouts care: which namespace a file's objects get from the
//! nearest `kustomization.yaml` above it, and which files are patches (partial objects
//! that a base completes). Family-neutral: the policy reads namespaces, the workload rules
//! read patches.

use std::collections::HashMap;

use crate::manifest::is_kustomization_path;
use crate::project::Project;
use crate::source::SourceFile;
use crate::yaml::NodeRef;

use super::value::Loc;

/// One `kustomization.yaml`.
#[derive(Clone, Debug)]
pub struct Kustomization {
    /// Its directory, as shown (`""` for the current directory), with `/`.
    pub dir: String,
    /// `namespace:` and where it was written.
    pub namespace: Option<(String, Loc)>,
    /// The files it names as patches (`patches[].path`, `patchesStrategicMerge[]`,
    /// `patchesJson6902[].path`), as shown paths.
    pub patches: Vec<String>,
    /// The files and directories it names in `resources:` (and `bases:`), as shown paths.
    pub resources: Vec<String>,
}

/// Every kustomization of the project, by directory.
#[derive(Default)]
pub struct Kustomizations {
    by_dir: HashMap<String, Kustomization>,
    /// Shown path of a patch file → the directory of the kustomization naming it.
    patch_of: HashMap<String, String>,
}

/// `a/b` joined with `../c/d.yaml` → `a/c/d.yaml`; `None` when it climbs above the root.
fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn strings<'a>(v: Option<NodeRef<'a>>) -> impl Iterator<Item = &'a str> {
    v.into_iter()
        .flat_map(|l| l.items())
        .filter_map(|i| i.as_str())
}

impl Kustomizations {
    pub fn new(project: &Project) -> Kustomizations {
        Kustomizations::of_files(project.files.iter())
    }

    /// The kustomizations among `files`.
    pub fn of_files<'a>(files: impl Iterator<Item = &'a SourceFile>) -> Kustomizations {
        let mut k = Kustomizations::default();
        for f in files.filter(|f| is_kustomization_path(&f.path)) {
            if let Some(kz) = read(f) {
                for p in &kz.patches {
                    k.patch_of.insert(p.clone(), kz.dir.clone());
                }
                k.by_dir.insert(kz.dir.clone(), kz);
            }
        }
        k
    }

    /// The kustomization of the nearest directory at or above the file `path`.
    pub fn nearest(&self, path: &str) -> Option<&Kustomization> {
        let mut dir = dir_of(path);
        loop {
            if let Some(k) = self.by_dir.get(dir) {
                return Some(k);
            }
            if dir.is_empty() {
                return None;
            }
            dir = dir_of(dir);
        }
    }

    /// The namespace the objects of the file `path` get from the nearest kustomization
    /// above it that sets one, with where it is set.
    pub fn namespace_for(&self, path: &str) -> Option<&(String, Loc)> {
        let mut dir = dir_of(path);
        loop {
            if let Some(ns) = self.by_dir.get(dir).and_then(|k| k.namespace.as_ref()) {
                return Some(ns);
            }
            if dir.is_empty() {
                return None;
            }
            dir = dir_of(dir);
        }
    }

    /// Is the file `path` a patch some kustomization applies (a partial object)?
    pub fn is_patch(&self, path: &str) -> bool {
        self.patch_of.contains_key(path)
    }

    /// The kustomization that applies the patch file `path`.
    pub fn patching(&self, path: &str) -> Option<&Kustomization> {
        self.by_dir.get(self.patch_of.get(path)?)
    }
}

fn read(f: &SourceFile) -> Option<Kustomization> {
    let root = f.stream.documents.first()?.root_ref()?;
    if !root.is_mapping() {
        return None;
    }
    let dir = dir_of(&f.path).to_string();
    let namespace = root.get("namespace").and_then(|n| {
        let s = n.as_str()?;
        (!s.is_empty()).then(|| (s.to_string(), Loc::new(f, n.span())))
    });
    let mut patches = Vec::new();
    for key in ["patches", "patchesJson6902"] {
        for item in root.get(key).into_iter().flat_map(|l| l.items()) {
            if let Some(p) = item.get("path").and_then(|p| p.as_str()) {
                patches.extend(join(&dir, p));
            }
        }
    }
    patches.extend(strings(root.get("patchesStrategicMerge")).filter_map(|p| join(&dir, p)));
    let resources = strings(root.get("resources"))
        .chain(strings(root.get("bases")))
        .filter_map(|p| join(&dir, p))
        .collect();
    Some(Kustomization {
        dir,
        namespace,
        patches,
        resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join("a/b", "../c/d.yaml").as_deref(), Some("a/c/d.yaml"));
        assert_eq!(join("", "./x.yaml").as_deref(), Some("x.yaml"));
        assert_eq!(join("", "../x.yaml"), None);
        assert!(is_kustomization_path("overlays/prod/kustomization.yaml"));
        assert!(!is_kustomization_path("kustomization-notes.yaml"));
    }
}
