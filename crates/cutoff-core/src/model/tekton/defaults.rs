//! The cluster's default TaskRun timeout (`default-timeout-minutes` of Tekton's
//! `config-defaults`), as the model assumes it, and where that number came from: set in
//! `.cutoff.yaml` or on the command line; else read from the repository, when it carries the
//! cluster's configuration (a `config-defaults` ConfigMap, or a TektonConfig of the Tekton
//! operator); else Tekton's own 60 minutes.
//!
//! Facts: `docs/tekton-timeouts.md` (how the cluster default is configured).

use serde::Serialize;

use crate::config::Config;
use crate::duration::GoDuration;
use crate::model::Loc;
use crate::project::Project;
use crate::source::SourceFile;
use crate::yaml::NodeRef;

/// Tekton's own default, when nothing sets another.
pub const TEKTON_DEFAULT_MINUTES: i64 = 60;

/// Where the default came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DefaultSource {
    /// Nothing sets it: Tekton's own 60 minutes.
    Tekton,
    /// `.cutoff.yaml` or the command line (`set_by` says which).
    Configured { set_by: String },
    /// The repository's cluster configuration, at these places (all with the same value).
    Repository { at: Vec<Loc> },
    /// The repository holds several, with different values: none is used (Tekton's own).
    Disagreeing { values: Vec<(i64, Loc)> },
}

/// The default TaskRun timeout the model assumes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClusterDefault {
    pub minutes: i64,
    pub source: DefaultSource,
}

impl ClusterDefault {
    pub fn of(project: &Project, config: &Config) -> ClusterDefault {
        if let Some(set_by) = &config.tekton.default_set_by {
            return ClusterDefault {
                minutes: config.tekton.default_timeout_minutes,
                source: DefaultSource::Configured {
                    set_by: set_by.clone(),
                },
            };
        }
        let mut found: Vec<(i64, Loc)> = Vec::new();
        for f in project.files.iter().filter(|f| f.skip.is_none()) {
            for d in &f.stream.documents {
                if let Some(root) = d.root_ref() {
                    found.extend(in_document(f, root));
                }
            }
        }
        let source = match found.first() {
            None => DefaultSource::Tekton,
            Some((first, _)) if found.iter().all(|(v, _)| v == first) => {
                return ClusterDefault {
                    minutes: *first,
                    source: DefaultSource::Repository {
                        at: found.into_iter().map(|(_, at)| at).collect(),
                    },
                };
            }
            Some(_) => DefaultSource::Disagreeing { values: found },
        };
        ClusterDefault {
            minutes: TEKTON_DEFAULT_MINUTES,
            source,
        }
    }

    /// The default as a duration; `None` when it is 0 (no default timeout).
    pub fn duration(&self) -> Option<GoDuration> {
        (self.minutes > 0).then(|| GoDuration::from_mins(self.minutes))
    }

    /// Where it came from, in words: "Tekton's own", "`tekton.default-timeout-minutes` in
    /// .cutoff.yaml:4", "the cluster configuration in config/defaults.yaml:9".
    pub fn describe(&self) -> String {
        match &self.source {
            DefaultSource::Tekton => "Tekton's own".to_string(),
            DefaultSource::Configured { set_by } => set_by.clone(),
            DefaultSource::Repository { at } => {
                let more = if at.len() > 1 {
                    format!(
                        " and {} more place{}",
                        at.len() - 1,
                        if at.len() == 2 { "" } else { "s" }
                    )
                } else {
                    String::new()
                };
                format!("the cluster configuration at {}{more}", at[0].display())
            }
            DefaultSource::Disagreeing { values } => format!(
                "Tekton's own: the repository's cluster configurations disagree ({})",
                values
                    .iter()
                    .map(|(v, at)| format!("{v} at {}", at.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The `default-timeout-minutes` values a document sets for the cluster: a ConfigMap named
/// `config-defaults`, or a TektonConfig (`spec.pipeline.default-timeout-minutes`, or its
/// `spec.pipeline.options.configMaps.config-defaults.data`).
fn in_document(file: &SourceFile, root: NodeRef<'_>) -> Vec<(i64, Loc)> {
    let kind = root.get("kind").and_then(|k| k.as_str());
    let api = root
        .get("apiVersion")
        .and_then(|a| a.as_str())
        .unwrap_or("");
    let mut out = Vec::new();
    let mut read = |n: Option<NodeRef<'_>>| {
        let Some(n) = n else { return };
        let text = n.as_str().map(str::trim);
        if let Some(v) = text.and_then(|t| t.parse::<i64>().ok()).filter(|v| *v >= 0) {
            out.push((v, Loc::new(file, n.span())));
        }
    };
    match kind {
        Some("ConfigMap")
            if root.path(&["metadata", "name"]).and_then(|n| n.as_str())
                == Some("config-defaults") =>
        {
            read(root.path(&["data", "default-timeout-minutes"]));
        }
        Some("TektonConfig") if api.starts_with("operator.tekton.dev/") => {
            read(root.path(&["spec", "pipeline", "default-timeout-minutes"]));
            read(root.path(&[
                "spec",
                "pipeline",
                "options",
                "configMaps",
                "config-defaults",
                "data",
                "default-timeout-minutes",
            ]));
        }
        _ => {}
    }
    out
}
