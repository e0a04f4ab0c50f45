//! The watch process: client, watches and reflector stores, the evaluation loop, leader
//! election, the metrics server, signals, exit status.

use crate::actions::{api_resource, Executor};
use crate::args::WatchArgs;
use crate::audit::{AuditLog, AuditRecord, Outcome, RecordKind};
use crate::clock::{Clock, FileClock, SystemClock};
use crate::engine::{Engine, Entry, ExecResult, Settings, Snapshot};
use crate::goduration;
use crate::knowledge::{Knowledge, LiveKind};
use crate::leader::{LeaderElector, LeaseConfig};
use crate::metrics::{self, Metrics};
use futures::{FutureExt, StreamExt};
use kube::api::{Api, DynamicObject, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::reflector::store::Writer;
use kube::runtime::reflector::Store;
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Client, Config};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Exit status: nothing failed.
pub const EXIT_OK: i32 = 0;
/// Exit status: an action or an API call failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit status: watch could not start.
pub const EXIT_SETUP: i32 = 2;

/// Runs `cutoff watch` on a new tokio runtime; returns the exit status.
pub fn run_blocking(args: WatchArgs, knowledge: Arc<dyn Knowledge>) -> i32 {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run(args, knowledge)),
        Err(e) => {
            eprintln!("cutoff watch: cannot start the async runtime: {e}");
            EXIT_SETUP
        }
    }
}

/// Writes a log line to standard error.
fn log(clock: &dyn Clock, level: &str, msg: &str) {
    eprintln!("{} {level:<5} {msg}", clock.now());
}

/// Builds the API client from `--kubeconfig` / `--context`, else the usual inference
/// (`$KUBECONFIG`, `~/.kube/config`, in-cluster service account).
pub async fn client(args: &WatchArgs) -> Result<Client, String> {
    let options = KubeConfigOptions {
        context: args.context.clone(),
        cluster: None,
        user: None,
    };
    let config = match &args.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path)
                .map_err(|e| format!("cannot read kubeconfig {}: {e}", path.display()))?;
            Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| format!("kubeconfig {}: {e}", path.display()))?
        }
        None if args.context.is_some() => Config::from_kubeconfig(&options)
            .await
            .map_err(|e| format!("kubeconfig: {e}"))?,
        None => Config::infer().await.map_err(|e| {
            format!("no cluster configured (no --kubeconfig, $KUBECONFIG, ~/.kube/config or in-cluster service account): {e}")
        })?,
    };
    Client::try_from(config).map_err(|e| format!("cannot build the API client: {e}"))
}

/// One watched stream.
struct Source {
    label: &'static str,
    kind: LiveKind,
    selector: Option<&'static str>,
}

const SOURCES: [Source; 5] = [
    Source {
        label: "pipelineruns",
        kind: LiveKind::PipelineRun,
        selector: None,
    },
    Source {
        label: "taskruns",
        kind: LiveKind::TaskRun,
        selector: None,
    },
    Source {
        label: "jobs",
        kind: LiveKind::Job,
        selector: None,
    },
    Source {
        label: "pods of jobs",
        kind: LiveKind::Pod,
        selector: Some("batch.kubernetes.io/job-name"),
    },
    Source {
        label: "pods of taskruns",
        kind: LiveKind::Pod,
        selector: Some("tekton.dev/taskRun"),
    },
];

