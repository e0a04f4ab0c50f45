//! `policy:` in `.cutoff.yaml`: how long things may run, at several levels (global, per
//! namespace, per kind, per name), and whether every run must be bounded.
//!
//! ```yaml
//! policy:
//!   max: 6h                  # the global cap
//!   default: 1h              # what an unbounded run is treated as
//!   require-timeout: true    # every run must be bounded
//!   namespaces: {ml-builds: {max: 12h}}
//!   kinds: {Job: {max: 2h}}
//!   names: {"nightly-*": {max: 10h}}
//! ```
//!
//! Every setting keeps the key it was written under and its line, so that findings and
//! `cutoff timeouts` can name the rule of the policy that applied. Which rule applies to
//! which object is the model's business (`model::policy`); this module only reads and
//! checks the section.

use std::collections::HashSet;

use globset::{Glob, GlobMatcher};

use crate::duration::{self, GoDuration};
use crate::yaml::NodeRef;

use super::{At, ConfigError};

/// The kinds a key of `policy.kinds` may name: the kinds whose timeouts the model knows.
pub const KINDS: &[&str] = &[
    "PipelineRun",
    "TaskRun",
    "Pipeline",
    "Job",
    "CronJob",
    "OrchestratorPipeline",
];

/// One setting, with the key it was written under (`policy.kinds.Job.max`) and its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub key: String,
    /// 1-based line in the configuration file.
    pub line: usize,
}

/// What one level of the policy sets; each field is resolved on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `max`: the cap.
    pub max: Option<Setting<GoDuration>>,
    /// `default`: what an unbounded run is treated as.
    pub default: Option<Setting<GoDuration>>,
    /// `require-timeout`: every run must be bounded.
    pub require_timeout: Option<Setting<bool>>,
    /// `ttl`: how long `cutoff watch` keeps a finished Job that sets no
    /// `ttlSecondsAfterFinished` (global level only).
    pub ttl: Option<Setting<GoDuration>>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        self.max.is_none()
            && self.default.is_none()
            && self.require_timeout.is_none()
            && self.ttl.is_none()
    }
}

/// An entry of `policy.names`: a glob over object names.
#[derive(Clone, Debug)]
pub struct NameRule {
    pub pattern: String,
    pub matcher: GlobMatcher,
    pub limits: Limits,
}

/// The `policy:` section (empty: no policy, and the policy rules stay silent).
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// The configuration file as messages show it (relative to the current directory
    /// when it lies below it).
    pub file: String,
    pub global: Limits,
    /// `policy.namespaces`, in file order (exact names).
    pub namespaces: Vec<(String, Limits)>,
    /// `policy.kinds`, in file order.
    pub kinds: Vec<(String, Limits)>,
    /// `policy.names`, in file order; the first pattern that matches applies.
    pub names: Vec<NameRule>,
}

impl Policy {
    /// No rule at all: nothing is capped or required.
    pub fn is_empty(&self) -> bool {
        self.global.is_empty()
            && self.namespaces.iter().all(|(_, l)| l.is_empty())
            && self.kinds.iter().all(|(_, l)| l.is_empty())
            && self.names.iter().all(|n| n.limits.is_empty())
    }

    /// The limits of `policy.kinds.<kind>`, if set.
    pub fn kind(&self, kind: &str) -> Option<&Limits> {
        self.kinds.iter().find(|(k, _)| k == kind).map(|(_, l)| l)
    }

    /// The limits of `policy.namespaces.<namespace>`, if set.
    pub fn namespace(&self, namespace: &str) -> Option<&Limits> {
        self.namespaces
            .iter()
            .find(|(n, _)| n == namespace)
            .map(|(_, l)| l)
    }

    /// The limits of the first `policy.names` pattern matching `name`.
    pub fn name(&self, name: &str) -> Option<&Limits> {
        self.names
            .iter()
            .find(|n| n.matcher.is_match(name))
            .map(|n| &n.limits)
    }
}

/// The configuration file's path as messages show it: relative to the current directory
/// when it lies below it (so that messages do not depend on where the repository is).
fn shown(path: &str) -> String {
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        if let Ok(cwd) = std::env::current_dir() {
            let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
            let canon = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            if let Ok(rel) = canon.strip_prefix(&cwd) {
                return rel.to_string_lossy().replace('\\', "/");
            }
        }
    }
    path.to_string()
}

