//! `.cutoff.yaml`: which rules run, how severe they are, and what the cluster looks like.
//!
//! Parsed with our own span tree so every error names the line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::diagnostic::Severity;
use crate::duration::GoDuration;
use crate::version::Version;
use crate::yaml::{self, LineIndex, NodeRef};

pub mod kubernetes;
pub mod policy;

pub const CONFIG_FILE_NAMES: [&str; 2] = [".cutoff.yaml", ".cutoff.yml"];

/// The versions of the tools that will read the manifests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    pub tekton: Version,
    /// `None`: the repository's `.tekton/` files are read by whatever PaC the cluster runs;
    /// rules then assume it is built against the targeted Tekton.
    pub pipelines_as_code: Option<Version>,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            tekton: Version::new(1, 0, 0),
            pipelines_as_code: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TektonSettings {
    /// `default-timeout-minutes` of the cluster's `config-defaults`; 0 = no default timeout.
    pub default_timeout_minutes: i64,
    /// Where `default_timeout_minutes` was set (`` `tekton.default-timeout-minutes` in
    /// .cutoff.yaml:4 ``, `--default-timeout-minutes`); `None`: not set, so the model reads
    /// the repository's `config-defaults` or assumes Tekton's own 60.
    pub default_set_by: Option<String>,
}

impl Default for TektonSettings {
    fn default() -> Self {
        TektonSettings {
            default_timeout_minutes: 60,
            default_set_by: None,
        }
    }
}

impl TektonSettings {
    /// The configured default as a duration; `None` when it is 0 (no timeout).
    pub fn default_timeout(&self) -> Option<GoDuration> {
        (self.default_timeout_minutes > 0)
            .then(|| GoDuration::from_mins(self.default_timeout_minutes))
    }
}

/// A per-resource suppression: `ignore: [{kind: Job, name: "legacy-*", rules: [JOB001]}]`.
#[derive(Clone, Debug)]
pub struct ResourceIgnore {
    pub kind: Option<String>,
    pub name: Option<globset::GlobMatcher>,
    pub namespace: Option<globset::GlobMatcher>,
    /// Empty: every rule.
    pub rules: Vec<String>,
    /// Where it was written, for "suppresses nothing" reports.
    pub line: usize,
}

impl ResourceIgnore {
    pub fn matches(&self, kind: &str, name: Option<&str>, namespace: Option<&str>) -> bool {
        if let Some(k) = &self.kind {
            if k != kind {
                return false;
            }
        }
        if let Some(g) = &self.name {
            if !name.is_some_and(|n| g.is_match(n)) {
                return false;
            }
        }
        if let Some(g) = &self.namespace {
            if !namespace.is_some_and(|n| g.is_match(n)) {
                return false;
            }
        }
        true
    }

    pub fn covers(&self, code: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| selector_matches(r, code))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where the configuration came from, if a file.
    pub path: Option<PathBuf>,
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub exclude: Vec<String>,
    pub exclude_set: Option<GlobSet>,
    pub targets: Targets,
    pub tekton: TektonSettings,
    pub resource_ignores: Vec<ResourceIgnore>,
    pub max_file_size: Option<u64>,
    /// `kubernetes:`: the annotation and env conventions of the workload rules.
    pub kubernetes: kubernetes::KubernetesSettings,
    /// `policy:`: caps and required timeouts.
    pub policy: policy::Policy,
    /// The URLs the linted repository is known by (its git remotes; set by the command line,
    /// never read from the file): a git-resolver reference to one of them (or to the
    /// Pipelines-as-Code placeholder `{{ repo_url }}`) is resolved in the repository itself.
    pub repository_urls: Vec<String>,
    /// `preset: strict`: rules that are off by default behave as if on by default
    /// (kube-linter and kube-score parity: JOB001, JOB013, CRON001, and the other rules
    /// off by default); `select` and `ignore` still apply.
    pub strict: bool,
}

/// A configuration error, with the position in the config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

/// Does a selector (`TKN001`, `TKN`, `ALL`) cover a rule code?
pub fn selector_matches(selector: &str, code: &str) -> bool {
    selector.eq_ignore_ascii_case("all") || code.starts_with(&selector.to_ascii_uppercase())
}

/// Finds `.cutoff.yaml` in `start` or the nearest parent directory.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_file() {
        start.parent()?.to_path_buf()
    } else {
        start
    };
    loop {
        for name in CONFIG_FILE_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if !dir.pop() {
            return None;
        }
    }
}