fn api_for(client: &Client, kind: LiveKind, scope: Option<&str>) -> Api<DynamicObject> {
    let ar = api_resource(kind);
    match scope {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// Evaluates and acts; shared by `--once` and the watch loop.
struct Runner {
    engine: Engine,
    executor: Executor,
    audit: Arc<AuditLog>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    leader: Option<Arc<LeaderElector>>,
    enforce: bool,
    identity: String,
    failures: u64,
}

fn fmt_secs(d: Duration) -> String {
    goduration::format(Duration::from_secs(d.as_secs()))
}

impl Runner {
    fn record(
        &self,
        kind: RecordKind,
        e: &Entry,
        action: &str,
        outcome: Outcome,
        error: Option<String>,
    ) -> AuditRecord {
        AuditRecord {
            time: self.clock.now().to_string(),
            record: kind,
            kind: e.target.kind.as_str().to_string(),
            namespace: e.target.namespace.clone(),
            name: e.target.name.clone(),
            uid: e.target.uid.clone(),
            resource_version: e.target.resource_version.clone(),
            rule: e.rule.clone(),
            reason: e.reason.clone(),
            deadline: e.deadline.map(|d| d.to_string()),
            limit: e.limit.map(goduration::format),
            elapsed: e.elapsed.map(fmt_secs),
            action: action.to_string(),
            outcome,
            message: e.message.clone(),
            error,
            identity: self.identity.clone(),
        }
    }

    fn write(&mut self, rec: &AuditRecord) {
        if let Err(e) = self.audit.write(rec) {
            self.failures += 1;
            log(
                &*self.clock,
                "ERROR",
                &format!("cannot write the audit log: {e}"),
            );
        }
    }

    fn lifecycle(&mut self, action: &str, message: String) {
        let rec = AuditRecord {
            time: self.clock.now().to_string(),
            record: RecordKind::Lifecycle,
            kind: String::new(),
            namespace: String::new(),
            name: String::new(),
            uid: String::new(),
            resource_version: String::new(),
            rule: String::new(),
            reason: None,
            deadline: None,
            limit: None,
            elapsed: None,
            action: action.to_string(),
            outcome: Outcome::Reported,
            message,
            error: None,
            identity: self.identity.clone(),
        };
        self.write(&rec);
    }

    /// Evaluates and acts. When an action finds that a step was already carried out
    /// earlier (a restart, another replica, an earlier `--once`), evaluates again at once so
    /// the ladder continues from there (at most four rounds).
    async fn cycle(&mut self, snap: &Snapshot, shutdown: &watch::Receiver<bool>) {
        for _ in 0..4 {
            if !self.round(snap, shutdown).await || *shutdown.borrow() {
                break;
            }
        }
    }

    /// One evaluation; `true` if earlier progress was discovered.
    async fn round(&mut self, snap: &Snapshot, shutdown: &watch::Receiver<bool>) -> bool {
        let mut discovered = false;
        let plan = self.engine.evaluate(snap, self.clock.now(), Instant::now());
        self.metrics.evaluated();
        for kind in LiveKind::ALL {
            self.metrics.set_objects(
                kind.as_str(),
                plan.objects.get(&kind).copied().unwrap_or(0) as u64,
            );
        }
        self.metrics.set_overdue(plan.overdue as u64);
        for k in &plan.new_deadlines {
            self.metrics.deadline_passed(k.as_str());
        }
        for (entry, act) in &plan.decisions {
            self.metrics.finding(&entry.rule);
            log(
                &*self.clock,
                "INFO",
                &format!(
                    "{} {}/{}: {} [{}]",
                    entry.target.kind,
                    entry.target.namespace,
                    entry.target.name,
                    entry.message,
                    entry.rule
                ),
            );
            let rec = self.record(RecordKind::Decision, entry, act, Outcome::Reported, None);
            self.write(&rec);
        }
        if plan.actions.is_empty() {
            return false;
        }
        let mut leading = true;
        if self.enforce {
            if let Some(le) = &self.leader {
                leading = le.ensure().await;
                self.metrics.set_leader(leading);
            }
        }
        for p in &plan.actions {
            if *shutdown.borrow() {
                break;
            }
            let r = if !self.enforce {
                ExecResult::dry_run()
            } else if !leading {
                ExecResult::not_now("not the leader")
            } else {
                match &self.leader {
                    Some(le) if !le.ensure().await => {
                        leading = false;
                        ExecResult::not_now("not the leader")
                    }
                    _ => self.executor.execute(p).await,
                }
            };
            let report = r.outcome != Outcome::Skipped
                || r.settled
                || self.engine.first_skip_report(&p.entry.target.uid, p.act);
            self.engine.complete(p, &r, Instant::now());
            if r.outcome == Outcome::Failed {
                self.failures += 1;
            }
            if r.settled && r.performed_at.is_some() {
                discovered = true;
            }
            if report {
                let action = p.act.as_str();
                self.metrics.action(action, r.outcome.as_str());
                let level = match r.outcome {
                    Outcome::Failed => "ERROR",
                    Outcome::Done => "WARN",
                    _ => "INFO",
                };
                let why = r
                    .error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                log(
                    &*self.clock,
                    level,
                    &format!(
                        "{} {} {}/{}: {}{why}: {}",
                        action,
                        p.entry.target.kind,
                        p.entry.target.namespace,
                        p.entry.target.name,
                        r.outcome.as_str(),
                        p.entry.message
                    ),
                );
                let rec = self.record(
                    RecordKind::Action,
                    &p.entry,
                    action,
                    r.outcome,
                    r.error.clone(),
                );
                self.write(&rec);
            }
        }
        discovered
    }
}

/// Listens for SIGINT/SIGTERM: the first asks for a clean stop, the second exits at once
/// (after flushing the audit log).
fn spawn_signals(tx: watch::Sender<bool>, audit: Arc<AuditLog>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let mut count = 0;
        loop {
            #[cfg(unix)]
            let got = tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                s = async { match term.as_mut() { Some(t) => t.recv().await, None => std::future::pending().await } } => s.is_some(),
            };
            #[cfg(not(unix))]
            let got = tokio::signal::ctrl_c().await.is_ok();
            if !got {
                return;
            }
            count += 1;
            if count == 1 {
                log(
                    &*clock,
                    "INFO",
                    "stopping: finishing the call in flight (signal again to abandon it)",
                );
                let _ = tx.send(true);
            } else {
                log(&*clock, "WARN", "second signal: abandoning in-flight calls");
                let _ = audit.flush();
                std::process::exit(130);
            }
        }
    });
}

