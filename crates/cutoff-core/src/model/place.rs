//! Where a finding is shown. A finding names several places (the task in the Pipeline, the
//! run's budget, the step in the Task…), best first. It is shown at the first of them that
//! sits in a reported file, by the check of the object that contains it; the other places
//! become labels. So each finding is reported exactly once however the files are split,
//! and never in a file the user did not ask about (pre-commit passes only changed files;
//! the rest is context). Family-neutral: every family's cross-file findings are placed so.

use std::collections::{HashMap, HashSet};

use crate::project::Project;
use crate::yaml::Span;

use super::value::Loc;

/// A place a finding concerns, with what to say about it when it is a label.
#[derive(Clone, Debug)]
pub struct Place {
    pub at: Loc,
    pub note: String,
}

impl Place {
    pub fn new(at: &Loc, note: impl Into<String>) -> Place {
        Place {
            at: at.clone(),
            note: note.into(),
        }
    }
}

/// Where a finding is shown: the primary span in the checked file, and labels.
#[derive(Clone, Debug)]
pub struct Placement {
    pub primary: Loc,
    pub labels: Vec<Place>,
}

/// A finding a rule computed from a model, before it is placed.
pub struct Finding<F> {
    /// Best first; the first in a reported file becomes the primary span.
    pub places: Vec<Place>,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<F>,
    /// The run it was found under (a label when findings from several runs meet at one place).
    pub run: Place,
}

/// Where to show a finding that concerns `places` (best first), when the object whose root
/// spans `object` in the file `path` is checked; `None` when another object's check shows
/// it (or no place is in a reported file).
pub fn place_in(
    project: &Project,
    path: &str,
    object: Span,
    places: &[Place],
) -> Option<Placement> {
    let chosen = places
        .iter()
        .position(|p| project.file(&p.at.path).is_some_and(|f| f.report))?;
    let c = &places[chosen];
    if &*c.at.path != path || !object.contains(c.at.span) {
        return None;
    }
    let mut labels = Vec::new();
    for (i, p) in places.iter().enumerate() {
        if i == chosen || p.note.is_empty() {
            continue;
        }
        if labels.iter().any(|l: &Place| l.at == p.at) || (p.at == c.at) {
            continue;
        }
        labels.push(p.clone());
    }
    Some(Placement {
        primary: c.at.clone(),
        labels,
    })
}

/// Places the findings the object (in `path`, rooted at `object`) shows; findings from
/// several runs at the same primary span are merged into the first, with a label for
/// each other run.
pub fn settle<F>(
    project: &Project,
    path: &str,
    object: Span,
    findings: Vec<Finding<F>>,
) -> Vec<(Placement, Finding<F>)> {
    let mut out: Vec<(Placement, Finding<F>)> = Vec::new();
    let mut at_primary: HashMap<Loc, usize> = HashMap::new();
    // The labelled places of each merged finding (built on its first merge).
    let mut labelled: HashMap<usize, HashSet<Loc>> = HashMap::new();
    for f in findings {
        let Some(p) = place_in(project, path, object, &f.places) else {
            continue;
        };
        if let Some(&i) = at_primary.get(&p.primary) {
            let (prev, first) = &mut out[i];
            let seen = labelled
                .entry(i)
                .or_insert_with(|| prev.labels.iter().map(|l| l.at.clone()).collect());
            if first.message != f.message && f.run.at != first.run.at && !seen.contains(&f.run.at) {
                seen.insert(f.run.at.clone());
                prev.labels
                    .push(Place::new(&f.run.at, format!("also under {}", f.run.note)));
            }
            continue;
        }
        at_primary.insert(p.primary.clone(), out.len());
        out.push((p, f));
    }
    out
}
