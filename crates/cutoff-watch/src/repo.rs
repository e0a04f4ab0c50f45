//! The repository's knowledge for `cutoff watch`: the same linted model `cutoff lint` and
//! `cutoff timeouts` read, turned into what live objects are held to.
//!
//! On load (and on a refresh, when a file of the repository changed) it lints the
//! repository with `cutoff-core` and keeps, owned: the budget of every PipelineRun template
//! and the timeout of every standalone TaskRun, with where each was validated; the
//! configuration (the policy's caps, default and TTL). A live object is matched to its
//! template by name (or `generateName`), else by the Pipeline it runs; the policy applies
//! to its kind, name and namespace. A live object's own manifest is also linted as a file,
//! so that a misplaced timeout applied by hand is reported with the lint rule.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use cutoff_core::config::{self, Config};
use cutoff_core::lint::{self, Input};
use cutoff_core::model::policy::{self, Namespace};
use cutoff_core::model::tekton::scope::all_models;
use cutoff_core::model::tekton::{Origin, RunKind};
use cutoff_core::model::{Bound, Model};
use cutoff_core::project::Project;
use serde_json::Value;

use crate::knowledge::{Finding, Knowledge, Limit, Limits, LiveKind, LiveRef};

/// A template a live object may come from: its name, and the validated limit.
#[derive(Clone, Debug)]
struct Template {
    kind: LiveKind,
    /// `metadata.name`, or the `generateName` prefix when `generated`.
    name: String,
    generated: bool,
    namespace: Option<String>,
    /// The Pipeline (PipelineRun) or Task (TaskRun) it runs.
    runs: Option<String>,
    /// The validated limit; `None`: unbounded (`"0"`) or unknown.
    limit: Option<Duration>,
    /// "tekton/runs/nightly.yaml:12 (explicit)".
    source: String,
}

/// What a load of the repository knows.
struct Snapshot {
    config: Config,
    templates: Vec<Template>,
    /// The newest modification time among the repository's files when loaded.
    stamp: Option<SystemTime>,
}

/// [`Knowledge`] over the repository at `repo`, linted with `cutoff-core`.
pub struct RepoKnowledge {
    repo: PathBuf,
    config_file: Option<PathBuf>,
    state: RwLock<Arc<Snapshot>>,
    last_check: Mutex<Instant>,
}

/// How often a refresh looks at the repository's files at most.
const REFRESH_EVERY: Duration = Duration::from_secs(30);

fn to_std(b: Bound) -> Option<Duration> {
    match b {
        Bound::Finite(d) if d.nanos() > 0 => Some(Duration::from_nanos(d.nanos() as u64)),
        _ => None,
    }
}