impl Config {
    /// Reads the configuration file at `path`; messages name it as `shown` (a path relative to
    /// the current directory, as every other path cutoff prints).
    pub fn load(path: &Path, shown: &str) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: shown.to_string(),
            line: 1,
            column: 1,
            message: format!("cannot read configuration: {e}"),
        })?;
        let mut config = Config::parse(&text, shown)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn parse(text: &str, display_path: &str) -> Result<Config, ConfigError> {
        let stream = yaml::parse(text);
        let lines = LineIndex::new(text);
        let err_at = |offset: usize, message: String| {
            let (line, column) = lines.line_col(text, offset);
            ConfigError {
                path: display_path.to_string(),
                line,
                column,
                message,
            }
        };
        let at = At {
            text,
            lines: &lines,
            path: display_path,
        };
        let mut config = Config::default();
        let Some(doc) = stream.documents.first() else {
            return Ok(config);
        };
        if let Some(e) = &doc.error {
            return Err(ConfigError {
                path: display_path.to_string(),
                line: e.line,
                column: e.column,
                message: format!("YAML syntax error: {}", e.message),
            });
        }
        let Some(root) = doc.root_ref() else {
            return Ok(config);
        };
        if root.is_null() {
            return Ok(config);
        }
        if !root.is_mapping() {
            return Err(err_at(
                root.span().start,
                "the configuration must be a mapping".into(),
            ));
        }
        for (k, v) in root.entries() {
            let key = k.as_str().unwrap_or("");
            match key {
                "select" => config.select = Some(code_list(v, &err_at)?),
                "extend-select" => config.extend_select = code_list(v, &err_at)?,
                "ignore" => {
                    for item in seq(v, &err_at)? {
                        if item.is_mapping() {
                            let ri = resource_ignore(item, &lines, text, &err_at)?;
                            config.resource_ignores.push(ri);
                        } else {
                            config.ignore.push(code(item, &err_at)?);
                        }
                    }
                }
                "severity" => {
                    for (rk, rv) in map(v, &err_at)? {
                        let c = code(rk, &err_at)?;
                        let s = rv.as_str().and_then(Severity::parse).ok_or_else(|| {
                            err_at(
                                rv.span().start,
                                "severity must be one of error, warning, info".into(),
                            )
                        })?;
                        config.severity.insert(c, s);
                    }
                }
                "exclude" => {
                    let mut b = GlobSetBuilder::new();
                    for item in seq(v, &err_at)? {
                        let g = string(item, &err_at)?;
                        let glob = Glob::new(&g).map_err(|e| {
                            err_at(item.span().start, format!("invalid glob {g:?}: {e}"))
                        })?;
                        b.add(glob);
                        // `dir` also excludes everything below it.
                        if !g.ends_with("/**") {
                            if let Ok(glob) = Glob::new(&format!("{}/**", g.trim_end_matches('/'))) {
                                b.add(glob);
                            }
                        }
                        config.exclude.push(g);
                    }
                    config.exclude_set = Some(b.build().map_err(|e| {
                        err_at(v.span().start, format!("invalid exclude globs: {e}"))
                    })?);
                }
                "targets" => {
                    for (tk, tv) in map(v, &err_at)? {
                        let name = tk.as_str().unwrap_or("");
                        let s = string(tv, &err_at)?;
                        let version = Version::parse(&s).ok_or_else(|| {
                            err_at(
                                tv.span().start,
                                format!("invalid version {s:?}: write it as \"1.4\", \"v1.4.0\" or \"latest\""),
                            )
                        })?;
                        match name {
                            "tekton" => config.targets.tekton = version,
                            "pipelines-as-code" => config.targets.pipelines_as_code = Some(version),
                            other => {
                                return Err(err_at(
                                    tk.span().start,
                                    format!("unknown target {other:?}: expected tekton or pipelines-as-code"),
                                ))
                            }
                        }
                    }
                }
                "tekton" => {
                    for (tk, tv) in map(v, &err_at)? {
                        match tk.as_str().unwrap_or("") {
                            "default-timeout-minutes" => {
                                let s = tv.as_str().unwrap_or("");
                                let n: i64 = s.trim().parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                                    err_at(
                                        tv.span().start,
                                        format!("default-timeout-minutes must be a whole number of minutes >= 0 (as in Tekton's config-defaults), not {s:?}"),
                                    )
                                })?;
                                config.tekton.default_timeout_minutes = n;
                                config.tekton.default_set_by = Some(format!(
                                    "`tekton.default-timeout-minutes` in {}:{}",
                                    display_path,
                                    at.line(tk.span().start)
                                ));
                            }
                            other => {
                                return Err(err_at(
                                    tk.span().start,
                                    format!("unknown key tekton.{other}: expected default-timeout-minutes"),
                                ))
                            }
                        }
                    }
                }
                "kubernetes" => config.kubernetes = kubernetes::parse(v, &at)?,
                "policy" => config.policy = policy::parse(v, &at)?,
                "preset" => {
                    config.strict = match v.as_str() {
                        Some("strict") => true,
                        Some("default") => false,
                        _ => {
                            return Err(err_at(
                                v.span().start,
                                "preset must be `strict` (also run the rules that are off by default) or `default`".into(),
                            ))
                        }
                    }
                }
                "max-file-size" => {
                    let s = string(v, &err_at)?;
                    config.max_file_size = Some(parse_size(&s).ok_or_else(|| {
                        err_at(v.span().start, format!("invalid size {s:?}: write e.g. 10MB or 500KB"))
                    })?);
                }
                other => {
                    return Err(err_at(
                        k.span().start,
                        format!(
                            "unknown key {other:?}: expected one of select, extend-select, ignore, severity, exclude, targets, tekton, kubernetes, policy, preset, max-file-size (see `cutoff init`)"
                        ),
                    ))
                }
            }
        }
        Ok(config)
    }

    /// Is the rule with this code (and default state) enabled?
    pub fn is_enabled(&self, code: &str, on_by_default: bool) -> bool {
        let exact = |list: &[String]| list.iter().any(|s| s.eq_ignore_ascii_case(code));
        let prefix = |list: &[String]| list.iter().any(|s| selector_matches(s, code));
        let ignored_exact = exact(&self.ignore);
        if ignored_exact {
            return false;
        }
        if exact(&self.extend_select) || self.select.as_deref().is_some_and(exact) {
            return true;
        }
        if prefix(&self.ignore) {
            return false;
        }
        if !on_by_default && !self.strict {
            return false;
        }
        match &self.select {
            Some(sel) => prefix(sel) || prefix(&self.extend_select),
            None => true,
        }
    }

    pub fn severity_for(&self, code: &str, default: Severity) -> Severity {
        self.severity.get(code).copied().unwrap_or(default)
    }

    pub fn is_excluded(&self, rel_path: &str) -> bool {
        self.exclude_set
            .as_ref()
            .is_some_and(|s| s.is_match(rel_path))
    }
}

