//! Leader election on a `coordination.k8s.io/v1` Lease, so that of several replicas only
//! one acts.
//!
//! The semantics are client-go's: a candidate takes over a Lease held by someone else only
//! after it has watched the Lease record stay unchanged for `leaseDurationSeconds`, measured
//! on its own monotonic clock (so clock skew between nodes does not matter); the holder
//! renews every retry period and stops acting once its last successful renewal is older
//! than the renew deadline (two thirds of the lease duration), which is before any other
//! replica can take over. Every write carries the observed `resourceVersion`, so two
//! candidates racing for the same record cannot both win: one gets `409 Conflict`.

use crate::clock::Clock;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Leader-election settings.
#[derive(Clone, Debug)]
pub struct LeaseConfig {
    /// Lease name.
    pub name: String,
    /// Lease namespace.
    pub namespace: String,
    /// This replica's identity (`holderIdentity`).
    pub identity: String,
    /// `leaseDurationSeconds`.
    pub duration: Duration,
}

impl LeaseConfig {
    /// The holder stops acting when its last renewal is older than this.
    pub fn renew_deadline(&self) -> Duration {
        self.duration * 2 / 3
    }
    /// How often to renew or retry.
    pub fn retry_period(&self) -> Duration {
        (self.duration / 5).max(Duration::from_millis(200))
    }
}

struct State {
    /// Last successful acquire/renew as holder.
    renewed: Option<Instant>,
    /// The last Lease record seen (holder, renewTime, resourceVersion) and since when.
    observed: Option<(String, Instant)>,
}

/// A candidate for the Lease.
pub struct LeaderElector {
    api: Api<Lease>,
    cfg: LeaseConfig,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

/// Is this replica the leader, and how did the last attempt go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Holds the Lease now.
    pub leader: bool,
    /// Who holds it, as far as known.
    pub holder: Option<String>,
    /// An error talking to the API server.
    pub error: Option<String>,
}

fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

impl LeaderElector {
    /// A candidate using `client`.
    pub fn new(client: kube::Client, cfg: LeaseConfig, clock: Arc<dyn Clock>) -> Self {
        LeaderElector {
            api: Api::namespaced(client, &cfg.namespace),
            cfg,
            clock,
            state: Mutex::new(State {
                renewed: None,
                observed: None,
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &LeaseConfig {
        &self.cfg
    }

    /// Whether this replica may act now, without a round trip.
    pub async fn is_leader(&self) -> bool {
        let st = self.state.lock().await;
        st.renewed
            .is_some_and(|t| t.elapsed() < self.cfg.renew_deadline())
    }

    /// Makes sure of leadership before acting: renews first unless the last renewal is
    /// fresher than the retry period.
    pub async fn ensure(&self) -> bool {
        {
            let st = self.state.lock().await;
            if st
                .renewed
                .is_some_and(|t| t.elapsed() < self.cfg.retry_period())
            {
                return true;
            }
        }
        self.try_acquire_or_renew().await.leader
    }

    fn spec(&self, acquire: bool, transitions: i32, old: Option<&LeaseSpec>) -> LeaseSpec {
        let now = MicroTime(self.clock.now());
        LeaseSpec {
            holder_identity: Some(self.cfg.identity.clone()),
            lease_duration_seconds: Some(self.cfg.duration.as_secs().max(1) as i32),
            acquire_time: if acquire {
                Some(now.clone())
            } else {
                old.and_then(|o| o.acquire_time.clone())
            },
            renew_time: Some(now),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    /// One round: create, renew or take over the Lease if allowed.
    pub async fn try_acquire_or_renew(&self) -> Attempt {
        let mut st = self.state.lock().await;
        let current = match self.api.get_opt(&self.cfg.name).await {
            Ok(l) => l,
            Err(e) => {
                return Attempt {
                    leader: st
                        .renewed
                        .is_some_and(|t| t.elapsed() < self.cfg.renew_deadline()),
                    holder: None,
                    error: Some(format!("reading Lease {}: {e}", self.cfg.name)),
                }
            }
        };
        let Some(lease) = current else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.cfg.name.clone()),
                    namespace: Some(self.cfg.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(true, 0, None)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => {
                    st.renewed = Some(Instant::now());
                    Attempt {
                        leader: true,
                        holder: Some(self.cfg.identity.clone()),
                        error: None,
                    }
                }
                Err(e) => Attempt {
                    leader: false,
                    holder: None,
                    error: (status_code(&e) != Some(409))
                        .then(|| format!("creating Lease {}: {e}", self.cfg.name)),
                },
            };
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
        let fingerprint = format!(
            "{:?}|{:?}|{}",
            holder,
            spec.renew_time.as_ref().map(|t| t.0),
            lease.metadata.resource_version.clone().unwrap_or_default()
        );
        let now = Instant::now();
        let observed_since = match &st.observed {
            Some((fp, since)) if *fp == fingerprint => *since,
            _ => {
                st.observed = Some((fingerprint, now));
                now
            }
        };
        let transitions = spec.lease_transitions.unwrap_or(0);
        let mine = holder.as_deref() == Some(self.cfg.identity.as_str());
        let duration = spec
            .lease_duration_seconds
            .filter(|d| *d > 0)
            .map(|d| Duration::from_secs(d as u64))
            .unwrap_or(self.cfg.duration);
        let expired = holder.is_none() || now.duration_since(observed_since) >= duration;
        if !mine && !expired {
            st.renewed = None;
            return Attempt {
                leader: false,
                holder,
                error: None,
            };
        }
        let transitions = if mine { transitions } else { transitions + 1 };
        let mut updated = lease.clone();
        updated.spec = Some(self.spec(!mine, transitions, Some(&spec)));
        // `replace` sends the observed resourceVersion: a concurrent writer makes this a 409.
        match self
            .api
            .replace(&self.cfg.name, &PostParams::default(), &updated)
            .await
        {
            Ok(_) => {
                st.renewed = Some(Instant::now());
                Attempt {
                    leader: true,
                    holder: Some(self.cfg.identity.clone()),
                    error: None,
                }
            }
            Err(e) => {
                if status_code(&e) == Some(409) {
                    // Someone else wrote the Lease first.
                    st.renewed = None;
                    return Attempt {
                        leader: false,
                        holder,
                        error: None,
                    };
                }
                Attempt {
                    leader: st
                        .renewed
                        .is_some_and(|t| t.elapsed() < self.cfg.renew_deadline()),
                    holder,
                    error: Some(format!("updating Lease {}: {e}", self.cfg.name)),
                }
            }
        }
    }

    /// Gives the Lease up (on a clean shutdown) so another replica takes over at once.
    pub async fn release(&self) {
        let mut st = self.state.lock().await;
        if st.renewed.is_none() {
            return;
        }
        st.renewed = None;
        let Ok(Some(mut lease)) = self.api.get_opt(&self.cfg.name).await else {
            return;
        };
        let Some(spec) = lease.spec.as_mut() else {
            return;
        };
        if spec.holder_identity.as_deref() != Some(self.cfg.identity.as_str()) {
            return;
        }
        spec.holder_identity = None;
        spec.renew_time = Some(MicroTime(self.clock.now()));
        let _ = self
            .api
            .replace(&self.cfg.name, &PostParams::default(), &lease)
            .await;
    }
}
