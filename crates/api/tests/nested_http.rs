//! Nested executions and callbacks over real HTTP (a raw HTTP/1.1 client on an ephemeral
//! port, over a `MemoryStore` and a real `Runtime`): StartExecution of a parent that runs a
//! child state machine with `.sync:2`, and a `.waitForTaskToken` task ended by
//! SendTaskSuccess with the token its request carried.

mod support;

use runtime::{BoxFuture, Invoker, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{call, create_machine, history_types, serve, start, until_closed};

/// Records the tokens of the tasks it is given and answers as SQS's SendMessage would.
#[derive(Default)]
struct Tokens(Mutex<Vec<String>>);

impl Invoker for Tokens {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        self.0.lock().unwrap().push(call.token);
        Box::pin(async { Ok(expr::json!({"MessageId": "m-1"})) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_runs_a_child_with_sync2() {
    let addr = serve(Arc::new(Tokens::default())).await.addr;
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
    let described = until_closed(addr, &exec).await;
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
    let described_child = until_closed(addr, &child_arn).await;
    assert_eq!(described_child["status"], "SUCCEEDED");
    assert_eq!(described_child["input"], r#"{"n":5}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_task_success_ends_a_callback_over_http() {
    let tokens = Arc::new(Tokens::default());
    let addr = serve(Arc::clone(&tokens) as Arc<dyn Invoker>).await.addr;
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
    let described = until_closed(addr, &exec).await;
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], r#"{"approved":true}"#);
    let (status, body) = call(addr, "SendTaskSuccess", json!({"taskToken": token, "output": "{}"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "TaskTimedOut");
}