impl RepoKnowledge {
    /// Lints the repository at `repo` (its `.cutoff.yaml`, or `config_file`).
    pub fn load(repo: &Path, config_file: Option<&Path>) -> Result<RepoKnowledge, String> {
        let snapshot = load_snapshot(repo, config_file)?;
        Ok(RepoKnowledge {
            repo: repo.to_path_buf(),
            config_file: config_file.map(Path::to_path_buf),
            state: RwLock::new(Arc::new(snapshot)),
            last_check: Mutex::new(Instant::now()),
        })
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.state
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The templates a live object may come from, best match first: by name (or
    /// `generateName`), else by the Pipeline or Task it runs.
    fn templates_for<'s>(&self, s: &'s Snapshot, obj: &LiveRef) -> Vec<&'s Template> {
        let ns_ok = |t: &Template| t.namespace.as_deref().is_none_or(|n| n == obj.namespace);
        let same_kind = |t: &&Template| t.kind == obj.kind && ns_ok(t);
        let by_name: Vec<&Template> = s
            .templates
            .iter()
            .filter(same_kind)
            .filter(|t| {
                if t.generated {
                    obj.generate_name.as_deref() == Some(t.name.as_str())
                } else {
                    obj.name == t.name
                }
            })
            .collect();
        if !by_name.is_empty() {
            return by_name;
        }
        let runs = match obj.kind {
            LiveKind::PipelineRun => obj
                .pipeline_ref
                .clone()
                .or_else(|| obj.labels.get("tekton.dev/pipeline").cloned()),
            LiveKind::TaskRun => obj.task_ref.clone(),
            LiveKind::Job => obj.owner_cronjob.clone(),
            LiveKind::Pod => None,
        };
        match runs {
            Some(r) => s
                .templates
                .iter()
                .filter(same_kind)
                .filter(|t| t.runs.as_deref() == Some(r.as_str()))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Reads and lints the repository.
fn load_snapshot(repo: &Path, config_file: Option<&Path>) -> Result<Snapshot, String> {
    // Paths in messages are shown relative to the repository, as in `cutoff lint --root`.
    let base = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    let shown = |p: &Path| {
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        cutoff_core::walk::display_path(&abs, &base)
    };
    let config = match config_file {
        Some(p) => Config::load(p, &shown(p)),
        None => match config::discover(repo) {
            Some(p) => Config::load(&p, &shown(&p)),
            None => Ok(Config::default()),
        },
    }
    .map_err(|e| e.to_string())?;
    let exclude = |shown: &str| config.is_excluded(shown);
    let (files, errors) = cutoff_core::walk::collect(std::slice::from_ref(&base), &base, &exclude);
    if let Some(e) = errors.first() {
        return Err(format!("cannot read the repository: {e}"));
    }
    let stamp = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .max();
    let inputs: Vec<Input> = files
        .into_iter()
        .map(|f| Input {
            path: Arc::from(cutoff_core::walk::display_path(&f, &base)),
            fs_path: f,
            report: true,
        })
        .collect();
    let max = config.max_file_size.unwrap_or(lint::DEFAULT_MAX_FILE_SIZE);
    let (sources, _) = lint::load(&inputs, max);
    let project = Project::new(sources);
    let model = Model::new(&project, &config);
    let (runs, task_runs) = all_models(&model, &config);
    let mut templates = Vec::new();
    for m in runs.iter().filter(|m| m.kind == RunKind::PipelineRun) {
        let Some(run) = &m.run else { continue };
        let generated = run.meta.root.path(&["metadata", "name"]).is_none();
        let budget = &m.budgets.pipeline;
        templates.push(Template {
            kind: LiveKind::PipelineRun,
            name: run.meta.name.unwrap_or("").to_string(),
            generated,
            namespace: run.meta.namespace.map(str::to_string),
            runs: run
                .pipeline_ref
                .as_ref()
                .and_then(|r| r.name_str())
                .map(str::to_string),
            limit: to_std(budget.value),
            source: match &budget.at {
                Some(at) => format!("repository {} ({})", at.display(), budget.origin.describe()),
                None if budget.origin == Origin::ClusterDefault => format!(
                    "repository {}: no timeouts, the cluster default ({})",
                    m.at.display(),
                    m.settings.default_source
                ),
                None => format!("repository {}", m.at.display()),
            },
        });
    }
    for r in &task_runs {
        templates.push(Template {
            kind: LiveKind::TaskRun,
            name: r.name.trim_end_matches('*').to_string(),
            generated: r.name.ends_with('*'),
            namespace: r.namespace.clone(),
            runs: None,
            limit: to_std(r.effective.value),
            source: match &r.effective.at {
                Some(at) => format!(
                    "repository {} ({})",
                    at.display(),
                    r.effective.origin.describe()
                ),
                None => format!(
                    "repository {} ({})",
                    r.at.display(),
                    r.effective.origin.describe()
                ),
            },
        });
    }
    // Jobs and CronJob job templates: a live Job matches a Job by name, or a CronJob's
    // template through its owner (kept as `runs`).
    for e in model
        .effective_timeouts()
        .into_iter()
        .filter(|e| e.subject == cutoff_core::model::Subject::Job)
    {
        let source = match &e.at {
            Some(at) => format!("repository {} ({})", at.display(), e.origin),
            None => format!("repository {} ({})", e.object.display(), e.origin),
        };
        let cronjob = e.kind == "CronJob";
        templates.push(Template {
            kind: LiveKind::Job,
            name: if cronjob {
                String::new()
            } else {
                e.name.trim_end_matches('*').to_string()
            },
            generated: !cronjob && e.name.ends_with('*'),
            namespace: e.namespace.clone(),
            runs: cronjob.then(|| e.name.clone()),
            limit: to_std(e.value),
            source,
        });
    }
    // Names of PipelineRuns made with generateName end in `*` in the model's names.
    for t in &mut templates {
        if t.generated {
            t.name = t.name.trim_end_matches('*').to_string();
        }
    }
    Ok(Snapshot {
        config,
        templates,
        stamp,
    })
}

fn policy_source(r: &policy::Rule<Bound>) -> Option<Limit> {
    let d = to_std(r.value)?;
    Some(Limit::new(
        d,
        format!(
            "policy {} ({}:{})",
            r.set_by.trim_start_matches("policy."),
            r.file,
            r.line
        ),
    ))
}

/// The live object's own manifest as a file (its JSON is YAML), for the lint rules.
fn live_text(obj: &Value) -> String {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        // Server-side bookkeeping: nothing the rules read.
        m.remove("managedFields");
    }
    serde_json::to_string_pretty(&o).unwrap_or_default()
}

impl Knowledge for RepoKnowledge {
    fn limits(&self, obj: &LiveRef) -> Limits {
        let s = self.snapshot();
        let templates = self.templates_for(&s, obj);
        // Several templates match (a Pipeline several runs use): the most generous holds, so
        // that watch never cuts off a run the repository allows.
        let template = if templates.iter().any(|t| t.limit.is_none()) {
            None
        } else {
            templates
                .iter()
                .max_by_key(|t| t.limit)
                .and_then(|t| Some(Limit::new(t.limit?, t.source.clone())))
        };
        let applied = policy::applied(
            &s.config.policy,
            obj.kind.as_str(),
            &obj.name,
            Some(Namespace {
                name: obj.namespace.clone(),
                from: "metadata.namespace".to_string(),
            }),
        );
        Limits {
            template,
            cap: applied
                .as_ref()
                .and_then(|a| a.cap.as_ref())
                .and_then(policy_source),
            default: applied
                .as_ref()
                .and_then(|a| a.default.as_ref())
                .and_then(policy_source),
        }
    }

    fn drift(&self, kind: LiveKind, obj: &Value) -> Vec<Finding> {
        if kind == LiveKind::Pod {
            return Vec::new();
        }
        let s = self.snapshot();
        let name = obj["metadata"]["name"].as_str().unwrap_or("");
        let ns = obj["metadata"]["namespace"].as_str().unwrap_or("");
        let path = format!("live/{ns}/{}/{name}.yaml", kind.as_str());
        let text = live_text(obj);
        let (_, diags) = lint::lint_texts(&[(path.as_str(), text.as_str())], &s.config);
        let mut out: Vec<Finding> = diags
            .into_iter()
            .filter(|d| !d.code.starts_with("CUT"))
            .map(|d| Finding {
                rule: d.code.to_string(),
                message: d.message,
                source: None,
            })
            .collect();
        // The live run's own budget against the repository's, when the run is one of the
        // repository's by name.
        if kind == LiveKind::PipelineRun {
            let live = obj["spec"]["timeouts"]["pipeline"]
                .as_str()
                .and_then(|t| crate::goduration::parse(t).ok());
            let Some(meta) = crate::live::meta_of(obj) else {
                return out;
            };
            let r = crate::live::live_ref(kind, &meta, obj);
            for t in self
                .templates_for(&s, &r)
                .into_iter()
                .filter(|t| t.name == name || (t.generated && name.starts_with(&t.name)))
            {
                if let (Some(l), Some(want)) = (live, t.limit) {
                    if l != want {
                        out.push(Finding {
                            rule: "drift".to_string(),
                            message: format!(
                                "spec.timeouts.pipeline is {} on the cluster, {} in the repository",
                                crate::goduration::format(l),
                                crate::goduration::format(want)
                            ),
                            source: Some(t.source.clone()),
                        });
                    }
                }
            }
        }
        out
    }

    fn ttl(&self, _kind: LiveKind, obj: &Value) -> Option<Limit> {
        if let Some(annotations) = obj["metadata"]["annotations"].as_object() {
            for (k, v) in annotations {
                if k.ends_with("/ttl-seconds-after-finished") {
                    if let Some(secs) = v.as_str().and_then(|s| s.trim().parse::<u64>().ok()) {
                        return Some(Limit::new(
                            Duration::from_secs(secs),
                            format!("annotation {k}"),
                        ));
                    }
                }
            }
        }
        if obj["kind"] == "Job" && obj["spec"]["ttlSecondsAfterFinished"].is_null() {
            let s = self.snapshot();
            if let Some(t) = &s.config.policy.global.ttl {
                let d = Duration::from_nanos(t.value.nanos().max(0) as u64);
                return Some(Limit::new(
                    d,
                    format!(
                        "policy {} ({}:{})",
                        t.key.trim_start_matches("policy."),
                        s.config.policy.file,
                        t.line
                    ),
                ));
            }
        }
        None
    }

    fn refresh(&self) -> Result<(), String> {
        {
            let mut last = self.last_check.lock().map_err(|e| e.to_string())?;
            if last.elapsed() < REFRESH_EVERY {
                return Ok(());
            }
            *last = Instant::now();
        }
        let newest =
            cutoff_core::walk::collect(std::slice::from_ref(&self.repo), &self.repo, &|_| false)
                .0
                .iter()
                .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
                .max();
        if newest == self.snapshot().stamp {
            return Ok(());
        }
        let fresh = load_snapshot(&self.repo, self.config_file.as_deref())?;
        if let Ok(mut s) = self.state.write() {
            *s = Arc::new(fresh);
        }
        Ok(())
    }
}
