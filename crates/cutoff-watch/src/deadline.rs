//! Deadline = start time + the smallest bound (own timeout, repository template, policy
//! cap); `policy.default` only when nothing bounds the object.

use crate::goduration;
use crate::knowledge::{Limit, Limits};
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// A running object's deadline and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// When it started.
    pub start: Timestamp,
    /// When it must be done.
    pub at: Timestamp,
    /// The bound that decided it.
    pub limit: Limit,
    /// `true` when `policy.default` applied because nothing else bounds the object.
    pub defaulted: bool,
}

impl Deadline {
    /// "cut off after 2h0m0s: policy kinds.Job.max (.cutoff.yaml:7)"
    pub fn message(&self) -> String {
        format!(
            "cut off after {}: {}",
            goduration::format(self.limit.duration),
            self.limit.source
        )
    }
}

/// Computes the deadline of an object that started at `start`. Ties prefer the object's own
/// timeout, then the repository template, then the policy cap. `None`: unbounded and no
/// `policy.default`.
pub fn compute(start: Timestamp, own: Option<&Limit>, limits: &Limits) -> Option<Deadline> {
    let bound = [own, limits.template.as_ref(), limits.cap.as_ref()]
        .into_iter()
        .flatten()
        .enumerate()
        .min_by_key(|(rank, l)| (l.duration, *rank))
        .map(|(_, l)| (l.clone(), false));
    let (limit, defaulted) = bound.or_else(|| limits.default.clone().map(|d| (d, true)))?;
    Some(Deadline {
        start,
        at: add(start, limit.duration),
        limit,
        defaulted,
    })
}

/// `t + d`, saturating at the end of time.
pub fn add(t: Timestamp, d: Duration) -> Timestamp {
    SignedDuration::try_from(d)
        .ok()
        .and_then(|s| t.checked_add(s).ok())
        .unwrap_or(Timestamp::MAX)
}

/// `later - earlier`, or zero if `later` is earlier.
pub fn since(later: Timestamp, earlier: Timestamp) -> Duration {
    Duration::try_from(later.duration_since(earlier)).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(secs: u64, src: &str) -> Limit {
        Limit::new(Duration::from_secs(secs), src)
    }

    #[test]
    fn smallest_bound_wins() {
        let start: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let limits = Limits {
            template: Some(l(3 * 3600, "repository a.yaml:3 spec.timeouts.pipeline")),
            cap: Some(l(2 * 3600, "policy kinds.Job.max (.cutoff.yaml:7)")),
            default: Some(l(600, "policy default (.cutoff.yaml:2)")),
        };
        let own = l(4 * 3600, "live spec.activeDeadlineSeconds");
        let d = compute(start, Some(&own), &limits).unwrap();
        assert_eq!(d.at.to_string(), "2030-01-01T02:00:00Z");
        assert!(!d.defaulted);
        assert_eq!(
            d.message(),
            "cut off after 2h0m0s: policy kinds.Job.max (.cutoff.yaml:7)"
        );
    }

    #[test]
    fn ties_prefer_own_then_template() {
        let start: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let limits = Limits {
            template: Some(l(60, "template")),
            cap: Some(l(60, "cap")),
            default: None,
        };
        assert_eq!(
            compute(start, Some(&l(60, "own")), &limits)
                .unwrap()
                .limit
                .source,
            "own"
        );
        assert_eq!(
            compute(start, None, &limits).unwrap().limit.source,
            "template"
        );
    }

    #[test]
    fn default_only_when_unbounded() {
        let start: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let mut limits = Limits {
            default: Some(l(3600, "policy default")),
            ..Limits::default()
        };
        let d = compute(start, None, &limits).unwrap();
        assert!(d.defaulted);
        assert_eq!(d.at.to_string(), "2030-01-01T01:00:00Z");
        // A bound larger than the default still wins over the default.
        limits.cap = Some(l(7200, "cap"));
        assert_eq!(compute(start, None, &limits).unwrap().limit.source, "cap");
        assert!(compute(start, None, &Limits::default()).is_none());
    }

    #[test]
    fn arithmetic_saturates() {
        let start: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(add(start, Duration::from_secs(u64::MAX)), Timestamp::MAX);
        let later: Timestamp = "2030-01-01T00:00:05Z".parse().unwrap();
        assert_eq!(since(later, start), Duration::from_secs(5));
        assert_eq!(since(start, later), Duration::ZERO);
    }
}
