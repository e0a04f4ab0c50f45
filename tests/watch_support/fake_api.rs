//! A loopback fake Kubernetes API server speaking the real wire protocol, for tests.
//!
//! HTTP/1.1 (hyper) on 127.0.0.1:0. It keeps objects with a global resourceVersion counter
//! and an event history, and serves:
//! - list with `resourceVersion` in the list metadata, `limit`/`continue` pagination and
//!   `labelSelector` (`k`, `!k`, `k=v`, `k!=v`, comma-separated);
//! - `watch=true`: chunked NDJSON from a resourceVersion (history replay, then live
//!   events), `BOOKMARK` events when `allowWatchBookmarks=true`, and a `410 Gone`
//!   (`reason: Expired`) ERROR event when the resourceVersion was compacted away;
//! - get, create (409 AlreadyExists, generateName), replace (409 Conflict on a stale
//!   resourceVersion), RFC 7386 merge patch (`application/merge-patch+json` only; a
//!   `metadata.resourceVersion` in the patch is a precondition), delete with
//!   `preconditions` (409), `gracePeriodSeconds` and `propagationPolicy` (Background and
//!   Foreground delete dependents by ownerReferences, Orphan strips them; Jobs orphan by
//!   default, like batch/v1 over REST);
//! - pods, events (core/v1), jobs (batch/v1), leases (coordination.k8s.io/v1),
//!   pipelineruns and taskruns (tekton.dev/v1); anything else is 404.
//!
//! Every request is recorded. Tests can inject failures, break watches with 410, and drop
//! watch connections.

#![allow(dead_code)]

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

type Body = BoxBody<Bytes, Infallible>;

/// A recorded request.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub content_type: Option<String>,
    pub body: Option<Value>,
    pub status: u16,
}

impl Recorded {
    pub fn is_watch(&self) -> bool {
        self.query
            .get("watch")
            .is_some_and(|w| w == "true" || w == "1")
    }
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

#[derive(Clone, Debug)]
struct ResourceType {
    group_version: &'static str,
    plural: &'static str,
    kind: &'static str,
    crd: bool,
}

const TYPES: &[ResourceType] = &[
    ResourceType {
        group_version: "v1",
        plural: "pods",
        kind: "Pod",
        crd: false,
    },
    ResourceType {
        group_version: "v1",
        plural: "events",
        kind: "Event",
        crd: false,
    },
    ResourceType {
        group_version: "batch/v1",
        plural: "jobs",
        kind: "Job",
        crd: false,
    },
    ResourceType {
        group_version: "coordination.k8s.io/v1",
        plural: "leases",
        kind: "Lease",
        crd: false,
    },
    ResourceType {
        group_version: "tekton.dev/v1",
        plural: "pipelineruns",
        kind: "PipelineRun",
        crd: true,
    },
    ResourceType {
        group_version: "tekton.dev/v1",
        plural: "taskruns",
        kind: "TaskRun",
        crd: true,
    },
];

fn type_of(plural: &str) -> Option<&'static ResourceType> {
    TYPES.iter().find(|t| t.plural == plural)
}

/// (plural, namespace, name)
type Key = (String, String, String);

struct Change {
    rv: u64,
    plural: String,
    namespace: String,
    ty: &'static str,
    object: Value,
}

struct Sub {
    id: u64,
    plural: String,
    namespace: Option<String>,
    selector: Vec<Req>,
    bookmarks: bool,
    tx: mpsc::UnboundedSender<Bytes>,
}

struct Inject {
    method: String,
    path_contains: String,
    status: u16,
    remaining: u32,
}

struct State {
    rv: u64,
    compacted: u64,
    objects: BTreeMap<Key, Value>,
    history: Vec<Change>,
    subs: Vec<Sub>,
    next_sub: u64,
    next_uid: u64,
    requests: Vec<Recorded>,
    injects: Vec<Inject>,
}

/// The fake API server.
#[derive(Clone)]
pub struct FakeApi {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

#[derive(Clone, Debug)]
enum Req {
    Exists(String),
    NotExists(String),
    Eq(String, String),
    NotEq(String, String),
}

fn parse_selector(s: &str) -> Vec<Req> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some((k, v)) = p.split_once("!=") {
                Req::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once("==") {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = p.split_once('=') {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some(k) = p.strip_prefix('!') {
                Req::NotExists(k.trim().into())
            } else {
                Req::Exists(p.into())
            }
        })
        .collect()
}

fn selector_matches(sel: &[Req], obj: &Value) -> bool {
    let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    sel.iter().all(|r| match r {
        Req::Exists(k) => get(k).is_some(),
        Req::NotExists(k) => get(k).is_none(),
        Req::Eq(k, v) => get(k) == Some(v.as_str()),
        Req::NotEq(k, v) => get(k) != Some(v.as_str()),
    })
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn status(code: u16, reason: &str, message: &str, details: Value) -> Value {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason,
        "details": details, "code": code
    })
}

