//! The escalation ladder: what happens once a deadline has passed, and when.
//!
//! A ladder is a list of steps in increasing severity, each with a delay. The first step's
//! delay counts from the deadline; every later step's delay counts from the moment the
//! previous step was carried out (or would have been, in dry-run). So a watcher that comes
//! up long after a deadline still walks the ladder one step at a time, giving the graceful
//! step its chance, instead of firing every step at once.

use crate::deadline::add;
use crate::goduration;
use jiff::Timestamp;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One rung of the ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Log, audit and a Kubernetes Event on the object.
    Warn,
    /// PipelineRun `spec.status: CancelledRunFinally` (finally tasks still run); TaskRun
    /// `spec.status: TaskRunCancelled`; Job `spec.suspend: true` (pods get their grace period).
    Graceful,
    /// PipelineRun `spec.status: Cancelled`; delete the pods of a Job or TaskRun with grace
    /// period 0.
    Hard,
    /// Delete the object with background propagation.
    Force,
}

impl Step {
    /// All steps in increasing severity.
    pub const ALL: [Step; 4] = [Step::Warn, Step::Graceful, Step::Hard, Step::Force];
    /// The step's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Warn => "warn",
            Step::Graceful => "graceful",
            Step::Hard => "hard",
            Step::Force => "force",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Step {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Step::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown step {s:?} (steps: warn, graceful, hard, force)"))
    }
}

/// How long to wait before a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// A fixed delay.
    Fixed(Duration),
    /// The object's termination grace period (pods' `terminationGracePeriodSeconds`, 30s
    /// by default), plus a fixed extra.
    Grace(Duration),
}

impl Delay {
    /// The delay for an object with grace period `grace`.
    pub fn resolve(self, grace: Duration) -> Duration {
        match self {
            Delay::Fixed(d) => d,
            Delay::Grace(extra) => grace.saturating_add(extra),
        }
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delay::Fixed(d) => f.write_str(&goduration::format(*d)),
            Delay::Grace(d) if d.is_zero() => f.write_str("grace"),
            Delay::Grace(d) => write!(f, "grace+{}", goduration::format(*d)),
        }
    }
}

/// The configured ladder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ladder {
    steps: Vec<(Step, Delay)>,
}

/// The default ladder: warn at the deadline, graceful one minute later, hard after the
/// object's grace period, force five minutes after that.
pub const DEFAULT_LADDER: &str = "warn=0s,graceful=1m,hard=grace,force=5m";

impl Default for Ladder {
    fn default() -> Self {
        DEFAULT_LADDER.parse().unwrap_or(Ladder {
            steps: vec![(Step::Warn, Delay::Fixed(Duration::ZERO))],
        })
    }
}

impl FromStr for Ladder {
    type Err = String;
    /// `warn=0s,graceful=1m,hard=grace,force=5m`; a step without `=` has delay 0;
    /// `grace+30s` adds to the grace period. Steps must be in increasing severity.
    fn from_str(spec: &str) -> Result<Self, String> {
        let mut steps: Vec<(Step, Delay)> = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, delay) = match part.split_once('=') {
                Some((n, d)) => (n.trim(), d.trim()),
                None => (part, "0s"),
            };
            let step: Step = name.parse()?;
            let delay = if delay == "grace" {
                Delay::Grace(Duration::ZERO)
            } else if let Some(extra) = delay.strip_prefix("grace+") {
                Delay::Grace(goduration::parse(extra).map_err(|e| format!("step {name}: {e}"))?)
            } else {
                Delay::Fixed(goduration::parse(delay).map_err(|e| format!("step {name}: {e}"))?)
            };
            if let Some((prev, _)) = steps.last() {
                if *prev >= step {
                    return Err(format!(
                        "step {step} comes after {prev}: steps must be in the order warn, graceful, hard, force, each at most once"
                    ));
                }
            }
            steps.push((step, delay));
        }
        if steps.is_empty() {
            return Err("the ladder has no steps".to_string());
        }
        Ok(Ladder { steps })
    }
}

impl fmt::Display for Ladder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (s, d)) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{s}={d}")?;
        }
        Ok(())
    }
}

/// The next step of a ladder and when it is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The step.
    pub step: Step,
    /// When it is due.
    pub at: Timestamp,
}

impl Ladder {
    /// The steps.
    pub fn steps(&self) -> &[(Step, Delay)] {
        &self.steps
    }

