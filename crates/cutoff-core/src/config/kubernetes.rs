//! `kubernetes:` in `.cutoff.yaml`: the conventions the workload rules read (which
//! annotation keys and env var names promise a deadline, TTL or grace period, and which side
//! a fix changes), and the shortest TTL that leaves time to read a finished Job.
//!
//! ```yaml
//! kubernetes:
//!   annotations:
//!     deadline: ["*/timeout-seconds", "*/active-deadline-seconds"]
//!     ttl: ["*/ttl-seconds-after-finished"]
//!     grace: ["*/grace-period-seconds"]
//!   env:
//!     deadline: ["*_TIMEOUT", "*_TIMEOUT_SECONDS"]
//!     grace: ["*_GRACE_PERIOD", "*_GRACE_PERIOD_SECONDS"]
//!   source-of-truth: spec      # or annotations
//!   min-ttl-seconds: 60
//! ```
//!
//! Patterns are matched against the whole key or name; `*` stands for any text (also
//! none). Env var names are a weak signal (`DB_TIMEOUT=5`): a matching env var counts as a
//! promise about the Job only when the Job also carries an annotation making the same kind
//! of promise on behalf of the same platform (the env name's prefix, what a `*SUFFIX`
//! pattern's `*` matched, is a label of the annotation key's domain: `FLOWFORGE_TIMEOUT` and
//! `flowforge.io/timeout-seconds`), or when this file names the env patterns of that kind.

use crate::yaml::NodeRef;

use super::{At, ConfigError};

/// What a promise is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Promise {
    /// The Job's `activeDeadlineSeconds`.
    Deadline,
    /// The Job's `ttlSecondsAfterFinished`.
    Ttl,
    /// The pod's effective `terminationGracePeriodSeconds`.
    Grace,
}

impl Promise {
    pub fn as_str(self) -> &'static str {
        match self {
            Promise::Deadline => "deadline",
            Promise::Ttl => "ttl",
            Promise::Grace => "grace",
        }
    }
}

/// Which side of a disagreement a fix changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SourceOfTruth {
    /// The spec is right: fixes rewrite annotations and env values.
    #[default]
    Spec,
    /// The annotations are right: fixes rewrite the spec.
    Annotations,
}

/// Patterns per promise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patterns {
    pub deadline: Vec<String>,
    pub ttl: Vec<String>,
    pub grace: Vec<String>,
}

impl Patterns {
    pub fn get(&self, p: Promise) -> &[String] {
        match p {
            Promise::Deadline => &self.deadline,
            Promise::Ttl => &self.ttl,
            Promise::Grace => &self.grace,
        }
    }

    fn get_mut(&mut self, p: Promise) -> &mut Vec<String> {
        match p {
            Promise::Deadline => &mut self.deadline,
            Promise::Ttl => &mut self.ttl,
            Promise::Grace => &mut self.grace,
        }
    }

    /// The promise a name matching one of the patterns makes.
    pub fn promise_of(&self, name: &str) -> Option<Promise> {
        [Promise::Deadline, Promise::Ttl, Promise::Grace]
            .into_iter()
            .find(|p| self.get(*p).iter().any(|pat| glob(pat, name)))
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The `kubernetes:` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubernetesSettings {
    pub annotations: Patterns,
    /// Env var patterns (no TTL env var is read).
    pub env: Patterns,
    /// The configuration names the env patterns of these promises: env vars matching them
    /// count even where the Job carries no annotation of the same kind.
    pub env_named: Vec<Promise>,
    pub source_of_truth: SourceOfTruth,
    /// JOB014's minimum TTL, in seconds.
    pub min_ttl_seconds: i64,
}

impl Default for KubernetesSettings {
    fn default() -> Self {
        KubernetesSettings {
            annotations: Patterns {
                deadline: strings(&["*/timeout-seconds", "*/active-deadline-seconds"]),
                ttl: strings(&["*/ttl-seconds-after-finished"]),
                grace: strings(&["*/grace-period-seconds"]),
            },
            env: Patterns {
                deadline: strings(&["*_TIMEOUT", "*_TIMEOUT_SECONDS"]),
                ttl: Vec::new(),
                grace: strings(&["*_GRACE_PERIOD", "*_GRACE_PERIOD_SECONDS"]),
            },
            env_named: Vec::new(),
            source_of_truth: SourceOfTruth::Spec,
            min_ttl_seconds: 60,
        }
    }
}

/// `*` matches any text (also none); everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn promise_key(k: &str) -> Option<Promise> {
    match k {
        "deadline" => Some(Promise::Deadline),
        "ttl" => Some(Promise::Ttl),
        "grace" => Some(Promise::Grace),
        _ => None,
    }
}

fn pattern_list(v: NodeRef<'_>, at: &At<'_>) -> Result<Vec<String>, ConfigError> {
    let items: Vec<NodeRef<'_>> = if v.is_sequence() {
        v.items().collect()
    } else if v.is_null() {
        Vec::new()
    } else {
        vec![v]
    };
    items
        .into_iter()
        .map(|i| match i.as_str() {
            Some(s) if !s.is_empty() && !i.is_null() => Ok(s.to_string()),
            _ => Err(at.err(
                i.span().start,
                "expected a pattern such as \"*/timeout-seconds\" (`*` matches any text)",
            )),
        })
        .collect()
}

