//! The orchestrator pipeline model: per step the effective timeout with the level it came
//! from, its attempts, and the longest chain of dependencies with retries counted.
//!
//! The framework's executor (docs/orchestrator-pipelines.md) takes, per attempt, the
//! first of these that Python finds truthy: the step's `timeout`, its `metadata.timeout`,
//! the pipeline's `metadata.default_timeout`; else the step runs with no time limit. A 0
//! (or `false`, `""`) is falsy: it is skipped, not read as "no timeout". The step's own
//! `timeout` is also checked by the compiler's schema (a whole number of seconds, at least
//! 1): any other value there rejects the whole pipeline. A step makes
//! `max_retries` attempts in all (at least one; unset: 3), each under the full timeout.
//! `config.default_timeout`, where the framework's documentation puts the pipeline default,
//! is not read by the executor.

use serde::Serialize;

use crate::config::Config;
use crate::duration::GoDuration;
use crate::manifest::orchestrator::{Field, Object, Retries, Seconds, Step, KIND};
use crate::manifest::{self, Family};
use crate::project::Project;
use crate::source::SourceFile;

use super::dag::{self, Chain, Weight};
use super::effective::{Effective, Subject};
use super::policy::{Applied, Target};
use super::value::{Bound, Loc};
use super::Model;

/// The framework's `max_retries` when a step sets none.
pub const DEFAULT_MAX_RETRIES: i64 = 3;

/// What the orchestrator model derives from the project once per run (nothing yet: each
/// pipeline is one file, and its model is built when asked for).
#[derive(Default)]
pub struct OrchestratorModel {}

impl OrchestratorModel {
    pub fn new(_project: &Project, _config: &Config) -> OrchestratorModel {
        OrchestratorModel::default()
    }
}

/// Where a step's timeout came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The step's `timeout`.
    Step,
    /// The step's `metadata.timeout`.
    Metadata,
    /// The pipeline's `metadata.default_timeout`.
    PipelineDefault,
    /// None of them: no time limit.
    None,
}

impl Level {
    pub fn describe(self) -> &'static str {
        match self {
            Level::Step => "step `timeout`",
            Level::Metadata => "step `metadata.timeout`",
            Level::PipelineDefault => "pipeline `metadata.default_timeout`",
            Level::None => "none",
        }
    }
}

/// A value written at one level that the executor reaches but cannot use as a timeout (at
/// [`Level::Step`]: one the compiler's schema rejects).
#[derive(Clone, Debug, Serialize)]
pub struct Invalid {
    pub level: Level,
    /// The compiler's schema rejects it (a step `timeout` that is not a whole number of
    /// seconds, at least 1): the pipeline does not compile.
    pub rejected: bool,
    pub value: Seconds,
    /// The value as written.
    pub raw: String,
    pub at: Loc,
}

impl Serialize for Seconds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Seconds::Positive(_) => "positive",
            Seconds::Infinite => "infinite",
            Seconds::Falsy => "falsy",
            Seconds::Negative => "negative",
            Seconds::True => "true",
            Seconds::NotANumber => "not_a_number",
            Seconds::Unknown => "unknown",
        })
    }
}

/// A value and where it is written.
#[derive(Clone, Debug, Serialize)]
pub struct Written<T> {
    pub value: T,
    pub at: Loc,
}

/// One step and its effective timeout.
#[derive(Clone, Debug, Serialize)]
pub struct StepModel {
    pub id: String,
    /// The `id` value.
    pub at: Loc,
    /// The whole step.
    pub step: Loc,
    /// Per attempt: finite, unbounded (no level sets one, or `.inf`), or unknown
    /// (templated, a value every attempt fails on, or a step `timeout` the compiler
    /// rejects).
    pub timeout: Bound,
    pub level: Level,
    /// Where the value was read (none for [`Level::None`]).
    pub timeout_at: Option<Loc>,
    /// How many attempts it makes (`max_retries`, at least one); `None`: unknown.
    pub attempts: Option<i64>,
    /// `max_retries` and where it is written; `None`: unset (the default applies).
    pub max_retries: Option<Written<Retries>>,
    /// `timeout` × attempts.
    pub total: Bound,
    /// The values of the levels the executor reaches before the one it uses (or before
    /// it gives up), that are not timeouts: `0`, negative, strings.
    pub invalid: Vec<Invalid>,
    /// `on_error`, as written.
    pub on_error: Option<String>,
    /// The steps it depends on (known ids only).
    pub after: Vec<String>,
}