/// `10MB`, `500KB`, `1048576`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("MB").or_else(|| s.strip_suffix("M")) {
        (n, 1_000_000)
    } else if let Some(n) = s.strip_suffix("KB").or_else(|| s.strip_suffix("K")) {
        (n, 1_000)
    } else if let Some(n) = s.strip_suffix("B") {
        (n, 1)
    } else {
        (s, 1)
    };
    num.trim().parse::<u64>().ok().map(|n| n * mult)
}

type ErrAt<'e> = dyn Fn(usize, String) -> ConfigError + 'e;

/// Where a configuration value sits, for the sections' parsers (`kubernetes:`, `policy:`):
/// errors with file, line and column, and the line a setting was written on.
pub struct At<'a> {
    pub text: &'a str,
    pub lines: &'a LineIndex,
    /// The configuration file as shown to users.
    pub path: &'a str,
}

impl At<'_> {
    /// An error at byte `offset` of the configuration file.
    pub fn err(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.lines.line_col(self.text, offset);
        ConfigError {
            path: self.path.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The 1-based line of byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.lines.line_col(self.text, offset).0
    }
}

fn seq<'a>(v: NodeRef<'a>, err_at: &ErrAt<'_>) -> Result<Vec<NodeRef<'a>>, ConfigError> {
    if v.is_sequence() {
        Ok(v.items().collect())
    } else if v.is_null() {
        Ok(Vec::new())
    } else {
        Err(err_at(v.span().start, "expected a list".into()))
    }
}

fn map<'a>(
    v: NodeRef<'a>,
    err_at: &ErrAt<'_>,
) -> Result<Vec<(NodeRef<'a>, NodeRef<'a>)>, ConfigError> {
    if v.is_mapping() {
        Ok(v.entries().collect())
    } else if v.is_null() {
        Ok(Vec::new())
    } else {
        Err(err_at(v.span().start, "expected a mapping".into()))
    }
}

fn string(v: NodeRef<'_>, err_at: &ErrAt<'_>) -> Result<String, ConfigError> {
    match v.as_str() {
        Some(s) => Ok(s.to_string()),
        None => Err(err_at(v.span().start, "expected a string".into())),
    }
}

