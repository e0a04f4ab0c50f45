//! Jobs and CronJobs in `cutoff timeouts`: each as a tree of its effective numbers
//! (deadline, pod deadline, grace period, TTL, retries and back-off, schedule), with where
//! each came from, and the promise each annotation or env var makes, marked where it
//! disagrees. Everything is read from the model ([`cutoff_core::model::kubernetes`]).

use serde_json::Value;

use cutoff_core::config::kubernetes::Promise;
use cutoff_core::model::kubernetes::{JobModel, Origin, PromiseSite, Setting};
use cutoff_core::model::{Loc, Model};

use super::tree::Node;

fn secs(n: i64) -> String {
    cutoff_core::rules::kubernetes::secs(n)
}

fn at(l: Option<&Loc>) -> String {
    match l {
        Some(l) => format!(" at {}", l.display()),
        None => String::new(),
    }
}

/// `3600 s (1h) · explicit at path:line:col`, `30 s · default`, `unset`.
fn number(s: &Setting<i64>) -> String {
    match s.value {
        Some(v) => format!(
            "{} · {}{}",
            secs(v),
            s.origin.describe(),
            at(s.at.as_deref())
        ),
        None => format!("{}{}", s.origin.describe(), at(s.at.as_deref())),
    }
}

/// A count: `6 · default`.
fn count(s: &Setting<i64>) -> String {
    match s.value {
        Some(v) => format!("{v} · {}{}", s.origin.describe(), at(s.at.as_deref())),
        None => format!("{}{}", s.origin.describe(), at(s.at.as_deref())),
    }
}

fn text(s: &Setting<Box<str>>) -> String {
    match &s.value {
        Some(v) => format!("{v} · {}{}", s.origin.describe(), at(s.at.as_deref())),
        None => format!("{}{}", s.origin.describe(), at(s.at.as_deref())),
    }
}

/// What a promise is compared with, and whether it agrees.
fn verdict(j: &JobModel, p: &PromiseSite) -> String {
    let Some(v) = p.value else {
        return "not a literal number: not compared".into();
    };
    let (what, against) = match p.promise {
        Promise::Deadline => ("deadline", &j.deadline),
        Promise::Ttl => ("TTL", &j.ttl),
        Promise::Grace => ("grace period", &j.grace),
    };
    match against.value {
        Some(a) if a == v => format!("{what}: agrees"),
        Some(a) => format!("{what}: DISAGREES (the Job has {})", secs(a)),
        None if against.origin == Origin::Unset => {
            format!("{what}: DISAGREES (the Job has none)")
        }
        None => format!("{what}: {}", against.origin.describe()),
    }
}

