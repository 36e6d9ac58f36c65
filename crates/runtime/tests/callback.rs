//! Callback tasks (`.waitForTaskToken`) end to end, on `MemoryStore` and on SQLite files:
//! the token in the request (JSONPath and JSONata), AWS's `TaskSubmitted` history,
//! SendTaskSuccess / SendTaskFailure, heartbeat and timeout expiry, invoker errors, and a
//! restart while the callback waits (its request is not sent again).

mod support;

use runtime::Error;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use store::{ExecutionStatus, MemoryStore, Store};
use support::*;

const SQS: &str = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";

fn sent() -> runtime::TaskResult {
    Ok(expr::json!({"MessageId": "m-1", "MD5OfMessageBody": "x"}))
}

/// A callback Task that sends `$$.Task.Token`, then a Pass state; `extra` goes into the Task.
fn callback_machine(extra: Value) -> Value {
    let mut task = json!({
        "Type": "Task", "Resource": SQS,
        "Parameters": {"QueueUrl": "https://q", "MessageBody": {"Token.$": "$$.Task.Token", "X.$": "$.x"}},
        "ResultPath": "$.result", "Next": "After"});
    task.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let catches = task.get("Catch").is_some();
    let mut machine = json!({"StartAt": "Ask", "States": {"Ask": task, "After": {"Type": "Pass", "End": true}}});
    if catches {
        machine["States"]["Handled"] = json!({"Type": "Pass", "End": true});
    }
    machine
}

const CALLBACK_HISTORY: [&str; 10] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TaskStateExited",
    "PassStateEntered",
    "PassStateExited",
    "ExecutionSucceeded",
];

