//! `RedriveExecution` over real HTTP (MemoryStore, a real `Runtime`): a failed Task redriven
//! to success, the redrive fields of DescribeExecution and ListExecutions (`redriveFilter`),
//! AWS's errors, and `ExecutionStarted` naming the version and alias an execution was
//! started through.

mod support;

use runtime::{BoxFuture, Invoker, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use support::{call, error, ok, serve, until_closed, ROLE};

/// Fails the first call of each execution, then answers `{"ok": true}`.
#[derive(Default)]
struct FailsOnce(Mutex<Vec<String>>);

impl Invoker for FailsOnce {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            let mut failed = self.0.lock().unwrap();
            if !failed.contains(&call.execution_arn) {
                failed.push(call.execution_arn);
                return Err(("Boom".into(), "the first call fails".into()));
            }
            Ok(expr::json::from_str(r#"{"ok":true}"#).unwrap())
        })
    }
}

async fn listed(addr: SocketAddr, machine: &str, filter: &str) -> Vec<Value> {
    let reply = ok(addr, "ListExecutions", json!({"stateMachineArn": machine, "redriveFilter": filter})).await;
    reply["executions"].as_array().unwrap().clone()
}

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_execution_is_redriven_over_http() {
    let addr = serve(Arc::new(FailsOnce::default())).await.addr;
    let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": true}}});
    let created = ok(
        addr,
        "CreateStateMachine",
        json!({"name": "m", "definition": definition.to_string(), "roleArn": ROLE, "publish": true}),
    )
    .await;
    let machine = created["stateMachineArn"].as_str().unwrap().to_string();
    let version = created["stateMachineVersionArn"].as_str().unwrap().to_string();
    assert_eq!(version, format!("{machine}:1"));

    // Started through the version: ExecutionStarted names it.
    let started = ok(addr, "StartExecution", json!({"stateMachineArn": version, "name": "e", "input": "{}"})).await;
    let arn = started["executionArn"].as_str().unwrap().to_string();
    let failed = until_closed(addr, &arn).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(failed["redriveCount"], 0);
    assert_eq!(failed["redriveStatus"], "REDRIVABLE");
    assert!(failed.get("redriveStatusReason").is_none() && failed.get("redriveDate").is_none(), "{failed}");
    let history = ok(addr, "GetExecutionHistory", json!({"executionArn": arn})).await;
    let details = &history["events"][0]["executionStartedEventDetails"];
    assert_eq!(details["stateMachineVersionArn"], json!(version), "{details}");
    assert!(details.get("stateMachineAliasArn").is_none(), "{details}");
    assert_eq!(details["roleArn"], ROLE);

    assert_eq!(listed(addr, &machine, "REDRIVEN").await, Vec::<Value>::new());
    let not_redriven = listed(addr, &machine, "NOT_REDRIVEN").await;
    assert_eq!(not_redriven.len(), 1);
    assert_eq!((&not_redriven[0]["redriveCount"], not_redriven[0].get("redriveDate")), (&json!(0), None));
    let bad_filter = call(addr, "ListExecutions", json!({"stateMachineArn": machine, "redriveFilter": "SOME"})).await;
    assert_eq!(
        bad_filter,
        error(
            "ValidationException",
            "1 validation error detected: Value 'SOME' at 'redriveFilter' failed to satisfy constraint: \
             Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]"
        )
    );

    let redriven = ok(addr, "RedriveExecution", json!({"executionArn": arn, "clientToken": "t-1"})).await;
    let date = redriven["redriveDate"].as_f64().expect("a redrive date");
    assert_eq!(redriven.as_object().unwrap().len(), 1, "{redriven}");
    // The same client token: the same answer.
    let again = ok(addr, "RedriveExecution", json!({"executionArn": arn, "clientToken": "t-1"})).await;
    assert_eq!(again, redriven);
    let done = until_closed(addr, &arn).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"], r#"{"ok":true}"#);
    assert_eq!(done["redriveCount"], 1);
    assert_eq!(done["redriveDate"].as_f64(), Some(date));
    assert_eq!(done["redriveStatus"], "NOT_REDRIVABLE");
    assert_eq!(done["redriveStatusReason"], "Execution is SUCCEEDED and cannot be redriven");
    assert!(done.get("error").is_none() && done.get("cause").is_none(), "{done}");

    let history = ok(addr, "GetExecutionHistory", json!({"executionArn": arn})).await;
    let events = history["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "ExecutionFailed",
            "ExecutionRedriven",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(events[6]["executionRedrivenEventDetails"], json!({"redriveCount": 1}));
    assert_eq!(events[6]["previousEventId"], 6);
    assert_eq!(events[6]["timestamp"].as_f64(), Some(date));

    let redriven_list = listed(addr, &machine, "REDRIVEN").await;
    assert_eq!(redriven_list.len(), 1);
    assert_eq!(redriven_list[0]["executionArn"], json!(arn));
    assert_eq!((&redriven_list[0]["redriveCount"], redriven_list[0]["redriveDate"].as_f64()), (&json!(1), Some(date)));
    assert_eq!(listed(addr, &machine, "NOT_REDRIVEN").await, Vec::<Value>::new());

    // AWS's errors.
    let succeeded = call(addr, "RedriveExecution", json!({"executionArn": arn})).await;
    assert_eq!(succeeded, error("ExecutionNotRedrivable", "Execution is SUCCEEDED and cannot be redriven"));
    let unknown = format!("{arn}-not-there");
    let missing = call(addr, "RedriveExecution", json!({"executionArn": unknown})).await;
    assert_eq!(missing, error("ExecutionDoesNotExist", &format!("Execution Does Not Exist: '{unknown}'")));
    let bad = call(addr, "RedriveExecution", json!({"executionArn": machine})).await;
    assert_eq!(bad, error("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: stateMachine'"));
    let long = "x".repeat(65);
    let token = call(addr, "RedriveExecution", json!({"executionArn": arn, "clientToken": long})).await;
    assert_eq!(
        token,
        error(
            "ValidationException",
            &format!(
                "1 validation error detected: Value '{long}' at 'clientToken' failed to satisfy constraint: \
                 Member must have length less than or equal to 64"
            )
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_execution_is_not_redrivable_and_aliases_are_recorded() {
    let addr = serve(Arc::new(FailsOnce::default())).await.addr;
    let definition = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}});
    let created = ok(
        addr,
        "CreateStateMachine",
        json!({"name": "w", "definition": definition.to_string(), "roleArn": ROLE, "publish": true}),
    )
    .await;
    let version = created["stateMachineVersionArn"].as_str().unwrap().to_string();
    let routing = json!([{"stateMachineVersionArn": version, "weight": 100}]);
    let alias = ok(addr, "CreateStateMachineAlias", json!({"name": "live", "routingConfiguration": routing})).await;
    let alias = alias["stateMachineAliasArn"].as_str().unwrap().to_string();
    let started = ok(addr, "StartExecution", json!({"stateMachineArn": alias, "name": "r"})).await;
    let arn = started["executionArn"].as_str().unwrap().to_string();

    let history = ok(addr, "GetExecutionHistory", json!({"executionArn": arn})).await;
    let details = &history["events"][0]["executionStartedEventDetails"];
    assert_eq!(details["stateMachineVersionArn"], json!(version), "{details}");
    assert_eq!(details["stateMachineAliasArn"], json!(alias), "{details}");

    let described = ok(addr, "DescribeExecution", json!({"executionArn": arn})).await;
    assert_eq!(described["redriveStatus"], "NOT_REDRIVABLE");
    assert_eq!(described["redriveStatusReason"], "Execution is RUNNING and cannot be redriven");
    assert_eq!(described["redriveCount"], 0);
    let running = call(addr, "RedriveExecution", json!({"executionArn": arn})).await;
    assert_eq!(running, error("ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven"));

    // Stopped (ABORTED), it can be redriven: the Wait starts again.
    ok(addr, "StopExecution", json!({"executionArn": arn})).await;
    let aborted = until_closed(addr, &arn).await;
    assert_eq!((&aborted["status"], &aborted["redriveStatus"]), (&json!("ABORTED"), &json!("REDRIVABLE")));
    ok(addr, "RedriveExecution", json!({"executionArn": arn})).await;
    let described = ok(addr, "DescribeExecution", json!({"executionArn": arn})).await;
    assert_eq!((&described["status"], &described["redriveCount"]), (&json!("RUNNING"), &json!(1)));
    assert!(described.get("stopDate").is_none(), "{described}");
}
