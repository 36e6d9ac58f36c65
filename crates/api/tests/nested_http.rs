//! Nested executions and callbacks over real HTTP (a raw HTTP/1.1 client on an ephemeral
//! port, over a `MemoryStore` and a real `Runtime`): StartExecution of a parent that runs a
//! child state machine with `.sync:2`, and a `.waitForTaskToken` task ended by
//! SendTaskSuccess with the token its request carried.

use api::Config;
use runtime::{BoxFuture, Invoker, Options, Runtime, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::MemoryStore;

const ROLE: &str = "arn:aws:iam::123456789012:role/test";

/// Records the tokens of the tasks it is given and answers as SQS's SendMessage would.
#[derive(Default)]
struct Tokens(Mutex<Vec<String>>);

impl Invoker for Tokens {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        self.0.lock().unwrap().push(call.token);
        Box::pin(async { Ok(expr::json!({"MessageId": "m-1"})) })
    }
}

async fn serve(invoker: Arc<Tokens>) -> SocketAddr {
    let store = Arc::new(MemoryStore::default());
    let options = Options { node: "test".into(), ..Options::default() };
    let runtime = Arc::new(Runtime::new(store, invoker, options));
    let router = api::router(runtime, Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// One request on a fresh connection: (status, JSON body).
async fn call(addr: SocketAddr, action: &str, body: Value) -> (u16, Value) {
    let action = action.to_string();
    tokio::task::spawn_blocking(move || {
        let body = body.to_string();
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: states.us-east-1.amazonaws.com\r\nX-Amz-Target: AWSStepFunctions.{action}\r\n\
             Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("a full response");
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}")))
    })
    .await
    .unwrap()
}

async fn create_machine(addr: SocketAddr, name: &str, definition: Value) -> String {
    let request = json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE});
    let (status, created) = call(addr, "CreateStateMachine", request).await;
    assert_eq!(status, 200, "{created}");
    created["stateMachineArn"].as_str().unwrap().to_string()
}

async fn start(addr: SocketAddr, machine: &str, input: Value) -> String {
    let request = json!({"stateMachineArn": machine, "input": input.to_string()});
    let (status, started) = call(addr, "StartExecution", request).await;
    assert_eq!(status, 200, "{started}");
    started["executionArn"].as_str().unwrap().to_string()
}

/// DescribeExecution, polled until the execution is not RUNNING.
async fn finished(addr: SocketAddr, arn: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, described) = call(addr, "DescribeExecution", json!({"executionArn": arn})).await;
        assert_eq!(status, 200, "{described}");
        if described["status"] != "RUNNING" {
            return described;
        }
        assert!(Instant::now() < deadline, "{arn} still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn history_types(addr: SocketAddr, arn: &str) -> (Vec<String>, Vec<Value>) {
    let (status, history) = call(addr, "GetExecutionHistory", json!({"executionArn": arn})).await;
    assert_eq!(status, 200, "{history}");
    let events = history["events"].as_array().unwrap().clone();
    (events.iter().map(|e| e["type"].as_str().unwrap().to_string()).collect(), events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_runs_a_child_with_sync2() {
    let addr = serve(Arc::default()).await;
    let child = json!({"StartAt": "P", "States": {"P": {"Type": "Pass",
        "Parameters": {"Arg1": "argument1", "Got.$": "$.n"}, "End": true}}});
    let child = create_machine(addr, "child", child).await;
    let parent = json!({"StartAt": "StartExecution", "States": {"StartExecution": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn.$": "$.StateMachineArn", "Input.$": "$.Input", "Name.$": "$.Name"},
        "End": true}}});
    let parent = create_machine(addr, "parent", parent).await;
    let exec =
        start(addr, &parent, json!({"StateMachineArn": child, "Input": {"n": 5}, "Name": "TestStartTarget"})).await;
    let described = finished(addr, &exec).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    let child_arn = child.replace(":stateMachine:", ":execution:") + ":TestStartTarget";
    assert_eq!(output["ExecutionArn"], child_arn);
    assert_eq!(output["Input"], json!({"n": 5}), ".sync:2 parses the input");
    assert_eq!(output["Output"], json!({"Arg1": "argument1", "Got": 5}), ".sync:2 parses the output");
    assert_eq!(output["Status"], "SUCCEEDED");
    assert_eq!(output["InputDetails"], json!({"Included": true}));
    assert!(output["StopDate"].as_i64().unwrap() >= output["StartDate"].as_i64().unwrap());
    let (types, events) = history_types(addr, &exec).await;
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let submitted = &events[4]["taskSubmittedEventDetails"];
    assert_eq!(
        (submitted["resourceType"].as_str(), submitted["resource"].as_str()),
        (Some("states"), Some("startExecution.sync:2"))
    );
    let response: Value = serde_json::from_str(submitted["output"].as_str().unwrap()).unwrap();
    assert_eq!(response["ExecutionArn"], child_arn);

    // The child is an ordinary execution of its machine.
    let described_child = finished(addr, &child_arn).await;
    assert_eq!(described_child["status"], "SUCCEEDED");
    assert_eq!(described_child["input"], r#"{"n":5}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_task_success_ends_a_callback_over_http() {
    let tokens = Arc::new(Tokens::default());
    let addr = serve(Arc::clone(&tokens)).await;
    let definition = json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}}});
    let machine = create_machine(addr, "approval", definition).await;
    let exec = start(addr, &machine, json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let token = loop {
        if let Some(token) = tokens.0.lock().unwrap().first().cloned() {
            break token;
        }
        assert!(Instant::now() < deadline, "the request was not sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Wait for the submit to be recorded, then approve.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !history_types(addr, &exec).await.0.iter().any(|t| t == "TaskSubmitted") {
        assert!(Instant::now() < deadline, "no TaskSubmitted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body) =
        call(addr, "SendTaskSuccess", json!({"taskToken": token, "output": r#"{"approved":true}"#})).await;
    assert_eq!((status, body), (200, json!({})));
    let described = finished(addr, &exec).await;
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], r#"{"approved":true}"#);
    let (status, body) = call(addr, "SendTaskSuccess", json!({"taskToken": token, "output": "{}"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "TaskTimedOut");
}
