//! Orchestrator pipelines: a YAML format of LLM-orchestration frameworks, recognised by its
//! shape (no `apiVersion` and no `kind`; a `steps` list of mappings, each with an `id`),
//! as typed views with spans.
//!
//! ```yaml
//! name: research
//! metadata: {default_timeout: 60}      # the pipeline default the executor reads
//! steps:
//!   - id: search
//!     action: web-search
//!     timeout: 30                      # seconds
//!     max_retries: 2
//!   - id: summarize
//!     dependencies: [search]
//!     metadata: {timeout: 120}
//! ```
//!
//! Values are read as the framework's loader reads them (PyYAML, YAML 1.1): `30` and `1.5`
//! are numbers, `"30"` and `30s` are strings, `030` is octal. Facts:
//! `docs/orchestrator-pipelines.md`.

use crate::duration::GoDuration;
use crate::yaml::{NodeKind, NodeRef, ScalarStyle, Span};

use super::value::templating;
use super::{Family, Meta};

/// The bytes every file holding an orchestrator pipeline contains (for the prefilter): a
/// top-level `steps:` key (GitHub Actions and composite actions nest theirs deeper).
pub const MARKERS: &[&[u8]] = &[b"\nsteps:"];

/// And an `id:` key (the steps'), which a stray top-level `steps:` rarely has.
pub const ALSO: &[&[u8]] = &[b"id:"];

/// The kind orchestrator pipelines go by (in `policy.kinds` and messages).
pub const KIND: &str = "OrchestratorPipeline";

/// Keys of container and CI steps (Cloud Build, Buildkite, Drone, GitHub Actions): a
/// top-level `steps` list that uses them is another format, whose timeouts mean other things.
const FOREIGN_STEP_KEYS: &[&str] = &[
    "args",
    "entrypoint",
    "waitFor",
    "command",
    "commands",
    "uses",
    "run",
    "script",
    "image",
];

