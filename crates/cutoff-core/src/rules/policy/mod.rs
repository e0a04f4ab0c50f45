//! Policy rules: caps and required timeouts from `.cutoff.yaml`'s `policy:`, checked
//! against the effective timeout the model computes for every object of every family.
//! They stay silent when no policy is configured. What each cap judges is the model's
//! ([`crate::model::policy`]); these rules place and word the findings.
//!
//! A finding is shown once, at the value that carries it (a run's budget at the run, a
//! task's timeout at the task in the Pipeline), by the check of the object containing it;
//! several entries with the same value (the Pipeline's task under several runs, steps
//! sharing a pipeline default) become one finding with a label for each other one.

pub mod pol001_exceeds_cap;
pub mod pol002_missing_timeout;

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::manifest::Object;
use crate::model::place::place_in;
use crate::model::{Effective, Loc, Place};

use super::{Context, Rule};

pub static RULES: &[&Rule] = &[&pol001_exceeds_cap::RULE, &pol002_missing_timeout::RULE];

/// A policy finding before it is placed.
pub(crate) struct PolicyFinding<'e> {
    pub entry: &'e Effective,
    /// Best first: the value, then the object.
    pub places: Vec<Place>,
    pub message: String,
    pub help: String,
}

/// Places `findings` for the checked object and pushes the ones it shows: one diagnostic
/// per primary place, the other entries found there as labels.
pub(crate) fn emit(
    cx: &Context<'_>,
    object: &Object<'_>,
    rule: &'static Rule,
    findings: Vec<PolicyFinding<'_>>,
    out: &mut Vec<Diagnostic>,
) {
    let span = object.meta().root.span();
    let mut shown: Vec<(Diagnostic, Vec<Loc>)> = Vec::new();
    let mut at: HashMap<Loc, usize> = HashMap::new();
    for f in findings {
        let Some(p) = place_in(cx.model, &cx.file.path, span, &f.places) else {
            continue;
        };
        if let Some(&i) = at.get(&p.primary) {
            let (d, seen) = &mut shown[i];
            let other = &f.entry.object;
            if !seen.contains(other) {
                seen.push(other.clone());
                *d = std::mem::replace(d, cx.diag(rule, p.primary.span, "")).label(
                    &other.path,
                    other.span,
                    format!("also {}", f.entry.describe()),
                );
            }
            continue;
        }
        let mut d = cx.diag(rule, p.primary.span, f.message).help(f.help);
        let mut seen = vec![f.entry.object.clone()];
        for l in p.labels {
            seen.push(l.at.clone());
            d = d.label(&l.at.path, l.at.span, l.note);
        }
        at.insert(p.primary, shown.len());
        shown.push((d, seen));
    }
    out.extend(shown.into_iter().map(|(d, _)| d));
}

/// The value as written at `at`, for messages.
pub(crate) fn written(cx: &Context<'_>, at: &Loc) -> String {
    cx.model
        .file(&at.path)
        .and_then(|f| f.text.get(at.span.range()))
        .map(|s| crate::diagnostic::elide(s.trim()).into_owned())
        .unwrap_or_default()
}
