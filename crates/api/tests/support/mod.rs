//! Helpers shared by the API's HTTP tests: the API on an ephemeral port over a `MemoryStore`
//! and a real `Runtime`, a raw HTTP/1.1 client on `TcpStream`, and the common requests.
#![allow(dead_code)]

use api::Config;
use runtime::{BoxFuture, Invoker, Options, Runtime, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::MemoryStore;

pub const ROLE: &str = "arn:aws:iam::123456789012:role/test";
/// The host the SDKs send the control plane's requests to (the router takes any host).
pub const HOST: &str = "states.us-east-1.amazonaws.com";

/// Fails every task with `States.TaskFailed`: for tests that run no tasks.
pub struct NoInvoker;

impl Invoker for NoInvoker {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            Err(("States.TaskFailed".into(), format!("No invoker is configured for the resource '{}'", call.resource)))
        })
    }
}

/// A served API: where it listens and the runtime (and store) behind it.
pub struct Served {
    pub addr: SocketAddr,
    pub runtime: Arc<Runtime<MemoryStore>>,
}

/// The API on an ephemeral port over a fresh `MemoryStore`, its tasks given to `invoker`.
pub async fn serve(invoker: Arc<dyn Invoker>) -> Served {
    let store = Arc::new(MemoryStore::default());
    let options = Options { node: "test".into(), ..Options::default() };
    let runtime = Arc::new(Runtime::new(store, invoker, options));
    let router = api::router(Arc::clone(&runtime), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Served { addr, runtime }
}

/// [`serve`] with the [`NoInvoker`].
pub async fn serve_default() -> Served {
    serve(Arc::new(NoInvoker)).await
}

/// A response: its status, its head (status line and headers) and its JSON body.
pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: Value,
}

/// One request with a raw body on a fresh connection to `host`.
pub async fn send(addr: SocketAddr, host: &str, action: &str, body: String) -> Response {
    let (action, host) = (action.to_string(), host.to_string());
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(70))).unwrap();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: AWSStepFunctions.{action}\r\n\
             Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        // The server may answer (and close) before reading a refused body.
        let _ = stream.write_all(body.as_bytes());
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("a full response");
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
        Response { status, head: head.to_string(), body }
    })
    .await
    .unwrap()
}

/// One request with a raw body on a fresh connection: (status, JSON body).
pub async fn raw(addr: SocketAddr, action: &str, body: String) -> (u16, Value) {
    let response = send(addr, HOST, action, body).await;
    (response.status, response.body)
}

/// One request on a fresh connection to `host` (the SDKs send StartSyncExecution and
/// TestState to `sync-<host>`): (status, JSON body).
pub async fn call_host(addr: SocketAddr, host: &str, action: &str, body: Value) -> (u16, Value) {
    let response = send(addr, host, action, body.to_string()).await;
    (response.status, response.body)
}

/// One request on a fresh connection: (status, JSON body).
pub async fn call(addr: SocketAddr, action: &str, body: Value) -> (u16, Value) {
    call_host(addr, HOST, action, body).await
}

/// The answer of a call that must succeed.
pub async fn ok(addr: SocketAddr, action: &str, body: Value) -> Value {
    let (status, reply) = call(addr, action, body).await;
    assert_eq!(status, 200, "{action}: {reply}");
    reply
}

/// An error answer in AWS's shape: (400, `{"__type", "message"}`).
pub fn error(code: &str, message: &str) -> (u16, Value) {
    (400, json!({"__type": code, "message": message}))
}

/// DescribeExecution, polled until the execution is no longer RUNNING.
pub async fn until_closed(addr: SocketAddr, arn: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let described = ok(addr, "DescribeExecution", json!({"executionArn": arn})).await;
        if described["status"] != "RUNNING" {
            return described;
        }
        assert!(Instant::now() < deadline, "{arn} still running: {described}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The execution's history: its event types and its events.
pub async fn history_types(addr: SocketAddr, arn: &str) -> (Vec<String>, Vec<Value>) {
    let history = ok(addr, "GetExecutionHistory", json!({"executionArn": arn})).await;
    let events = history["events"].as_array().unwrap().clone();
    (events.iter().map(|e| e["type"].as_str().unwrap().to_string()).collect(), events)
}

/// Creates a STANDARD state machine; returns its ARN.
pub async fn create_machine(addr: SocketAddr, name: &str, definition: Value) -> String {
    let request = json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE});
    let created = ok(addr, "CreateStateMachine", request).await;
    created["stateMachineArn"].as_str().unwrap().to_string()
}

/// Starts an execution with a generated name; returns its ARN.
pub async fn start(addr: SocketAddr, machine: &str, input: Value) -> String {
    let request = json!({"stateMachineArn": machine, "input": input.to_string()});
    let started = ok(addr, "StartExecution", request).await;
    started["executionArn"].as_str().unwrap().to_string()
}