/// The identity of an orchestrator pipeline rooted at `root`, if it is one (the caller has
/// checked that there is no `apiVersion`).
pub fn identify(root: NodeRef<'_>) -> Option<Meta<'_>> {
    if !root.is_mapping() || root.get("kind").is_some() || root.get("apiVersion").is_some() {
        return None;
    }
    let steps = root.get("steps")?;
    if !steps.is_sequence() || steps.is_empty() {
        return None;
    }
    let shaped = steps.items().all(|s| {
        s.is_mapping()
            && s.get("id")
                .is_some_and(|id| id.is_scalar() && !id.is_null())
            && !FOREIGN_STEP_KEYS.iter().any(|k| s.get(k).is_some())
    });
    if !shaped {
        return None;
    }
    // The framework names a pipeline by `name`, else `id`.
    let name = root
        .get("name")
        .or_else(|| root.get("id"))
        .and_then(|n| n.as_str())
        .filter(|n| !n.is_empty());
    Some(Meta {
        root,
        api_version: "",
        kind: KIND,
        name,
        namespace: None,
        family: Family::Orchestrator,
    })
}

/// A number of seconds as the framework reads it: PyYAML's value, then Python's truth test
/// (`if task.timeout:`) and `asyncio.wait_for`.
#[derive(Clone, Debug, PartialEq)]
pub enum Seconds {
    /// A positive int or float.
    Positive(GoDuration),
    /// `.inf`: truthy, and never reached.
    Infinite,
    /// `0`, `0.0`, `false` or `""`: falsy, so read as not set.
    Falsy,
    /// A negative number: truthy, and every attempt times out at once.
    Negative,
    /// `true`: not a number, but Python reads it as 1 (second).
    True,
    /// A string (`"30"`, `30s`), list or mapping, or `.nan`: truthy, and `asyncio.wait_for`
    /// rejects it, so every attempt fails.
    NotANumber,
    /// A placeholder (`{{ … }}`), an alias or a tag cutoff does not read: unknown.
    Unknown,
}

impl Seconds {
    /// The executor takes this level (Python truthiness); `Falsy` falls through.
    pub fn is_read(&self) -> bool {
        !matches!(self, Seconds::Falsy)
    }

    /// A valid timeout (positive, or `.inf`).
    pub fn is_valid(&self) -> bool {
        matches!(self, Seconds::Positive(_) | Seconds::Infinite)
    }
}

/// A YAML 1.1 number as PyYAML reads it: `Some(Ok(int))`, `Some(Err(float))`, `None` when
/// the plain scalar is not a number.
fn yaml11_number(s: &str) -> Option<Result<i128, f64>> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let sign = |v: i128| if neg { -v } else { v };
    let digits = |t: &str, radix: u32| -> Option<i128> {
        let t: String = t.chars().filter(|&c| c != '_').collect();
        if t.is_empty() {
            return None;
        }
        i128::from_str_radix(&t, radix).ok()
    };
    if body.is_empty() {
        return None;
    }
    if body == "0" {
        return Some(Ok(0));
    }
    if let Some(b) = body.strip_prefix("0b") {
        return b
            .bytes()
            .all(|c| matches!(c, b'0' | b'1' | b'_'))
            .then(|| digits(b, 2))
            .flatten()
            .map(|v| Ok(sign(v)));
    }
    if let Some(h) = body.strip_prefix("0x") {
        return h
            .bytes()
            .all(|c| c.is_ascii_hexdigit() || c == b'_')
            .then(|| digits(h, 16))
            .flatten()
            .map(|v| Ok(sign(v)));
    }
    if body.len() > 1
        && body.starts_with('0')
        && body
            .bytes()
            .all(|c| (b'0'..=b'7').contains(&c) || c == b'_')
    {
        return digits(&body[1..], 8).map(|v| Ok(sign(v)));
    }
    let dec = |t: &str| {
        t.as_bytes().first().is_some_and(|c| c.is_ascii_digit())
            && t.bytes().all(|c| c.is_ascii_digit() || c == b'_')
    };
    if body.as_bytes()[0] != b'0' && dec(body) {
        return digits(body, 10).map(|v| Ok(sign(v)));
    }
    // Sexagesimal: 1:30 is 90.
    if body.contains(':') && !body.contains('.') {
        let mut v: i128 = 0;
        for (i, part) in body.split(':').enumerate() {
            let ok = if i == 0 {
                dec(part) && !part.starts_with('0')
            } else {
                !part.is_empty() && part.len() <= 2 && part.bytes().all(|c| c.is_ascii_digit())
            };
            if !ok {
                return None;
            }
            let p: i128 = part.replace('_', "").parse().ok()?;
            if i > 0 && p > 59 {
                return None;
            }
            v = v.checked_mul(60)?.checked_add(p)?;
        }
        return Some(Ok(sign(v)));
    }
    match body {
        ".inf" | ".Inf" | ".INF" => {
            return Some(Err(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }))
        }
        ".nan" | ".NaN" | ".NAN" if s == body => return Some(Err(f64::NAN)),
        _ => {}
    }
    // [0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)?
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mant.split_once('.')?;
    let ok_int = int.is_empty() || dec(int);
    let ok_frac = frac.bytes().all(|c| c.is_ascii_digit() || c == b'_');
    let ok_exp = exp.is_none_or(|e| {
        e.len() > 1
            && matches!(e.as_bytes()[0], b'+' | b'-')
            && e[1..].bytes().all(|c| c.is_ascii_digit())
    });
    if !ok_int || !ok_frac || !ok_exp || (int.is_empty() && frac.replace('_', "").is_empty()) {
        return None;
    }
    let text = format!("{}{}", if neg { "-" } else { "" }, body.replace('_', ""));
    text.parse::<f64>().ok().map(Err)
}

/// A seconds count as a duration, saturating.
fn secs(v: f64) -> GoDuration {
    let n = v * 1e9;
    if n >= i64::MAX as f64 {
        GoDuration(i64::MAX)
    } else {
        GoDuration(n.round() as i64)
    }
}

/// Reads a timeout value node; `None` when it is null (Python `None`: not set).
pub fn seconds(node: NodeRef<'_>, src: &str) -> Option<Seconds> {
    let raw = src.get(node.span().range()).unwrap_or("");
    if templating(raw).is_some() {
        return Some(Seconds::Unknown);
    }
    match node.kind() {
        NodeKind::Alias { .. } => Some(Seconds::Unknown),
        NodeKind::Mapping { .. } | NodeKind::Sequence { .. } => Some(if node.is_empty() {
            Seconds::Falsy
        } else {
            Seconds::NotANumber
        }),
        NodeKind::Scalar { value, style, tag } => {
            let plain = style == ScalarStyle::Plain;
            match tag {
                None if plain => {}
                None | Some("!!str" | "tag:yaml.org,2002:str") => {
                    return Some(if value.is_empty() {
                        Seconds::Falsy
                    } else {
                        Seconds::NotANumber
                    })
                }
                Some("!!int" | "!!float") => {}
                Some(_) => return Some(Seconds::Unknown),
            }
            if node.is_null() {
                return None;
            }
            match value {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                    return Some(Seconds::True)
                }
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                    return Some(Seconds::Falsy)
                }
                _ => {}
            }
            Some(match yaml11_number(value) {
                Some(Ok(0)) => Seconds::Falsy,
                Some(Ok(v)) if v < 0 => Seconds::Negative,
                Some(Ok(v)) => Seconds::Positive(secs(v as f64)),
                Some(Err(f)) if f.is_nan() => Seconds::NotANumber,
                Some(Err(0.0)) => Seconds::Falsy,
                Some(Err(f)) if f < 0.0 => Seconds::Negative,
                Some(Err(f)) if f.is_infinite() => Seconds::Infinite,
                Some(Err(f)) => Seconds::Positive(secs(f)),
                None => Seconds::NotANumber,
            })
        }
    }
}