fn tree(j: &JobModel) -> Node {
    let mut title = format!("{} {} · {}", j.kind, j.name, j.at.display());
    if let Some(ns) = &j.namespace {
        title.push_str(&format!(" · namespace {ns}"));
    }
    match j.completeness {
        cutoff_core::model::kubernetes::Completeness::Merged => {
            if let Some(b) = &j.base {
                title.push_str(&format!(" · patch applied to its base at {}", b.display()));
            }
        }
        cutoff_core::model::kubernetes::Completeness::Partial => {
            title.push_str(" · partial object (its base is not in the repository)")
        }
        cutoff_core::model::kubernetes::Completeness::Loose => {
            title.push_str(" · a container has no image (perhaps a patch)")
        }
        cutoff_core::model::kubernetes::Completeness::Complete => {}
    }
    let mut root = Node::new("job", title).at(Some(&j.at));
    if let Some(c) = &j.cron {
        let interval = match (c.interval, &c.schedule_error) {
            (Some(i), _) => format!(" · every {} at the shortest", secs(i as i64)),
            (None, Some(e)) => format!(" · does not parse: {e}"),
            (None, None) => String::new(),
        };
        let mut n = Node::new(
            "schedule",
            format!("schedule: {}{interval}", text(&c.schedule)),
        )
        .at(c.schedule.at.as_deref());
        n = n.child(
            Node::new(
                "concurrency",
                format!("concurrencyPolicy: {}", text(&c.concurrency_policy)),
            )
            .at(c.concurrency_policy.at.as_deref()),
        );
        n = n.child(
            Node::new(
                "starting-deadline",
                format!("startingDeadlineSeconds: {}", number(&c.starting_deadline)),
            )
            .at(c.starting_deadline.at.as_deref()),
        );
        n = n.child(
            Node::new("time-zone", format!("timeZone: {}", text(&c.time_zone)))
                .at(c.time_zone.at.as_deref()),
        );
        root = root.child(n);
    }
    root = root.child(
        Node::new(
            "deadline",
            format!("deadline (activeDeadlineSeconds): {}", number(&j.deadline)),
        )
        .at(j.deadline.at.as_deref()),
    );
    root = root.child(
        Node::new(
            "pod-deadline",
            format!("pod deadline (per Pod): {}", number(&j.pod_deadline)),
        )
        .at(j.pod_deadline.at.as_deref()),
    );
    let mut grace = Node::new(
        "grace",
        format!(
            "grace period (terminationGracePeriodSeconds): {}",
            number(&j.grace)
        ),
    )
    .at(j.grace.at.as_deref());
    for p in &j.pre_stops {
        let hook = match (&p.sleep, &p.exec_sleep) {
            (Some((s, l)), _) => format!("sleep.seconds {} at {}", secs(*s), l.display()),
            (None, Some((s, l))) => format!("exec sleeps {} at {}", secs(*s), l.display()),
            (None, None) => format!("at {}", p.at.display()),
        };
        let locs = [
            Some(&p.at),
            p.sleep.as_ref().map(|s| &s.1),
            p.exec_sleep.as_ref().map(|s| &s.1),
        ];
        let mut n = Node::new(
            format!("prestop:{}", p.container),
            format!(
                "preStop hook of container {}: {hook} (shares the grace period)",
                p.container
            ),
        );
        for l in locs.into_iter().flatten() {
            n = n.at(Some(l));
        }
        grace = grace.child(n);
    }
    root = root.child(grace);
    root = root.child(
        Node::new(
            "ttl",
            format!(
                "TTL after finished (ttlSecondsAfterFinished): {}",
                number(&j.ttl)
            ),
        )
        .at(j.ttl.at.as_deref()),
    );
    let retries = match &j.back_off {
        Some(b) => format!(
            "retries: backoffLimit {} · restartPolicy {} · back-off before them {} in all (10 s doubling, at most {} each)",
            count(&j.backoff_limit),
            b.restart_policy,
            secs(b.total),
            secs(b.cap)
        ),
        None => format!(
            "retries: backoffLimit {} · restartPolicy {}{}",
            count(&j.backoff_limit),
            text(&j.restart_policy),
            match j.backoff_limit_per_index.value {
                Some(n) => format!(" · backoffLimitPerIndex {n}"),
                None => String::new(),
            }
        ),
    };
    root = root.child(
        Node::new("retries", retries)
            .at(j.backoff_limit.at.as_deref())
            .at(j.restart_policy.at.as_deref())
            .at(j.pod_failure_policy.as_deref()),
    );
    if !j.promises.is_empty() {
        let mut n = Node::new("promises", "promises made by annotations and env vars");
        for p in &j.promises {
            n = n.child(
                Node::new(
                    format!("promise:{}", p.name()),
                    format!(
                        "{} = {} at {} → {}",
                        p.describe(),
                        p.written,
                        p.at.display(),
                        verdict(j, p)
                    ),
                )
                .at(Some(&p.at)),
            );
        }
        root = root.child(n);
    }
    root
}

/// One tree (and its JSON) per Job and CronJob of the reported files, in file order.
pub fn trees(model: &Model<'_>, json: bool) -> Vec<(Node, Value)> {
    model
        .kubernetes
        .jobs(model)
        .iter()
        .filter(|j| model.is_reported(&j.at.path))
        .map(|j| {
            let v = if json {
                serde_json::to_value(j).unwrap_or(Value::Null)
            } else {
                Value::Null
            };
            (tree(j), v)
        })
        .collect()
}