    /// The next step after `last` (the last step carried out and when), and when it is due,
    /// for an object whose deadline is `deadline` and whose grace period is `grace`.
    /// `None` once the ladder is exhausted.
    pub fn next(
        &self,
        deadline: Timestamp,
        last: Option<(Step, Timestamp)>,
        grace: Duration,
    ) -> Option<Due> {
        match last {
            None => {
                let (step, delay) = self.steps[0];
                Some(Due {
                    step,
                    at: add(deadline, delay.resolve(grace)),
                })
            }
            Some((done, at)) => {
                let (step, delay) = *self.steps.iter().find(|(s, _)| *s > done)?;
                Some(Due {
                    step,
                    at: add(at, delay.resolve(grace)),
                })
            }
        }
    }

    /// The step to carry out at `now`, if one is due.
    pub fn due(
        &self,
        deadline: Timestamp,
        last: Option<(Step, Timestamp)>,
        grace: Duration,
        now: Timestamp,
    ) -> Option<Step> {
        self.next(deadline, last, grace)
            .filter(|d| d.at <= now)
            .map(|d| d.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        let l: Ladder = DEFAULT_LADDER.parse().unwrap();
        assert_eq!(l.to_string(), "warn=0s,graceful=1m0s,hard=grace,force=5m0s");
        let l: Ladder = "warn, graceful=grace+10s".parse().unwrap();
        assert_eq!(l.to_string(), "warn=0s,graceful=grace+10s");
        assert!("graceful,warn"
            .parse::<Ladder>()
            .unwrap_err()
            .contains("order"));
        assert!("warn,warn".parse::<Ladder>().is_err());
        assert!("kill=1m"
            .parse::<Ladder>()
            .unwrap_err()
            .contains("unknown step"));
        assert!("warn=1d"
            .parse::<Ladder>()
            .unwrap_err()
            .contains("unknown unit"));
        assert!("".parse::<Ladder>().is_err());
    }

    #[test]
    fn default_ladder_walks_from_the_deadline() {
        let l = Ladder::default();
        let d = t("2030-01-01T02:00:00Z");
        let grace = Duration::from_secs(30);
        assert_eq!(l.due(d, None, grace, t("2030-01-01T01:59:59Z")), None);
        assert_eq!(l.due(d, None, grace, d), Some(Step::Warn));
        let warned = Some((Step::Warn, t("2030-01-01T02:00:10Z")));
        assert_eq!(l.due(d, warned, grace, t("2030-01-01T02:01:09Z")), None);
        assert_eq!(
            l.due(d, warned, grace, t("2030-01-01T02:01:10Z")),
            Some(Step::Graceful)
        );
        let graceful = Some((Step::Graceful, t("2030-01-01T02:01:10Z")));
        assert_eq!(
            l.next(d, graceful, grace).unwrap().at,
            t("2030-01-01T02:01:40Z")
        );
        let hard = Some((Step::Hard, t("2030-01-01T02:01:40Z")));
        assert_eq!(
            l.next(d, hard, grace),
            Some(Due {
                step: Step::Force,
                at: t("2030-01-01T02:06:40Z")
            })
        );
        assert_eq!(
            l.next(d, Some((Step::Force, t("2030-01-01T02:06:40Z"))), grace),
            None
        );
    }

    #[test]
    fn late_start_takes_one_step_at_a_time() {
        let l = Ladder::default();
        let d = t("2030-01-01T02:00:00Z");
        let now = t("2030-01-01T05:00:00Z");
        let g = Duration::from_secs(30);
        assert_eq!(l.due(d, None, g, now), Some(Step::Warn));
        // Warned just now: graceful is a minute away even though the deadline is 3h past.
        assert_eq!(l.due(d, Some((Step::Warn, now)), g, now), None);
    }

    #[test]
    fn shorter_ladders_and_foreign_progress() {
        let l: Ladder = "graceful=0s,force=10m".parse().unwrap();
        let d = t("2030-01-01T00:00:00Z");
        let g = Duration::from_secs(30);
        assert_eq!(l.due(d, None, g, d), Some(Step::Graceful));
        // Another replica (or an older ladder) already did `hard`: the next is force.
        let hard = Some((Step::Hard, d));
        assert_eq!(l.next(d, hard, g).unwrap().step, Step::Force);
        // A grace period of 0 with `grace` delay is immediate.
        let l: Ladder = "warn,hard=grace".parse().unwrap();
        assert_eq!(
            l.due(d, Some((Step::Warn, d)), Duration::ZERO, d),
            Some(Step::Hard)
        );
    }
}