/// The entries of a mapping, with duplicate keys rejected.
fn entries<'a>(
    v: NodeRef<'a>,
    what: &str,
    at: &At<'_>,
) -> Result<Vec<(String, NodeRef<'a>, NodeRef<'a>)>, ConfigError> {
    if v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_mapping() {
        return Err(at.err(v.span().start, format!("`{what}` must be a mapping")));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (k, val) in v.entries() {
        let Some(key) = k.as_str() else {
            return Err(at.err(
                k.span().start,
                format!("the keys of `{what}` must be strings"),
            ));
        };
        if !seen.insert(key.to_string()) {
            return Err(at.err(
                k.span().start,
                format!("duplicate key {key:?} in `{what}`: only one may be given"),
            ));
        }
        out.push((key.to_string(), k, val));
    }
    Ok(out)
}

/// A duration in Go syntax (`90m`, `1h30m`) or plain seconds (`5400`); positive.
fn duration(v: NodeRef<'_>, key: &str, at: &At<'_>) -> Result<GoDuration, ConfigError> {
    let Some(s) = v.as_str().map(str::trim) else {
        return Err(at.err(
            v.span().start,
            format!("`{key}` must be a duration such as 6h, 90m or 5400 (seconds)"),
        ));
    };
    let d = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s
            .parse()
            .map_err(|_| at.err(v.span().start, format!("`{key}`: {s} seconds is too large")))?;
        if secs > i64::MAX / 1_000_000_000 {
            return Err(at.err(v.span().start, format!("`{key}`: {s} seconds is too large")));
        }
        GoDuration::from_secs(secs)
    } else {
        duration::parse(s).map_err(|e| {
            at.err(
                v.span().start,
                format!("`{key}`: {e} (write a Go duration such as 6h or 1h30m, or plain seconds)"),
            )
        })?
    };
    if d.nanos() <= 0 {
        return Err(at.err(
            v.span().start,
            format!(
                "`{key}` must be longer than 0 (to require a timeout, use `require-timeout: true`)"
            ),
        ));
    }
    Ok(d)
}

fn boolean(v: NodeRef<'_>, key: &str, at: &At<'_>) -> Result<bool, ConfigError> {
    match v
        .as_str()
        .filter(|_| !v.style().is_some_and(|s| s.is_quoted()))
    {
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        _ => Err(at.err(v.span().start, format!("`{key}` must be true or false"))),
    }
}

/// Reads `max`, `default` and `require-timeout` from the entries of one level. `prefix`
/// is the level's key (`policy`, `policy.kinds.Job`); `extra` says what else the level
/// may hold, for the unknown-key error.
fn limits<'a>(
    entries: &[(String, NodeRef<'a>, NodeRef<'a>)],
    prefix: &str,
    extra: &str,
    at: &At<'_>,
) -> Result<Limits, ConfigError> {
    let mut l = Limits::default();
    for (key, k, v) in entries {
        let full = format!("{prefix}.{key}");
        let line = at.line(k.span().start);
        match key.as_str() {
            "max" => {
                l.max = Some(Setting {
                    value: duration(*v, &full, at)?,
                    key: full,
                    line,
                })
            }
            "default" => {
                l.default = Some(Setting {
                    value: duration(*v, &full, at)?,
                    key: full,
                    line,
                })
            }
            "require-timeout" => {
                l.require_timeout = Some(Setting {
                    value: boolean(*v, &full, at)?,
                    key: full,
                    line,
                })
            }
            "ttl" if prefix == "policy" => {
                l.ttl = Some(Setting {
                    value: duration(*v, &full, at)?,
                    key: full,
                    line,
                })
            }
            "namespaces" | "kinds" | "names" if prefix == "policy" => {}
            other => {
                return Err(at.err(
                    k.span().start,
                    format!("unknown key {other:?} in `{prefix}`: expected max, default, require-timeout{}{extra}", if prefix == "policy" { ", ttl" } else { "" }),
                ))
            }
        }
    }
    if let (Some(d), Some(m)) = (&l.default, &l.max) {
        if d.value > m.value {
            return Err(at.err(
                entries
                    .iter()
                    .find(|(k, _, _)| k == "default")
                    .map(|(_, _, v)| v.span().start)
                    .unwrap_or(0),
                format!(
                    "`{}` ({}) is above `{}` ({}, line {}): a default the cap forbids",
                    d.key,
                    d.value.canonical(),
                    m.key,
                    m.value.canonical(),
                    m.line
                ),
            ));
        }
    }
    Ok(l)
}

/// The key of an entry of `policy.names`: always quoted, as a glob usually must be in YAML.
fn name_prefix(pattern: &str) -> String {
    format!("policy.names.{pattern:?}")
}

