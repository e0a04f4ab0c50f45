//! The effective-timeout model of one run: a PipelineRun with one candidate Pipeline, or
//! the default run assumed for a Pipeline no PipelineRun in the repository references.
//!
//! Child TaskRun timeout (docs/tekton-timeouts.md, `pipelinerun.go:1399-1408, 1750-1779`):
//! 1. `pipelineTask.timeout`;
//! 2. else (v1.11+) the tasks/finally budget, only if 0 or above the configured default;
//! 3. `taskRunSpecs[].timeout` overrides both (v1.4+);
//! 4. else the configured default (unbounded when 0).

use serde::Serialize;

use crate::manifest::tekton::is_pac_path;
use crate::manifest::tekton::{PipelineRun, PipelineSpec, PipelineTask};
use crate::manifest::Meta;
use crate::model::Model;
use crate::source::SourceFile;

use super::budget::{Budgets, Settings};
use super::resolve::{self, PipelineSource, ResolvedPipeline, TaskTarget};
use super::value::{Origin, Timed};
use crate::duration::GoDuration;
use crate::model::dag::{self, Chain, Weight};
use crate::model::place::Place;
use crate::model::value::{Bound, Loc};

/// Why a tasks/finally budget was or was not passed down to a TaskRun.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PassDown {
    /// Passed down (v1.11+, the budget is 0 or above the default).
    Passed,
    /// The task's own timeout or a taskRunSpecs override applies: nothing to pass down.
    NotNeeded,
    /// The targeted Tekton is older than v1.11: never passed down.
    TooOld,
    /// The run has no tasks/finally budget (only `timeouts.pipeline`, or nothing): never passed down.
    NoBudget,
    /// The budget is not above the configured default, so Tekton keeps the default.
    NotAboveDefault,
    /// The budget is unknown (templated).
    Unknown,
}

impl PassDown {
    /// Why the default applies, for messages (`None` when it does not).
    pub fn why_default(
        self,
        finally: bool,
        budgets: &Budgets,
        settings: &Settings,
    ) -> Option<String> {
        let phase = if finally { "finally" } else { "tasks" };
        let no_budget = budgets.pass_down_candidate(finally).is_none();
        match self {
            PassDown::TooOld | PassDown::NoBudget if no_budget => Some(match budgets.pipeline.origin {
                Origin::ClusterDefault => "the run sets no timeouts".to_string(),
                Origin::Deprecated => "the run's budget, the deprecated `spec.timeout` (`timeouts.pipeline` in v1), is never passed down to TaskRuns".to_string(),
                _ => format!(
                    "`timeouts.pipeline` alone is never passed down to TaskRuns (only `timeouts.{phase}` is, from Tekton v1.11)"
                ),
            }),
            PassDown::TooOld => Some(format!(
                "Tekton before v1.11 never passes `timeouts.{phase}` down to TaskRuns (targeted: v{})",
                settings.tekton
            )),
            PassDown::NotAboveDefault => Some(format!(
                "the {phase} budget is passed down only when it is 0 or above the default"
            )),
            _ => None,
        }
    }
}

/// What evidently was wanted for a task, though Tekton does not read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    /// A `taskRunSpecs[].timeout` the targeted version drops.
    DroppedTaskRunSpec,
    /// `spec.timeout` on the Task (or `taskSpec`): no Tekton version reads it.
    MisplacedTaskTimeout,
}

#[derive(Clone, Debug, Serialize)]
pub struct Intent {
    pub kind: IntentKind,
    pub value: Bound,
    pub at: Loc,
}

/// One pipeline task (or finally task) and its effective TaskRun timeout.
#[derive(Clone, Serialize)]
pub struct TaskModel<'p> {
    pub name: String,
    pub finally: bool,
    pub index: usize,
    /// The task's `name` value (else the list item).
    pub at: Loc,
    /// `timeout` on the pipeline task.
    pub own: Option<Timed>,
    /// `taskRunSpecs[].timeout` for this task, read or not.
    pub task_run_spec: Option<Timed>,
    /// Why the targeted version drops `task_run_spec`.
    pub task_run_spec_dropped: Option<String>,
    pub pass_down: PassDown,
    /// The TaskRun's `spec.timeout` as the controller will set it (per attempt).
    pub effective: Timed,
    /// Holds whatever the run: always for a PipelineRun; for the default run, only when
    /// the pipeline task sets its own timeout or the targeted Tekton has neither
    /// taskRunSpecs timeouts nor pass-down (before v1.4).
    pub certain: bool,
    pub intent: Vec<Intent>,
    pub retries: i64,
    /// The tasks it runs after (`runAfter` and result references), by name.
    pub after: Vec<String>,
    pub target: TaskTarget<'p>,
    #[serde(skip)]
    pub view: PipelineTask<'p>,
    #[serde(skip)]
    pub file: &'p SourceFile,
}

