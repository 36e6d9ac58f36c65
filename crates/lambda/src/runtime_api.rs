//! The Lambda Runtime API for one function process, served on loopback: the process asks for
//! its next event (`GET .../invocation/next`, a long poll) and posts the result or the error
//! of each; `init/error` reports a handler that could not be loaded.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Notify};

/// One event for the process.
pub struct Event {
    pub request_id: String,
    pub payload: String,
    pub deadline_ms: u128,
    pub function_arn: String,
    pub reply: oneshot::Sender<Outcome>,
}

/// What the process answered for one event.
#[derive(Debug)]
pub enum Outcome {
    Response(String),
    /// The error payload and the `Lambda-Runtime-Function-Error-Type` header.
    Error(String),
}

struct Shared {
    events: tokio::sync::Mutex<mpsc::Receiver<Event>>,
    current: Mutex<Option<(String, oneshot::Sender<Outcome>)>>,
    init_error: Mutex<Option<String>>,
    init_failed: Notify,
}

/// The server of one process: hand it events with [`Server::send`].
pub struct Server {
    pub address: std::net::SocketAddr,
    events: mpsc::Sender<Event>,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const PREFIX: &str = "/2018-06-01/runtime";

impl Server {
    /// Listens on a free loopback port.
    pub async fn start() -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (events, receiver) = mpsc::channel(1);
        let shared = Arc::new(Shared {
            events: tokio::sync::Mutex::new(receiver),
            current: Mutex::new(None),
            init_error: Mutex::new(None),
            init_failed: Notify::new(),
        });
        let router = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next))
            .route(&format!("{PREFIX}/invocation/{{id}}/response"), post(response))
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Server { address, events, shared, task })
    }

    /// Queues an event for the process's next `GET .../next`.
    pub async fn send(&self, event: Event) -> bool {
        self.events.send(event).await.is_ok()
    }

    /// The body the process posted to `init/error`, once it does.
    pub async fn init_failed(&self) -> String {
        loop {
            let notified = self.shared.init_failed.notified();
            if let Some(body) = self.shared.init_error.lock().map(|e| e.clone()).ok().flatten() {
                return body;
            }
            notified.await;
        }
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let event = {
        let mut events = shared.events.lock().await;
        events.recv().await
    };
    let Some(event) = event else {
        return (StatusCode::GONE, "the function is shutting down").into_response();
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", &event.request_id);
    set("lambda-runtime-deadline-ms", &event.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &event.function_arn);
    let hex = event.request_id.replace('-', "");
    let (root, parent) = (&hex[..hex.len().min(24)], &hex[..hex.len().min(16)]);
    let trace = format!("Root=1-{:08x}-{root};Parent={parent};Sampled=0", event.deadline_ms / 1000);
    set("lambda-runtime-trace-id", &trace);
    set("content-type", "application/json");
    if let Ok(mut current) = shared.current.lock() {
        *current = Some((event.request_id, event.reply));
    }
    (StatusCode::OK, headers, event.payload).into_response()
}

/// Takes the reply of the event `id`, if it is the current one.
fn take(shared: &Shared, id: &str) -> Option<oneshot::Sender<Outcome>> {
    let mut current = shared.current.lock().ok()?;
    if current.as_ref().is_some_and(|(current, _)| current == id) {
        return current.take().map(|(_, reply)| reply);
    }
    None
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, [("content-type", "application/json")], "{\"status\":\"OK\"}").into_response()
}

fn unknown(id: &str) -> Response {
    let body = format!("{{\"errorMessage\":\"Invalid request ID: {id}\",\"errorType\":\"InvalidRequestID\"}}");
    (StatusCode::BAD_REQUEST, [("content-type", "application/json")], body).into_response()
}

async fn response(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(reply) = take(&shared, &id) else { return unknown(&id) };
    let _ = reply.send(Outcome::Response(String::from_utf8_lossy(&body).into_owned()));
    accepted()
}

async fn error(State(shared): State<Arc<Shared>>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(reply) = take(&shared, &id) else { return unknown(&id) };
    let _ = reply.send(Outcome::Error(error_payload(&headers, &body)));
    accepted()
}

async fn init_error(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Ok(mut init) = shared.init_error.lock() {
        *init = Some(error_payload(&headers, &body));
    }
    shared.init_failed.notify_waiters();
    accepted()
}

/// The error body as posted; an empty one becomes `{"errorType": <header>}` as Lambda does.
fn error_payload(headers: &HeaderMap, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).trim().to_string();
    if !text.is_empty() {
        return text;
    }
    let kind =
        headers.get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok()).unwrap_or("Runtime.Unknown");
    format!("{{\"errorMessage\":\"\",\"errorType\":{}}}", serde_json::Value::from(kind))
}
