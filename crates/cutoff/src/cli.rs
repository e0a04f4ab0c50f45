//! The command line: `cutoff lint`, `rules`, `explain`, `init`, `timeouts`.
//! Thin: everything it does is a call into the library.

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

use cutoff_core::baseline;
use cutoff_core::cache;
use cutoff_core::config::{self, Config};
use cutoff_core::diagnostic::{Diagnostic, Severity};
use cutoff_core::fix;
use cutoff_core::lint::{self, Input, DEFAULT_MAX_FILE_SIZE};
use cutoff_core::model::Model;
use cutoff_core::project::Project;
use cutoff_core::report::{self, Format};
use cutoff_core::rules;
use cutoff_core::source::SourceFile;
use cutoff_core::version::Version;
use cutoff_core::walk;

use rayon::prelude::*;

use crate::groups::{self, Group};
use crate::snapshot;

const EXIT_OK: i32 = 0;
const EXIT_FINDINGS: i32 = 1;
const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "cutoff",
    version,
    args_override_self = true,
    about = "Finds and fixes wrong timeouts in Tekton and Kubernetes manifests.",
    long_about = "Finds and fixes wrong timeouts in Tekton and Kubernetes manifests.\n\n\
cutoff reads every YAML file of a repository (multi-document files, Tekton v1 and v1beta1, \
Pipelines-as-Code `.tekton/` runs, Triggers templates, Kubernetes Jobs, CronJobs and pod \
templates, Kustomize overlays, orchestrator pipelines), resolves references across files, and \
reports timeouts that the cluster would reject, silently drop, or cut short — with the exact \
position, the reason from the upstream source, and a fix. An optional policy in .cutoff.yaml \
caps timeouts per kind, namespace and name; `cutoff watch` holds live runs to the same answers.",
    after_help = "Examples:\n  \
cutoff lint                          lint the current directory\n  \
cutoff lint deploy/ .tekton/ x.yaml  lint some paths (references still resolve repo-wide)\n  \
cutoff lint --fix                    apply safe fixes in place\n  \
cutoff timeouts .tekton/pr.yaml      show the effective timeout tree of a run\n  \
cutoff explain TKN012                read a rule's documentation\n\n\
Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage, configuration or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint manifests and report (or fix) wrong timeouts.
    #[command(after_help = LINT_EXAMPLES)]
    Lint(Box<LintArgs>),
    /// Show the effective timeout tree of each run, Job and pipeline: why did it die at 1h?
    #[command(
        after_help = "Examples:\n  cutoff timeouts\n  cutoff timeouts .tekton/pull-request.yaml --format json\n  cutoff timeouts --format mermaid --changed-since origin/main >> summary.md"
    )]
    Timeouts(TimeoutsArgs),
    /// List every rule: code, name, default severity, fixable, on by default.
    Rules {
        /// Output as a table or as JSON.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print a rule's documentation page (by code or name).
    #[command(
        after_help = "Examples:\n  cutoff explain TKN001\n  cutoff explain default-timeout-trap"
    )]
    Explain {
        /// A rule code such as TKN012, or its name.
        rule: String,
    },
    /// Print a commented example `.cutoff.yaml` (or write it with --write).
    Init {
        /// Write `.cutoff.yaml` in the current directory (refuses to overwrite).
        #[arg(long)]
        write: bool,
    },
    /// Enforce the repository's validated timeouts on a live cluster (dry-run unless --enforce).
    #[cfg(feature = "watch")]
    #[command(
        long_about = cutoff_watch::WATCH_LONG_ABOUT,
        after_long_help = cutoff_watch::WATCH_EXAMPLES
    )]
    Watch(Box<WatchCommand>),
    /// Enforce the repository's validated timeouts on a live cluster (not in this build).
    #[cfg(not(feature = "watch"))]
    #[command(
        long_about = "Enforce the repository's validated timeouts on a live cluster.\n\nThis build of cutoff is lint-only: `cutoff watch` needs the Kubernetes client, which lint installs (pre-commit, the Action, the wheel) never compile. Build it with `cargo install --locked --path . --features watch`, or run the container image (see the README, \"cutoff watch\")."
    )]
    Watch {
        /// The options `cutoff watch` would take.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        args: Vec<String>,
    },
}