/// Runs `cutoff watch`; returns the exit status (see [`EXIT_OK`], [`EXIT_FAILED`],
/// [`EXIT_SETUP`]).
pub async fn run(args: WatchArgs, knowledge: Arc<dyn Knowledge>) -> i32 {
    let clock: Arc<dyn Clock> = match &args.fake_clock {
        Some(path) => match FileClock::new(path.clone()) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                eprintln!("cutoff watch: {e}");
                return EXIT_SETUP;
            }
        },
        None => Arc::new(SystemClock),
    };
    let audit = match AuditLog::open(args.audit_log.as_deref()) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("cutoff watch: {e}");
            return EXIT_SETUP;
        }
    };
    let client = match client(&args).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cutoff watch: {e}");
            return EXIT_SETUP;
        }
    };
    let identity = args.identity();
    let scope: Option<String> = if args.all_namespaces {
        None
    } else {
        Some(
            args.namespace
                .clone()
                .unwrap_or_else(|| client.default_namespace().to_string()),
        )
    };
    let liveness = (args.interval * 3).max(Duration::from_secs(60));
    let metrics = Arc::new(Metrics::new(liveness));
    metrics.beat();
    let (stop_tx, stop_rx) = watch::channel(false);
    spawn_signals(stop_tx, audit.clone(), clock.clone());

    let mut server = None;
    if let Some(addr) = &args.listen {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => {
                let shown = l
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|_| addr.clone());
                log(
                    &*clock,
                    "INFO",
                    &format!("serving /metrics /healthz /readyz on {shown}"),
                );
                server = Some(tokio::spawn(metrics::serve(l, metrics.clone())));
            }
            Err(e) => {
                eprintln!("cutoff watch: cannot listen on {addr}: {e}");
                return EXIT_SETUP;
            }
        }
    }

    let leader = if args.leader_elect {
        let namespace = args
            .lease_namespace
            .clone()
            .or_else(|| {
                std::env::var("POD_NAMESPACE")
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| client.default_namespace().to_string());
        Some(Arc::new(LeaderElector::new(
            client.clone(),
            LeaseConfig {
                name: args.lease_name.clone(),
                namespace,
                identity: identity.clone(),
                duration: args.lease_duration,
            },
            clock.clone(),
        )))
    } else {
        metrics.set_leader(true);
        None
    };

    let settings = Settings {
        ladder: args.ladder.clone(),
        act_on: args.act_on,
        orphan_after: args.orphan_after,
        stuck_after: args.stuck_after,
    };
    let mut runner = Runner {
        engine: Engine::new(settings, knowledge.clone()),
        executor: Executor::new(client.clone(), clock.clone(), identity.clone()),
        audit: audit.clone(),
        metrics: metrics.clone(),
        clock: clock.clone(),
        leader: leader.clone(),
        enforce: args.enforce,
        identity: identity.clone(),
        failures: 0,
    };
    let mode = if args.enforce { "enforcing" } else { "dry-run" };
    let where_ = match &scope {
        Some(ns) => format!("namespace {ns}"),
        None => "all namespaces".to_string(),
    };
    log(
        &*clock,
        "INFO",
        &format!(
            "cutoff watch{}: {mode}, {where_}, ladder {}, identity {identity}",
            if args.once { " --once" } else { "" },
            args.ladder
        ),
    );
    runner.lifecycle(
        "start",
        format!(
            "{mode}{}, {where_}, ladder {}",
            if args.once { ", once" } else { "" },
            args.ladder
        ),
    );

    let status = if args.once {
        run_once(&mut runner, &client, scope.as_deref(), &stop_rx).await
    } else {
        run_watch(
            &mut runner,
            &client,
            scope.as_deref(),
            &args,
            knowledge.as_ref(),
            stop_rx.clone(),
        )
        .await
    };

    if let Some(le) = &leader {
        le.release().await;
    }
    if let Some(s) = server {
        s.abort();
    }
    let failures = runner.failures;
    runner.lifecycle(
        "stop",
        format!(
            "stopped; {failures} failure{}",
            if failures == 1 { "" } else { "s" }
        ),
    );
    let _ = audit.flush();
    match status {
        Some(code) => code,
        None if runner.failures > 0 => EXIT_FAILED,
        None => EXIT_OK,
    }
}