/// A timeout field: its key, its value and how the framework reads it.
#[derive(Clone, Copy)]
pub struct Field<'a> {
    pub key: NodeRef<'a>,
    pub value: NodeRef<'a>,
}

impl<'a> Field<'a> {
    pub fn span(&self) -> Span {
        self.value.span()
    }

    /// The value as written.
    pub fn raw<'s>(&self, src: &'s str) -> &'s str {
        src.get(self.value.span().range()).unwrap_or("").trim()
    }

    /// How the framework reads it; `None` when null (not set).
    pub fn seconds(&self, src: &str) -> Option<Seconds> {
        seconds(self.value, src)
    }
}

fn field<'a>(node: NodeRef<'a>, key: &str) -> Option<Field<'a>> {
    let (k, v) = node.entry(key)?;
    Some(Field { key: k, value: v })
}

/// `max_retries` as the framework reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retries {
    Count(i64),
    /// Negative (the compiler rejects the pipeline) or not an integer.
    Invalid,
    /// A placeholder.
    Unknown,
}

/// One step.
#[derive(Clone)]
pub struct Step<'a> {
    pub node: NodeRef<'a>,
    pub index: usize,
    pub id: &'a str,
    /// The `id` value.
    pub id_span: Span,
    /// `timeout`.
    pub timeout: Option<Field<'a>>,
    /// Its `timeout` is checked by the compiler's schema (a whole number, at least 1): the
    /// step is an action step (`action`) or a loop (`for_each`, `while`). The schema's
    /// `action_loop` and `create_parallel_queue` steps do not declare `timeout`.
    pub schema_checked: bool,
    /// `metadata.timeout`.
    pub metadata_timeout: Option<Field<'a>>,
    /// `max_retries` (unset: the framework's default of 3).
    pub max_retries: Option<(Field<'a>, Retries)>,
    /// `on_error`, as written.
    pub on_error: Option<&'a str>,
    /// `dependencies` (else `depends_on`): a list, or a comma-separated string.
    pub dependencies: Vec<(&'a str, Span)>,
}

/// A typed view of an orchestrator pipeline.
#[derive(Clone)]
pub struct Object<'a> {
    pub meta: Meta<'a>,
    /// The `name` value (else `id`), else the root.
    pub name_span: Span,
    /// `metadata.default_timeout`: the pipeline default the executor reads.
    pub default_timeout: Option<Field<'a>>,
    /// `config.default_timeout`: where the framework's documentation puts the pipeline
    /// default; its executor does not read it.
    pub config_default_timeout: Option<Field<'a>>,
    pub steps: Vec<Step<'a>>,
}

fn retries(v: NodeRef<'_>, src: &str) -> Retries {
    let raw = src.get(v.span().range()).unwrap_or("");
    if templating(raw).is_some() || v.is_alias() {
        return Retries::Unknown;
    }
    match (v.as_str(), v.style()) {
        (Some(s), Some(ScalarStyle::Plain)) if v.tag().is_none() => match yaml11_number(s) {
            Some(Ok(n)) if n >= 0 => Retries::Count(n.min(i64::MAX as i128) as i64),
            _ => Retries::Invalid,
        },
        _ => Retries::Invalid,
    }
}

