//! A timing, counting HTTP proxy on 127.0.0.1 in front of DynamoDB Local. A function (or a
//! floor) pointed at it through `DYNAMODB_ENDPOINT` makes its calls unchanged; the proxy logs
//! each one (operation, from the request's arrival to the upstream answer's last byte), so the
//! harness knows, per invocation, how many DynamoDB calls it made and how long they took.
//!
//! In recording mode it also keeps the request bodies and, before forwarding a write, reads
//! the items the write is about to change (straight from DynamoDB Local), so the floors can
//! put them back and make exactly the same calls again against exactly the same items.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Result;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, HeaderName, TRANSFER_ENCODING};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use loyalty_bench::replay::{self, Call};

pub type Item = HashMap<String, AttributeValue>;

/// An item a recorded write changed, as it was just before: `None` when it did not exist.
#[derive(Debug, Clone)]
pub struct Before {
    pub table: String,
    pub key: Item,
    pub item: Option<Item>,
}

#[derive(Debug, Clone)]
pub struct ProxyCall {
    pub operation: String,
    pub started: Instant,
    pub finished: Instant,
    pub status: u16,
    /// Recording mode only.
    pub request: Option<Value>,
    /// Recording mode only: the items this call was about to write, as they were.
    pub before: Vec<Before>,
}

impl ProxyCall {
    pub fn duration(&self) -> Duration {
        self.finished.saturating_duration_since(self.started)
    }

    pub fn as_call(&self) -> Option<Call> {
        self.request.as_ref().map(|request| Call {
            operation: self.operation.clone(),
            request: request.clone(),
        })
    }
}

/// The time with at least one of `calls` in flight: their durations summed when made one
/// after the other, their overlap counted once when made at once.
pub fn time_in_dynamodb(calls: &[ProxyCall]) -> Duration {
    let mut spans: Vec<(Instant, Instant)> =
        calls.iter().map(|c| (c.started, c.finished)).collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e.saturating_duration_since(s);
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total += e.saturating_duration_since(s);
    }
    total
}

struct Shared {
    upstream: String,
    http: HttpClient<HttpConnector, Full<Bytes>>,
    log: Mutex<Vec<ProxyCall>>,
    /// Set in recording mode: reads the items a write is about to change.
    recorder: Option<Client>,
}

pub struct Proxy {
    pub port: u16,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// `upstream` is `host:port` of DynamoDB Local. With `recorder`, the proxy records.
    pub async fn start(upstream: &str, recorder: Option<Client>) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = HttpClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(300))
            .build(connector);
        let shared = Arc::new(Shared {
            upstream: upstream.to_string(),
            http,
            log: Mutex::new(Vec::new()),
            recorder,
        });
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&serving);
                connections.spawn(async move {
                    let service = service_fn(move |request| forward(Arc::clone(&shared), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(Self { port, shared, task })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every call logged since the last `take`, in the order they finished.
    pub fn take(&self) -> Vec<ProxyCall> {
        std::mem::take(
            &mut *self
                .shared
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const HOP_BY_HOP: [HeaderName; 3] = [CONNECTION, TRANSFER_ENCODING, CONTENT_LENGTH];

async fn forward(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split('.').next_back())
        .unwrap_or("<unknown>")
        .to_string();
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();

    let mut recorded = None;
    let mut before = Vec::new();
    if let Some(recorder) = &shared.recorder {
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        before = read_before(recorder, &operation, &request).await;
        recorded = Some(request);
    }

    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let mut upstream = Request::builder()
        .method(parts.method)
        .uri(format!("http://{}{path}", shared.upstream));
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(name) {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.body(Full::new(body)) {
        Ok(upstream) => shared.http.request(upstream).await.ok(),
        Err(_) => None,
    };
    let response = match answer {
        Some(answer) => {
            let (parts, body) = answer.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let mut response = Response::builder().status(parts.status);
            for (name, value) in &parts.headers {
                if !HOP_BY_HOP.contains(name) {
                    response = response.header(name, value);
                }
            }
            response.body(Full::new(body)).ok()
        }
        None => None,
    };
    let response = response.unwrap_or_else(|| {
        let mut failed = Response::new(Full::new(Bytes::new()));
        *failed.status_mut() = StatusCode::BAD_GATEWAY;
        failed
    });
    let finished = Instant::now();
    shared
        .log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(ProxyCall {
            operation,
            started,
            finished,
            status: response.status().as_u16(),
            request: recorded,
            before,
        });
    Ok(response)
}

/// The items a write is about to change, read consistently before it goes upstream.
async fn read_before(client: &Client, operation: &str, request: &Value) -> Vec<Before> {
    let mut targets: Vec<(String, Item)> = Vec::new();
    let key_of = |table: &Value, source: &Value, whole_item: bool| -> Option<(String, Item)> {
        let table = table.as_str()?.to_string();
        let mut key = replay::item(source).ok()?;
        if whole_item {
            key.retain(|name, _| {
                name == loyalty::store::keys::PK || name == loyalty::store::keys::SK
            });
        }
        Some((table, key))
    };
    match operation {
        "TransactWriteItems" => {
            for entry in request["TransactItems"].as_array().into_iter().flatten() {
                if let Some(put) = entry.get("Put") {
                    targets.extend(key_of(&put["TableName"], &put["Item"], true));
                } else if let Some(write) = entry.get("Update").or_else(|| entry.get("Delete")) {
                    targets.extend(key_of(&write["TableName"], &write["Key"], false));
                }
            }
        }
        "PutItem" => targets.extend(key_of(&request["TableName"], &request["Item"], true)),
        "UpdateItem" | "DeleteItem" => {
            targets.extend(key_of(&request["TableName"], &request["Key"], false));
        }
        _ => {}
    }
    let mut before = Vec::new();
    for (table, key) in targets {
        let item = client
            .get_item()
            .table_name(&table)
            .set_key(Some(key.clone()))
            .consistent_read(true)
            .send()
            .await
            .ok()
            .and_then(|o| o.item);
        before.push(Before { table, key, item });
    }
    before
}
