//! A run's worst case in time: when each task starts and ends if every task takes its
//! whole effective timeout, laid out along the DAG (a task starts when the last task it
//! runs after has ended; finally tasks when the tasks phase ends), and which tasks end
//! past the budget that bounds them, so the run cuts them short. `cutoff timeouts --format
//! mermaid` draws it; every number here is the model's (effective timeouts, budgets).
//!
//! Like the effective chain ([`super::tekton::RunModel::effective_chain`]), an unknown timeout (a
//! placeholder) counts as nothing and an unbounded one as infinite.

use serde::Serialize;

use crate::duration::GoDuration;

use super::tekton::{RunModel, TaskModel};
use super::value::{add, Bound};

/// Where one task sits in the worst case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub start: Bound,
    pub end: Bound,
    /// It ends after a budget that bounds it: the pipeline budget, and the tasks budget (for
    /// tasks) or the finally budget from the start of the finally tasks (for those).
    pub past_budget: bool,
}

/// The worst case of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// One per task of [`RunModel::tasks`], in the same order.
    pub tasks: Vec<Slot>,
    /// One per finally task of [`RunModel::finally`], in the same order.
    pub finally: Vec<Slot>,
    /// When the last task ends.
    pub tasks_end: Bound,
    /// The tasks budget runs out before the tasks end: the finally tasks start then.
    pub finally_at_budget: bool,
}

const ZERO: Bound = Bound::Finite(GoDuration::ZERO);

/// What a task adds to the time line.
fn length(t: &TaskModel<'_>) -> Bound {
    match t.effective.value {
        Bound::Unknown => ZERO,
        b => b,
    }
}

/// The later of two instants (unbounded is later than every finite one).
fn later(a: Bound, b: Bound) -> Bound {
    match (a, b) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => Bound::Unbounded,
        (Bound::Finite(x), Bound::Finite(y)) => Bound::Finite(x.max(y)),
        (Bound::Unknown, x) | (x, Bound::Unknown) => x,
    }
}

fn past(end: Bound, budget: Bound) -> bool {
    end.exceeds(budget) == Some(true)
}

impl Timeline {
    /// The worst case of `m`; `None` when its tasks form a cycle (Tekton rejects those).
    pub fn of(m: &RunModel<'_>) -> Option<Timeline> {
        let n = m.tasks.len();
        let deps: Vec<Vec<usize>> = m
            .tasks
            .iter()
            .map(|t| {
                t.after
                    .iter()
                    .filter_map(|a| m.tasks.iter().position(|o| o.name == *a))
                    .collect()
            })
            .collect();
        // Ends, by depth-first search with a cycle check.
        let mut end: Vec<Option<Bound>> = vec![None; n];
        let mut on_path = vec![false; n];
        fn visit(
            i: usize,
            m: &RunModel<'_>,
            deps: &[Vec<usize>],
            end: &mut [Option<Bound>],
            on_path: &mut [bool],
        ) -> Option<Bound> {
            if let Some(e) = end[i] {
                return Some(e);
            }
            if on_path[i] {
                return None;
            }
            on_path[i] = true;
            let mut start = ZERO;
            for &d in &deps[i] {
                start = later(start, visit(d, m, deps, end, on_path)?);
            }
            on_path[i] = false;
            let e = add(start, length(&m.tasks[i]));
            end[i] = Some(e);
            Some(e)
        }
        for i in 0..n {
            visit(i, m, &deps, &mut end, &mut on_path)?;
        }
        let ends: Vec<Bound> = end.into_iter().map(|e| e.unwrap_or(ZERO)).collect();
        let tasks_budget = m.budgets.phase(false).value;
        let pipeline_budget = m.budgets.pipeline.value;
        let tasks: Vec<Slot> = (0..n)
            .map(|i| {
                let start = deps[i].iter().fold(ZERO, |s, &d| later(s, ends[d]));
                Slot {
                    start,
                    end: ends[i],
                    past_budget: past(ends[i], tasks_budget) || past(ends[i], pipeline_budget),
                }
            })
            .collect();
        let tasks_end = ends.iter().fold(ZERO, |a, &b| later(a, b));
        let finally_at_budget = past(tasks_end, tasks_budget);
        let finally_start = if finally_at_budget {
            tasks_budget
        } else {
            tasks_end
        };
        let finally_budget = m.budgets.phase(true).value;
        let finally = m
            .finally
            .iter()
            .map(|t| {
                let end = add(finally_start, length(t));
                Slot {
                    start: finally_start,
                    end,
                    past_budget: past(length(t), finally_budget) || past(end, pipeline_budget),
                }
            })
            .collect();
        Some(Timeline {
            tasks,
            finally,
            tasks_end,
            finally_at_budget,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_and_past() {
        let h = |x| Bound::Finite(GoDuration::from_hours(x));
        assert_eq!(later(h(1), h(2)), h(2));
        assert_eq!(later(h(1), Bound::Unbounded), Bound::Unbounded);
        assert_eq!(later(Bound::Unknown, h(1)), h(1));
        assert!(past(h(2), h(1)));
        assert!(!past(h(1), h(1)));
        assert!(!past(h(2), Bound::Unknown));
        assert!(past(Bound::Unbounded, h(1)));
        assert!(!past(Bound::Unbounded, Bound::Unbounded));
    }
}