async fn list_all(
    api: &Api<DynamicObject>,
    selector: Option<&str>,
) -> Result<Vec<DynamicObject>, kube::Error> {
    let mut out = Vec::new();
    let mut lp = ListParams::default().limit(500);
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    loop {
        let page = api.list(&lp).await?;
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => return Ok(out),
        }
    }
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

fn snapshot(parts: Vec<(LiveKind, Vec<Arc<DynamicObject>>)>) -> Snapshot {
    let mut seen = HashSet::new();
    let mut objects = Vec::new();
    for (kind, objs) in parts {
        for o in objs {
            let key = (kind, o.metadata.uid.clone().unwrap_or_default());
            if key.1.is_empty() || seen.insert(key) {
                objects.push((kind, o));
            }
        }
    }
    Snapshot { objects }
}

/// `--once`: list, evaluate, act, done. `Some(status)` when it could not evaluate.
async fn run_once(
    runner: &mut Runner,
    client: &Client,
    scope: Option<&str>,
    stop: &watch::Receiver<bool>,
) -> Option<i32> {
    let mut parts = Vec::new();
    for s in &SOURCES {
        match list_all(&api_for(client, s.kind, scope), s.selector).await {
            Ok(items) => parts.push((s.kind, items.into_iter().map(Arc::new).collect())),
            Err(e) if is_not_found(&e) => log(
                &*runner.clock,
                "WARN",
                &format!("{} are not served by this cluster; skipping them", s.label),
            ),
            Err(e) => {
                eprintln!("cutoff watch: cannot list {}: {e}", s.label);
                return Some(EXIT_SETUP);
            }
        }
    }
    if let Some(le) = &runner.leader {
        let a = le.try_acquire_or_renew().await;
        if let Some(e) = a.error {
            log(&*runner.clock, "WARN", &e);
        }
        runner.metrics.set_leader(a.leader);
    }
    runner.cycle(&snapshot(parts), stop).await;
    None
}