fn code(v: NodeRef<'_>, err_at: &ErrAt<'_>) -> Result<String, ConfigError> {
    let s = string(v, err_at)?;
    let valid = s.eq_ignore_ascii_case("all")
        || (!s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric())
            && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()));
    if !valid {
        return Err(err_at(
            v.span().start,
            format!("{s:?} is not a rule code or prefix (e.g. TKN001, TKN, ALL)"),
        ));
    }
    Ok(s.to_ascii_uppercase())
}

fn code_list(v: NodeRef<'_>, err_at: &ErrAt<'_>) -> Result<Vec<String>, ConfigError> {
    seq(v, err_at)?
        .into_iter()
        .map(|i| code(i, err_at))
        .collect()
}

fn glob_matcher(v: NodeRef<'_>, err_at: &ErrAt<'_>) -> Result<globset::GlobMatcher, ConfigError> {
    let s = string(v, err_at)?;
    Glob::new(&s)
        .map(|g| g.compile_matcher())
        .map_err(|e| err_at(v.span().start, format!("invalid pattern {s:?}: {e}")))
}

fn resource_ignore(
    item: NodeRef<'_>,
    lines: &LineIndex,
    text: &str,
    err_at: &ErrAt<'_>,
) -> Result<ResourceIgnore, ConfigError> {
    let mut ri = ResourceIgnore {
        kind: None,
        name: None,
        namespace: None,
        rules: Vec::new(),
        line: lines.line_col(text, item.span().start).0,
    };
    for (k, v) in item.entries() {
        match k.as_str().unwrap_or("") {
            "kind" => ri.kind = Some(string(v, err_at)?),
            "name" => ri.name = Some(glob_matcher(v, err_at)?),
            "namespace" => ri.namespace = Some(glob_matcher(v, err_at)?),
            "rules" => ri.rules = code_list(v, err_at)?,
            other => {
                return Err(err_at(
                    k.span().start,
                    format!("unknown key {other:?} in a resource ignore: expected kind, name, namespace, rules"),
                ))
            }
        }
    }
    Ok(ri)
}

/// The commented example printed by `cutoff init`.
pub const EXAMPLE: &str = r#"# .cutoff.yaml: configuration for cutoff (https://github.com/cutoff-dev/cutoff)
# cutoff finds it in the linted directory or the nearest parent; `--config` names another.

# Which rules run. A code (TKN001), a family prefix (TKN) or ALL.
# Prefixes select the rules that are on by default; name a code to turn on
# one that is off by default (TKN015 non-canonical-duration, TKN018 unresolved-reference).
# select: [ALL]
# extend-select: [TKN015]
# ignore:
#   - TKN005                      # a rule code or prefix
#   - kind: PipelineRun           # or a resource: kind, name/namespace globs, rules
#     name: "legacy-*"
#     rules: [TKN012]

# Change a rule's severity (error, warning, info).
# severity:
#   TKN010: error

# Paths not to lint (globs, relative to the current directory).
# exclude: ["vendor/**", "charts/*/templates/**"]

# The versions that will read your manifests. Rules whose truth depends on the
# version say so in their message.
targets:
  tekton: "1.0"                 # "0.59", "1.4", "1.11", "latest", ...
  # pipelines-as-code: "0.38"   # for .tekton/ files; unset: assumed to match tekton

# Your cluster's Tekton config-defaults.
tekton:
  default-timeout-minutes: 60   # 0 means "no default timeout"

# A timeout policy: caps and required timeouts (POL001, POL002, ORC004; `cutoff timeouts`
# shows the cap of every value). The most specific setting wins: names, then kinds, then
# namespaces, then the global one. Durations: Go syntax (90m, 1h30m) or seconds (5400).
# policy:
#   max: 6h                     # the global cap
#   default: 1h                 # what an unbounded run is treated as
#   require-timeout: true       # every run must be bounded (no missing or "0" timeout)
#   ttl: 24h                    # `cutoff watch` deletes finished Jobs without their own TTL after this
#   namespaces:                 # metadata.namespace, else the nearest kustomization.yaml
#     ml-builds: {max: 12h}
#   kinds:                      # PipelineRun, TaskRun, Pipeline, Job, CronJob, OrchestratorPipeline;
#     Job: {max: 2h}            # a kind may lower the global cap, never raise it
#     PipelineRun: {max: 4h}
#   names:                      # globs over names; the first that matches wins
#     "nightly-*": {max: 10h}