impl Serialize for Retries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Retries::Count(n) => s.serialize_i64(*n),
            Retries::Invalid => s.serialize_str("invalid"),
            Retries::Unknown => s.serialize_str("unknown"),
        }
    }
}

/// One pipeline.
#[derive(Clone, Debug, Serialize)]
pub struct PipelineModel {
    pub name: String,
    /// The `name` value (else the root).
    pub at: Loc,
    /// `metadata.default_timeout` as read (a positive value, else unset for the steps).
    pub default_timeout: Option<Written<Bound>>,
    /// `config.default_timeout`, which the executor does not read.
    pub config_default_timeout: Option<Written<String>>,
    pub steps: Vec<StepModel>,
    /// The longest chain of dependencies by each step's total (timeout × attempts);
    /// unbounded counts as infinite, unknown as nothing. `None`: no steps, or a cycle.
    pub chain: Option<Chain>,
}

/// A level's value, if the executor uses it; otherwise what it found there.
enum Read {
    Use(Bound),
    Skip(Option<Invalid>),
}

/// Reads one level; `schema`: the compiler's schema checks the value.
fn read_level(f: Option<&Field<'_>>, level: Level, schema: bool, file: &SourceFile) -> Read {
    let Some(f) = f else {
        return Read::Skip(None);
    };
    let Some(v) = f.seconds(&file.text) else {
        return Read::Skip(None);
    };
    let invalid = |v: Seconds| Invalid {
        level,
        rejected: schema,
        value: v,
        raw: f.raw(&file.text).to_string(),
        at: Loc::new(file, f.span()),
    };
    if schema {
        // The compiler's schema: a whole number of seconds, at least 1.
        return match v {
            Seconds::Unknown => Read::Use(Bound::Unknown),
            Seconds::Positive(d) if whole(d) => Read::Use(Bound::Finite(d)),
            other => Read::Skip(Some(invalid(other))),
        };
    }
    match v {
        Seconds::Positive(d) => Read::Use(Bound::Finite(d)),
        Seconds::Infinite => Read::Use(Bound::Unbounded),
        Seconds::Unknown => Read::Use(Bound::Unknown),
        other => Read::Skip(Some(invalid(other))),
    }
}

/// A whole, positive number of seconds (what the schema's `integer, minimum 1` admits;
/// `30.0` included, as JSON Schema counts it an integer).
fn whole(d: GoDuration) -> bool {
    d.nanos() > 0 && d.nanos() % 1_000_000_000 == 0
}

/// Does the executor stop at this invalid value? When the compiler rejects it (nothing
/// runs), else when Python finds it true.
fn stops(i: &Invalid) -> bool {
    i.rejected || !matches!(i.value, Seconds::Falsy)
}

impl PipelineModel {
    /// The model of the pipeline `object` in `file`.
    pub fn of(object: &Object<'_>, file: &SourceFile) -> PipelineModel {
        let name = object.meta.name.unwrap_or("").to_string();
        let default = object
            .default_timeout
            .as_ref()
            .map(|f| (read_level(Some(f), Level::PipelineDefault, false, file), f));
        let ids: Vec<&str> = object.steps.iter().map(|s| s.id).collect();
        let steps: Vec<StepModel> = object
            .steps
            .iter()
            .map(|s| step_model(s, file, default.as_ref(), &ids))
            .collect();
        let names: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
        let deps: Vec<Vec<usize>> = steps
            .iter()
            .map(|s| {
                s.after
                    .iter()
                    .filter_map(|a| names.iter().position(|n| n == a))
                    .collect()
            })
            .collect();
        let chain = dag::longest(&names, &deps, |i| match steps[i].total {
            Bound::Finite(d) => Weight::Finite(d),
            Bound::Unbounded => Weight::Infinite,
            Bound::Unknown => Weight::Zero,
        });
        PipelineModel {
            name,
            at: Loc::new(file, object.name_span),
            default_timeout: default.as_ref().and_then(|(r, f)| match r {
                Read::Use(b) => Some(Written {
                    value: *b,
                    at: Loc::new(file, f.span()),
                }),
                Read::Skip(_) => None,
            }),
            config_default_timeout: object
                .config_default_timeout
                .as_ref()
                .filter(|f| !f.value.is_null())
                .map(|f| Written {
                    value: f.raw(&file.text).to_string(),
                    at: Loc::new(file, f.span()),
                }),
            steps,
            chain,
        }
    }

