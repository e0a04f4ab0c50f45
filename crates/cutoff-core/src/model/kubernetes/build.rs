//! Builds the [`JobModel`]s: reads each Job and CronJob through its layers (the object,
//! then its Kustomize base when it is a patch whose base is in the repository), applies
//! the defaults, and collects the promises annotations and env vars make.

use std::collections::HashMap;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::config::kubernetes::{KubernetesSettings, Promise};
use crate::manifest::kubernetes::{self as k8s, Container, Int, IntField, StrField};
use crate::manifest::Family;
use crate::model::kustomize::Kustomization;
use crate::model::value::Loc;
use crate::model::Model;
use crate::project::ObjectId;
use crate::source::SourceFile;

use super::cron;
use super::{
    BackOff, Completeness, CronModel, JobModel, Jobs, Origin, PreStopModel, PromiseSite,
    PromiseSource, Setting, BACKOFF_CAP_NEVER, BACKOFF_CAP_ON_FAILURE, DEFAULT_BACKOFF_LIMIT,
    DEFAULT_GRACE,
};

/// What an object looks like on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A whole object.
    Whole,
    /// Whole in shape, but a container has no `image`: perhaps a patch.
    Loose,
    /// A Kustomize patch, or a Job without containers, or a CronJob without a schedule.
    Partial,
}

/// Every Job and CronJob (and long-running workload) of the project: what finding a
/// model's layers needs, owned and small, read once per run. Each model is built from it
/// where it is asked for ([`Candidates::model`]), reading its object's view again, so
/// that neither the views nor the models of every workload are ever all held at once
/// (40,000 workloads: about 100 MB of views and 23 MB of models).
#[derive(Default)]
pub struct Candidates {
    /// The objects, in project order (increasing).
    ids: Vec<ObjectId>,
    cands: Vec<Candidate>,
    /// The base of each partial object, when it is in the repository.
    bases: Vec<Option<usize>>,
    /// The patches applied to each base.
    patches_of: HashMap<usize, Vec<usize>>,
    /// Schedules read so far, with their shortest interval.
    intervals: Mutex<Intervals>,
}

/// One workload: its kind and how whole it is on its own.
struct Candidate {
    /// Inside another object (a TriggerTemplate's resources): a template, never a base.
    embedded: bool,
    kind: k8s::Kind,
    shape: Shape,
}

/// One layer of a merged object.
struct Layer<'v, 'a> {
    file: &'a SourceFile,
    view: &'v k8s::Object<'a>,
    origin: Origin,
}

