//! Nested executions (`arn:aws:states:::states:startExecution`) end to end: request-response,
//! `.sync`, `.sync:2` and `.waitForTaskToken`, with AWS's output shapes, failure causes and
//! histories; a missing child machine; a node dying while a parent waits for its child;
//! EXPRESS parents (request-response only), which start the child themselves too; and the
//! parent a child records from `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID` in its input.

mod support;

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use store::{ExecutionQuery, ExecutionStatus, MemoryStore, PageRequest, Store};
use support::*;

const START: &str = "arn:aws:states:::states:startExecution";

/// A parent whose one Task starts the child named in its input, as AWS's recorded cases do.
fn parent(suffix: &str) -> Value {
    json!({"StartAt": "StartExecution", "States": {"StartExecution": {
        "Type": "Task", "Resource": format!("{START}{suffix}"),
        "Parameters": {"StateMachineArn.$": "$.StateMachineArn", "Input.$": "$.Input", "Name.$": "$.Name"},
        "End": true}}})
}

fn child_ok() -> Value {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": true}}})
}

fn child_fails() -> Value {
    json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "SomeFailure",
        "Cause": "This state machines raises a 'SomeFailure' failure."}}})
}

fn parse(text: Option<&str>) -> Value {
    serde_json::from_str(text.expect("a JSON text")).unwrap()
}

const SYNC_HISTORY: [&str; 8] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSucceeded",
    "TaskStateExited",
    "ExecutionSucceeded",
];

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

/// The start response as AWS gives it (`TaskSubmitted`, or request-response's result).
fn check_start_response(response: &Value, child_arn: &str) {
    assert_eq!(keys(response), ["ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"]);
    assert_eq!(response["ExecutionArn"], child_arn);
    assert!(response["StartDate"].as_i64().unwrap() > 1_600_000_000_000, "epoch milliseconds");
    assert_eq!(response["SdkHttpMetadata"]["HttpStatusCode"], 200);
    let request_id = response["SdkResponseMetadata"]["RequestId"].as_str().unwrap();
    assert_eq!(response["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"], request_id);
}

