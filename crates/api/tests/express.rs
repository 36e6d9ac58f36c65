//! EXPRESS executions over real HTTP: `StartSyncExecution` (success, Fail, Wait, Task,
//! STANDARD refused), `StartExecution` on an EXPRESS machine and AWS's errors for the
//! operations express executions do not have.

mod support;

use runtime::{BoxFuture, Invoker, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use support::{call, call_host, serve, ROLE};

const ECHO: &str = "arn:aws:lambda:us-east-1:123456789012:function:echo";
const PANIC: &str = "arn:aws:lambda:us-east-1:123456789012:function:panic";

/// The function `echo` answers its input with `"echoed": true`; `panic` panics.
struct TestInvoker;

impl Invoker for TestInvoker {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            match call.resource.as_str() {
                ECHO => {
                    let mut output = call.input.clone();
                    if let expr::Value::Object(map) = &mut output {
                        map.insert("echoed", expr::Value::Bool(true));
                    }
                    Ok(output)
                }
                PANIC => panic!("the invoker broke"),
                other => Err(("States.TaskFailed".into(), format!("unknown resource {other}"))),
            }
        })
    }
}

async fn create(addr: SocketAddr, name: &str, kind: &str, definition: Value) -> String {
    let request = json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE, "type": kind});
    let (status, created) = call(addr, "CreateStateMachine", request).await;
    assert_eq!(status, 200, "{created}");
    created["stateMachineArn"].as_str().unwrap().to_string()
}

async fn start_sync(addr: SocketAddr, machine: &str, input: &str) -> Value {
    let request = json!({"stateMachineArn": machine, "input": input});
    let (status, reply) = call_host(addr, "sync-localhost", "StartSyncExecution", request).await;
    assert_eq!(status, 200, "{reply}");
    reply
}