/// `cutoff watch`: the repository (or, for tests, a knowledge file) and the watch options.
#[cfg(feature = "watch")]
#[derive(Args, Debug)]
pub struct WatchCommand {
    /// Read what live objects are held to from FILE instead of linting `--repo` (for tests).
    #[arg(long, value_name = "FILE", hide = true)]
    pub knowledge: Option<PathBuf>,
    #[command(flatten)]
    pub watch: cutoff_watch::WatchArgs,
}

/// Runs `cutoff watch`: loads the repository's knowledge, then watches until stopped (or
/// once, with `--once`).
#[cfg(feature = "watch")]
fn run_watch(w: WatchCommand) -> Result<i32, String> {
    let knowledge: Arc<dyn cutoff_watch::Knowledge> = match &w.knowledge {
        Some(f) => Arc::new(cutoff_watch::StaticKnowledge::load(f)?),
        None => Arc::new(cutoff_watch::RepoKnowledge::load(
            &w.watch.repo,
            w.watch.config.as_deref(),
        )?),
    };
    Ok(cutoff_watch::run_blocking(w.watch, knowledge))
}

const LINT_EXAMPLES: &str = "Examples:
  cutoff lint                                   lint the current directory
  cutoff lint deploy/ .tekton/ pipeline.yaml    lint some paths
  cat pr.yaml | cutoff lint --stdin-filename .tekton/pr.yaml -
  cutoff lint --format sarif --output text --output sarif=cutoff.sarif
  cutoff lint --fix                             apply safe fixes
  cutoff lint --fix --unsafe-fixes              also apply fixes that change behaviour
  cutoff lint --diff                            show what --fix would change
  cutoff lint --changed-since origin/main       only files changed since a git ref
  cutoff lint --write-baseline .cutoff-baseline.json   adopt cutoff in a large repository
  cutoff lint --baseline .cutoff-baseline.json         report only new findings