async fn sync_returns_the_child_description<S: Store>(store: Arc<S>, suffix: &str) {
    let child = machine(&*store, "child", child_ok()).await;
    let parent = machine(&*store, "parent", parent(suffix)).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let exec =
        start(&rt, &parent, "p1", json!({"StateMachineArn": child, "Input": null, "Name": "TestStartTarget"})).await;
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "{:?}", execution.cause);
    let output = parse(execution.output.as_deref());
    let child_arn = child.replace(":stateMachine:", ":execution:") + ":TestStartTarget";
    let (input, child_output) = match suffix {
        ".sync" => (json!("{}"), json!(r#"{"Arg1":"argument1"}"#)),
        _ => (json!({}), json!({"Arg1": "argument1"})),
    };
    let child_record = store.execution(&child_arn).await.unwrap().expect("the child");
    assert_eq!(child_record.status, ExecutionStatus::Succeeded);
    assert_eq!(child_record.parent_arn, None, "no AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID, no parent");
    assert_eq!(
        output,
        json!({
            "ExecutionArn": child_arn, "Input": input, "InputDetails": {"Included": true},
            "Name": "TestStartTarget", "Output": child_output, "OutputDetails": {"Included": true},
            "StartDate": child_record.started, "StateMachineArn": child, "Status": "SUCCEEDED",
            "StopDate": child_record.stopped.unwrap()})
    );
    assert_eq!(
        keys(&output),
        [
            "ExecutionArn",
            "Input",
            "InputDetails",
            "Name",
            "Output",
            "OutputDetails",
            "StartDate",
            "StateMachineArn",
            "Status",
            "StopDate"
        ]
    );
    assert_eq!(types(&history), SYNC_HISTORY);
    let scheduled = details(&history, "TaskScheduled");
    assert_eq!(
        (scheduled["resourceType"].as_str(), scheduled["resource"].as_str()),
        (Some("states"), Some(&format!("startExecution{suffix}")[..]))
    );
    let submitted = details(&history, "TaskSubmitted");
    check_start_response(&parse(submitted["output"].as_str()), &child_arn);
    assert_eq!(parse(details(&history, "TaskSucceeded")["output"].as_str()), output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_returns_the_child_description_as_text() {
    sync_returns_the_child_description(Arc::new(MemoryStore::new()), ".sync").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync2_returns_the_child_description_parsed_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    sync_returns_the_child_description(sqlite(&dir), ".sync:2").await;
}

/// A failed child fails the parent's task with `States.TaskFailed` and the child's
/// description (its error and cause first) as the cause, as AWS recorded.
async fn a_failed_child_fails_the_task<S: Store>(store: Arc<S>, suffix: &str) {
    let child = machine(&*store, "child", child_fails()).await;
    let parent = machine(&*store, "parent", parent(suffix)).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let exec =
        start(&rt, &parent, "p1", json!({"StateMachineArn": child, "Input": {"Payload": null}, "Name": "T"})).await;
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.TaskFailed"));
    let cause = parse(execution.cause.as_deref());
    assert_eq!(
        keys(&cause),
        [
            "Cause",
            "Error",
            "ExecutionArn",
            "Input",
            "InputDetails",
            "Name",
            "StartDate",
            "StateMachineArn",
            "Status",
            "StopDate"
        ]
    );
    assert_eq!(cause["Error"], "SomeFailure");
    assert_eq!(cause["Cause"], "This state machines raises a 'SomeFailure' failure.");
    assert_eq!(cause["Status"], "FAILED");
    let input = if suffix == ".sync" { json!(r#"{"Payload":null}"#) } else { json!({"Payload": null}) };
    assert_eq!(cause["Input"], input);
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskFailed",
            "ExecutionFailed"
        ]
    );
    assert_eq!(details(&history, "TaskFailed")["error"], "States.TaskFailed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_child_fails_a_sync_task_in_memory() {
    a_failed_child_fails_the_task(Arc::new(MemoryStore::new()), ".sync").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_child_fails_a_sync2_task_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_failed_child_fails_the_task(sqlite(&dir), ".sync:2").await;
}

/// Request-response returns the start response at once; the child goes on by itself.
/// `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID` passed in the input reaches the child, which
/// is stored with the parent's ARN as its parent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_response_returns_at_once() {
    let store = Arc::new(MemoryStore::new());
    let slow = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}});
    let child = machine(&*store, "slow", slow).await;
    let definition = json!({"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": START,
        "Parameters": {"StateMachineArn": child,
            "Input": {"k": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
        "End": true}}});
    let parent = machine(&*store, "parent", definition).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let exec = start(&rt, &parent, "p1", json!({})).await;
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    let output = parse(execution.output.as_deref());
    let child_arn = output["ExecutionArn"].as_str().unwrap().to_string();
    check_start_response(&output, &child_arn);
    // Unnamed: a UUID, as AWS names it.
    let name = child_arn.rsplit(':').next().unwrap();
    assert!(uuid::Uuid::parse_str(name).is_ok(), "{name}");
    let child_record = store.execution(&child_arn).await.unwrap().unwrap();
    assert_eq!(child_record.status, ExecutionStatus::Running, "the parent did not wait");
    assert_eq!(parse(Some(&child_record.input)), json!({"k": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": exec}));
    assert_eq!(child_record.parent_arn.as_deref(), Some(exec.as_str()), "the field names the parent");
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let (child_done, _) = finished(&*store, &child_arn).await;
    assert_eq!(child_done.status, ExecutionStatus::Succeeded);
}

/// AWS's error and cause for a child machine that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_child_machine_fails_the_task() {
    let store = Arc::new(MemoryStore::new());
    let parent = machine(&*store, "parent", parent("")).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let missing = format!("{ACCOUNT_PREFIX}nothing");
    let exec = start(&rt, &parent, "p1", json!({"StateMachineArn": missing, "Input": null, "Name": "T"})).await;
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.error.as_deref(), Some("StepFunctions.StateMachineDoesNotExistException"));
    let cause = execution.cause.unwrap();
    let prefix = format!(
        "State Machine Does Not Exist: '{missing}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: "
    );
    assert!(cause.starts_with(&prefix) && cause.ends_with("; Proxy: null)"), "{cause}");
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed"]
    );
}