impl Candidates {
    /// Reads every workload of the project once (in parallel unless this runs on one of
    /// rayon's threads, lazily from a rule) and finds the bases of the partial ones.
    pub fn new(model: &Model<'_>) -> Candidates {
        let project = model.project;
        let ids: Vec<ObjectId> = project
            .objects()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.family == Family::Kubernetes)
            .map(|(id, _)| id)
            .collect();
        let candidate = |&id: &ObjectId| -> Option<(ObjectId, Candidate)> {
            let (file, meta, embedded) = project.object(id);
            let view = k8s::read(meta, &file.text)?;
            let pod = view.pod_spec();
            let no_schedule = view.cron.as_ref().is_some_and(|c| c.schedule.is_none());
            let shape = if model.kustomize.is_patch(&file.path)
                || no_schedule
                || pod.is_none_or(|p| p.main_containers().next().is_none())
            {
                Shape::Partial
            } else if pod.is_some_and(|p| p.containers.iter().any(|c| !c.has_image)) {
                Shape::Loose
            } else {
                Shape::Whole
            };
            Some((
                id,
                Candidate {
                    embedded,
                    kind: view.kind,
                    shape,
                },
            ))
        };
        let read: Vec<(ObjectId, Candidate)> = if rayon::current_thread_index().is_none() {
            ids.par_iter().filter_map(candidate).collect()
        } else {
            ids.iter().filter_map(candidate).collect()
        };
        let (ids, cands): (Vec<ObjectId>, Vec<Candidate>) = read.into_iter().unzip();
        // Patches whose base is in the repository, and the patches of every base.
        let bases: Vec<Option<usize>> = (0..cands.len())
            .map(|i| {
                if cands[i].shape == Shape::Whole {
                    None
                } else {
                    base_of(model, &ids, &cands, i)
                }
            })
            .collect();
        let mut patches_of: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, b) in bases.iter().enumerate() {
            if let Some(b) = b {
                patches_of.entry(*b).or_default().push(i);
            }
        }
        Candidates {
            ids,
            cands,
            bases,
            patches_of,
            intervals: Mutex::default(),
        }
    }

    /// Whether every workload among the objects `ids` is whole and at a document's root:
    /// then what another file holds can change its model only by patching it (by a
    /// partial object of its kind and name).
    pub fn whole(&self, ids: std::ops::Range<ObjectId>) -> bool {
        let from = self.ids.partition_point(|&id| id < ids.start);
        let to = self.ids.partition_point(|&id| id < ids.end);
        self.cands[from..to]
            .iter()
            .all(|c| c.shape == Shape::Whole && !c.embedded)
    }

    /// Every workload's model, in project order (in parallel, as [`Candidates::new`]).
    pub fn all(&self, model: &Model<'_>) -> Jobs {
        let models: Vec<JobModel> = if rayon::current_thread_index().is_none() {
            (0..self.ids.len())
                .into_par_iter()
                .map(|i| self.build(model, i))
                .collect()
        } else {
            (0..self.ids.len()).map(|i| self.build(model, i)).collect()
        };
        Jobs {
            ids: self.ids.clone(),
            models,
        }
    }

    /// The model of the workload `id`, if it is one.
    pub fn model(&self, model: &Model<'_>, id: ObjectId) -> Option<JobModel> {
        let i = self.ids.binary_search(&id).ok()?;
        Some(self.build(model, i))
    }

    fn view<'a>(&self, model: &Model<'a>, i: usize) -> (&'a SourceFile, k8s::Object<'a>) {
        let (file, meta, _) = model.project.object(self.ids[i]);
        let view = k8s::read(meta, &file.text).expect("read once already");
        (file, view)
    }

    fn build(&self, model: &Model<'_>, i: usize) -> JobModel {
        let c = &self.cands[i];
        let (file, view) = self.view(model, i);
        let base = self.bases[i].map(|b| self.view(model, b));
        let mut layers = vec![Layer {
            file,
            view: &view,
            origin: Origin::Written,
        }];
        if let Some((bfile, bview)) = &base {
            layers.push(Layer {
                file: bfile,
                view: bview,
                origin: Origin::Base,
            });
        }
        let patch_views: Vec<k8s::Object<'_>> = self
            .patches_of
            .get(&i)
            .map(|ps| ps.iter().map(|p| self.view(model, *p).1).collect())
            .unwrap_or_default();
        let patches: Vec<&k8s::Object<'_>> = patch_views.iter().collect();
        let completeness = match (c.shape, self.bases[i]) {
            (Shape::Whole, _) => Completeness::Complete,
            (_, Some(_)) => Completeness::Merged,
            (Shape::Loose, None) => Completeness::Loose,
            (Shape::Partial, None) => Completeness::Partial,
        };
        job_model(
            model,
            file,
            &view,
            &layers,
            &patches,
            completeness,
            &model.config.kubernetes,
            &self.intervals,
        )
    }
}

/// The kustomization files and directories below `k`'s resources, recursively.
fn resources(model: &Model<'_>, k: &Kustomization, depth: usize, out: &mut Vec<(String, bool)>) {
    if depth > 8 {
        return;
    }
    for r in &k.resources {
        if model.project.file(r).is_some() {
            out.push((r.clone(), false));
            continue;
        }
        let sub = model
            .kustomize
            .nearest(&format!("{r}/kustomization.yaml"))
            .filter(|s| s.dir == *r);
        match sub {
            Some(s) => resources(model, s, depth + 1, out),
            None => out.push((r.clone(), true)),
        }
    }
}

/// The base of the partial object `cands[i]`: the one whole object of the same kind and
/// name among the resources of the kustomization that applies it as a patch; for a patch
/// no kustomization in the repository names, the one whole object of that kind and name in
/// the repository.
fn base_of(model: &Model<'_>, ids: &[ObjectId], cands: &[Candidate], i: usize) -> Option<usize> {
    let c = &cands[i];
    let (file, meta, _) = model.project.object(ids[i]);
    let name = meta.name?;
    let same = |j: usize, o: &Candidate| {
        j != i
            && !o.embedded
            && o.shape == Shape::Whole
            && o.kind == c.kind
            && model.project.object(ids[j]).1.name == Some(name)
    };
    let found: Vec<usize> = match model.kustomize.patching(&file.path) {
        Some(k) => {
            let mut res = Vec::new();
            resources(model, k, 0, &mut res);
            cands
                .iter()
                .enumerate()
                .filter(|(j, o)| {
                    same(*j, o) && {
                        let path = &model.project.object(ids[*j]).0.path;
                        res.iter().any(|(r, dir)| {
                            if *dir {
                                path.starts_with(&format!("{r}/"))
                            } else {
                                **path == **r
                            }
                        })
                    }
                })
                .map(|(j, _)| j)
                .collect()
        }
        None => cands
            .iter()
            .enumerate()
            .filter(|(j, o)| same(*j, o))
            .map(|(j, _)| j)
            .collect(),
    };
    (found.len() == 1).then(|| found[0])
}