/// The watch loop. `Some(status)` when it could not start.
async fn run_watch(
    runner: &mut Runner,
    client: &Client,
    scope: Option<&str>,
    args: &WatchArgs,
    knowledge: &dyn Knowledge,
    mut stop: watch::Receiver<bool>,
) -> Option<i32> {
    let clock = runner.clock.clone();
    let metrics = runner.metrics.clone();
    // Probe each resource once: a clear error for RBAC or connection trouble, and kinds
    // the cluster does not serve (no Tekton installed) are left out instead of retried.
    let mut stores: Vec<(usize, LiveKind, Store<DynamicObject>)> = Vec::new();
    let mut streams = Vec::new();
    for (i, s) in SOURCES.iter().enumerate() {
        let api = api_for(client, s.kind, scope);
        let mut probe = ListParams::default().limit(1);
        if let Some(sel) = s.selector {
            probe = probe.labels(sel);
        }
        match api.list(&probe).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {
                log(
                    &*clock,
                    "WARN",
                    &format!(
                        "{} are not served by this cluster; not watching them",
                        s.label
                    ),
                );
                continue;
            }
            Err(e) => {
                eprintln!("cutoff watch: cannot list {}: {e}", s.label);
                return Some(EXIT_SETUP);
            }
        }
        let writer = Writer::new(api_resource(s.kind));
        stores.push((i, s.kind, writer.as_reader()));
        let mut cfg = watcher::Config::default();
        if let Some(sel) = s.selector {
            cfg = cfg.labels(sel);
        }
        let stream = watcher(api, cfg)
            .default_backoff()
            .reflect(writer)
            .map(move |ev| (i, ev))
            .boxed();
        streams.push(stream);
    }
    if streams.is_empty() {
        eprintln!("cutoff watch: nothing to watch");
        return Some(EXIT_SETUP);
    }
    let mut merged = futures::stream::select_all(streams);
    let mut listed: HashSet<usize> = HashSet::new();
    let mut inits = vec![0u64; SOURCES.len()];

    let leader_task = runner.leader.clone().map(|le| {
        let metrics = metrics.clone();
        let clock = clock.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut was = None;
            loop {
                let a = le.try_acquire_or_renew().await;
                if was != Some(a.leader) {
                    let msg = if a.leader {
                        format!("acquired Lease {}: this replica acts", le.config().name)
                    } else {
                        format!(
                            "not the leader (Lease {} held by {}): watching only",
                            le.config().name,
                            a.holder.as_deref().unwrap_or("nobody")
                        )
                    };
                    log(&*clock, "INFO", &msg);
                    was = Some(a.leader);
                }
                if let Some(e) = &a.error {
                    log(&*clock, "WARN", e);
                }
                metrics.set_leader(a.leader);
                tokio::select! {
                    _ = tokio::time::sleep(le.config().retry_period()) => {}
                    _ = stop.changed() => break,
                }
            }
        })
    });

    let mut ticker = tokio::time::interval(args.interval.max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut handle = |item: (usize, Result<watcher::Event<DynamicObject>, watcher::Error>),
                      listed: &mut HashSet<usize>|
     -> bool {
        let (i, ev) = item;
        let label = SOURCES[i].label;
        match ev {
            Ok(watcher::Event::Init) => {
                inits[i] += 1;
                metrics.relist(label);
                if inits[i] > 1 {
                    log(&*clock, "INFO", &format!("re-listing {label}"));
                }
                false
            }
            Ok(watcher::Event::InitApply(_)) => false,
            Ok(watcher::Event::InitDone) => {
                listed.insert(i);
                true
            }
            Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_)) => true,
            Err(e) => {
                metrics.watch_error();
                log(
                    &*clock,
                    "WARN",
                    &format!("watching {label}: {e}; retrying with backoff"),
                );
                false
            }
        }
    };
    let mut ended = false;
    loop {
        let mut dirty = false;
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            item = merged.next() => match item {
                Some(item) => dirty |= handle(item, &mut listed),
                None => { ended = true; }
            },
            _ = ticker.tick() => {
                dirty = true;
                if let Err(e) = knowledge.refresh() {
                    log(&*clock, "WARN", &format!("keeping the previous repository knowledge: {e}"));
                }
            }
        }
        if ended {
            log(&*clock, "ERROR", "the watch streams ended");
            break;
        }
        // Take whatever else is ready before evaluating once.
        for _ in 0..10_000 {
            match merged.next().now_or_never() {
                Some(Some(item)) => dirty |= handle(item, &mut listed),
                _ => break,
            }
        }
        let ready = stores.iter().all(|(i, _, _)| listed.contains(i));
        metrics.set_ready(ready);
        metrics.beat();
        if dirty && ready && !*stop.borrow() {
            let parts = stores
                .iter()
                .map(|(_, kind, store)| (*kind, store.state()))
                .collect();
            runner.cycle(&snapshot(parts), &stop).await;
        }
    }
    drop(merged);
    if let Some(t) = leader_task {
        // Stop renewing before the Lease is released (abandoning a call in flight is safe:
        // the Lease write either happened or it did not).
        t.abort();
        let _ = t.await;
    }
    ended.then_some(EXIT_FAILED)
}