impl<'p> TaskModel<'p> {
    /// The place of the task's effective timeout (its field, else the task's name), for
    /// findings and labels.
    pub fn timeout_place(&self) -> Place {
        let text = format!(
            "task `{}` runs under {} ({})",
            self.name,
            self.effective.value.display(),
            self.effective.origin.describe()
        );
        Place::new(self.effective.at.as_ref().unwrap_or(&self.at), text)
    }

    /// `tasks[2]` when unnamed.
    pub fn label(&self) -> String {
        self.name.clone()
    }

    /// The task's timeout was written by the author (on the task or in taskRunSpecs).
    pub fn authored(&self) -> bool {
        self.effective.origin.is_authored()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    PipelineRun,
    /// The run the cluster creates by default for a Pipeline no PipelineRun in the repository references.
    DefaultRun,
}

impl RunKind {
    /// "PipelineRun `name`" / "a default run of Pipeline `name`" ([`RunModel::describe`]).
    pub fn describe(self, name: &str) -> String {
        match self {
            RunKind::PipelineRun => format!("PipelineRun `{name}`"),
            RunKind::DefaultRun => format!("a default run of Pipeline `{name}`"),
        }
    }
}

/// The effective-timeout model of one run.
#[derive(Clone, Serialize)]
pub struct RunModel<'p> {
    pub kind: RunKind,
    /// The PipelineRun's name (or generateName); the Pipeline's name for a default run.
    pub name: String,
    /// The run's `metadata.name` (else its root); the Pipeline's for a default run.
    pub at: Loc,
    pub in_trigger_template: bool,
    pub pipeline: PipelineSource,
    pub settings: Settings,
    pub budgets: Budgets,
    pub tasks: Vec<TaskModel<'p>>,
    pub finally: Vec<TaskModel<'p>>,
    /// The longest chain of written task timeouts through the DAG: the path whose tasks'
    /// own timeouts (on the pipeline task, or a `taskRunSpecs` timeout the targeted version
    /// reads) add up to the most. Tasks without one count nothing (the default is a cap, not a
    /// duration anyone asked for); so do `"0"`, a timeout equal to the whole phase budget
    /// ("may use all of it"), a passed-down budget and unknown values ([`written_weight`]).
    /// TKN011 judges this chain and `cutoff timeouts` marks it.
    pub chain: Option<Chain>,
    /// How many PipelineRuns in the repository use the same in-repo Pipeline (1 for an
    /// embedded `pipelineSpec` or an unresolved one; 0 for a default run): findings on a
    /// Pipeline shared by several runs are reported once, at the Pipeline.
    pub pipeline_runs: usize,
    /// The finally task with the longest effective timeout (finally tasks run in parallel).
    pub longest_finally: Option<String>,
    #[serde(skip)]
    pub run: Option<PipelineRun<'p>>,
    #[serde(skip)]
    pub run_file: &'p SourceFile,
    #[serde(skip)]
    pub pipeline_file: Option<&'p SourceFile>,
    #[serde(skip)]
    pub pipeline_meta: Option<Meta<'p>>,
    #[serde(skip)]
    pub pipeline_spec: Option<PipelineSpec<'p>>,
}

impl<'p> RunModel<'p> {
    /// The run's place: its name, "PipelineRun `x`".
    pub fn place(&self) -> Place {
        Place::new(&self.at, self.describe())
    }

    /// The place of a phase's budget (its field, else the run's name).
    pub fn budget_place(&self, finally: bool) -> Place {
        let b = self.budgets.phase(finally);
        let text = self.budgets.describe_phase(finally);
        match &b.at {
            Some(at) => Place::new(at, text),
            None => Place::new(&self.at, format!("{}: {}", self.describe(), text)),
        }
    }

