//! A standalone TaskRun: its timeout (`spec.timeout`, else the configured default) and its steps.

use serde::Serialize;

use crate::config::Config;
use crate::manifest::tekton::is_pac_path;
use crate::manifest::tekton::TaskRun;
use crate::model::Model;
use crate::source::SourceFile;

use super::budget::Settings;
use super::resolve::{self, TaskTarget};
use super::value::{Origin, Timed};
use crate::model::value::Loc;

#[derive(Clone, Serialize)]
pub struct TaskRunModel<'p> {
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    pub at: Loc,
    pub in_trigger_template: bool,
    /// `spec.timeout`, else the configured default (`v1/taskrun_defaults.go:70-72`); per attempt.
    pub effective: Timed,
    pub target: TaskTarget<'p>,
    pub settings: Settings,
    #[serde(skip)]
    pub file: &'p SourceFile,
}

impl<'p> TaskRunModel<'p> {
    pub fn of(
        model: &'p Model<'p>,
        config: &Config,
        run: &TaskRun<'p>,
        file: &'p SourceFile,
        in_tt: bool,
    ) -> TaskRunModel<'p> {
        let settings = Settings::new(
            config,
            &model.tekton.default,
            is_pac_path(&file.path) && !in_tt,
        );
        let effective = run
            .timeout
            .as_ref()
            .and_then(|t| Timed::read(t, file, Origin::Explicit))
            .unwrap_or_else(|| Timed::new(settings.default_bound(), Origin::ClusterDefault, None));
        let span = run
            .meta
            .root
            .path(&["metadata", "name"])
            .or_else(|| run.meta.root.path(&["metadata", "generateName"]))
            .map(|n| n.span())
            .unwrap_or_else(|| run.meta.root.span());
        let target = match run.spec {
            Some(spec) => resolve::task_target(
                model,
                file,
                spec,
                run.task_ref.as_ref(),
                run.task_spec.as_ref(),
                run.meta.namespace,
            ),
            None => TaskTarget::Missing,
        };
        TaskRunModel {
            name: run.meta.name.unwrap_or("").to_string(),
            namespace: run.meta.namespace.map(str::to_string),
            at: Loc::new(file, span),
            in_trigger_template: in_tt,
            effective,
            target,
            settings,
            file,
        }
    }
}
