//! Activity workers and StopExecution over real HTTP (a raw HTTP/1.1 client on an ephemeral
//! port, over a `MemoryStore` and a real `Runtime`): GetActivityTask's long poll handed a
//! task scheduled while it waits, heartbeats, SendTaskSuccess and its errors, StopExecution.

mod support;

use runtime::{BoxFuture, Invoker, TaskCall, TaskResult};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Activity, Store};
use support::{call, create_machine, error, history_types, start};

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:work";

struct NoInvoker;

impl Invoker for NoInvoker {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        panic!("the invoker was called for {}", call.resource)
    }
}

/// The API on an ephemeral port, with the activity `work` created in its store.
async fn serve() -> SocketAddr {
    let served = support::serve(Arc::new(NoInvoker)).await;
    let activity = Activity { arn: ACTIVITY.into(), name: "work".into(), created: 0, tags: Vec::new() };
    served.runtime.store().create_activity(activity).await.unwrap();
    served.addr
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_polls_heartbeats_and_succeeds_over_http() {
    let addr = serve().await;
    let definition = json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": ACTIVITY, "HeartbeatSeconds": 10, "End": true}}});
    let machine = create_machine(addr, "act", definition).await;

    assert_eq!(
        call(addr, "GetActivityTask", json!({"activityArn": "no_an_activity_arn"})).await,
        error("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: no_an_activity_arn'")
    );
    let missing = "arn:aws:states:us-east-1:123456789012:activity:missing";
    assert_eq!(
        call(addr, "GetActivityTask", json!({"activityArn": missing})).await,
        error("ActivityDoesNotExist", &format!("Activity Does Not Exist: '{missing}'"))
    );

    // The poll waits; the task scheduled meanwhile is handed to it at once.
    let poll = tokio::spawn(call(addr, "GetActivityTask", json!({"activityArn": ACTIVITY, "workerName": "w-1"})));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!poll.is_finished(), "the poll waits for a task");
    let begun = Instant::now();
    let execution = start(addr, &machine, json!({"job": 1})).await;
    let (status, task) = poll.await.unwrap();
    assert_eq!(status, 200, "{task}");
    assert!(begun.elapsed() < Duration::from_secs(5));
    assert_eq!(task["input"], json!("{\"job\":1}"));
    let token = task["taskToken"].as_str().unwrap().to_string();

    assert_eq!(call(addr, "SendTaskHeartbeat", json!({"taskToken": token})).await, (200, json!({})));
    let (status, body) = call(addr, "SendTaskSuccess", json!({"taskToken": token, "output": "{nope"})).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("InvalidOutput")), "{body}");
    assert_eq!(
        call(addr, "SendTaskSuccess", json!({"taskToken": "garbage", "output": "{}"})).await,
        error("InvalidToken", "Invalid Token: 'garbage'")
    );
    assert_eq!(
        call(addr, "SendTaskSuccess", json!({"taskToken": token})).await,
        error(
            "ValidationException",
            "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null"
        )
    );
    let long_error = "E".repeat(257);
    let (status, body) =
        call(addr, "SendTaskFailure", json!({"taskToken": token, "error": long_error, "cause": "c"})).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("ValidationException")), "{body}");
    let output = json!({"done": true}).to_string();
    assert_eq!(call(addr, "SendTaskSuccess", json!({"taskToken": token, "output": output})).await, (200, json!({})));

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, described) = call(addr, "DescribeExecution", json!({"executionArn": execution})).await;
        if described["status"] == "SUCCEEDED" {
            assert_eq!(described["output"], json!("{\"done\":true}"));
            break;
        }
        assert!(Instant::now() < deadline, "still {}", described["status"]);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (types, events) = history_types(addr, &execution).await;
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(events[3]["activityStartedEventDetails"], json!({"workerName": "w-1"}));
    assert_eq!(events[2]["activityScheduledEventDetails"]["heartbeatInSeconds"], json!(10));
    assert_eq!(
        call(addr, "SendTaskSuccess", json!({"taskToken": token, "output": "{}"})).await,
        error("TaskTimedOut", &format!("Task Timed Out: '{token}'"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_execution_aborts_over_http() {
    let addr = serve().await;
    let definition = json!({"StartAt": "State_1", "States": {
        "State_1": {"Type": "Wait", "Seconds": 60, "Next": "State_2"},
        "State_2": {"Type": "Pass", "End": true}}});
    let machine = create_machine(addr, "waits", definition).await;
    let execution = start(addr, &machine, json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (status, stopped) =
        call(addr, "StopExecution", json!({"executionArn": execution, "error": "Err", "cause": "Why"})).await;
    assert_eq!(status, 200, "{stopped}");
    assert!(stopped["stopDate"].is_number(), "{stopped}");
    // ABORTED as soon as StopExecution answered.
    let (_, described) = call(addr, "DescribeExecution", json!({"executionArn": execution})).await;
    assert_eq!((described["status"].as_str(), described["error"].as_str()), (Some("ABORTED"), Some("Err")));
    assert_eq!(described["stopDate"], stopped["stopDate"]);
    let (types, events) = history_types(addr, &execution).await;
    assert_eq!(types, ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]);
    assert_eq!(events[2]["previousEventId"], json!(0));
    assert_eq!(events[2]["executionAbortedEventDetails"], json!({"error": "Err", "cause": "Why"}));

    // Again: the same stop date, nothing changes.
    let (status, again) = call(addr, "StopExecution", json!({"executionArn": execution})).await;
    assert_eq!((status, &again["stopDate"]), (200, &stopped["stopDate"]));
    assert_eq!(history_types(addr, &execution).await.0.len(), 3);

    let missing = format!("{execution}x");
    assert_eq!(
        call(addr, "StopExecution", json!({"executionArn": missing})).await,
        error("ExecutionDoesNotExist", &format!("Execution Does Not Exist: '{missing}'"))
    );
    assert_eq!(
        call(addr, "StopExecution", json!({"executionArn": "nope"})).await,
        error("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
    );
    let (status, body) =
        call(addr, "StopExecution", json!({"executionArn": execution, "cause": "c".repeat(32_769)})).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("ValidationException")));
}