fn loc(file: &SourceFile, node: crate::yaml::NodeRef<'_>) -> Loc {
    Loc::new(file, node.span())
}

/// What a field is when no layer writes it: Kubernetes' default on a whole (or merged, or
/// loose) object; nothing known on a partial one; and a field without a default is unset
/// only on a whole or merged object (a loose object's base may set it).
fn missing<T>(patched: bool, completeness: Completeness, default: Option<T>) -> Setting<T> {
    if patched {
        return Setting::unset(Origin::Patched);
    }
    match (completeness, default) {
        (Completeness::Partial, _) => Setting::unset(Origin::Partial),
        (_, Some(d)) => Setting {
            value: Some(d),
            origin: Origin::Default,
            at: None,
        },
        (Completeness::Loose, None) => Setting::unset(Origin::Partial),
        (_, None) => Setting::unset(Origin::Unset),
    }
}

/// Reads an integer field through the layers.
fn int<'a>(
    layers: &[Layer<'_, 'a>],
    patches: &[&k8s::Object<'a>],
    completeness: Completeness,
    default: Option<i64>,
    get: impl Fn(&k8s::Object<'a>) -> Option<IntField<'a>>,
) -> Setting<i64> {
    for l in layers {
        let Some(f) = get(l.view) else { continue };
        let at = Some(Box::new(loc(l.file, f.entry.value)));
        match f.value {
            Int::Valid(n) => {
                return Setting {
                    value: Some(n),
                    origin: l.origin,
                    at,
                }
            }
            Int::Templated | Int::Invalid => {
                return Setting {
                    value: None,
                    origin: Origin::Unknown,
                    at,
                }
            }
            // A strategic-merge `null` deletes the field.
            Int::Null => return Setting::unset(Origin::Unset),
        }
    }
    missing(
        patches.iter().any(|p| get(p).is_some()),
        completeness,
        default,
    )
}

/// Reads a string field through the layers.
fn string<'a>(
    layers: &[Layer<'_, 'a>],
    patches: &[&k8s::Object<'a>],
    completeness: Completeness,
    default: Option<&str>,
    get: impl Fn(&k8s::Object<'a>) -> Option<StrField<'a>>,
) -> Setting<Box<str>> {
    for l in layers {
        let Some(f) = get(l.view) else { continue };
        if f.entry.value.is_null() {
            return Setting::unset(Origin::Unset);
        }
        return Setting {
            value: f.value.map(Box::from),
            origin: if f.value.is_some() {
                l.origin
            } else {
                Origin::Unknown
            },
            at: Some(Box::new(loc(l.file, f.entry.value))),
        };
    }
    missing(
        patches.iter().any(|p| get(p).is_some()),
        completeness,
        default.map(Box::from),
    )
}

/// A container merged across layers (by name), with the layer of each part.
struct Merged<'v, 'a> {
    name: &'a str,
    parts: Vec<(&'a SourceFile, &'v Container<'a>, Origin)>,
}

fn merged_containers<'v, 'a>(layers: &[Layer<'v, 'a>]) -> Vec<Merged<'v, 'a>> {
    let mut out: Vec<Merged<'v, 'a>> = Vec::new();
    let mut keys: Vec<(bool, Option<&str>)> = Vec::new();
    for l in layers {
        let Some(pod) = l.view.pod_spec() else {
            continue;
        };
        for c in &pod.containers {
            let key = (c.init, c.name);
            let at = keys.iter().position(|k| c.name.is_some() && *k == key);
            match at {
                Some(i) => out[i].parts.push((l.file, c, l.origin)),
                None => {
                    keys.push(key);
                    out.push(Merged {
                        name: c.name.unwrap_or(""),
                        parts: vec![(l.file, c, l.origin)],
                    });
                }
            }
        }
    }
    out
}

/// Lowercase, without `-`, `_` and `.`: how annotation domains and env names are compared.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The labels of an annotation key's domain, but the last (`jobs.flowforge.io/x` → `jobs`,
/// `flowforge`), normalized.
fn domain_labels(key: &str) -> Vec<String> {
    let Some((domain, _)) = key.split_once('/') else {
        return Vec::new();
    };
    let labels: Vec<&str> = domain.split('.').collect();
    labels[..labels.len().saturating_sub(1)]
        .iter()
        .map(|l| normalize(l))
        .filter(|l| !l.is_empty())
        .collect()
}

/// What a `*SUFFIX` pattern's `*` stands for in `name`, normalized (`FLOWFORGE_TIMEOUT` with
/// `*_TIMEOUT` → `flowforge`).
fn env_prefix(patterns: &[String], name: &str) -> Option<String> {
    patterns.iter().find_map(|p| {
        let suffix = p.strip_prefix('*').filter(|s| !s.contains('*'))?;
        let prefix = name.strip_suffix(suffix)?;
        let n = normalize(prefix);
        (!n.is_empty()).then_some(n)
    })
}

/// Schedules already read in this run, with their shortest interval (repositories repeat a
/// few schedules many times).
#[derive(Default)]
struct Intervals(HashMap<String, (Option<u64>, Option<Box<str>>)>);

impl Intervals {
    /// (shortest interval, why the schedule does not parse).
    fn of(&mut self, schedule: &str) -> (Option<u64>, Option<Box<str>>) {
        self.0
            .entry(schedule.to_string())
            .or_insert_with(|| match cron::parse(schedule) {
                Ok(s) => (s.shortest_interval(), None),
                Err(e) => (None, Some(e.to_string().into())),
            })
            .clone()
    }
}

/// The annotations that make a Job a hook of Argo CD or Helm.
const HOOK_ANNOTATIONS: [&str; 4] = [
    "argocd.argoproj.io/hook-delete-policy",
    "helm.sh/hook-delete-policy",
    "argocd.argoproj.io/hook",
    "helm.sh/hook",
];

/// Builds one Job model.
#[allow(clippy::too_many_arguments)]
fn job_model(
    model: &Model<'_>,
    file: &SourceFile,
    view: &k8s::Object<'_>,
    layers: &[Layer<'_, '_>],
    patches: &[&k8s::Object<'_>],
    completeness: Completeness,
    settings: &KubernetesSettings,
    intervals: &Mutex<Intervals>,
) -> JobModel {
    let job = view.job.as_ref();
    let pod = job.and_then(|j| j.pod.as_ref());
    let cx = completeness;

    let deadline = int(layers, patches, cx, None, |o| {
        o.job.as_ref()?.active_deadline
    });
    let pod_deadline = int(layers, patches, cx, None, |o| {
        o.job.as_ref()?.pod.as_ref()?.active_deadline
    });
    let grace = int(layers, patches, cx, Some(DEFAULT_GRACE), |o| {
        o.pod_spec()?.grace
    });
    let mut backoff_limit_per_index = int(layers, patches, cx, None, |o| {
        o.job.as_ref()?.backoff_limit_per_index
    });
    // A loose object is whole but for an image: a per-index limit it does not write is
    // as good as unset (it is also rare), so its back-off is known.
    if cx == Completeness::Loose && backoff_limit_per_index.origin == Origin::Partial {
        backoff_limit_per_index.origin = Origin::Unset;
    }
    // With `backoffLimitPerIndex`, the Job-wide limit defaults to MaxInt32.
    let limit_default = match backoff_limit_per_index.origin {
        Origin::Unset => Some(DEFAULT_BACKOFF_LIMIT),
        _ if backoff_limit_per_index.value.is_some() => Some(i32::MAX as i64),
        _ => None,
    };
    let backoff_limit = {
        let s = int(layers, patches, cx, limit_default, |o| {
            o.job.as_ref()?.backoff_limit
        });
        if s.origin == Origin::Default && limit_default.is_none() {
            Setting::unset(Origin::Unknown)
        } else {
            s
        }
    };
    let ttl = int(layers, patches, cx, None, |o| o.job.as_ref()?.ttl);
    let restart_policy = string(layers, patches, cx, None, |o| {
        o.job.as_ref()?.pod.as_ref()?.restart_policy
    });
    let pod_failure_policy = layers.iter().find_map(|l| {
        let e = l.view.job.as_ref()?.pod_failure_policy?;
        Some(Box::new(loc(l.file, e.key)))
    });

    let back_off = match (
        restart_policy.value.as_deref(),
        backoff_limit.value,
        backoff_limit_per_index.origin,
    ) {
        (Some(p @ ("Never" | "OnFailure")), Some(retries), Origin::Unset) => {
            let (restart_policy, cap) = if p == "OnFailure" {
                ("OnFailure", BACKOFF_CAP_ON_FAILURE)
            } else {
                ("Never", BACKOFF_CAP_NEVER)
            };
            Some(BackOff {
                restart_policy,
                retries,
                cap,
                total: BackOff::total_for(retries, cap),
            })
        }
        _ => None,
    };

    // Annotations, first layer first.
    let mut annotations: Vec<(&SourceFile, &k8s::Annotation<'_>, Origin)> = Vec::new();
    for l in layers {
        for a in &l.view.annotations {
            if !annotations.iter().any(|(_, b, _)| b.key == a.key) {
                annotations.push((l.file, a, l.origin));
            }
        }
    }
    let mut promises = Vec::new();
    for (f, a, origin) in &annotations {
        if let Some(p) = settings.annotations.promise_of(a.key) {
            promises.push(PromiseSite {
                promise: p,
                source: PromiseSource::Annotation { key: a.key.into() },
                value: k8s::int_text(a.entry.value, &f.text).valid(),
                at: loc(f, a.entry.value),
                origin: *origin,
                written: f.text[a.entry.value.span().range()].into(),
            });
        }
    }
    // The platforms whose annotations make each kind of promise: the labels of the
    // annotation keys' domains (`flowforge.io/timeout-seconds` → `flowforge`).
    let platforms = |p: Promise| -> Vec<String> {
        promises
            .iter()
            .filter(|s: &&PromiseSite| s.promise == p && !s.is_env())
            .flat_map(|s| domain_labels(s.name()))
            .collect()
    };
    let (deadline_platforms, grace_platforms) =
        (platforms(Promise::Deadline), platforms(Promise::Grace));
    let containers = merged_containers(layers);
    let mut pre_stops = Vec::new();
    for m in &containers {
        let mut seen: Vec<&str> = Vec::new();
        for (f, part, origin) in &m.parts {
            for e in &part.env {
                if seen.contains(&e.name) {
                    continue;
                }
                seen.push(e.name);
                let Some(p) = settings.env.promise_of(e.name) else {
                    continue;
                };
                // An env var is a promise where the configuration names its pattern, or where
                // the Job carries an annotation of the same kind from the same platform: the
                // env name's prefix is a label of the annotation's domain
                // (`FLOWFORGE_TIMEOUT` ↔ `flowforge.io/timeout-seconds`).
                let platforms = match p {
                    Promise::Deadline => &deadline_platforms,
                    Promise::Grace => &grace_platforms,
                    Promise::Ttl => continue,
                };
                let counts = settings.env_named.contains(&p)
                    || env_prefix(settings.env.get(p), e.name)
                        .is_some_and(|pre| platforms.contains(&pre));
                let (Some(v), false, true) = (e.value, e.value_from, counts) else {
                    continue;
                };
                promises.push(PromiseSite {
                    promise: p,
                    source: PromiseSource::Env {
                        container: m.name.into(),
                        name: e.name.into(),
                    },
                    value: k8s::int_text(v.value, &f.text).valid(),
                    at: loc(f, v.value),
                    origin: *origin,
                    written: f.text[v.value.span().range()].into(),
                });
            }
        }
        if let Some((f, part, _)) = m.parts.iter().find(|(_, p, _)| p.pre_stop.is_some()) {
            let ps = part.pre_stop.as_ref().expect("found above");
            pre_stops.push(PreStopModel {
                container: m.name.into(),
                sleep: ps
                    .sleep
                    .and_then(|s| Some((s.value.valid()?, loc(f, s.entry.value)))),
                exec_sleep: ps.exec_sleep.map(|e| (e.seconds, Loc::new(f, e.span))),
                at: loc(f, ps.entry.key),
            });
        }
    }

    let hook = annotations
        .iter()
        .find_map(|(_, a, _)| HOOK_ANNOTATIONS.iter().copied().find(|h| *h == a.key));

    let cron = view.cron.as_ref().map(|spec| {
        let schedule = string(layers, patches, cx, None, |o| o.cron.as_ref()?.schedule);
        let (interval, schedule_error) = match schedule.value.as_deref() {
            Some(s) => intervals.lock().unwrap_or_else(|e| e.into_inner()).of(s),
            None => (None, None),
        };
        Box::new(CronModel {
            spec_at: loc(file, spec.key),
            schedule_error,
            interval,
            schedule,
            starting_deadline: int(layers, patches, cx, None, |o| {
                o.cron.as_ref()?.starting_deadline
            }),
            concurrency_policy: string(layers, patches, cx, Some("Allow"), |o| {
                o.cron.as_ref()?.concurrency_policy
            }),
            time_zone: string(layers, patches, cx, None, |o| o.cron.as_ref()?.time_zone),
        })
    });

    let name_node = view
        .meta
        .root
        .path(&["metadata", "name"])
        .or_else(|| view.meta.root.path(&["metadata", "generateName"]))
        .or_else(|| view.meta.root.get("kind"))
        .unwrap_or(view.meta.root);
    let namespace = view
        .meta
        .namespace
        .or_else(|| model.kustomize.namespace_for(&file.path).map(|(n, _)| &**n))
        .map(Box::from);
    JobModel {
        kind: view.kind.as_str(),
        name: view.meta.name.unwrap_or("(unnamed)").into(),
        namespace,
        at: loc(file, name_node),
        spec_at: match job {
            Some(j) => loc(file, j.key),
            None => loc(file, name_node),
        },
        pod_spec_at: pod.map(|p| loc(file, p.key)),
        completeness,
        base: layers
            .get(1)
            .map(|l| Box::new(loc(l.file, l.view.meta.root))),
        deadline,
        pod_deadline,
        grace,
        backoff_limit,
        backoff_limit_per_index,
        pod_failure_policy,
        ttl,
        restart_policy,
        back_off,
        promises: promises.into_boxed_slice(),
        pre_stops: pre_stops.into_boxed_slice(),
        hook,
        cron,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way a model is built gives the same model: each object's alone (as its check
    /// asks), all at once off rayon's threads (in parallel) and on one of them (in order),
    /// with a Kustomize patch merged over its base and a CronJob whose schedule is read.
    #[test]
    fn models_are_the_same_however_they_are_built() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let fixtures = std::path::Path::new(dir).join("../../fixtures");
        let mut files = Vec::new();
        for case in ["JOB002/bad-patch-over-base", "JOB012/good-merged-patch"] {
            for sub in ["base", "prod"] {
                let d = fixtures.join(case).join(sub);
                let mut names: Vec<_> = std::fs::read_dir(&d)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect();
                names.sort();
                for n in names {
                    let text = std::fs::read_to_string(d.join(&n)).unwrap();
                    files.push((format!("{case}/{sub}/{n}"), text));
                }
            }
        }
        let pairs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (&**p, &**t)).collect();
        let config = crate::config::Config::default();
        let (project, _) = crate::lint::lint_texts(&pairs, &config);
        let model = Model::new(&project, &config);
        let cands = Candidates::new(&model);
        assert!(cands.ids.len() >= 4, "{}", cands.ids.len());
        assert!(cands.bases.iter().filter(|b| b.is_some()).count() >= 2);
        let show = |jobs: &Jobs| format!("{:?} {:?}", jobs.ids, jobs.models);
        let parallel = show(&cands.all(&model));
        let one_by_one = Jobs {
            ids: cands.ids.clone(),
            models: cands
                .ids
                .iter()
                .map(|&id| cands.model(&model, id).unwrap())
                .collect(),
        };
        assert_eq!(show(&one_by_one), parallel);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let on_pool = pool.install(|| {
            let model = Model::new(&project, &config);
            let cands = Candidates::new(&model);
            show(&cands.all(&model))
        });
        assert_eq!(on_pool, parallel);
        assert!(parallel.contains("Merged"), "{parallel}");
    }

    #[test]
    fn platforms_of_annotations_and_env_vars() {
        assert_eq!(
            domain_labels("flowforge.io/timeout-seconds"),
            vec!["flowforge"]
        );
        assert_eq!(
            domain_labels("jobs.acme-corp.example.com/timeout-seconds"),
            vec!["jobs", "acmecorp", "example"]
        );
        assert!(domain_labels("timeout-seconds").is_empty());
        let pats = vec!["*_TIMEOUT".to_string(), "*_TIMEOUT_SECONDS".to_string()];
        assert_eq!(
            env_prefix(&pats, "FLOWFORGE_TIMEOUT").as_deref(),
            Some("flowforge")
        );
        assert_eq!(
            env_prefix(&pats, "ACME_CORP_TIMEOUT_SECONDS").as_deref(),
            Some("acmecorp")
        );
        assert_eq!(env_prefix(&pats, "_TIMEOUT"), None);
        assert_eq!(env_prefix(&pats, "TIMEOUT"), None);
    }
}