fn dependencies<'a>(step: NodeRef<'a>) -> Vec<(&'a str, Span)> {
    let Some(d) = step.get("dependencies").or_else(|| step.get("depends_on")) else {
        return Vec::new();
    };
    if d.is_sequence() {
        return d
            .items()
            .filter_map(|i| i.as_str().map(|s| (s.trim(), i.span())))
            .filter(|(s, _)| !s.is_empty())
            .collect();
    }
    match d.as_str() {
        Some(s) if !d.is_null() => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| (s, d.span()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads the pipeline identified as `meta`.
pub fn read<'a>(meta: Meta<'a>, src: &str) -> Option<Object<'a>> {
    let root = meta.root;
    let name_span = root
        .get("name")
        .or_else(|| root.get("id"))
        .map(|n| n.span())
        .unwrap_or_else(|| root.span());
    let steps = root
        .get("steps")?
        .items()
        .enumerate()
        .filter_map(|(index, node)| {
            let id = node.get("id")?;
            Some(Step {
                node,
                index,
                id: id.as_str()?,
                id_span: id.span(),
                timeout: field(node, "timeout"),
                schema_checked: ["action", "for_each", "while"]
                    .iter()
                    .any(|k| node.get(k).is_some()),
                metadata_timeout: node.get("metadata").and_then(|m| field(m, "timeout")),
                max_retries: field(node, "max_retries")
                    .filter(|f| !f.value.is_null())
                    .map(|f| (f, retries(f.value, src))),
                on_error: node.get("on_error").and_then(|e| e.as_str()),
                dependencies: dependencies(node),
            })
        })
        .collect();
    Some(Object {
        meta,
        name_span,
        default_timeout: root
            .get("metadata")
            .and_then(|m| field(m, "default_timeout")),
        config_default_timeout: root.get("config").and_then(|c| field(c, "default_timeout")),
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn read_seconds(v: &str) -> Option<Seconds> {
        let text = format!("t: {v}\n");
        let s = yaml::parse(&text);
        let root = s.documents[0].root_ref().unwrap();
        seconds(root.get("t").unwrap(), &text)
    }

    #[test]
    fn reads_numbers_as_pyyaml_does() {
        let p = |s: i64| Some(Seconds::Positive(GoDuration::from_secs(s)));
        assert_eq!(read_seconds("30"), p(30));
        assert_eq!(read_seconds("1_800"), p(1800));
        assert_eq!(read_seconds("030"), p(24));
        assert_eq!(read_seconds("0x1e"), p(30));
        assert_eq!(read_seconds("1:30"), p(90));
        assert_eq!(read_seconds("!!int 30"), p(30));
        assert_eq!(
            read_seconds("1.5"),
            Some(Seconds::Positive(GoDuration(1_500_000_000)))
        );
        assert_eq!(read_seconds("0"), Some(Seconds::Falsy));
        assert_eq!(read_seconds("0.0"), Some(Seconds::Falsy));
        assert_eq!(read_seconds("false"), Some(Seconds::Falsy));
        assert_eq!(read_seconds("\"\""), Some(Seconds::Falsy));
        assert_eq!(read_seconds("-5"), Some(Seconds::Negative));
        assert_eq!(read_seconds("true"), Some(Seconds::True));
        assert_eq!(read_seconds("\"30\""), Some(Seconds::NotANumber));
        assert_eq!(read_seconds("30s"), Some(Seconds::NotANumber));
        assert_eq!(read_seconds("1e3"), Some(Seconds::NotANumber));
        assert_eq!(read_seconds("09"), Some(Seconds::NotANumber));
        assert_eq!(read_seconds(".inf"), Some(Seconds::Infinite));
        assert_eq!(read_seconds("\"{{ t }}\""), Some(Seconds::Unknown));
        assert_eq!(read_seconds("~"), None);
    }

    fn ident(text: &str) -> bool {
        let s = yaml::parse(text);
        identify(s.documents[0].root_ref().unwrap()).is_some()
    }

    #[test]
    fn recognises_the_shape_only() {
        assert!(ident("name: p\nsteps:\n  - id: a\n    action: x\n"));
        assert!(ident("steps:\n  - id: a\n  - id: b\n"));
        // Every step needs an id.
        assert!(!ident("name: p\nsteps:\n  - id: a\n  - action: x\n"));
        // Kubernetes objects, GitHub Actions jobs, Cloud Build steps.
        assert!(!ident("kind: X\nsteps:\n  - id: a\n"));
        assert!(!ident("steps:\n  - id: a\n    uses: actions/checkout@v4\n"));
        assert!(!ident(
            "steps:\n  - id: build\n    name: gcr.io/cloud-builders/docker\n    args: [build]\n    timeout: 500s\n"
        ));
        assert!(!ident("steps: []\n"));
    }
}