/// `.waitForTaskToken`: the child gets the parent's token in its input, and whoever calls
/// SendTaskSuccess with it ends the parent's task with that output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_task_token_ends_with_send_task_success() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let child =
        machine(&*store, "child", json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}})).await;
    let definition = json!({"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": format!("{START}.waitForTaskToken"),
        "Parameters": {"StateMachineArn": child, "Name": "kid", "Input": {"token.$": "$$.Task.Token"}},
        "End": true}}});
    let parent = machine(&*store, "parent", definition).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let exec = start(&rt, &parent, "p1", json!({})).await;
    let child_arn = child.replace(":stateMachine:", ":execution:") + ":kid";
    await_event(&*store, &exec, "TaskSubmitted").await;
    let (child_done, _) = finished(&*store, &child_arn).await;
    let token = parse(child_done.output.as_deref())["token"].as_str().unwrap().to_string();
    assert!(engine::is_task_token(&token));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(status(&*store, &exec).await, ExecutionStatus::Running, "the child's end does not end the task");
    rt.send_task_success(&token, r#"{"from": "child"}"#).await.unwrap();
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.output.as_deref(), Some(r#"{"from":"child"}"#));
    assert_eq!(types(&history), SYNC_HISTORY);
    check_start_response(&parse(details(&history, "TaskSubmitted")["output"].as_str()), &child_arn);
}

/// The node dies while a parent waits for its `.sync` child: the next node drives both,
/// the parent waits for the same child (none is started again) and gets its output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_waiting_for_its_child_survives_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let slow = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 2, "Next": "P"},
        "P": {"Type": "Pass", "Result": "slow done", "End": true}}});
    let child = machine(&*store, "slow", slow).await;
    let definition = json!({"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": format!("{START}.sync:2"),
        "Parameters": {"StateMachineArn": child, "Input.$": "$"}, "OutputPath": "$.Output", "End": true}}});
    let parent = machine(&*store, "parent", definition).await;
    let first = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "node-1");
    let exec = start(&first, &parent, "p1", json!({"n": 1})).await;
    await_event(&*store, &exec, "TaskSubmitted").await;
    drop(first);
    drop(store);

    let store = sqlite(&dir);
    let second = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "node-2");
    tokio::time::sleep(Duration::from_millis(700)).await;
    second.recover().await.unwrap();
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "{:?}", execution.cause);
    assert_eq!(execution.output.as_deref(), Some(r#""slow done""#));
    assert_eq!(types(&history), SYNC_HISTORY);
    let query = ExecutionQuery {
        state_machine_arn: Some(child.clone()),
        status: None,
        redriven: None,
        page: PageRequest::first(10),
    };
    let children = store.list_executions(query).await.unwrap().items;
    assert_eq!(children.len(), 1, "one child only");
    assert_eq!(children[0].input, r#"{"n":1}"#);
}

/// A child stopped while its parent waits (`.sync`) fails the parent's task with the
/// child's description, `Status: ABORTED` and the stop's error and cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_child_fails_the_waiting_parent() {
    let store = Arc::new(MemoryStore::new());
    let slow = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let child = machine(&*store, "slow", slow).await;
    let parent = machine(&*store, "parent", parent(".sync")).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let exec = start(&rt, &parent, "p1", json!({"StateMachineArn": child, "Input": {"a": 1}, "Name": "kid"})).await;
    await_event(&*store, &exec, "TaskSubmitted").await;
    let child_arn = child.replace(":stateMachine:", ":execution:") + ":kid";
    rt.stop(&child_arn, Some("Halt".into()), Some("by hand".into())).await.unwrap();
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.error.as_deref(), Some("States.TaskFailed"));
    let cause = parse(execution.cause.as_deref());
    assert_eq!(
        (cause["Status"].as_str(), cause["Error"].as_str(), cause["Cause"].as_str()),
        (Some("ABORTED"), Some("Halt"), Some("by hand"))
    );
    assert_eq!(cause["Input"], r#"{"a":1}"#);
    assert_eq!(types(&history)[5], "TaskFailed");
}

/// An EXPRESS machine of this store (not stored: EXPRESS executions read none).
fn express_parent(name: &str) -> store::StateMachine {
    store::StateMachine {
        arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}"),
        name: name.into(),
        kind: store::Kind::Express,
        definition: parent("").to_string(),
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        created: 0,
        revision_id: "1".into(),
        description: String::new(),
        configuration: String::new(),
        tags: Vec::new(),
    }
}