async fn send_task_success_completes_the_callback<S: Store>(store: Arc<S>) {
    let arn = machine(&*store, "cb", callback_machine(json!({}))).await;
    let invoker = Recorder::new(sent());
    let rt = runtime(&store, &invoker, "a");
    let exec = start(&rt, &arn, "e1", json!({"x": 7})).await;
    let call = invoker.nth_call(1).await;
    assert_eq!(call.resource, SQS);
    assert!(engine::is_task_token(&call.token), "{}", call.token);
    assert_eq!(
        serde_json::Value::from(call.input.clone()),
        json!({"QueueUrl": "https://q", "MessageBody": {"Token": call.token, "X": 7}}),
        "$$.Task.Token is the token the runtime accepts"
    );
    await_event(&*store, &exec, "TaskSubmitted").await;
    assert_eq!(status(&*store, &exec).await, ExecutionStatus::Running, "the invoke does not end the task");
    rt.send_task_success(&call.token, r#"{"approved": true}"#).await.unwrap();
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(execution.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!({"x": 7, "result": {"approved": true}}));
    assert_eq!(types(&history), CALLBACK_HISTORY);
    let submitted = details(&history, "TaskSubmitted");
    assert_eq!(submitted["resourceType"], "sqs");
    assert_eq!(submitted["resource"], "sendMessage.waitForTaskToken");
    let response: Value = serde_json::from_str(submitted["output"].as_str().unwrap()).unwrap();
    assert_eq!(response, json!({"MessageId": "m-1", "MD5OfMessageBody": "x"}));
    assert_eq!(submitted["outputDetails"], json!({"truncated": false}));
    assert_eq!(history[4].previous_event_id, 4);
    let succeeded = details(&history, "TaskSucceeded");
    assert_eq!(succeeded["output"], r#"{"approved":true}"#);
    assert_eq!(invoker.calls().len(), 1);
    // The task is closed now.
    assert!(matches!(rt.send_task_success(&call.token, "{}").await, Err(Error::TaskClosed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_task_success_completes_the_callback_in_memory() {
    send_task_success_completes_the_callback(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_task_success_completes_the_callback_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    send_task_success_completes_the_callback(sqlite(&dir)).await;
}

async fn send_task_failure_is_caught<S: Store>(store: Arc<S>) {
    let catch = json!({"Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "Handled"}]});
    let arn = machine(&*store, "cbf", callback_machine(catch)).await;
    let invoker = Recorder::new(sent());
    let rt = runtime(&store, &invoker, "a");
    let exec = start(&rt, &arn, "e1", json!({"x": 1})).await;
    let call = invoker.nth_call(1).await;
    await_event(&*store, &exec, "TaskSubmitted").await;
    rt.send_task_failure(&call.token, "Rejected", "by a person").await.unwrap();
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(execution.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!({"x": 1, "error": {"Error": "Rejected", "Cause": "by a person"}}));
    assert_eq!(
        types(&history)[..7],
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskFailed",
            "TaskStateExited"
        ]
    );
    let failed = details(&history, "TaskFailed");
    assert_eq!((failed["error"].as_str(), failed["cause"].as_str()), (Some("Rejected"), Some("by a person")));
    assert_eq!(failed["resource"], "sendMessage.waitForTaskToken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_task_failure_is_caught_in_memory() {
    send_task_failure_is_caught(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_task_failure_is_caught_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    send_task_failure_is_caught(sqlite(&dir)).await;
}

/// A heartbeat keeps the task alive past `HeartbeatSeconds`; the next missed one fails it
/// with `States.HeartbeatTimeout`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_heartbeat_times_the_callback_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let arn = machine(&*store, "hb", callback_machine(json!({"HeartbeatSeconds": 2, "TimeoutSeconds": 60}))).await;
    let invoker = Recorder::new(sent());
    let rt = runtime(&store, &invoker, "a");
    let started = std::time::Instant::now();
    let exec = start(&rt, &arn, "e1", json!({"x": 1})).await;
    let call = invoker.nth_call(1).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    rt.send_task_heartbeat(&call.token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2300).saturating_sub(started.elapsed())).await;
    assert_eq!(status(&*store, &exec).await, ExecutionStatus::Running, "the heartbeat moved the deadline");
    let (execution, history) = finished(&*store, &exec).await;
    assert!(started.elapsed() >= Duration::from_millis(2900), "{:?}", started.elapsed());
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.HeartbeatTimeout"));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskTimedOut",
            "ExecutionFailed"
        ]
    );
    assert_eq!(details(&history, "TaskTimedOut")["error"], "States.HeartbeatTimeout");
    assert!(matches!(rt.send_task_success(&call.token, "{}").await, Err(Error::TaskClosed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_seconds_times_the_callback_out() {
    let store = Arc::new(MemoryStore::new());
    let arn = machine(&*store, "to", callback_machine(json!({"TimeoutSeconds": 1}))).await;
    let invoker = Recorder::new(sent());
    let rt = runtime(&store, &invoker, "a");
    let exec = start(&rt, &arn, "e1", json!({"x": 1})).await;
    let call = invoker.nth_call(1).await;
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.Timeout"));
    assert_eq!(types(&history)[4..], ["TaskSubmitted", "TaskTimedOut", "ExecutionFailed"]);
    let timed_out = details(&history, "TaskTimedOut");
    assert_eq!(
        (timed_out["resourceType"].as_str(), timed_out["error"].as_str()),
        (Some("sqs"), Some("States.Timeout"))
    );
    assert!(matches!(rt.send_task_success(&call.token, "{}").await, Err(Error::TaskClosed)));
}

/// The integration's own call failing fails the task: no `TaskSubmitted`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoker_error_fails_the_callback() {
    let store = Arc::new(MemoryStore::new());
    let arn = machine(&*store, "err", callback_machine(json!({}))).await;
    let invoker = Recorder::new(Err(("SQS.QueueDoesNotExistException".into(), "no queue".into())));
    let rt = runtime(&store, &invoker, "a");
    let exec = start(&rt, &arn, "e1", json!({"x": 1})).await;
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(
        (execution.error.as_deref(), execution.cause.as_deref()),
        (Some("SQS.QueueDoesNotExistException"), Some("no queue"))
    );
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed"]
    );
}

/// JSONata: `$states.context.Task.Token` in `Arguments` is the token too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonata_arguments_read_the_token() {
    let store = Arc::new(MemoryStore::new());
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Arguments": {"FunctionName": "f", "Payload": {"token": "{% $states.context.Task.Token %}", "n": "{% $states.input.n %}"}},
        "Output": "{% {'got': $states.result, 'n': $states.input.n} %}", "End": true}}});
    let arn = machine(&*store, "jsonata", definition).await;
    let invoker = Recorder::new(Ok(expr::json!({"StatusCode": 202})));
    let rt = runtime(&store, &invoker, "a");
    let exec = start(&rt, &arn, "e1", json!({"n": 3})).await;
    let call = invoker.nth_call(1).await;
    assert_eq!(
        serde_json::Value::from(call.input.clone()),
        json!({"FunctionName": "f", "Payload": {"token": call.token, "n": 3}})
    );
    await_event(&*store, &exec, "TaskSubmitted").await;
    rt.send_task_success(&call.token, r#""yes""#).await.unwrap();
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.output.as_deref(), Some(r#"{"got":"yes","n":3}"#));
    assert_eq!(details(&history, "TaskSubmitted")["resource"], "invoke.waitForTaskToken");
}

/// Only callback (and activity) tasks see `Task.Token` in the context object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_tasks_have_no_token_in_the_context() {
    let store = Arc::new(MemoryStore::new());
    let definition = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"Context.$": "$$"}, "End": true}}});
    let arn = machine(&*store, "plain", definition).await;
    let invoker = Recorder::new(Ok(expr::json!({"ok": 1})));
    let rt = runtime(&store, &invoker, "a");
    let exec = start(&rt, &arn, "e1", json!({})).await;
    let call = invoker.nth_call(1).await;
    let context = serde_json::Value::from(call.input.clone())["Context"].clone();
    assert_eq!(context["State"]["Name"], "T");
    assert!(context.get("Task").is_none(), "{context}");
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "a request-response task ends with the invoke");
    assert!(!types(&history).contains(&"TaskSubmitted"));
}

/// A node dies while the callback waits: the new node does not send the request again
/// (its `TaskSubmitted` was recorded), and SendTaskSuccess through it completes the task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_survives_a_restart_without_a_second_request() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let arn = machine(&*store, "restart", callback_machine(json!({"HeartbeatSeconds": 30}))).await;
    let first_invoker = Recorder::new(sent());
    let first = runtime(&store, &first_invoker, "node-1");
    let exec = start(&first, &arn, "e1", json!({"x": 2})).await;
    let call = first_invoker.nth_call(1).await;
    await_event(&*store, &exec, "TaskSubmitted").await;
    drop(first);
    drop(store);

    let store = sqlite(&dir);
    let second_invoker = Recorder::new(sent());
    let second = runtime(&store, &second_invoker, "node-2");
    tokio::time::sleep(Duration::from_millis(700)).await; // the first node's lease runs out
    second.recover().await.unwrap();
    assert_eq!(second.driving(), vec![exec.clone()]);
    second.send_task_heartbeat(&call.token).await.unwrap();
    second.send_task_success(&call.token, r#"{"late": true}"#).await.unwrap();
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(execution.output.as_deref(), Some(r#"{"x":2,"result":{"late":true}}"#));
    assert_eq!(types(&history), CALLBACK_HISTORY);
    assert!(second_invoker.calls().is_empty(), "the submitted request is not sent again");
}
