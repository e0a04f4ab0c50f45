//! The DAG of a pipeline's `tasks` (edges from `runAfter` and `$(tasks.X.results…)`
//! references) and its longest chain under a weight.

use serde::Serialize;

use crate::duration::GoDuration;

use super::value::Bound;

/// A task's weight on a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Finite(GoDuration),
    /// Unbounded: any chain through it is infinite.
    Infinite,
    /// Counts nothing (unknown, or no limit of its own).
    Zero,
}

/// A path through the DAG and its total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// Task names, in order.
    pub tasks: Vec<String>,
    #[serde(skip)]
    pub indices: Vec<usize>,
    pub total: Bound,
    /// The part of `total` from the weights the path was chosen by (see [`longest_by`]).
    pub chosen_by: Bound,
}

/// `(infinite?, finite sum)`, ordered so that any infinite total beats any finite one.
type Total = (bool, i64);

fn add(t: Total, w: Weight) -> Total {
    match w {
        Weight::Finite(d) => (t.0, t.1.saturating_add(d.nanos())),
        Weight::Infinite => (true, t.1),
        Weight::Zero => t,
    }
}

/// The longest path through the DAG given by `deps` (`deps[i]`: the tasks `i` runs after),
/// `None` for an empty graph or a cycle (which Tekton rejects). Among equal totals the path
/// ending last in the list wins, so a chain runs on through tasks that add nothing.
pub fn longest(
    names: &[String],
    deps: &[Vec<usize>],
    weight: impl Fn(usize) -> Weight,
) -> Option<Chain> {
    longest_by(names, deps, &weight, &weight)
}

/// The path with the largest total of `select` weights; its `total` sums the `count` weights
/// along it (`chosen_by` the `select` ones).
pub fn longest_by(
    names: &[String],
    deps: &[Vec<usize>],
    select: &dyn Fn(usize) -> Weight,
    count: &dyn Fn(usize) -> Weight,
) -> Option<Chain> {
    let weight = select;
    let n = names.len();
    if n == 0 {
        return None;
    }
    // Kahn's algorithm over "i depends on p" edges.
    let mut indegree = vec![0usize; n];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &p in ds {
            if p < n && p != i {
                indegree[i] += 1;
                users[p].push(i);
            }
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    ready.reverse();
    while let Some(i) = ready.pop() {
        order.push(i);
        for &u in users[i].iter().rev() {
            indegree[u] -= 1;
            if indegree[u] == 0 {
                ready.push(u);
            }
        }
    }
    if order.len() != n {
        return None;
    }
    let mut best: Vec<Total> = vec![(false, 0); n];
    let mut prev: Vec<Option<usize>> = vec![None; n];
    for &i in &order {
        let mut base: Total = (false, 0);
        let mut from = None;
        for &p in &deps[i] {
            if p < n && p != i && best[p] > base {
                base = best[p];
                from = Some(p);
            } else if p < n && p != i && from.is_none() && best[p] == base {
                from = Some(p);
            }
        }
        best[i] = add(base, weight(i));
        prev[i] = from;
    }
    let mut end = 0;
    for i in 1..n {
        if best[i] >= best[end] {
            end = i;
        }
    }
    let mut indices = vec![end];
    let mut cur = end;
    while let Some(p) = prev[cur] {
        indices.push(p);
        cur = p;
    }
    indices.reverse();
    let bound = |t: Total| {
        if t.0 {
            Bound::Unbounded
        } else {
            Bound::Finite(GoDuration(t.1))
        }
    };
    let counted = indices.iter().fold((false, 0), |t, &i| add(t, count(i)));
    Some(Chain {
        tasks: indices.iter().map(|&i| names[i].clone()).collect(),
        indices,
        total: bound(counted),
        chosen_by: bound(best[end]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: i64) -> Weight {
        Weight::Finite(GoDuration::from_hours(x))
    }

    #[test]
    fn picks_the_heaviest_path() {
        let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        // a → b → d, a → c → d
        let deps = vec![vec![], vec![0], vec![0], vec![1, 2]];
        let w = [h(1), h(1), h(3), h(1)];
        let c = longest(&names, &deps, |i| w[i]).unwrap();
        assert_eq!(c.tasks, vec!["a", "c", "d"]);
        assert_eq!(c.total, Bound::Finite(GoDuration::from_hours(5)));
        let w = [h(1), Weight::Infinite, h(3), Weight::Zero];
        let c = longest(&names, &deps, |i| w[i]).unwrap();
        assert_eq!(c.tasks, vec!["a", "b", "d"]);
        assert_eq!(c.total, Bound::Unbounded);
    }

    #[test]
    fn cycles_have_no_chain() {
        let names: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        assert!(longest(&names, &[vec![1], vec![0]], |_| h(1)).is_none());
    }
}