#[tokio::test]
async fn an_express_execution_starts_its_child_itself_not_through_the_invoker() {
    let store = Arc::new(MemoryStore::new());
    let child = machine(&*store, "child", child_ok()).await;
    let recorder = Recorder::new(Ok(expr::json!(null)));
    let rt = runtime(&store, &recorder, "a");
    let input = json!({"StateMachineArn": child, "Input": {"a": 1}, "Name": "FromExpress"}).to_string();
    let result = rt.start_sync(&express_parent("fast"), runtime::ExpressRequest::new("e".into(), input)).await.unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded, "{:?} {:?}", result.error, result.cause);
    assert!(recorder.calls().is_empty(), "the invoker got {:?}", recorder.calls());
    let child_arn = child.replace(":stateMachine:", ":execution:") + ":FromExpress";
    check_start_response(&parse(result.output.as_deref()), &child_arn);
    let (child_record, _) = finished(&*store, &child_arn).await;
    assert_eq!(child_record.status, ExecutionStatus::Succeeded);
    assert_eq!(child_record.input, r#"{"a":1}"#);

    // A child machine that does not exist fails the Task state with AWS's error.
    let missing = child.replace(":child", ":nothing");
    let input = json!({"StateMachineArn": missing, "Input": null, "Name": "x"}).to_string();
    let result =
        rt.start_sync(&express_parent("fast"), runtime::ExpressRequest::new("e2".into(), input)).await.unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(result.error.as_deref(), Some("StepFunctions.StateMachineDoesNotExistException"));
    assert!(result.cause.unwrap().starts_with(&format!("State Machine Does Not Exist: '{missing}'")));
    assert!(recorder.calls().is_empty());
}

const STARTED_BY: &str = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID";

/// A parent whose Task starts `child` as `kid` and names itself in the child's input, as
/// AWS documents it (`"...ID.$": "$$.Execution.Id"`).
fn naming_parent(resource: &str, child: &str) -> Value {
    json!({"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": resource,
        "Parameters": {"StateMachineArn": child, "Name": "kid",
            "Input": {"k": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
        "End": true}}})
}