fn patterns(
    v: NodeRef<'_>,
    at: &At<'_>,
    section: &str,
    into: &mut Patterns,
    named: Option<&mut Vec<Promise>>,
) -> Result<(), ConfigError> {
    if v.is_null() {
        return Ok(());
    }
    if !v.is_mapping() {
        return Err(at.err(
            v.span().start,
            format!("kubernetes.{section} must be a mapping of deadline, ttl, grace to patterns"),
        ));
    }
    let mut named = named;
    for (k, pv) in v.entries() {
        let key = k.as_str().unwrap_or("");
        let p = match promise_key(key) {
            Some(Promise::Ttl) if section == "env" => None,
            p => p,
        };
        let Some(p) = p else {
            let expected = if section == "env" {
                "deadline, grace"
            } else {
                "deadline, ttl, grace"
            };
            return Err(at.err(
                k.span().start,
                format!("unknown key kubernetes.{section}.{key}: expected {expected}"),
            ));
        };
        *into.get_mut(p) = pattern_list(pv, at)?;
        if let Some(n) = named.as_deref_mut() {
            n.push(p);
        }
    }
    Ok(())
}

/// Parses the `kubernetes:` section.
pub fn parse(v: NodeRef<'_>, at: &At<'_>) -> Result<KubernetesSettings, ConfigError> {
    let mut s = KubernetesSettings::default();
    if v.is_null() {
        return Ok(s);
    }
    if !v.is_mapping() {
        return Err(at.err(
            v.span().start,
            "the `kubernetes:` section must be a mapping",
        ));
    }
    for (k, val) in v.entries() {
        match k.as_str().unwrap_or("") {
            "annotations" => patterns(val, at, "annotations", &mut s.annotations, None)?,
            "env" => patterns(val, at, "env", &mut s.env, Some(&mut s.env_named))?,
            "source-of-truth" => {
                s.source_of_truth = match val.as_str() {
                    Some("spec") => SourceOfTruth::Spec,
                    Some("annotations") => SourceOfTruth::Annotations,
                    _ => {
                        return Err(at.err(
                            val.span().start,
                            "source-of-truth must be `spec` (fixes rewrite annotations and env values) or `annotations` (fixes rewrite the spec)",
                        ))
                    }
                }
            }
            "min-ttl-seconds" => {
                let text = val.as_str().unwrap_or("");
                s.min_ttl_seconds = text.trim().parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    at.err(
                        val.span().start,
                        format!("min-ttl-seconds must be a whole number of seconds >= 0, not {text:?}"),
                    )
                })?;
            }
            other => {
                return Err(at.err(
                    k.span().start,
                    format!("unknown key kubernetes.{other}: expected annotations, env, source-of-truth, min-ttl-seconds"),
                ))
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn globs() {
        assert!(glob("*/timeout-seconds", "flowforge.io/timeout-seconds"));
        assert!(!glob("*/timeout-seconds", "flowforge.io/timeout-seconds-x"));
        assert!(glob("*_TIMEOUT", "FLOWFORGE_TIMEOUT"));
        assert!(!glob("*_TIMEOUT", "TIMEOUT"));
        assert!(glob("A*B*C", "AxxBxxC"));
        assert!(!glob("A*B*C", "AC"));
        assert!(glob("exact", "exact"));
    }

    #[test]
    fn section() {
        let c = Config::parse(
            "kubernetes:\n  annotations:\n    grace: example.com/grace\n  env:\n    deadline: [\"JOB_*\"]\n  source-of-truth: annotations\n  min-ttl-seconds: 300\n",
            "c",
        )
        .unwrap();
        let k = &c.kubernetes;
        assert_eq!(k.annotations.grace, vec!["example.com/grace"]);
        assert_eq!(k.annotations.deadline.len(), 2);
        assert_eq!(k.env.deadline, vec!["JOB_*"]);
        assert_eq!(k.env_named, vec![Promise::Deadline]);
        assert_eq!(k.source_of_truth, SourceOfTruth::Annotations);
        assert_eq!(k.min_ttl_seconds, 300);
        assert_eq!(k.env.promise_of("JOB_LIMIT"), Some(Promise::Deadline));
    }

    #[test]
    fn errors_have_positions() {
        let e = Config::parse("kubernetes:\n  source-of-truth: both\n", "c").unwrap_err();
        assert_eq!((e.line, e.column), (2, 20));
        let e = Config::parse("kubernetes:\n  env:\n    ttl: [X]\n", "c").unwrap_err();
        assert_eq!((e.line, e.column), (3, 5));
        let e = Config::parse("kubernetes:\n  min-ttl-seconds: -1\n", "c").unwrap_err();
        assert!(e.message.contains("min-ttl-seconds"));
    }
}