    /// The longest path of the DAG if every task uses its effective timeout (the cluster
    /// default included; unbounded counts as infinite, unknown as nothing): the worst-case
    /// timeline `cutoff timeouts --format mermaid` draws, and what budget-raising fixes fit.
    pub fn effective_chain(&self) -> Option<Chain> {
        let names: Vec<String> = self.tasks.iter().map(|t| t.name.clone()).collect();
        let deps: Vec<Vec<usize>> = self
            .tasks
            .iter()
            .map(|t| {
                t.after
                    .iter()
                    .filter_map(|a| names.iter().position(|n| n == a))
                    .collect()
            })
            .collect();
        dag::longest(&names, &deps, |i| match self.tasks[i].effective.value {
            Bound::Finite(d) => Weight::Finite(d),
            Bound::Unbounded => Weight::Infinite,
            Bound::Unknown => Weight::Zero,
        })
    }

    /// How long the tasks phase may take at most if every task uses its effective timeout
    /// (the cluster default included) along the longest path of the DAG; `None` when a task
    /// on it is unbounded.
    pub fn effective_chain_total(&self) -> Option<GoDuration> {
        self.effective_chain()?.total.finite()
    }

    pub fn all_tasks(&self) -> impl Iterator<Item = &TaskModel<'p>> {
        self.tasks.iter().chain(self.finally.iter())
    }

    pub fn task(&self, name: &str) -> Option<&TaskModel<'p>> {
        self.all_tasks().find(|t| t.name == name)
    }

    /// "PipelineRun `x`" / "the default run of Pipeline `x`".
    pub fn describe(&self) -> String {
        self.kind.describe(&self.name)
    }

    /// ` (with the Pipeline `x` of overlays/prod/pipeline.yaml, one of 2 with that name)`
    /// when the name is ambiguous; ` (with the Pipeline `x` of a/pipeline.yaml, the nearest of
    /// 3 with that name)` when nearness chose it.
    pub fn which_pipeline(&self) -> String {
        match (&self.pipeline, self.pipeline_file) {
            (PipelineSource::InRepo { name, of, .. }, Some(f)) if *of > 1 => {
                format!(
                    " (with the Pipeline `{name}` of {}, one of {of} with that name)",
                    f.path
                )
            }
            (PipelineSource::InRepo { name, named, .. }, Some(f)) if *named > 1 => {
                format!(
                    " (with the Pipeline `{name}` of {}, the nearest of {named} with that name)",
                    f.path
                )
            }
            _ => String::new(),
        }
    }

    /// Builds the models of a PipelineRun: one per candidate Pipeline.
    pub fn of_run(
        model: &'p Model<'p>,
        config: &crate::config::Config,
        run: &PipelineRun<'p>,
        file: &'p SourceFile,
        in_tt: bool,
    ) -> Vec<RunModel<'p>> {
        let settings = Settings::new(
            config,
            &model.tekton.default,
            is_pac_path(&file.path) && !in_tt,
        );
        let budgets = Budgets::of_run(run, file, &settings);
        resolve::pipelines_for_run(model, run, file)
            .into_iter()
            .map(|p| {
                build(
                    model,
                    settings.clone(),
                    budgets.clone(),
                    Some(run.clone()),
                    file,
                    in_tt,
                    p,
                )
            })
            .collect()
    }

    /// Only the model of `run` with the given Pipeline document (for the Pipeline's own checks).
    #[allow(clippy::too_many_arguments)]
    pub fn of_run_with(
        model: &'p Model<'p>,
        config: &crate::config::Config,
        run: &PipelineRun<'p>,
        file: &'p SourceFile,
        in_tt: bool,
        pipeline_file: &'p SourceFile,
        pipeline_meta: Meta<'p>,
        pipeline_spec: &PipelineSpec<'p>,
    ) -> Option<RunModel<'p>> {
        let p = resolve::pipeline_of_run(
            model,
            run,
            file,
            pipeline_file,
            pipeline_meta,
            pipeline_spec,
        )?;
        let settings = Settings::new(
            config,
            &model.tekton.default,
            is_pac_path(&file.path) && !in_tt,
        );
        let budgets = Budgets::of_run(run, file, &settings);
        Some(build(
            model,
            settings,
            budgets,
            Some(run.clone()),
            file,
            in_tt,
            p,
        ))
    }

    /// The default run for a Pipeline no PipelineRun references.
    pub fn default_run(
        model: &'p Model<'p>,
        config: &crate::config::Config,
        meta: Meta<'p>,
        spec: &PipelineSpec<'p>,
        file: &'p SourceFile,
    ) -> RunModel<'p> {
        let settings = Settings::new(config, &model.tekton.default, false);
        let budgets = Budgets::default_run(&settings);
        let name_at = meta
            .root
            .path(&["metadata", "name"])
            .map(|n| n.span())
            .unwrap_or_else(|| meta.root.span());
        let p = ResolvedPipeline {
            source: PipelineSource::InRepo {
                name: meta.name.unwrap_or("").to_string(),
                at: Loc::new(file, name_at),
                of: 1,
                named: 1,
            },
            file: Some(file),
            meta: Some(meta),
            spec: Some(spec.clone()),
        };
        let mut m = build(model, settings, budgets, None, file, false, p);
        m.kind = RunKind::DefaultRun;
        m.name = meta.name.unwrap_or("").to_string();
        m.at = Loc::new(file, name_at);
        m
    }
}