/// Parses the `policy:` section.
pub fn parse(v: NodeRef<'_>, at: &At<'_>) -> Result<Policy, ConfigError> {
    let mut p = Policy {
        file: shown(at.path),
        ..Policy::default()
    };
    let top = entries(v, "policy", at)?;
    p.global = limits(&top, "policy", ", namespaces, kinds, names", at)?;
    for (key, _, val) in &top {
        match key.as_str() {
            "namespaces" => {
                for (ns, k, l) in entries(*val, "policy.namespaces", at)? {
                    if ns.is_empty() {
                        return Err(at.err(k.span().start, "a namespace name must not be empty"));
                    }
                    let prefix = format!("policy.namespaces.{ns}");
                    let e = entries(l, &prefix, at)?;
                    p.namespaces.push((ns, limits(&e, &prefix, "", at)?));
                }
            }
            "kinds" => {
                for (kind, k, l) in entries(*val, "policy.kinds", at)? {
                    if !KINDS.contains(&kind.as_str()) {
                        return Err(at.err(
                            k.span().start,
                            format!(
                                "unknown kind {kind:?} in `policy.kinds`: expected one of {}",
                                KINDS.join(", ")
                            ),
                        ));
                    }
                    let prefix = format!("policy.kinds.{kind}");
                    let e = entries(l, &prefix, at)?;
                    let lim = limits(&e, &prefix, "", at)?;
                    if let (Some(m), Some(g)) = (&lim.max, &p.global.max) {
                        if m.value > g.value {
                            let (_, _, mv) =
                                e.iter().find(|(k, _, _)| k == "max").expect("max was read");
                            return Err(at.err(
                                mv.span().start,
                                format!(
                                    "`{}` ({}) is above the global cap `{}` ({}, line {}): a kind may lower the global cap, never raise it; give the workloads that need longer their own cap under `policy.names` or `policy.namespaces`",
                                    m.key,
                                    m.value.canonical(),
                                    g.key,
                                    g.value.canonical(),
                                    g.line
                                ),
                            ));
                        }
                    }
                    p.kinds.push((kind, lim));
                }
            }
            "names" => {
                for (pattern, k, l) in entries(*val, "policy.names", at)? {
                    let matcher = Glob::new(&pattern)
                        .map_err(|e| {
                            at.err(k.span().start, format!("invalid pattern {pattern:?}: {e}"))
                        })?
                        .compile_matcher();
                    let prefix = name_prefix(&pattern);
                    let e = entries(l, &prefix, at)?;
                    let limits = limits(&e, &prefix, "", at)?;
                    p.names.push(NameRule {
                        pattern,
                        matcher,
                        limits,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::duration::GoDuration;

    const FULL: &str = "policy:
  default: 1h
  max: 6h
  require-timeout: true
  namespaces:
    ml-builds: {max: 12h}
  kinds:
    Job: {max: 2h}
    PipelineRun: {max: 5400}
  names:
    \"nightly-*\": {max: 10h}
";

    #[test]
    fn reads_every_level_with_its_line() {
        let c = Config::parse(FULL, "c.yaml").unwrap();
        let p = &c.policy;
        assert!(!p.is_empty());
        let max = p.global.max.as_ref().unwrap();
        assert_eq!(
            (max.value, max.line, max.key.as_str()),
            (GoDuration::from_hours(6), 3, "policy.max")
        );
        assert_eq!(
            p.global.default.as_ref().unwrap().value,
            GoDuration::from_hours(1)
        );
        assert!(p.global.require_timeout.as_ref().unwrap().value);
        let ns = p.namespace("ml-builds").unwrap().max.as_ref().unwrap();
        assert_eq!(
            (ns.line, ns.key.as_str()),
            (6, "policy.namespaces.ml-builds.max")
        );
        let k = p.kind("PipelineRun").unwrap().max.as_ref().unwrap();
        assert_eq!(k.value, GoDuration::from_mins(90));
        let n = p.name("nightly-build").unwrap().max.as_ref().unwrap();
        assert_eq!(
            (n.line, n.key.as_str()),
            (11, "policy.names.\"nightly-*\".max")
        );
        assert!(p.name("daily").is_none());
        assert!(Config::default().policy.is_empty());
    }

    #[test]
    fn errors_have_positions() {
        let pos = |text: &str| {
            let e = Config::parse(text, "c.yaml").unwrap_err();
            (e.line, e.column, e.message)
        };
        let (l, c, m) = pos("policy:\n  maxx: 6h\n");
        assert_eq!((l, c), (2, 3), "{m}");
        assert!(m.contains("maxx"), "{m}");
        let (l, c, m) = pos("policy:\n  max: 6 hours\n");
        assert_eq!((l, c), (2, 8), "{m}");
        assert!(m.contains("time: unknown unit"), "{m}");
        let (l, c, m) = pos("policy:\n  max: 6h\n  kinds:\n    PipelineRun: {max: 8h}\n");
        assert_eq!((l, c), (4, 24), "{m}");
        assert!(m.contains("above the global cap"), "{m}");
        let (l, _, m) = pos("policy:\n  kinds:\n    Jbo: {max: 1h}\n");
        assert_eq!(l, 3, "{m}");
        let (l, _, m) = pos("policy:\n  max: 0\n");
        assert_eq!(l, 2, "{m}");
        let (l, _, m) = pos("policy:\n  max: 1h\n  default: 2h\n");
        assert_eq!(l, 3, "{m}");
        let (l, _, m) = pos("policy:\n  require-timeout: yes\n");
        assert_eq!(l, 2, "{m}");
        let (l, _, m) = pos("policy:\n  names:\n    \"a-*\": {max: 1h, cap: 2h}\n");
        assert_eq!(l, 3, "{m}");
        let (l, _, m) = pos("policy:\n  max: 1h\n  max: 2h\n");
        assert_eq!(l, 3, "{m}");
    }
}