Formats: text (default on a terminal), concise (path:line:col: severity[CODE] message; the
default when piped), json, sarif, github (workflow annotations), junit, checkstyle.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Configuration file (default: `.cutoff.yaml` in the linted directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any `.cutoff.yaml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Tekton version the manifests target, e.g. 1.0, 1.4, latest (overrides targets.tekton).
    #[arg(long, value_name = "VERSION")]
    pub tekton_version: Option<String>,
    /// Pipelines-as-Code version for `.tekton/` files (overrides targets.pipelines-as-code).
    #[arg(long, value_name = "VERSION")]
    pub pac_version: Option<String>,
    /// The cluster's `default-timeout-minutes` (0 = no default timeout).
    #[arg(long, value_name = "MINUTES")]
    pub default_timeout_minutes: Option<i64>,
    /// Repository root against which Pipelines and Tasks are resolved
    /// (default: the config file's directory, else the git root, else the path).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Files or directories to lint (default: `.`). `-` reads standard input.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// An extra output: FORMAT or FORMAT=FILE (repeatable), e.g. `--output sarif=cutoff.sarif`.
    #[arg(long, value_name = "FORMAT[=FILE]")]
    pub output: Vec<String>,
    /// Apply safe fixes in place (with `-`, print the fixed text to standard output).
    #[arg(long)]
    pub fix: bool,
    /// Also apply unsafe fixes (they change behaviour, e.g. raise a budget).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print a unified diff of the fixes instead of writing them.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Show each finding's available fix in text output.
    #[arg(long)]
    pub show_fixes: bool,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Only these rules (codes or prefixes, comma-separated; ALL for every rule).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Also these rules (e.g. TKN015, which is off by default).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,
    /// Not these rules.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// The path to report for standard input (`-`); decides e.g. whether it is a `.tekton/` file.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<String>,
    /// Files larger than this are reported, not parsed (e.g. 10MB, 500KB).
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Lint only files changed between REF and the working tree (git); references still
    /// resolve against the whole repository.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Do not report findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Apply `exclude:` also to files named on the command line (as pre-commit and editors
    /// pass them); without it, a named file is always linted.
    #[arg(long)]
    pub force_exclude: bool,
    /// Do not read or write the cache of results, nor the run's plan kept beside it (also:
    /// `CUTOFF_NO_CACHE=1`).
    #[arg(long)]
    pub no_cache: bool,
    /// Where to keep the cache of results (also: `CUTOFF_CACHE_DIR`; default:
    /// `.cutoff_cache/` at the repository root; the platform's cache directory when the root is
    /// read-only or cannot be written).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimeoutsFormat {
    /// The effective-timeout tree.
    Text,
    /// The same model as data.
    Json,
    /// Markdown: a Mermaid `gantt` chart per run, its tasks along the longest chain, the
    /// budget as a milestone (GitHub renders it).
    Mermaid,
}

#[derive(Args, Debug)]
pub struct TimeoutsArgs {
    /// Files or directories (default: `.`).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Output as a tree, as JSON, or as Mermaid charts in Markdown.
    #[arg(long, value_enum, default_value_t = TimeoutsFormat::Text)]
    pub format: TimeoutsFormat,
    /// Only the runs that read a file changed between REF and the working tree (git): the
    /// run's own file, its Pipeline's or one of its Tasks'.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

/// Runs the CLI with the process arguments; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("cutoff: error: {msg}");
            EXIT_ERROR
        }
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    match cli.command {
        Command::Lint(args) => run_lint(*args),
        Command::Timeouts(args) => run_timeouts(args),
        Command::Rules { format } => {
            print_rules(format);
            Ok(EXIT_OK)
        }
        Command::Explain { rule } => match rules::by_code(&rule) {
            Some(r) => {
                out(r.doc);
                Ok(EXIT_OK)
            }
            None => Err(format!("no rule {rule:?}; `cutoff rules` lists them")),
        },
        #[cfg(feature = "watch")]
        Command::Watch(w) => run_watch(*w),
        #[cfg(not(feature = "watch"))]
        Command::Watch { .. } => Err(
            "this build of cutoff is lint-only: build it with `cargo install --locked --path . --features watch` for `cutoff watch` (see the README)".to_string(),
        ),
        Command::Init { write } => {
            if write {
                let p = Path::new(config::CONFIG_FILE_NAMES[0]);
                if p.exists() {
                    return Err(format!(
                        "{} already exists; not overwriting it",
                        p.display()
                    ));
                }
                std::fs::write(p, config::EXAMPLE)
                    .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
                eprintln!("wrote {}", p.display());
            } else {
                out(config::EXAMPLE);
            }
            Ok(EXIT_OK)
        }
    }
}

/// Writes to standard output; a closed pipe (`cutoff rules | head`) is not an error.
fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn print_rules(format: ListFormat) {
    let all = rules::all();
    let mut text = String::new();
    match format {
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code, "name": r.name, "severity": r.severity.as_str(),
                        "fix": r.fix.as_str(), "fix_title": r.fix_title,
                        "default": r.enabled_by_default, "summary": r.summary,
                    })
                })
                .collect();
            text = serde_json::to_string_pretty(&v).unwrap_or_default();
            text.push('\n');
        }
        ListFormat::Text => {
            text.push_str(&format!(
                "{:<7} {:<34} {:<8} {:<14} {:<8} SUMMARY\n",
                "CODE", "NAME", "SEVERITY", "FIX", "DEFAULT"
            ));
            for r in all {
                text.push_str(&format!(
                    "{:<7} {:<34} {:<8} {:<14} {:<8} {}\n",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    r.fix.as_str(),
                    if r.enabled_by_default { "on" } else { "off" },
                    r.summary
                ));
                if let Some(t) = r.fix_title {
                    text.push_str(&format!("{:<72} fix: {t}\n", ""));
                }
            }
        }
    }
    out(&text);
}

/// The URLs of the git remotes of the checkout `near` lies in (none outside git): a
/// git-resolver reference to one of them fetches from the linted repository itself.
pub(crate) fn git_remote_urls(near: &Path) -> Vec<String> {
    let dir = if near.is_dir() {
        near
    } else {
        near.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let Ok(out) = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["remote", "-v"])
        .stderr(std::process::Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    let mut urls: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// Applies the command-line overrides every command shares to a loaded configuration.
pub(crate) fn apply_overrides(common: &Common, config: &mut Config) -> Result<(), String> {
    if let Some(v) = &common.tekton_version {
        config.targets.tekton =
            Version::parse(v).ok_or_else(|| format!("--tekton-version: invalid version {v:?}"))?;
    }
    if let Some(v) = &common.pac_version {
        config.targets.pipelines_as_code =
            Some(Version::parse(v).ok_or_else(|| format!("--pac-version: invalid version {v:?}"))?);
    }
    if let Some(m) = common.default_timeout_minutes {
        if m < 0 {
            return Err("--default-timeout-minutes must be >= 0".into());
        }
        config.tekton.default_timeout_minutes = m;
        config.tekton.default_set_by = Some("`--default-timeout-minutes`".to_string());
    }
    Ok(())
}

fn cwd() -> Result<PathBuf, String> {
    std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))
}

/// What a run reads: the reported files and, for reference resolution, the rest of the root.
struct Loaded {
    project: Project,
    files_scanned: usize,
    io_errors: Vec<String>,
    /// The findings of the files checked as they were read, and which files those are.
    checked: Vec<Diagnostic>,
    alone: Vec<bool>,
    /// The kustomizations the files checked as they were read saw, for the model of the rest.
    kustomize: Option<Arc<cutoff_core::model::kustomize::Kustomizations>>,
}

/// Reads one group: its files (those in `only`, if given) to report on and, for reference
/// resolution, the rest of its root; standard input if it belongs to the group. With
/// `standalone` (a lint, not a fix), the files that stand alone are checked as they are
/// read ([`lint::standalone`]); `keep_text`: the reports show source text.
fn load_group(
    g: &Group,
    stdin: Option<(String, Vec<u8>)>,
    only: Option<&HashSet<PathBuf>>,
    standalone: bool,
    keep_text: bool,
) -> Result<Loaded, String> {
    let max = g.config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let inputs = group_inputs(g, only)?;
    if standalone && stdin.is_none() {
        let read = |i: usize, _: ()| lint::read_input(&inputs[i], max).map(|f| (f, ()));
        let options = lint::standalone::Options {
            config: &g.config,
            keep_text,
            tokens: false,
        };
        let states = vec![(); inputs.len()];
        let loaded = lint::standalone::load(&inputs, states, &read, max, &options, true, &|_| {
            lint::standalone::Now::Check
        });
        cutoff_core::timing::phase("read and parse");
        let mut checked: Vec<Diagnostic> = loaded
            .checked
            .into_iter()
            .flatten()
            .flat_map(|(d, _)| d)
            .collect();
        checked.shrink_to_fit();
        return Ok(Loaded {
            project: loaded.project,
            files_scanned: inputs.iter().filter(|i| i.report).count(),
            io_errors: loaded
                .io_errors
                .into_iter()
                .map(|e| format!("{}: {}", e.path, e.message))
                .collect(),
            checked,
            alone: loaded.alone,
            kustomize: Some(loaded.kustomize),
        });
    }
    let (mut sources, errs) = lint::load(&inputs, max);
    let io_errors = errs
        .into_iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    let mut files_scanned = inputs.iter().filter(|i| i.report).count();
    if let Some((name, bytes)) = stdin {
        // Standard input replaces a file of the same name, if the walk found one.
        sources.retain(|s| *s.path != *name);
        sources.push(lint::from_bytes(
            Arc::from(name.as_str()),
            None,
            bytes,
            true,
        ));
        files_scanned += 1;
    }
    cutoff_core::timing::phase("read and parse");
    Ok(Loaded {
        project: Project::new(sources),
        files_scanned,
        io_errors,
        checked: Vec::new(),
        alone: Vec::new(),
        kustomize: None,
    })
}

/// The files of one group: those to report on (those in `only`, if given) and, for
/// reference resolution, the rest of its root.
fn group_inputs(g: &Group, only: Option<&HashSet<PathBuf>>) -> Result<Vec<Input>, String> {
    let cwd = cwd()?;
    let config = &g.config;
    let exclude = |shown: &str| config.is_excluded(shown);
    let files: Vec<&PathBuf> = match only {
        Some(only) => g
            .files
            .iter()
            .filter(|f| {
                std::fs::canonicalize(f)
                    .map(|c| only.contains(&c))
                    .unwrap_or(false)
            })
            .collect(),
        None => g.files.iter().collect(),
    };
    let mut inputs: Vec<Input> = files
        .par_iter()
        .map(|&f| Input {
            path: Arc::from(walk::display_path(f, &cwd)),
            fs_path: f.clone(),
            report: true,
        })
        .collect();
    // The rest of the repository, read only to resolve Pipelines and Tasks; nothing to add
    // when the whole root is linted anyway.
    if only.is_some() || !g.covers_root {
        let reported: HashSet<PathBuf> = files
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .collect();
        let (context, _) = walk::collect(std::slice::from_ref(&g.root), &cwd, &exclude);
        for f in context {
            let Ok(c) = std::fs::canonicalize(&f) else {
                continue;
            };
            if !reported.contains(&c) {
                let shown = walk::display_path(&c, &cwd);
                inputs.push(Input {
                    path: Arc::from(shown),
                    fs_path: f,
                    report: false,
                });
            }
        }
    }
    Ok(inputs)
}

/// Whether lint results are cached (`None` with `--no-cache` or `CUTOFF_NO_CACHE`), and in
/// which directory when one was chosen (`--cache-dir`, `CUTOFF_CACHE_DIR`).
fn caching(args: &LintArgs) -> Option<Option<PathBuf>> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let no = env("CUTOFF_NO_CACHE").is_some_and(|v| v != "0" && v != "false");
    if args.no_cache || no {
        return None;
    }
    Some(
        args.cache_dir
            .clone()
            .or_else(|| env("CUTOFF_CACHE_DIR").map(PathBuf::from)),
    )
}

/// Where a group's lint results are cached: `--cache-dir` (or `CUTOFF_CACHE_DIR`), else
/// `.cutoff_cache/` at the group's root, else the platform's cache directory; `None` with
/// `--no-cache` (or `CUTOFF_NO_CACHE`), or when no directory can be made.
fn cache_file(args: &LintArgs, g: &Group) -> Option<PathBuf> {
    let chosen = caching(args)?;
    let root = std::fs::canonicalize(&g.root).unwrap_or_else(|_| g.root.clone());
    let config = g.config.path.as_deref();
    if let Some(dir) = chosen {
        return cache::prepare_dir(&dir)
            .ok()
            .map(|_| cache::file_in(&dir, &root, config));
    }
    // The cache goes beside what it describes, unless the root is marked read-only (we may
    // still be able to write there, as root can, but nobody asked us to).
    let read_only = std::fs::metadata(&root).is_ok_and(|m| m.permissions().readonly());
    let local = root.join(cache::DIR_NAME);
    if !read_only && cache::prepare_dir(&local).is_ok() {
        return Some(cache::file_in(&local, &root, config));
    }
    // A read-only checkout: the platform's cache directory, one file per root.
    let dir = cache::platform_dir()?;
    cache::prepare_dir(&dir)
        .ok()
        .map(|_| cache::file_in(&dir, &root, config))
}

/// The files changed since `reference` in the repositories of every group's root.
fn changed_files(reference: &str, groups: &[Group]) -> Result<HashSet<PathBuf>, String> {
    let mut all = HashSet::new();
    let mut seen: Vec<&Path> = Vec::new();
    for g in groups {
        if seen.contains(&g.root.as_path()) {
            continue;
        }
        seen.push(&g.root);
        all.extend(baseline::changed_since(reference, &g.root)?);
    }
    Ok(all)
}

/// One project from the projects of several groups: every file once (a file reported in
/// one group may be context in another), for the reporters and the fixer's output.
fn merge_projects(projects: Vec<Project>) -> Project {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut at: std::collections::HashMap<Arc<str>, usize> = Default::default();
    for p in projects {
        for f in p.sources.into_files() {
            match at.get(&f.path) {
                Some(&i) if !files[i].report && f.report => files[i] = f,
                Some(_) => {}
                None => {
                    at.insert(f.path.clone(), files.len());
                    files.push(f);
                }
            }
        }
    }
    Project::new(files)
}

fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// An output format on the command line (the core's [`Format`], with clap's help per value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatArg(pub Format);

impl ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [FormatArg; 7] = [
            FormatArg(Format::ALL[0]),
            FormatArg(Format::ALL[1]),
            FormatArg(Format::ALL[2]),
            FormatArg(Format::ALL[3]),
            FormatArg(Format::ALL[4]),
            FormatArg(Format::ALL[5]),
            FormatArg(Format::ALL[6]),
        ];
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.as_str()).help(self.0.description()))
    }
}

fn parse_output(spec: &str) -> Result<(Format, Option<PathBuf>), String> {
    let (f, file) = match spec.split_once('=') {
        Some((f, p)) => (f, Some(PathBuf::from(p))),
        None => (spec, None),
    };
    let format = Format::parse(f).ok_or_else(|| {
        format!("--output {spec:?}: unknown format {f:?} (text, concise, json, sarif, github, junit, checkstyle)")
    })?;
    Ok((format, file))
}

fn fails(diags: &[Diagnostic], fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
        FailOn::Never => return false,
    };
    diags.iter().any(|d| d.severity >= threshold)
}

fn run_lint(args: LintArgs) -> Result<i32, String> {
    let use_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect()
    };
    let max_file_size = match &args.max_file_size {
        Some(s) => Some(
            config::parse_size(s).ok_or_else(|| format!("--max-file-size: invalid size {s:?}"))?,
        ),
        None => None,
    };
    let adjust = |config: &mut Config| -> Result<(), String> {
        if !args.select.is_empty() {
            config.select = Some(args.select.iter().map(|s| s.to_ascii_uppercase()).collect());
        }
        config
            .extend_select
            .extend(args.extend_select.iter().map(|s| s.to_ascii_uppercase()));
        config
            .ignore
            .extend(args.ignore.iter().map(|s| s.to_ascii_uppercase()));
        if max_file_size.is_some() {
            config.max_file_size = max_file_size;
        }
        Ok(())
    };
    let outputs: Vec<(Format, Option<PathBuf>)> = args
        .output
        .iter()
        .map(|o| parse_output(o))
        .collect::<Result<_, _>>()?;

    let stdin_name = use_stdin.then(|| args.stdin_filename.clone().unwrap_or_else(|| "-".into()));
    // With only `-`, lint nothing else (but still resolve references in the repository).
    let lint_paths: Vec<PathBuf> = if use_stdin && args.paths.iter().all(|p| p.as_os_str() == "-") {
        Vec::new()
    } else {
        paths.clone()
    };
    cutoff_core::timing::phase("start");
    // A repeated lint run (cached, not fixing, the whole of each root) takes its plan from
    // the last run's snapshot when nothing the walk rested on changed.
    let fixing = args.fix || args.diff;
    // Only walks are worth keeping: named files are taken as given anyway (pre-commit names
    // a new set of files on every run).
    let walks = !lint_paths.is_empty() && lint_paths.iter().all(|p| p.is_dir());
    let snapshot_key = (walks
        && !fixing
        && !use_stdin
        && args.changed_since.is_none()
        && caching(&args).is_some())
    .then(|| snapshot::key(&lint_paths, &args.common, args.force_exclude));
    let saved = snapshot_key.and_then(|k| {
        let file = snapshot::find(caching(&args).flatten().as_deref(), &lint_paths, k)?;
        snapshot::load(&file, k)
    });
    cutoff_core::timing::phase("snapshot");
    if saved.is_some() && std::env::var_os("CUTOFF_CACHE_STATS").is_some() {
        eprintln!("cutoff: plan: reused from the last run");
    }
    let mut plan = match saved {
        Some(saved) => groups::from_saved(saved, &args.common, &adjust)?,
        None => groups::plan(
            &lint_paths,
            &args.common,
            args.force_exclude,
            stdin_name.as_deref(),
            &adjust,
            snapshot_key.is_some(),
        )?,
    };
    cutoff_core::timing::phase("plan");
    // What the walk's threads freed stays in their arenas otherwise.
    cutoff_core::heap::give_back();
    let mut stdin = if use_stdin {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        stdin_name.clone().map(|n| (n, buf))
    } else {
        None
    };
    let only = match &args.changed_since {
        Some(r) => Some(changed_files(r, &plan.groups)?),
        None => None,
    };

    let main_format = args
        .format
        .map(|f| f.0)
        .unwrap_or(if std::io::stdout().is_terminal() {
            Format::Text
        } else {
            Format::Concise
        });
    // Reports that show source text (and baselines, which fingerprint it) need the files
    // findings point into; the others need only their lines.
    let need_text = args.baseline.is_some()
        || args.write_baseline.is_some()
        || std::iter::once(main_format)
            .chain(outputs.iter().map(|(f, _)| *f))
            .any(|f| matches!(f, Format::Text | Format::Sarif));

    // Each group is linted (or fixed) under its own configuration, against its own root.
    let mut io_errors = plan.io_errors.clone();
    let mut files_scanned = 0;
    let mut fixed_count = 0;
    let mut changed = std::collections::BTreeMap::new();
    let mut applied_fixes = Vec::new();
    let mut projects = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut snapshot_dir: Option<PathBuf> = None;
    for gi in 0..plan.groups.len() {
        let g = &plan.groups[gi];
        let input = if g.stdin { stdin.take() } else { None };
        // Lint runs (not fixes, not standard input) reuse what they can of the last run.
        let cached = if fixing || input.is_some() {
            None
        } else {
            cache_file(&args, g)
        };
        if let Some(file) = cached {
            if snapshot_dir.is_none() {
                snapshot_dir = file.parent().map(Path::to_path_buf);
            }
            let inputs = group_inputs(g, only.as_ref())?;
            cutoff_core::timing::phase("inputs");
            let max = g.config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
            let root = std::fs::canonicalize(&g.root).unwrap_or_else(|_| g.root.clone());
            let id = cache::identity(&g.config, &cwd()?, &root);
            let out = cache::lint(&inputs, max, &g.config, &file, id, need_text);
            cutoff_core::timing::phase("cache: lint");
            for n in &out.notes {
                eprintln!("cutoff: note: {n}");
            }
            if std::env::var_os("CUTOFF_CACHE_STATS").is_some() {
                let s = out.stats;
                eprintln!(
                    "cutoff: cache: {} files, {} reused, {} checked{}",
                    s.files,
                    s.reused,
                    s.checked,
                    if s.replayed { " (replayed)" } else { "" }
                );
            }
            io_errors.extend(
                out.io_errors
                    .into_iter()
                    .map(|e| format!("{}: {}", e.path, e.message)),
            );
            files_scanned += inputs.iter().filter(|i| i.report).count();
            if diags.is_empty() {
                diags = out.diagnostics;
            } else {
                diags.extend(out.diagnostics);
            }
            projects.push(out.project);
            // Freed by the process's exit, as the project is (100,000 paths, one by one,
            // cost an unchanged run 10 ms).
            std::mem::forget(inputs);
            continue;
        }
        let loaded = load_group(g, input, only.as_ref(), !fixing, need_text)?;
        if snapshot_key.is_none() {
            // No plan is kept for the next run: the walk's list of files (100,000 paths)
            // is done with before the checks.
            drop(std::mem::take(&mut plan.groups[gi].files));
        }
        let g = &plan.groups[gi];
        cutoff_core::timing::phase("identify and index");
        io_errors.extend(loaded.io_errors);
        files_scanned += loaded.files_scanned;
        if fixing {
            let files: Vec<SourceFile> = loaded.project.sources.into_files();
            let fixed = lint::fix_files(files, &g.config, args.unsafe_fixes);
            for r in &fixed.refused {
                eprintln!("cutoff: warning: fixes for {r} were not applied: the result would not parse as YAML (please report this)");
            }
            fixed_count += fixed.applied;
            changed.extend(fixed.changed);
            applied_fixes.extend(fixed.log);
            diags.extend(fixed.diagnostics);
            projects.push(fixed.project);
        } else {
            let model = match &loaded.kustomize {
                Some(k) => Model::with_kustomizations(&loaded.project, &g.config, k.clone()),
                None => Model::new(&loaded.project, &g.config),
            };
            cutoff_core::timing::phase("model");
            let alone = &loaded.alone;
            let mut found =
                lint::check_model_where(&model, &|i| !alone.get(i).copied().unwrap_or(false));
            if !loaded.checked.is_empty() {
                // Two sorted runs: the sort merges them. Grown once, to the size needed
                // (tens of thousands of findings at 100,000 files).
                found.reserve_exact(loaded.checked.len());
                found.extend(loaded.checked);
                found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            }
            if diags.is_empty() {
                diags = found;
            } else {
                diags.extend(found);
            }
            cutoff_core::timing::phase("check");
            // Freed by the process's exit: tearing down a large model costs seconds.
            std::mem::forget(model);
            projects.push(loaded.project);
        }
    }
    // The plan was made afresh: keep it for the next run, when every group covered its
    // whole root (no other files were walked for context).
    if let (Some(k), Some((trail, started)), Some(dir)) = (snapshot_key, &plan.trail, &snapshot_dir)
    {
        if plan.groups.iter().all(|g| g.covers_root) {
            snapshot::save(
                &snapshot::file_in(dir, k),
                k,
                &plan,
                trail,
                &lint_paths,
                &args.common,
                *started,
            );
        }
    }
    cutoff_core::timing::phase("snapshot: save");
    for e in &io_errors {
        eprintln!("cutoff: error: {e}");
    }
    let project = if projects.len() == 1 {
        projects.pop().expect("one project")
    } else {
        diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diags.dedup();
        merge_projects(projects)
    };

    // Write or show the fixes.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut stdin_fixed_printed = false;
    if fixing {
        for (path, original) in &changed {
            let Some(file) = project.file(path) else {
                continue;
            };
            if args.diff {
                let _ = write!(stdout, "{}", fix::unified_diff(path, original, &file.text));
            } else if let Some(fs) = &file.fs_path {
                fix::write_atomic(fs, &file.text)
                    .map_err(|e| format!("cannot write {path}: {e}"))?;
            } else {
                let _ = stdout.write_all(file.text.as_bytes());
                stdin_fixed_printed = true;
            }
        }
        if args.fix {
            // Say what was fixed (pre-commit shows it when the hook fails on the rewrite).
            for a in applied_fixes
                .iter()
                .filter(|a| changed.contains_key(&a.path))
            {
                eprintln!(
                    "cutoff: fixed {}:{}: {} {}",
                    a.path, a.line, a.code, a.description
                );
            }
        }
        if use_stdin && args.fix && !stdin_fixed_printed {
            // Unchanged standard input is echoed, as formatters do.
            if let Some(f) = project.files.iter().find(|f| f.fs_path.is_none()) {
                let _ = stdout.write_all(f.text.as_bytes());
                stdin_fixed_printed = true;
            }
        }
    }

    if let Some(bl) = &args.write_baseline {
        baseline::write(bl, &project, &diags)
            .map_err(|e| format!("cannot write baseline {}: {e}", bl.display()))?;
        eprintln!(
            "cutoff: recorded {} findings in {}",
            diags.len(),
            bl.display()
        );
        return Ok(if io_errors.is_empty() {
            EXIT_OK
        } else {
            EXIT_ERROR
        });
    }
    if let Some(bl) = &args.baseline {
        let b = baseline::Baseline::load(bl)
            .map_err(|e| format!("cannot read baseline {}: {e}", bl.display()))?;
        diags = b.filter(&project, diags, bl);
    }

    let rule_metas = rules::metas();
    let report = report::Report {
        sources: &project,
        rules: &rule_metas,
        diagnostics: &diags,
        files_scanned,
        fixed: fixed_count,
        color: false,
        show_fixes: args.show_fixes,
    };
    // Reports go to stderr when stdout carries fixed text or a diff.
    let to_stderr = stdin_fixed_printed || args.diff;
    let mut primary_outputs: Vec<(Format, Option<PathBuf>)> = Vec::new();
    if args.format.is_some() || !outputs.iter().any(|(_, f)| f.is_none()) {
        primary_outputs.push((main_format, None));
    }
    primary_outputs.extend(outputs);
    for (format, file) in primary_outputs {
        match file {
            Some(p) => {
                let mut buf = Vec::new();
                report::render(format, &report, &mut buf).map_err(|e| e.to_string())?;
                std::fs::write(&p, buf)
                    .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            }
            None => {
                let color = format == Format::Text && color_enabled(args.color) && !to_stderr;
                let r = report::Report { color, ..report };
                if to_stderr {
                    let mut err = std::io::stderr().lock();
                    report::render(format, &r, &mut err).map_err(|e| e.to_string())?;
                } else {
                    report::render(format, &r, &mut stdout).map_err(|e| e.to_string())?;
                }
            }
        }
    }
    let _ = stdout.flush();
    cutoff_core::timing::phase("report");
    let code = if !io_errors.is_empty() {
        EXIT_ERROR
    } else if fails(&diags, args.fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    // The process exits next: freeing every tree and finding one by one would only cost time.
    std::mem::forget(project);
    std::mem::forget(diags);
    Ok(code)
}

fn run_timeouts(args: TimeoutsArgs) -> Result<i32, String> {
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let plan = groups::plan(&paths, &args.common, false, None, &|_| Ok(()), false)?;
    let mut io_errors = plan.io_errors.clone();
    let touching = match &args.changed_since {
        Some(r) => Some(changed_files(r, &plan.groups)?),
        None => None,
    };
    let format = match args.format {
        TimeoutsFormat::Text => crate::timeouts::Format::Text,
        TimeoutsFormat::Json => crate::timeouts::Format::Json,
        TimeoutsFormat::Mermaid => crate::timeouts::Format::Mermaid,
    };
    // One rendering per group, each under its own configuration and root.
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for g in &plan.groups {
        let loaded = load_group(g, None, None, false, true)?;
        io_errors.extend(loaded.io_errors);
        let model = Model::new(&loaded.project, &g.config);
        let diags = lint::check_model(&model);
        let mut buf = Vec::new();
        crate::timeouts::render(&model, &diags, format, touching.as_ref(), &mut buf)
            .map_err(|e| e.to_string())?;
        parts.push(buf);
    }
    for e in &io_errors {
        eprintln!("cutoff: error: {e}");
    }
    let text = crate::timeouts::join(format, parts)?;
    out(&text);
    Ok(if io_errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}