fn build<'p>(
    model: &'p Model<'p>,
    settings: Settings,
    budgets: Budgets,
    run: Option<PipelineRun<'p>>,
    run_file: &'p SourceFile,
    in_tt: bool,
    p: ResolvedPipeline<'p>,
) -> RunModel<'p> {
    let (name, at) = match &run {
        Some(r) => {
            let span = r
                .meta
                .root
                .path(&["metadata", "name"])
                .or_else(|| r.meta.root.path(&["metadata", "generateName"]))
                .map(|n| n.span())
                .unwrap_or_else(|| r.meta.root.span());
            let generated =
                r.meta.root.path(&["metadata", "name"]).is_none() && r.meta.name.is_some();
            let name = r.meta.name.unwrap_or("").to_string();
            (
                if generated { format!("{name}*") } else { name },
                Loc::new(run_file, span),
            )
        }
        None => (
            String::new(),
            Loc::new(run_file, crate::yaml::Span::default()),
        ),
    };
    let namespace = run
        .as_ref()
        .and_then(|r| r.meta.namespace)
        .or(p.meta.and_then(|m| m.namespace));
    let mut tasks = Vec::new();
    let mut finally = Vec::new();
    if let (Some(spec), Some(pfile)) = (&p.spec, p.file) {
        for pt in spec.all_tasks() {
            let t = task_model(
                model,
                &settings,
                &budgets,
                run.as_ref(),
                run_file,
                pfile,
                pt,
                spec,
                namespace,
            );
            if pt.finally {
                finally.push(t);
            } else {
                tasks.push(t);
            }
        }
    }
    let names: Vec<String> = tasks.iter().map(|t| t.name.clone()).collect();
    let deps: Vec<Vec<usize>> = tasks
        .iter()
        .map(|t| {
            t.after
                .iter()
                .filter_map(|a| names.iter().position(|n| n == a))
                .collect()
        })
        .collect();
    let phase = budgets.phase(false).value;
    let chain = dag::longest(&names, &deps, |i| written_weight(&tasks[i], phase));
    let pipeline_runs = match (&run, &p.source, p.meta, p.file) {
        (None, _, _, _) => 0,
        (Some(_), PipelineSource::InRepo { .. }, Some(meta), Some(pfile))
            if run_file_differs(&p, run_file) =>
        {
            resolve::runs_resolving_to(model, pfile, meta).max(1)
        }
        _ => 1,
    };
    let longest_finally = finally
        .iter()
        .filter(|t| t.effective.value.is_known())
        .fold(None::<&TaskModel>, |best, t| match best {
            Some(b) if t.effective.value.exceeds(b.effective.value) != Some(true) => Some(b),
            _ => Some(t),
        })
        .map(|t| t.name.clone());
    RunModel {
        kind: RunKind::PipelineRun,
        name,
        at,
        in_trigger_template: in_tt,
        pipeline: p.source,
        settings,
        budgets,
        tasks,
        finally,
        chain,
        pipeline_runs,
        longest_finally,
        run,
        run_file,
        pipeline_file: p.file,
        pipeline_meta: p.meta,
        pipeline_spec: p.spec,
    }
}

