//! Where a finding is shown. A finding names several places (the task in the Pipeline, the
//! run's budget, the step in the Task…), best first. It is shown at the first of them that
//! sits in a reported file, by the check of the object that contains it; the other places
//! become labels. So each finding is reported exactly once however the files are split,
//! and never in a file the user did not ask about (pre-commit passes only changed files;
//! the rest is context). Family-neutral: every family's cross-file findings are placed so.

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