fn full(code: u16, v: &Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(v.to_string())).boxed())
        .expect("response")
}

fn line(v: &Value) -> Bytes {
    let mut s = v.to_string();
    s.push('\n');
    Bytes::from(s)
}

fn meta_str(obj: &Value, field: &str) -> String {
    obj.pointer(&format!("/metadata/{field}"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl State {
    fn bump(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    /// Records a change and sends it to matching watchers.
    fn emit(&mut self, plural: &str, namespace: &str, ty: &'static str, object: Value) {
        let rv = meta_str(&object, "resourceVersion")
            .parse()
            .unwrap_or(self.rv);
        let ev = line(&json!({"type": ty, "object": object}));
        self.subs.retain(|s| {
            if s.plural != plural
                || s.namespace.as_deref().is_some_and(|n| n != namespace)
                || !selector_matches(&s.selector, &object)
            {
                return true;
            }
            s.tx.send(ev.clone()).is_ok()
        });
        self.history.push(Change {
            rv,
            plural: plural.to_string(),
            namespace: namespace.to_string(),
            ty,
            object,
        });
    }

    fn decorate(&self, t: &ResourceType, mut obj: Value) -> Value {
        if let Some(m) = obj.as_object_mut() {
            m.insert("apiVersion".into(), t.group_version.into());
            m.insert("kind".into(), t.kind.into());
        }
        obj
    }

    fn insert_new(&mut self, t: &ResourceType, ns: &str, mut obj: Value) -> Result<Value, Value> {
        let mut name = meta_str(&obj, "name");
        if name.is_empty() {
            let base = meta_str(&obj, "generateName");
            if base.is_empty() {
                return Err(status(
                    422,
                    "Invalid",
                    "name or generateName is required",
                    json!({}),
                ));
            }
            self.next_uid += 1;
            name = format!("{base}{:05x}", self.next_uid * 7919 % 0xfffff);
        }
        let key = (t.plural.to_string(), ns.to_string(), name.clone());
        if self.objects.contains_key(&key) {
            return Err(status(
                409,
                "AlreadyExists",
                &format!("{} \"{name}\" already exists", t.plural),
                json!({"name": name, "kind": t.plural}),
            ));
        }
        let rv = self.bump();
        self.next_uid += 1;
        let uid = format!("{:08x}-0000-4000-8000-{:012x}", self.next_uid, rv);
        let m = obj
            .as_object_mut()
            .and_then(|o| {
                o.entry("metadata")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
            })
            .ok_or_else(|| status(400, "BadRequest", "not an object", json!({})))?;
        m.insert("name".into(), name.clone().into());
        m.insert("namespace".into(), ns.into());
        m.entry("uid").or_insert(uid.into());
        m.insert("resourceVersion".into(), rv.to_string().into());
        m.entry("creationTimestamp")
            .or_insert_with(|| jiff::Timestamp::now().to_string().into());
        m.entry("generation").or_insert(1.into());
        let obj = self.decorate(t, obj);
        self.objects.insert(key, obj.clone());
        self.emit(t.plural, ns, "ADDED", obj.clone());
        Ok(obj)
    }

    /// Deletes an object and, per propagation policy, its dependents.
    fn remove(&mut self, key: &Key, propagation: &str) {
        let Some(mut obj) = self.objects.remove(key) else {
            return;
        };
        let rv = self.bump();
        obj["metadata"]["resourceVersion"] = rv.to_string().into();
        let uid = meta_str(&obj, "uid");
        self.emit(&key.0, &key.1, "DELETED", obj);
        let dependents: Vec<Key> = self
            .objects
            .iter()
            .filter(|(k, o)| {
                k.1 == key.1
                    && o.pointer("/metadata/ownerReferences")
                        .and_then(Value::as_array)
                        .is_some_and(|refs| {
                            refs.iter()
                                .any(|r| r.get("uid").and_then(Value::as_str) == Some(&uid))
                        })
            })
            .map(|(k, _)| k.clone())
            .collect();
        for d in dependents {
            if propagation == "Orphan" {
                if let Some(mut o) = self.objects.get(&d).cloned() {
                    if let Some(refs) = o
                        .pointer_mut("/metadata/ownerReferences")
                        .and_then(Value::as_array_mut)
                    {
                        refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(&uid));
                    }
                    let rv = self.bump();
                    o["metadata"]["resourceVersion"] = rv.to_string().into();
                    self.objects.insert(d.clone(), o.clone());
                    self.emit(&d.0, &d.1, "MODIFIED", o);
                }
            } else {
                self.remove(&d, "Background");
            }
        }
    }
}

impl FakeApi {
    /// Starts the server on 127.0.0.1:0.
    pub async fn start() -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State {
            rv: 100,
            compacted: 0,
            objects: BTreeMap::new(),
            history: Vec::new(),
            subs: Vec::new(),
            next_sub: 0,
            next_uid: 0,
            requests: Vec::new(),
            injects: Vec::new(),
        }));
        let api = FakeApi { addr, state };
        let server = api.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let s = server.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let s = s.clone();
                        async move { Ok::<_, Infallible>(s.handle(req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        // Bookmarks every 500ms on watches that asked for them.
        let bm = api.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let mut st = bm.lock();
                let rv = st.rv;
                st.subs.retain(|s| {
                    if !s.bookmarks {
                        return true;
                    }
                    let t = type_of(&s.plural).expect("type");
                    let ev = line(&json!({"type": "BOOKMARK", "object": {
                        "kind": t.kind, "apiVersion": t.group_version,
                        "metadata": {"resourceVersion": rv.to_string()}}}));
                    s.tx.send(ev).is_ok()
                });
            }
        });
        api
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds (or replaces) an object, given in full (apiVersion, kind, metadata...).
    pub fn put(&self, obj: Value) -> Value {
        let plural = TYPES
            .iter()
            .find(|t| Some(t.kind) == obj.get("kind").and_then(Value::as_str))
            .expect("known kind")
            .plural;
        let t = type_of(plural).expect("type");
        let ns = meta_str(&obj, "namespace");
        let name = meta_str(&obj, "name");
        let mut st = self.lock();
        let key = (plural.to_string(), ns.clone(), name);
        if let Some(old) = st.objects.get(&key).cloned() {
            let mut obj = obj;
            let rv = st.bump();
            obj["metadata"]["resourceVersion"] = rv.to_string().into();
            obj["metadata"]["uid"] = old["metadata"]["uid"].clone();
            st.objects.insert(key, obj.clone());
            st.emit(plural, &ns, "MODIFIED", obj.clone());
            obj
        } else {
            st.insert_new(t, &ns, obj).expect("insert")
        }
    }

    /// Merge-patches an object as a controller would (no preconditions).
    pub fn modify(&self, plural: &str, ns: &str, name: &str, patch: Value) -> Value {
        let mut st = self.lock();
        let key = (plural.to_string(), ns.to_string(), name.to_string());
        let mut obj = st.objects.get(&key).cloned().expect("object exists");
        merge_patch(&mut obj, &patch);
        let rv = st.bump();
        obj["metadata"]["resourceVersion"] = rv.to_string().into();
        st.objects.insert(key, obj.clone());
        st.emit(plural, ns, "MODIFIED", obj.clone());
        obj
    }

    pub fn get(&self, plural: &str, ns: &str, name: &str) -> Option<Value> {
        self.lock()
            .objects
            .get(&(plural.to_string(), ns.to_string(), name.to_string()))
            .cloned()
    }

    pub fn list(&self, plural: &str) -> Vec<Value> {
        self.lock()
            .objects
            .iter()
            .filter(|(k, _)| k.0 == plural)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Requests of `method` whose path contains `path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method == method && r.path.contains(path))
            .count()
    }

    /// Makes the next `times` requests of `method` on paths containing `path` fail with
    /// `code` (500: InternalError, 403: Forbidden, ...).
    pub fn fail(&self, method: &str, path: &str, code: u16, times: u32) {
        self.lock().injects.push(Inject {
            method: method.to_string(),
            path_contains: path.to_string(),
            status: code,
            remaining: times,
        });
    }

    /// Compacts the history and sends `410 Gone` (reason Expired) to every open watch, in
    /// the stream, as the API server does when a watcher falls behind the compaction.
    pub fn expire_watches(&self) {
        let mut st = self.lock();
        st.compacted = st.rv;
        let rv = st.rv;
        st.history.clear();
        for s in st.subs.drain(..) {
            let _ = s.tx.send(line(&json!({"type": "ERROR", "object": status(
                410, "Expired",
                &format!("The resourceVersion for the provided watch is too old. (compacted to {rv})"),
                json!({}))})));
        }
    }

    /// Ends every open watch stream without an error (a lost connection).
    pub fn drop_watches(&self) {
        self.lock().subs.clear();
    }

    pub fn open_watches(&self) -> usize {
        self.lock().subs.len()
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let query: BTreeMap<String, String> = req
            .uri()
            .query()
            .map(|q| {
                url_decode_pairs(q)
                    .into_iter()
                    .collect::<BTreeMap<String, String>>()
            })
            .unwrap_or_default();
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let body: Option<Value> = if bytes.is_empty() {
            None
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        let mut rec = Recorded {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            content_type: content_type.clone(),
            body: body.clone(),
            status: 0,
        };
        // Injected failures.
        {
            let mut st = self.lock();
            if let Some(i) = st.injects.iter_mut().find(|i| {
                i.remaining > 0 && i.method == rec.method && path.contains(&i.path_contains)
            }) {
                i.remaining -= 1;
                let code = i.status;
                rec.status = code;
                st.requests.push(rec);
                let reason = match code {
                    403 => "Forbidden",
                    404 => "NotFound",
                    409 => "Conflict",
                    429 => "TooManyRequests",
                    _ => "InternalError",
                };
                return full(code, &status(code, reason, "injected failure", json!({})));
            }
        }
        let (resp, code) = self.route(&method, &path, &query, content_type.as_deref(), body);
        rec.status = code;
        self.lock().requests.push(rec);
        resp
    }

    fn route(
        &self,
        method: &Method,
        path: &str,
        query: &BTreeMap<String, String>,
        content_type: Option<&str>,
        body: Option<Value>,
    ) -> (Response<Body>, u16) {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (gv, rest): (String, &[&str]) = match segs.as_slice() {
            ["api", v, rest @ ..] => (v.to_string(), rest),
            ["apis", g, v, rest @ ..] => (format!("{g}/{v}"), rest),
            _ => return not_found_path(),
        };
        let (ns, plural, name): (Option<&str>, &str, Option<&str>) = match rest {
            [plural] => (None, plural, None),
            ["namespaces", ns, plural] => (Some(ns), plural, None),
            ["namespaces", ns, plural, name] => (Some(ns), plural, Some(name)),
            _ => return not_found_path(),
        };
        let Some(t) = type_of(plural).filter(|t| t.group_version == gv) else {
            return not_found_path();
        };
        let r = match (method, name) {
            (&Method::GET, None) if query.get("watch").is_some_and(|w| w == "true" || w == "1") => {
                return (self.watch(t, ns, query), 200)
            }
            (&Method::GET, None) => self.do_list(t, ns, query),
            (&Method::GET, Some(n)) => self.do_get(t, ns.unwrap_or(""), n),
            (&Method::POST, None) => match (ns, body) {
                (Some(ns), Some(b)) => {
                    let mut st = self.lock();
                    match st.insert_new(t, ns, b) {
                        Ok(o) => (201, o),
                        Err(e) => (e["code"].as_u64().unwrap_or(500) as u16, e),
                    }
                }
                _ => (
                    400,
                    status(400, "BadRequest", "namespace and body required", json!({})),
                ),
            },
            (&Method::PUT, Some(n)) => self.do_replace(t, ns.unwrap_or(""), n, body),
            (&Method::PATCH, Some(n)) => self.do_patch(t, ns.unwrap_or(""), n, content_type, body),
            (&Method::DELETE, Some(n)) => self.do_delete(t, ns.unwrap_or(""), n, query, body),
            _ => (
                405,
                status(405, "MethodNotAllowed", "method not allowed", json!({})),
            ),
        };
        (full(r.0, &r.1), r.0)
    }

    fn not_found(t: &ResourceType, name: &str) -> (u16, Value) {
        let group = t
            .group_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("");
        (
            404,
            status(
                404,
                "NotFound",
                &format!(
                    "{}{} \"{name}\" not found",
                    t.plural,
                    if group.is_empty() {
                        String::new()
                    } else {
                        format!(".{group}")
                    }
                ),
                json!({"name": name, "group": group, "kind": t.plural}),
            ),
        )
    }

    fn do_list(
        &self,
        t: &ResourceType,
        ns: Option<&str>,
        query: &BTreeMap<String, String>,
    ) -> (u16, Value) {
        let st = self.lock();
        let sel = parse_selector(query.get("labelSelector").map(String::as_str).unwrap_or(""));
        let mut items: Vec<Value> = st
            .objects
            .iter()
            .filter(|(k, o)| {
                k.0 == t.plural && ns.is_none_or(|n| k.1 == n) && selector_matches(&sel, o)
            })
            .map(|(_, o)| {
                let mut o = o.clone();
                if !t.crd {
                    // Like the real API server: built-in list items carry no type fields.
                    if let Some(m) = o.as_object_mut() {
                        m.remove("apiVersion");
                        m.remove("kind");
                    }
                }
                o
            })
            .collect();
        let (list_rv, offset) = match query.get("continue").and_then(|c| c.split_once(':')) {
            Some((rv, off)) => (rv.parse().unwrap_or(st.rv), off.parse().unwrap_or(0)),
            None => (st.rv, 0usize),
        };
        items = items.into_iter().skip(offset).collect();
        let limit: usize = query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .filter(|l| *l > 0)
            .unwrap_or(usize::MAX);
        let mut meta = json!({"resourceVersion": list_rv.to_string()});
        if items.len() > limit {
            items.truncate(limit);
            meta["continue"] = format!("{list_rv}:{}", offset + limit).into();
            meta["remainingItemCount"] = 0.into();
        }
        (
            200,
            json!({"kind": format!("{}List", t.kind), "apiVersion": t.group_version,
                "metadata": meta, "items": items}),
        )
    }

    fn do_get(&self, t: &ResourceType, ns: &str, name: &str) -> (u16, Value) {
        let st = self.lock();
        match st
            .objects
            .get(&(t.plural.to_string(), ns.to_string(), name.to_string()))
        {
            Some(o) => (200, o.clone()),
            None => Self::not_found(t, name),
        }
    }

    fn conflict(t: &ResourceType, name: &str) -> (u16, Value) {
        (
            409,
            status(
                409,
                "Conflict",
                &format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                    t.plural
                ),
                json!({"name": name, "kind": t.plural}),
            ),
        )
    }

    fn do_replace(
        &self,
        t: &ResourceType,
        ns: &str,
        name: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let Some(mut body) = body else {
            return (400, status(400, "BadRequest", "body required", json!({})));
        };
        let mut st = self.lock();
        let key = (t.plural.to_string(), ns.to_string(), name.to_string());
        let Some(old) = st.objects.get(&key).cloned() else {
            return Self::not_found(t, name);
        };
        let sent_rv = meta_str(&body, "resourceVersion");
        if sent_rv.is_empty() || sent_rv != meta_str(&old, "resourceVersion") {
            return Self::conflict(t, name);
        }
        let rv = st.bump();
        body["metadata"]["resourceVersion"] = rv.to_string().into();
        body["metadata"]["uid"] = old["metadata"]["uid"].clone();
        body["metadata"]["creationTimestamp"] = old["metadata"]["creationTimestamp"].clone();
        body["metadata"]["namespace"] = ns.into();
        let body = st.decorate(t, body);
        st.objects.insert(key, body.clone());
        st.emit(t.plural, ns, "MODIFIED", body.clone());
        (200, body)
    }

    fn do_patch(
        &self,
        t: &ResourceType,
        ns: &str,
        name: &str,
        content_type: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        if content_type != Some("application/merge-patch+json") {
            return (
                415,
                status(
                    415,
                    "UnsupportedMediaType",
                    &format!("the fake API server only takes merge patches, not {content_type:?}"),
                    json!({}),
                ),
            );
        }
        let Some(patch) = body else {
            return (400, status(400, "BadRequest", "body required", json!({})));
        };
        let mut st = self.lock();
        let key = (t.plural.to_string(), ns.to_string(), name.to_string());
        let Some(mut obj) = st.objects.get(&key).cloned() else {
            return Self::not_found(t, name);
        };
        if let Some(rv) = patch
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
        {
            if rv != meta_str(&obj, "resourceVersion") {
                return Self::conflict(t, name);
            }
        }
        let uid = obj["metadata"]["uid"].clone();
        merge_patch(&mut obj, &patch);
        let rv = st.bump();
        obj["metadata"]["resourceVersion"] = rv.to_string().into();
        obj["metadata"]["uid"] = uid;
        st.objects.insert(key, obj.clone());
        st.emit(t.plural, ns, "MODIFIED", obj.clone());
        (200, obj)
    }

    fn do_delete(
        &self,
        t: &ResourceType,
        ns: &str,
        name: &str,
        query: &BTreeMap<String, String>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let opts = body.unwrap_or_else(|| json!({}));
        let mut st = self.lock();
        let key = (t.plural.to_string(), ns.to_string(), name.to_string());
        let Some(obj) = st.objects.get(&key).cloned() else {
            return Self::not_found(t, name);
        };
        if let Some(uid) = opts.pointer("/preconditions/uid").and_then(Value::as_str) {
            let have = meta_str(&obj, "uid");
            if uid != have {
                return (
                    409,
                    status(
                        409,
                        "Conflict",
                        &format!(
                            "Precondition failed: UID in precondition: {uid}, UID in object meta: {have}"
                        ),
                        json!({"name": name, "kind": t.plural}),
                    ),
                );
            }
        }
        if let Some(rv) = opts
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
        {
            if rv != meta_str(&obj, "resourceVersion") {
                return Self::conflict(t, name);
            }
        }
        let propagation = opts
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .or(query.get("propagationPolicy").map(String::as_str))
            .unwrap_or(if t.plural == "jobs" {
                "Orphan"
            } else {
                "Background"
            })
            .to_string();
        st.remove(&key, &propagation);
        (
            200,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "kind": t.plural, "uid": meta_str(&obj, "uid")}}),
        )
    }

    fn watch(
        &self,
        t: &ResourceType,
        ns: Option<&str>,
        query: &BTreeMap<String, String>,
    ) -> Response<Body> {
        let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
        let sel = parse_selector(query.get("labelSelector").map(String::as_str).unwrap_or(""));
        let from = query.get("resourceVersion").cloned().unwrap_or_default();
        let bookmarks = query
            .get("allowWatchBookmarks")
            .is_some_and(|b| b == "true");
        let timeout = query
            .get("timeoutSeconds")
            .and_then(|s| s.parse::<u64>().ok());
        let mut st = self.lock();
        let matches = |o: &Value, plural: &str, k_ns: &str| {
            plural == t.plural && ns.is_none_or(|n| n == k_ns) && selector_matches(&sel, o)
        };
        match from.parse::<u64>() {
            Ok(rv) if rv > 0 => {
                if rv < st.compacted {
                    let _ = tx.send(line(&json!({"type": "ERROR", "object": status(
                        410, "Expired",
                        &format!("too old resource version: {rv} ({})", st.compacted),
                        json!({}))})));
                    drop(tx);
                    return stream_response(rx);
                }
                for c in st.history.iter().filter(|c| c.rv > rv) {
                    if matches(&c.object, &c.plural, &c.namespace) {
                        let _ = tx.send(line(&json!({"type": c.ty, "object": c.object})));
                    }
                }
            }
            _ => {
                for ((plural, k_ns, _), o) in st.objects.iter() {
                    if matches(o, plural, k_ns) {
                        let _ = tx.send(line(&json!({"type": "ADDED", "object": o})));
                    }
                }
            }
        }
        st.next_sub += 1;
        let id = st.next_sub;
        st.subs.push(Sub {
            id,
            plural: t.plural.to_string(),
            namespace: ns.map(str::to_string),
            selector: sel,
            bookmarks,
            tx,
        });
        drop(st);
        if let Some(secs) = timeout {
            let me = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                me.lock().subs.retain(|s| s.id != id);
            });
        }
        stream_response(rx)
    }
}

fn not_found_path() -> (Response<Body>, u16) {
    (
        full(
            404,
            &status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                json!({}),
            ),
        ),
        404,
    )
}

fn stream_response(rx: mpsc::UnboundedReceiver<Bytes>) -> Response<Body> {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(BodyExt::boxed(StreamBody::new(stream)))
        .expect("response")
}

fn url_decode_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect()
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_rfc7386_examples() {
        // From RFC 7386, appendix A.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, want) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, want);
        }
    }

    #[test]
    fn selectors() {
        let o = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        assert!(selector_matches(&parse_selector("a"), &o));
        assert!(selector_matches(&parse_selector("a=1,b!=3"), &o));
        assert!(!selector_matches(&parse_selector("!a"), &o));
        assert!(!selector_matches(&parse_selector("c"), &o));
        assert_eq!(pct_decode("a%3Db%2Cc"), "a=b,c");
    }
}