# Files larger than this get a diagnostic instead of being parsed.
# max-file-size: 10MB

# Also run the rules that are off by default: JOB001 missing-deadline, JOB013 missing-ttl,
# CRON001 missing-starting-deadline (kube-linter and kube-score parity), TKN015, TKN018.
# `select` and `ignore` still apply.
# preset: strict

# Kubernetes Jobs and CronJobs: your platform's conventions, checked against the spec
# (JOB002-JOB005). Patterns match whole annotation keys and env var names; `*` is any text.
# kubernetes:
#   annotations:
#     deadline: ["*/timeout-seconds", "*/active-deadline-seconds"]
#     ttl: ["*/ttl-seconds-after-finished"]
#     grace: ["*/grace-period-seconds"]
#   env:              # an env var counts where the Job has an annotation of the same kind
#                     # and platform (FLOWFORGE_TIMEOUT ~ flowforge.io/timeout-seconds),
#                     # or everywhere once you name its patterns here
#     deadline: ["*_TIMEOUT", "*_TIMEOUT_SECONDS"]
#     grace: ["*_GRACE_PERIOD", "*_GRACE_PERIOD_SECONDS"]
#   source-of-truth: spec   # fixes rewrite annotations and env vars; `annotations`: the spec
#   min-ttl-seconds: 60     # JOB014 reports a shorter ttlSecondsAfterFinished
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses() {
        let c = Config::parse(EXAMPLE, "example").unwrap();
        assert_eq!(c.targets.tekton, Version::new(1, 0, 0));
        assert_eq!(c.tekton.default_timeout_minutes, 60);
    }

    /// The commented `policy:` block of the example, uncommented, is a valid policy.
    #[test]
    fn example_policy_block_parses() {
        let block: String = EXAMPLE
            .lines()
            .skip_while(|l| *l != "# policy:")
            .take_while(|l| l.starts_with("# "))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        let c = Config::parse(&block, "example").unwrap();
        assert!(c.policy.kind("PipelineRun").is_some());
        assert!(c.policy.global.require_timeout.is_some());
    }

    #[test]
    fn example_commented_blocks_parse() {
        // The commented `preset` and `kubernetes:` blocks, uncommented, are valid.
        let start = EXAMPLE.find("# preset: strict").unwrap();
        let text: String = EXAMPLE[start..]
            .lines()
            .filter(|l| {
                l.starts_with("# preset") || l.starts_with("# kubernetes") || l.starts_with("#  ")
            })
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        let c = Config::parse(&text, "example").unwrap();
        assert!(c.strict);
        assert_eq!(
            c.kubernetes,
            kubernetes::KubernetesSettings {
                env_named: vec![kubernetes::Promise::Deadline, kubernetes::Promise::Grace],
                ..Default::default()
            }
        );
        assert!(c.is_enabled("JOB001", false));
    }

    #[test]
    fn unknown_key_has_position() {
        let e = Config::parse("targets:\n  tekton: \"1.4\"\nbogus: 1\n", "c.yaml").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        assert!(e.message.contains("bogus"));
        let e = Config::parse("targets:\n  tekton: one\n", "c.yaml").unwrap_err();
        assert_eq!((e.line, e.column), (2, 11));
    }

    #[test]
    fn selection() {
        let c = Config::parse(
            "select: [TKN]\nignore: [TKN005]\nextend-select: [TKN015]\n",
            "c",
        )
        .unwrap();
        assert!(c.is_enabled("TKN001", true));
        assert!(!c.is_enabled("TKN005", true));
        assert!(c.is_enabled("TKN015", false));
        assert!(!c.is_enabled("TKN018", false));
        assert!(!c.is_enabled("ZZZ001", true));
        let d = Config::default();
        assert!(d.is_enabled("TKN001", true));
        assert!(!d.is_enabled("TKN015", false));
    }

    #[test]
    fn resource_ignores() {
        let c = Config::parse(
            "ignore:\n  - TKN005\n  - kind: Job\n    name: \"legacy-*\"\n    rules: [ZZZ001]\n",
            "c",
        )
        .unwrap();
        assert_eq!(c.ignore, vec!["TKN005"]);
        let ri = &c.resource_ignores[0];
        assert!(ri.matches("Job", Some("legacy-x"), None));
        assert!(!ri.matches("Job", Some("new"), None));
        assert!(ri.covers("ZZZ001"));
        assert!(!ri.covers("ZZZ002"));
    }
}
