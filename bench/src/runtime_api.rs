//! A small AWS Lambda Runtime API on 127.0.0.1 for one execution environment (one process):
//! `GET /2018-06-01/runtime/invocation/next` hands out the queued events one at a time,
//! `POST .../invocation/{id}/response` and `.../{id}/error` complete them, and
//! `POST .../init/error` records a failed start. It timestamps the first poll (the end of
//! the function's init) and, for every invocation, when the event left and when the answer
//! arrived.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Result, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Mutex as AsyncMutex, mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

const PREFIX: &str = "/2018-06-01/runtime/";

/// One invocation as the Runtime API saw it.
#[derive(Debug)]
pub struct Outcome {
    /// When the event was queued (the caller's "request sent").
    pub submitted: Instant,
    /// When the Runtime API handed the event to the function (its answer to
    /// `invocation/next`): where Lambda's billed duration starts.
    pub delivered: Instant,
    /// When the function's response (or error) arrived.
    pub completed: Instant,
    pub body: Bytes,
    /// The function posted to `.../error` instead of `.../response`.
    pub error: bool,
}

impl Outcome {
    /// Event queued to answer received: what a caller of the function waits for.
    pub fn end_to_end(&self) -> Duration {
        self.completed.saturating_duration_since(self.submitted)
    }

    /// Event handed over to answer received: the function's own duration, what Lambda
    /// bills (rounded up to the millisecond).
    pub fn own(&self) -> Duration {
        self.completed.saturating_duration_since(self.delivered)
    }
}

struct Pending {
    id: String,
    event: Bytes,
    submitted: Instant,
    reply: oneshot::Sender<Outcome>,
}

struct InFlight {
    submitted: Instant,
    delivered: Instant,
    reply: oneshot::Sender<Outcome>,
}

struct Shared {
    queue: AsyncMutex<mpsc::UnboundedReceiver<Pending>>,
    in_flight: Mutex<HashMap<String, InFlight>>,
    first_poll: Mutex<Option<Instant>>,
    init_error: Mutex<Option<String>>,
    function_arn: String,
}

pub struct RuntimeApi {
    pub addr: SocketAddr,
    sender: mpsc::UnboundedSender<Pending>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    task: JoinHandle<()>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RuntimeApi {
    pub async fn start(function: &str) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: AsyncMutex::new(receiver),
            in_flight: Mutex::new(HashMap::new()),
            first_poll: Mutex::new(None),
            init_error: Mutex::new(None),
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function}"),
        });
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            // Connections live in the set, so stopping the server stops them too.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&serving);
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(Self {
            addr,
            sender,
            shared,
            next_id: AtomicU64::new(1),
            task,
        })
    }

    /// `host:port`, as `AWS_LAMBDA_RUNTIME_API` holds it.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// When the function first asked for an event (its init is over).
    pub fn first_poll(&self) -> Option<Instant> {
        *lock(&self.shared.first_poll)
    }

    pub fn init_error(&self) -> Option<String> {
        lock(&self.shared.init_error).clone()
    }

    /// Queues `event` and waits for the function's answer (at most `timeout`).
    pub async fn invoke(&self, event: Bytes, timeout: Duration) -> Result<Outcome> {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("00000000-0000-4000-8000-{n:012x}");
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Pending {
                id,
                event,
                submitted: Instant::now(),
                reply,
            })
            .map_err(|_| anyhow!("the runtime API has stopped"))?;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut answer = answer;
        loop {
            tokio::select! {
                outcome = &mut answer => {
                    return outcome.map_err(|_| anyhow!("the invocation was dropped"));
                }
                () = &mut deadline => {
                    return Err(anyhow!(
                        "no answer within {timeout:?}{}",
                        self.init_error().map(|e| format!(" (init error: {e})")).unwrap_or_default()
                    ));
                }
                () = tokio::time::sleep(Duration::from_millis(20)) => {
                    if let Some(error) = self.init_error() {
                        return Err(anyhow!("the function failed to start: {error}"));
                    }
                }
            }
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let arrived = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(reply(StatusCode::NOT_FOUND, "{}"));
    };
    if method == Method::GET && rest == "invocation/next" {
        lock(&shared.first_poll).get_or_insert(arrived);
        let pending = shared.queue.lock().await.recv().await;
        let Some(pending) = pending else {
            return Ok(reply(StatusCode::GONE, "{}"));
        };
        let deadline = SystemTime::now()
            .checked_add(Duration::from_secs(900))
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis());
        lock(&shared.in_flight).insert(
            pending.id.clone(),
            InFlight {
                submitted: pending.submitted,
                delivered: Instant::now(),
                reply: pending.reply,
            },
        );
        let response = Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", pending.id.as_str())
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                shared.function_arn.as_str(),
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
            )
            .body(Full::new(pending.event));
        return Ok(response.unwrap_or_else(|_| reply(StatusCode::INTERNAL_SERVER_ERROR, "{}")));
    }
    if method == Method::POST && rest == "init/error" {
        let body = request.into_body().collect().await.map(|b| b.to_bytes());
        let text = body
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        *lock(&shared.init_error) = Some(text);
        return Ok(reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#));
    }
    if method == Method::POST
        && let Some(invocation) = rest.strip_prefix("invocation/")
        && let Some((id, kind)) = invocation.split_once('/')
        && (kind == "response" || kind == "error")
    {
        let id = id.to_string();
        let body = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let Some(in_flight) = lock(&shared.in_flight).remove(&id) else {
            return Ok(reply(StatusCode::BAD_REQUEST, "{}"));
        };
        let _ = in_flight.reply.send(Outcome {
            submitted: in_flight.submitted,
            delivered: in_flight.delivered,
            completed: arrived,
            body,
            error: kind == "error",
        });
        return Ok(reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#));
    }
    Ok(reply(StatusCode::NOT_FOUND, "{}"))
}