/// `.sync:2` and `.waitForTaskToken` record the parent too, durably (SQLite, read again after
/// a reopen); the child's input keeps the field as given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_patterns_record_the_parent_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let child = machine(&*store, "child", child_ok()).await;
    let child_arn = child.replace(":stateMachine:", ":execution:") + ":kid";
    let sync = machine(&*store, "sync", naming_parent(&format!("{START}.sync:2"), &child)).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let exec = start(&rt, &sync, "p1", json!({})).await;
    let (execution, _) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "{:?}", execution.cause);
    assert_eq!(parse(execution.output.as_deref())["Input"], json!({"k": 1, STARTED_BY: exec}));

    let other = child.replace(":child", ":other");
    machine(&*store, "other", child_ok()).await;
    let callback = machine(&*store, "callback", naming_parent(&format!("{START}.waitForTaskToken"), &other)).await;
    let waiting = start(&rt, &callback, "p2", json!({})).await;
    await_event(&*store, &waiting, "TaskSubmitted").await;
    let other_arn = other.replace(":stateMachine:", ":execution:") + ":kid";
    drop(rt);
    drop(store);

    let store = sqlite(&dir);
    let child_record = store.execution(&child_arn).await.unwrap().expect("the child");
    assert_eq!(child_record.parent_arn.as_deref(), Some(exec.as_str()));
    assert_eq!(parse(Some(&child_record.input)), json!({"k": 1, STARTED_BY: exec}));
    let other_record = store.execution(&other_arn).await.unwrap().expect("the callback's child");
    assert_eq!(other_record.parent_arn.as_deref(), Some(waiting.as_str()));
    assert_eq!(store.execution(&exec).await.unwrap().unwrap().parent_arn, None, "a top-level start has none");
}

/// Only a string names a parent; `Input` given as JSON text counts as the object it holds.
/// The input is stored as given either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_string_field_names_the_parent() {
    let store = Arc::new(MemoryStore::new());
    let child = machine(&*store, "child", child_ok()).await;
    let parent_machine = machine(&*store, "parent", parent(".sync")).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let named = "arn:aws:states:us-east-1:123456789012:execution:elsewhere:x";
    let text = json!({STARTED_BY: named}).to_string();
    let cases = [
        ("number", json!({STARTED_BY: 42}), None),
        ("object", json!({STARTED_BY: {"Id": named}}), None),
        ("nested", json!({"inner": {STARTED_BY: named}}), None),
        ("array", json!([{STARTED_BY: named}]), None),
        ("text", json!(text), Some(named)),
        ("not-json", json!("plain words"), None),
    ];
    for (name, input, expected) in cases {
        let exec =
            start(&rt, &parent_machine, name, json!({"StateMachineArn": child, "Input": input, "Name": name})).await;
        let (execution, _) = finished(&*store, &exec).await;
        assert_eq!(execution.status, ExecutionStatus::Succeeded, "{name}: {:?}", execution.cause);
        let child_arn = child.replace(":stateMachine:", ":execution:") + ":" + name;
        let record = store.execution(&child_arn).await.unwrap().expect("the child");
        assert_eq!(record.parent_arn.as_deref(), expected, "{name}");
        let stored = match &input {
            Value::String(text) if serde_json::from_str::<Value>(text).is_ok() => text.clone(),
            other => other.to_string(),
        };
        assert_eq!(record.input, stored, "{name}: the input is kept as given");
    }
}

/// An EXPRESS parent naming itself: its durable child records the EXPRESS execution's ARN.
#[tokio::test]
async fn an_express_parent_is_recorded_by_its_durable_child() {
    let store = Arc::new(MemoryStore::new());
    let child = machine(&*store, "child", child_ok()).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let mut express = express_parent("fast");
    express.definition = naming_parent(START, &child).to_string();
    let result = rt.start_sync(&express, runtime::ExpressRequest::new("e".into(), "{}".into())).await.unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded, "{:?} {:?}", result.error, result.cause);
    let child_arn = child.replace(":stateMachine:", ":execution:") + ":kid";
    let (child_record, _) = finished(&*store, &child_arn).await;
    assert!(result.execution_arn.contains(":express:fast:e:"), "{}", result.execution_arn);
    assert_eq!(child_record.parent_arn.as_deref(), Some(result.execution_arn.as_str()));
    assert_eq!(parse(Some(&child_record.input)), json!({"k": 1, STARTED_BY: result.execution_arn}));
}