fn seconds(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("not a timestamp: {value}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn start_sync_execution_answers_the_whole_result_in_aws_shape() {
    let addr = serve(Arc::new(TestInvoker)).await.addr;
    let definition = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"got.$": "$.x", "name.$": "$$.Execution.Name"}, "End": true}}});
    let machine = create(addr, "hello", "EXPRESS", definition).await;
    let request =
        json!({"stateMachineArn": machine, "name": "run-1", "input": "{\"x\": 7}", "traceHeader": "Root=1-abc"});
    let (status, reply) = call_host(addr, "sync-localhost", "StartSyncExecution", request).await;
    assert_eq!(status, 200, "{reply}");

    let arn = reply["executionArn"].as_str().unwrap();
    let prefix = "arn:aws:states:us-east-1:123456789012:express:hello:run-1:";
    let uuid = arn.strip_prefix(prefix).unwrap_or_else(|| panic!("not an express ARN: {arn}"));
    assert_eq!(uuid.len(), 36, "{arn}");
    assert_eq!(reply["stateMachineArn"], json!(machine));
    assert_eq!(reply["name"], json!("run-1"));
    assert_eq!(reply["status"], json!("SUCCEEDED"));
    assert_eq!(reply["input"], json!("{\"x\": 7}"));
    assert_eq!(reply["inputDetails"], json!({"included": true}));
    let output: Value = serde_json::from_str(reply["output"].as_str().unwrap()).unwrap();
    assert_eq!(output, json!({"got": 7, "name": "run-1"}));
    assert_eq!(reply["outputDetails"], json!({"included": true}));
    assert!(seconds(&reply["stopDate"]) >= seconds(&reply["startDate"]));
    assert_eq!(reply["billingDetails"], json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100}));
    assert!(reply.get("error").is_none() && reply.get("cause").is_none(), "{reply}");
    assert_eq!(reply["traceHeader"], json!("Root=1-abc"));

    // Two starts with the same name are two executions (EXPRESS names are not unique).
    let again = call_host(
        addr,
        "sync-localhost",
        "StartSyncExecution",
        json!({"stateMachineArn": machine, "name": "run-1", "input": "{\"x\": 8}"}),
    )
    .await
    .1;
    assert_eq!(again["status"], json!("SUCCEEDED"));
    assert_ne!(again["executionArn"], reply["executionArn"]);
    // Without a name, the name is a fresh UUID.
    let unnamed = start_sync(addr, &machine, "{}").await;
    assert_eq!(unnamed["name"].as_str().unwrap().len(), 36, "{unnamed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_sync_execution_answers_200_with_its_error_and_cause() {
    let addr = serve(Arc::new(TestInvoker)).await.addr;
    let definition = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}});
    let machine = create(addr, "fails", "EXPRESS", definition).await;
    let reply = start_sync(addr, &machine, "{}").await;
    assert_eq!(reply["status"], json!("FAILED"));
    assert_eq!(reply["error"], json!("Boom"));
    assert_eq!(reply["cause"], json!("it broke"));
    assert!(reply.get("output").is_none() && reply.get("outputDetails").is_none(), "{reply}");
    assert_eq!(reply["input"], json!("{}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_and_tasks_run_in_an_express_execution() {
    let addr = serve(Arc::new(TestInvoker)).await.addr;
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 1, "Next": "T"},
        "T": {"Type": "Task", "Resource": ECHO, "Next": "P"},
        "P": {"Type": "Task", "Resource": PANIC,
              "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.caught", "Next": "Done"}], "End": true},
        "Done": {"Type": "Pass", "End": true}}});
    let machine = create(addr, "waits", "EXPRESS", definition).await;
    let reply = start_sync(addr, &machine, "{\"a\": 1}").await;
    assert_eq!(reply["status"], json!("SUCCEEDED"), "{reply}");
    let elapsed = seconds(&reply["stopDate"]) - seconds(&reply["startDate"]);
    assert!((1.0..5.0).contains(&elapsed), "the Wait took {elapsed} s");
    let billed = reply["billingDetails"]["billedDurationInMilliseconds"].as_i64().unwrap();
    assert!(billed >= 1000 && billed % 100 == 0, "{billed}");
    let output: Value = serde_json::from_str(reply["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["a"], json!(1));
    assert_eq!(output["echoed"], json!(true));
    assert_eq!(output["caught"]["Error"], json!("States.TaskFailed"), "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn start_sync_execution_refuses_standard_machines_and_bad_requests() {
    let addr = serve(Arc::new(TestInvoker)).await.addr;
    let pass = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let standard = create(addr, "std", "STANDARD", pass.clone()).await;
    let express = create(addr, "exp", "EXPRESS", pass).await;
    let refused = call(addr, "StartSyncExecution", json!({"stateMachineArn": standard})).await;
    let expected = json!({"__type": "StateMachineTypeNotSupported",
        "message": "This operation is not supported by this type of state machine"});
    assert_eq!(refused, (400, expected));

    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nope";
    let (status, reply) = call(addr, "StartSyncExecution", json!({"stateMachineArn": missing})).await;
    assert_eq!((status, reply["__type"].as_str()), (400, Some("StateMachineDoesNotExist")));
    let (status, reply) = call(addr, "StartSyncExecution", json!({"stateMachineArn": express, "input": "nope"})).await;
    assert_eq!((status, reply["__type"].as_str()), (400, Some("InvalidExecutionInput")), "{reply}");
    let (status, reply) = call(addr, "StartSyncExecution", json!({"stateMachineArn": express, "name": "a b"})).await;
    assert_eq!((status, reply), (400, json!({"__type": "InvalidName", "message": "Invalid Name: 'a b'"})));

    // A deleted machine no longer starts, though it was just started (and cached).
    assert_eq!(start_sync(addr, &express, "{}").await["status"], json!("SUCCEEDED"));
    let (status, _) = call(addr, "DeleteStateMachine", json!({"stateMachineArn": express})).await;
    assert_eq!(status, 200);
    let (status, reply) = call(addr, "StartSyncExecution", json!({"stateMachineArn": express})).await;
    assert_eq!((status, reply["__type"].as_str()), (400, Some("StateMachineDoesNotExist")), "{reply}");
    let (status, reply) = call(addr, "StartExecution", json!({"stateMachineArn": express})).await;
    assert_eq!((status, reply["__type"].as_str()), (400, Some("StateMachineDoesNotExist")), "{reply}");
}

#[tokio::test(flavor = "multi_thread")]
async fn start_execution_on_express_answers_an_express_arn_that_has_no_history_apis() {
    let addr = serve(Arc::new(TestInvoker)).await.addr;
    let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let machine = create(addr, "async", "EXPRESS", definition).await;
    let (status, started) = call(addr, "StartExecution", json!({"stateMachineArn": machine, "name": "e1"})).await;
    assert_eq!(status, 200, "{started}");
    let arn = started["executionArn"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:states:us-east-1:123456789012:express:async:e1:"), "{arn}");
    assert!(started["startDate"].is_number());
    // Not idempotent: the same name starts another execution.
    let (_, again) = call(addr, "StartExecution", json!({"stateMachineArn": machine, "name": "e1"})).await;
    assert_ne!(again["executionArn"], started["executionArn"]);

    let invalid =
        json!({"__type": "InvalidArn", "message": "Invalid Arn: 'Resource type not valid in this context: express'"});
    for action in ["DescribeExecution", "GetExecutionHistory", "StopExecution"] {
        let reply = call(addr, action, json!({"executionArn": arn})).await;
        assert_eq!(reply, (400, invalid.clone()), "{action}");
    }
    let listed = call(addr, "ListExecutions", json!({"stateMachineArn": machine})).await;
    let expected = json!({"__type": "StateMachineTypeNotSupported",
        "message": "This operation is not supported by this type of state machine"});
    assert_eq!(listed, (400, expected));
}