/// Runs that share what a finding is about, grouped by the budget of one phase: messages
/// about several runs state each group's own budget, never one number for all.
pub struct BudgetGroup<'m, 'p> {
    /// [`Budgets::describe_phase`] of the group's runs, e.g. "the `timeouts.pipeline` budget of 6h0m0s".
    pub budget: String,
    pub value: Bound,
    pub runs: Vec<&'m RunModel<'p>>,
}

/// Groups `runs` by the budget of their tasks (`finally`: finally) phase, in order of first
/// appearance.
pub fn group_by_budget<'m, 'p>(
    runs: &[&'m RunModel<'p>],
    finally: bool,
) -> Vec<BudgetGroup<'m, 'p>> {
    let mut groups: Vec<BudgetGroup<'m, 'p>> = Vec::new();
    for m in runs {
        let budget = m.budgets.describe_phase(finally);
        match groups.iter_mut().find(|g| g.budget == budget) {
            Some(g) => g.runs.push(m),
            None => groups.push(BudgetGroup {
                budget,
                value: m.budgets.phase(finally).value,
                runs: vec![m],
            }),
        }
    }
    groups
}

/// How many run names a message spells out before "and N more".
pub const NAMED_RUNS: usize = 3;

/// "PipelineRun `a`", "PipelineRuns `a` and `b`", "PipelineRuns `a`, `b`, `c` and 4 more".
pub fn run_names(runs: &[&RunModel<'_>]) -> String {
    let names: Vec<String> = runs.iter().map(|m| format!("`{}`", m.name)).collect();
    let noun = if runs.iter().all(|m| m.kind == RunKind::DefaultRun) {
        "default run"
    } else {
        "PipelineRun"
    };
    match names.len() {
        0 => String::new(),
        1 => format!("{noun} {}", names[0]),
        2 => format!("{noun}s {} and {}", names[0], names[1]),
        n if n <= NAMED_RUNS + 1 => {
            format!("{noun}s {} and {}", names[..n - 1].join(", "), names[n - 1])
        }
        n => format!(
            "{noun}s {} and {} more",
            names[..NAMED_RUNS].join(", "),
            n - NAMED_RUNS
        ),
    }
}

/// "the `timeouts.pipeline` budget of 6h0m0s of PipelineRuns `a` and `b`", or for several
/// groups "the `timeouts.pipeline` budget of 6h0m0s of PipelineRun `a`; the default pipeline
/// budget of 1h0m0s (…) of PipelineRuns `b` and `c`".
pub fn describe_groups(groups: &[BudgetGroup<'_, '_>]) -> String {
    groups
        .iter()
        .map(|g| format!("{} of {}", g.budget, run_names(&g.runs)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Is the Pipeline of `p` in another file than the run (not an embedded `pipelineSpec`)?
fn run_file_differs(p: &ResolvedPipeline<'_>, run_file: &SourceFile) -> bool {
    p.file.is_some_and(|f| f.path != run_file.path)
}

/// What a task's timeout weighs on the chain ([`RunModel::chain`]): its written timeout, or
/// nothing.
pub fn written_weight(t: &TaskModel<'_>, phase: Bound) -> Weight {
    match (t.effective.origin, t.effective.value) {
        (Origin::Explicit | Origin::TaskRunSpec, Bound::Finite(d)) if phase != Bound::Finite(d) => {
            Weight::Finite(d)
        }
        _ => Weight::Zero,
    }
}

#[allow(clippy::too_many_arguments)]
fn task_model<'p>(
    model: &'p Model<'p>,
    settings: &Settings,
    budgets: &Budgets,
    run: Option<&PipelineRun<'p>>,
    run_file: &'p SourceFile,
    pfile: &'p SourceFile,
    pt: &PipelineTask<'p>,
    spec: &PipelineSpec<'p>,
    namespace: Option<&str>,
) -> TaskModel<'p> {
    let name = pt.name.map(str::to_string).unwrap_or_else(|| {
        format!(
            "{}[{}]",
            if pt.finally { "finally" } else { "tasks" },
            pt.index
        )
    });
    let own = pt
        .timeout
        .as_ref()
        .and_then(|t| Timed::read(t, pfile, Origin::Explicit));
    let trs = run.and_then(|r| {
        r.task_run_specs
            .iter()
            .filter(|s| s.pipeline_task_name == pt.name && pt.name.is_some())
            .find_map(|s| s.timeout.as_ref())
            .and_then(|t| Timed::read(t, run_file, Origin::TaskRunSpec))
    });
    let dropped_why = trs
        .as_ref()
        .and_then(|_| settings.task_run_spec_dropped_why());
    let mut target = resolve::pipeline_task_target(model, pfile, pt, namespace);
    if let (TaskTarget::Unresolved { name, .. }, Some(r)) = (&target, run) {
        if resolve::pac_fetched_tasks(model, r).contains(name) {
            target = TaskTarget::FetchedByPac { name: name.clone() };
        }
    }

    // Tekton's pipelineRunTimeout(): the tasks/finally budget, if 0 or above the default.
    let candidate = budgets.pass_down_candidate(pt.finally);
    let pass_value = |c: &Timed| -> Option<Bound> {
        match c.value {
            Bound::Unbounded => Some(Bound::Unbounded),
            Bound::Finite(d) => match settings.default {
                Some(def) if d <= def => None,
                _ => Some(Bound::Finite(d)),
            },
            Bound::Unknown => Some(Bound::Unknown),
        }
    };
    let trs_kept = trs.as_ref().filter(|_| dropped_why.is_none());
    let (effective, pass_down) = if let Some(t) = trs_kept {
        (t.clone(), PassDown::NotNeeded)
    } else if let Some(o) = &own {
        (o.clone(), PassDown::NotNeeded)
    } else if settings.time_left {
        // Before v0.40: the time left in the run when the TaskRun starts, at most the phase's
        // allowance.
        (
            Timed::new(budgets.allowance(pt.finally), Origin::TimeLeft, None),
            PassDown::NotNeeded,
        )
    } else if !settings.pass_down {
        (
            Timed::new(settings.default_bound(), Origin::ClusterDefault, None),
            PassDown::TooOld,
        )
    } else {
        match candidate {
            None => (
                Timed::new(settings.default_bound(), Origin::ClusterDefault, None),
                PassDown::NoBudget,
            ),
            Some(c) => match pass_value(c) {
                Some(Bound::Unknown) => (
                    Timed::new(Bound::Unknown, c.origin, c.at.clone()),
                    PassDown::Unknown,
                ),
                Some(v) => (
                    Timed::new(v, Origin::PassedDown, c.at.clone()),
                    PassDown::Passed,
                ),
                None => (
                    Timed::new(settings.default_bound(), Origin::ClusterDefault, None),
                    PassDown::NotAboveDefault,
                ),
            },
        }
    };
    // Without a run, a task's timeout is certain when the pipeline sets it, or when the
    // targeted Tekton has no run-side way to change it (no taskRunSpecs timeout, hence no pass-down).
    let certain = run.is_some() || own.is_some() || !settings.task_run_spec_timeout;
    let mut intent = Vec::new();
    if let (Some(t), Some(_)) = (&trs, &dropped_why) {
        if let Some(at) = &t.at {
            intent.push(Intent {
                kind: IntentKind::DroppedTaskRunSpec,
                value: t.value,
                at: at.clone(),
            });
        }
    }
    for def in target.defs() {
        if let Some(m) = &def.misplaced_timeout {
            if let Some(at) = &m.at {
                intent.push(Intent {
                    kind: IntentKind::MisplacedTaskTimeout,
                    value: m.value,
                    at: at.clone(),
                });
            }
        }
    }
    let mut after: Vec<String> = Vec::new();
    if !pt.finally {
        for a in pt
            .run_after
            .iter()
            .map(|s| s.to_string())
            .chain(pt.result_deps.iter().cloned())
        {
            if Some(a.as_str()) != pt.name
                && !after.contains(&a)
                && spec.tasks.iter().any(|t| t.name == Some(a.as_str()))
            {
                after.push(a);
            }
        }
    }
    TaskModel {
        at: Loc::new(pfile, pt.name_span()),
        name,
        finally: pt.finally,
        index: pt.index,
        own,
        task_run_spec: trs,
        task_run_spec_dropped: dropped_why,
        pass_down,
        effective,
        certain,
        intent,
        retries: pt.retries.unwrap_or(0).max(0),
        after,
        target,
        view: pt.clone(),
        file: pfile,
    }
}
