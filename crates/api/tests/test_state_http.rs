//! `TestState` over real HTTP (sent to `sync-states...`, as the SDKs do), on an ephemeral
//! port over a `MemoryStore` and a real `Runtime`: data flow, Retry and Catch, AWS's errors.

mod support;

use serde_json::{json, Value};
use std::net::SocketAddr;
use support::{call_host, serve_default};

/// One TestState request on a fresh connection: (status, JSON body).
async fn test_state(addr: SocketAddr, body: Value) -> (u16, Value) {
    call_host(addr, "sync-states.us-east-1.amazonaws.com", "TestState", body).await
}

/// A JSON text member parsed back.
fn parsed(value: &Value) -> Value {
    serde_json::from_str(value.as_str().unwrap_or_else(|| panic!("not a JSON text: {value}"))).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_state_shows_its_data_flow_at_debug_and_only_its_output_at_info() {
    let addr = serve_default().await.addr;
    let state = json!({"Type": "Pass", "InputPath": "$.in", "Parameters": {"v.$": "$.x"}, "ResultPath": "$.out", "Next": "Later"});
    let request = json!({"definition": state.to_string(), "input": r#"{"in": {"x": 5}}"#, "inspectionLevel": "DEBUG"});
    let (status, reply) = test_state(addr, request.clone()).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "SUCCEEDED");
    assert_eq!(reply["nextState"], "Later");
    assert_eq!(parsed(&reply["output"]), json!({"in": {"x": 5}, "out": {"v": 5}}));
    let data = &reply["inspectionData"];
    assert_eq!(parsed(&data["input"]), json!({"in": {"x": 5}}));
    assert_eq!(parsed(&data["afterInputPath"]), json!({"x": 5}));
    assert_eq!(parsed(&data["afterParameters"]), json!({"v": 5}));
    assert_eq!(parsed(&data["afterResultPath"]), json!({"in": {"x": 5}, "out": {"v": 5}}));

    let mut info = request;
    info["inspectionLevel"] = json!("INFO");
    let (status, reply) = test_state(addr, info).await;
    assert_eq!(status, 200);
    assert!(reply.get("inspectionData").is_none(), "{reply}");
    assert_eq!(parsed(&reply["output"]), json!({"in": {"x": 5}, "out": {"v": 5}}));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mocked_task_error_is_retriable_then_caught_once_retries_are_spent() {
    let addr = serve_default().await.addr;
    let machine = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
            "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Recover"}], "End": true},
        "Recover": {"Type": "Pass", "End": true}}});
    let mut request = json!({
        "definition": machine.to_string(), "stateName": "Call", "input": r#"{"a": 1}"#, "inspectionLevel": "TRACE",
        "mock": {"errorOutput": {"error": "Boom", "cause": "it broke"}}});
    let (status, reply) = test_state(addr, request.clone()).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "RETRIABLE");
    assert_eq!((reply["error"].as_str(), reply["cause"].as_str()), (Some("Boom"), Some("it broke")));
    assert_eq!(reply["inspectionData"]["errorDetails"], json!({"retryIndex": 0, "retryBackoffIntervalSeconds": 2}));
    assert!(reply.get("output").is_none() && reply.get("nextState").is_none(), "{reply}");

    request["stateConfiguration"] = json!({"retrierRetryCount": 1});
    let (status, reply) = test_state(addr, request).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "CAUGHT_ERROR");
    assert_eq!(reply["nextState"], "Recover");
    assert_eq!(parsed(&reply["output"]), json!({"a": 1, "err": {"Error": "Boom", "Cause": "it broke"}}));
    assert_eq!(reply["inspectionData"]["errorDetails"], json!({"catchIndex": 0}));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_aws_errors() {
    let addr = serve_default().await.addr;
    let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}).to_string();
    let pass = json!({"Type": "Pass", "End": true}).to_string();
    let map = json!({"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true})
        .to_string();
    let machine = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}).to_string();
    let cases = [
        (json!({"definition": task}), "ValidationException", "RoleArn must be specified when testing a Task state"),
        (
            json!({"definition": pass, "mock": {"result": "{}"}}),
            "ValidationException",
            "State type 'Pass' is not supported when a mock is specified",
        ),
        (
            json!({"definition": task, "mock": {"result": "{}", "errorOutput": {"error": "E"}}}),
            "ValidationException",
            "A test mock should have only one of the following fields: [result, errorOutput].",
        ),
        (
            json!({"definition": task, "revealSecrets": true, "mock": {"result": "{}"}}),
            "ValidationException",
            "TestState does not support RevealSecrets when a mock is specified.",
        ),
        (
            json!({"definition": map}),
            "InvalidDefinition",
            "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
        ),
        (
            json!({"definition": machine, "stateName": "Nope"}),
            "ValidationException",
            "State with name 'Nope' was not found in the state machine definition.",
        ),
    ];
    for (request, code, message) in cases {
        let (status, reply) = test_state(addr, request.clone()).await;
        assert_eq!((status, &reply), (400, &json!({"__type": code, "message": message})), "{request}");
    }
    let (status, reply) = test_state(addr, json!({"definition": r#"{"Type": "Pass", "Next": 3}"#})).await;
    assert_eq!((status, reply["__type"].as_str()), (400, Some("InvalidDefinition")), "{reply}");
    let (status, reply) = test_state(addr, json!({"definition": pass, "input": "{nope"})).await;
    assert_eq!((status, reply["__type"].as_str()), (400, Some("InvalidExecutionInput")), "{reply}");
}