    /// The steps that reach the pipeline default level (no value of their own is used).
    pub fn steps_at_default(&self) -> impl Iterator<Item = &StepModel> {
        self.steps
            .iter()
            .filter(|s| matches!(s.level, Level::PipelineDefault | Level::None))
    }
}

fn step_model(
    s: &Step<'_>,
    file: &SourceFile,
    default: Option<&(Read, &Field<'_>)>,
    ids: &[&str],
) -> StepModel {
    let mut invalid = Vec::new();
    let mut found: Option<(Bound, Level, Option<Loc>)> = None;
    let levels: [(Option<&Field<'_>>, Level, bool); 2] = [
        (s.timeout.as_ref(), Level::Step, s.schema_checked),
        (s.metadata_timeout.as_ref(), Level::Metadata, false),
    ];
    for (f, level, schema) in levels {
        match read_level(f, level, schema, file) {
            Read::Use(b) => {
                found = Some((b, level, f.map(|f| Loc::new(file, f.span()))));
                break;
            }
            Read::Skip(Some(i)) => {
                let stop = stops(&i);
                invalid.push(i);
                if stop {
                    found = Some((Bound::Unknown, level, invalid.last().map(|i| i.at.clone())));
                    break;
                }
            }
            Read::Skip(None) => {}
        }
    }
    if found.is_none() {
        if let Some((r, f)) = default {
            match r {
                Read::Use(b) => {
                    found = Some((*b, Level::PipelineDefault, Some(Loc::new(file, f.span()))))
                }
                Read::Skip(Some(i)) => {
                    if stops(i) {
                        found = Some((Bound::Unknown, Level::PipelineDefault, Some(i.at.clone())));
                    }
                    invalid.push(i.clone());
                }
                Read::Skip(None) => {}
            }
        }
    }
    let (timeout, level, timeout_at) = found.unwrap_or((Bound::Unbounded, Level::None, None));
    let max_retries = s.max_retries.as_ref().map(|(f, r)| Written {
        value: *r,
        at: Loc::new(file, f.span()),
    });
    let attempts = match max_retries.as_ref().map(|r| r.value) {
        None => Some(DEFAULT_MAX_RETRIES),
        Some(Retries::Count(n)) => Some(n.max(1)),
        Some(_) => None,
    };
    let total = match (timeout, attempts) {
        (Bound::Finite(d), Some(n)) => Bound::Finite(GoDuration(d.nanos().saturating_mul(n))),
        (Bound::Finite(_), None) => Bound::Unknown,
        (other, _) => other,
    };
    let mut after: Vec<String> = Vec::new();
    for (d, _) in &s.dependencies {
        if *d != s.id && ids.contains(d) && !after.iter().any(|a| a == d) {
            after.push(d.to_string());
        }
    }
    StepModel {
        id: s.id.to_string(),
        at: Loc::new(file, s.id_span),
        step: Loc::new(file, s.node.span()),
        timeout,
        level,
        timeout_at,
        attempts,
        max_retries,
        total,
        invalid,
        on_error: s.on_error.map(str::to_string),
        after,
    }
}

impl Model<'_> {
    /// The policy that applies to the pipeline `m` (in the file at `path`); `None` when
    /// no policy is configured.
    pub fn orchestrator_policy(&self, m: &PipelineModel) -> Option<Applied> {
        self.policy_for(&Target {
            family: Family::Orchestrator,
            kind: KIND,
            name: &m.name,
            namespace: None,
            path: &m.at.path,
        })
    }

    /// Every orchestrator pipeline of the reported files, in file order, with its file.
    pub fn orchestrator_pipelines(&self) -> Vec<PipelineModel> {
        // Read from every file ([`crate::deps`]).
        crate::deps::all();
        let mut out = Vec::new();
        for file in self.files.iter().filter(|f| f.report && f.skip.is_none()) {
            for doc in &file.stream.documents {
                let Some(meta) = manifest::identify_meta(doc) else {
                    continue;
                };
                if meta.family != Family::Orchestrator {
                    continue;
                }
                if let Some(o) = manifest::orchestrator::read(meta, &file.text) {
                    out.push(PipelineModel::of(&o, file));
                }
            }
        }
        out
    }
}

/// The effective timeouts of the pipelines' steps in the reported files, in file order.
pub fn effective_timeouts(model: &Model<'_>, out: &mut Vec<Effective>) {
    for p in model.orchestrator_pipelines() {
        let policy = model.orchestrator_policy(&p);
        for s in &p.steps {
            out.push(Effective {
                family: Family::Orchestrator,
                subject: Subject::Step,
                kind: KIND.to_string(),
                name: p.name.clone(),
                namespace: None,
                task: Some(s.id.clone()),
                object: s.at.clone(),
                value: s.timeout,
                origin: s.level.describe(),
                at: s.timeout_at.clone(),
                caps: Vec::new(),
                attempts: s.attempts.filter(|&n| n > 1),
                policy: policy.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn model(text: &str) -> PipelineModel {
        let file = SourceFile::new(Arc::from("p.yaml"), None, text.to_string(), true);
        let doc = &file.stream.documents[0];
        let meta = manifest::identify_meta(doc).unwrap();
        let o = manifest::orchestrator::read(meta, &file.text).unwrap();
        PipelineModel::of(&o, &file)
    }

    #[test]
    fn resolves_levels_in_the_executors_order() {
        let m = model(
            "name: p
metadata: {default_timeout: 60}
config: {default_timeout: 99}
steps:
  - id: own
    timeout: 30
    metadata: {timeout: 90}
    max_retries: 2
  - id: meta
    metadata: {timeout: 90}
    dependencies: [own]
  - id: dflt
    max_retries: 0
    depends_on: \"own, meta\"
  - id: broken
    timeout: \"30s\"
    metadata: {timeout: 90}
  - id: zero
    action: x
    timeout: 0
  - id: half
    action: x
    timeout: 1.5
  - id: meta-zero
    metadata: {timeout: 0}
  - id: loop-zero
    action_loop: [{action: x}]
    timeout: 0
",
        );
        let s = |i: usize| &m.steps[i];
        assert_eq!(
            (s(0).timeout.display(), s(0).level),
            ("30s".into(), Level::Step)
        );
        assert_eq!(s(0).attempts, Some(2));
        assert_eq!(s(0).total.display(), "1m0s");
        assert_eq!(
            (s(1).timeout.display(), s(1).level),
            ("1m30s".into(), Level::Metadata)
        );
        assert!(s(1).invalid.is_empty());
        assert_eq!(s(1).attempts, Some(3));
        assert_eq!(
            (s(2).timeout.display(), s(2).level),
            ("1m0s".into(), Level::PipelineDefault)
        );
        assert_eq!(s(2).attempts, Some(1));
        assert_eq!(s(2).after, vec!["own", "meta"]);
        assert_eq!(s(3).timeout, Bound::Unknown);
        assert_eq!(s(3).level, Level::Step);
        // The schema rejects 0 and fractions at the step level.
        assert_eq!((s(4).timeout, s(4).level), (Bound::Unknown, Level::Step));
        assert_eq!((s(5).timeout, s(5).level), (Bound::Unknown, Level::Step));
        // A 0 the schema does not check is skipped at run time.
        assert_eq!(
            (s(7).timeout.display(), s(7).level),
            ("1m0s".into(), Level::PipelineDefault)
        );
        assert_eq!(
            (s(6).timeout.display(), s(6).level),
            ("1m0s".into(), Level::PipelineDefault)
        );
        assert_eq!(m.config_default_timeout.as_ref().unwrap().value, "99");
        // own (1m) → meta (4m30s) → dflt (1m) = 6m30s
        let c = m.chain.as_ref().unwrap();
        assert_eq!(c.tasks, vec!["own", "meta", "dflt"]);
        assert_eq!(c.total.display(), "6m30s");
    }

    #[test]
    fn no_level_means_no_limit() {
        let m = model("name: p\nconfig: {default_timeout: 60}\nsteps:\n  - id: a\n");
        assert_eq!(m.steps[0].timeout, Bound::Unbounded);
        assert_eq!(m.steps[0].level, Level::None);
        assert_eq!(m.steps_at_default().count(), 1);
    }
}
