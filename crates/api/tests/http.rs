//! Drives the API over real HTTP (a raw HTTP/1.1 client on `TcpStream`) on an ephemeral
//! port, over a `MemoryStore` and a real `Runtime`.

mod support;

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::{error, send, serve_default, HOST, ROLE};

/// One request on a fresh connection: (status, JSON body); the answer has AWS's content type.
async fn call(addr: SocketAddr, action: &str, body: Value) -> (u16, Value) {
    let response = send(addr, HOST, action, body.to_string()).await;
    let head = response.head;
    assert!(head.to_ascii_lowercase().contains("content-type: application/x-amz-json-1.0"), "content type: {head}");
    (response.status, response.body)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_execution_runs_to_success_and_its_history_is_served() {
    let addr = serve_default().await.addr;
    let definition = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"x": 1}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "B"},
        "B": {"Type": "Pass", "End": true}}})
    .to_string();
    let (status, created) =
        call(addr, "CreateStateMachine", json!({"name": "m", "definition": definition, "roleArn": ROLE})).await;
    assert_eq!(status, 200, "{created}");
    let machine = created["stateMachineArn"].as_str().unwrap().to_string();
    assert_eq!(machine, "arn:aws:states:us-east-1:123456789012:stateMachine:m");
    assert!(created["creationDate"].is_f64() || created["creationDate"].is_u64());

    let (status, described) = call(addr, "DescribeStateMachine", json!({"stateMachineArn": machine})).await;
    assert_eq!(status, 200);
    assert_eq!(described["definition"], json!(definition));
    assert_eq!(described["type"], "STANDARD");
    assert_eq!(described["status"], "ACTIVE");

    let (status, listed) = call(addr, "ListStateMachines", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(listed["stateMachines"][0]["name"], "m");

    let (status, started) =
        call(addr, "StartExecution", json!({"stateMachineArn": machine, "name": "e1", "input": "{\"in\":true}"})).await;
    assert_eq!(status, 200, "{started}");
    let execution = started["executionArn"].as_str().unwrap().to_string();
    assert_eq!(execution, "arn:aws:states:us-east-1:123456789012:execution:m:e1");

    let deadline = Instant::now() + Duration::from_secs(10);
    let described = loop {
        let (_, described) = call(addr, "DescribeExecution", json!({"executionArn": execution})).await;
        if described["status"] != "RUNNING" || Instant::now() > deadline {
            break described;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(serde_json::from_str::<Value>(described["output"].as_str().unwrap()).unwrap(), json!({"x": 1}));
    assert!(described["stopDate"].as_f64().unwrap() - described["startDate"].as_f64().unwrap() >= 1.0);

    let (status, history) = call(addr, "GetExecutionHistory", json!({"executionArn": execution})).await;
    assert_eq!(status, 200);
    let events = history["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["id"], json!(i + 1));
        assert!(event["previousEventId"].as_u64().unwrap() <= i as u64, "{event}");
    }
    assert_eq!(events[1]["stateEnteredEventDetails"]["name"], "A");
    assert_eq!(events[0]["executionStartedEventDetails"]["input"], "{\"in\":true}");

    let (_, reversed) =
        call(addr, "GetExecutionHistory", json!({"executionArn": execution, "reverseOrder": true, "maxResults": 2}))
            .await;
    let ids: Vec<&Value> = reversed["events"].as_array().unwrap().iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, [&json!(8), &json!(7)]);
    assert!(reversed["nextToken"].is_string());

    let (status, for_execution) =
        call(addr, "DescribeStateMachineForExecution", json!({"executionArn": execution})).await;
    assert_eq!(status, 200, "{for_execution}");
    assert_eq!((&for_execution["name"], &for_execution["definition"]), (&json!("m"), &json!(definition)));
    let (_, listed) =
        call(addr, "ListExecutions", json!({"stateMachineArn": machine, "statusFilter": "SUCCEEDED"})).await;
    assert_eq!(listed["executions"][0]["executionArn"], json!(execution));
    let (_, running) =
        call(addr, "ListExecutions", json!({"stateMachineArn": machine, "statusFilter": "RUNNING"})).await;
    assert_eq!(running["executions"], json!([]));

    let (status, again) =
        call(addr, "StartExecution", json!({"stateMachineArn": machine, "name": "e1", "input": "{}"})).await;
    assert_eq!((status, again["__type"].clone()), (400, json!("ExecutionAlreadyExists")));

    assert_eq!(call(addr, "DeleteStateMachine", json!({"stateMachineArn": machine})).await, (200, json!({})));
    let (status, missing) = call(addr, "DescribeStateMachine", json!({"stateMachineArn": machine})).await;
    assert_eq!((status, missing["__type"].clone()), (400, json!("StateMachineDoesNotExist")));
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_have_aws_codes_and_messages() {
    let addr = serve_default().await.addr;
    let (status, body) = call(addr, "NoSuchThing", json!({})).await;
    assert_eq!((status, body["__type"].clone()), (400, json!("UnknownOperationException")));

    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nope";
    assert_eq!(
        call(addr, "DescribeStateMachine", json!({"stateMachineArn": missing})).await,
        error("StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{missing}'"))
    );
    let missing_execution = "arn:aws:states:us-east-1:123456789012:execution:nope:e";
    assert_eq!(
        call(addr, "DescribeExecution", json!({"executionArn": missing_execution})).await,
        error("ExecutionDoesNotExist", &format!("Execution Does Not Exist: '{missing_execution}'"))
    );
    assert_eq!(
        call(addr, "DescribeStateMachine", json!({"stateMachineArn": "invalid_state_machine_arn"})).await,
        error("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'")
    );
    let invalid = r#"{"Comment": "BASE_INVALID_DER", "StartAt": "State_1"}"#;
    assert_eq!(
        call(addr, "CreateStateMachine", json!({"name": "bad", "definition": invalid, "roleArn": ROLE})).await,
        error(
            "InvalidDefinition",
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"
        )
    );
    let pass = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#;
    let (status, _) =
        call(addr, "CreateStateMachine", json!({"name": "same", "definition": pass, "roleArn": ROLE})).await;
    assert_eq!(status, 200);
    // Idempotent: the same request again is fine, a different definition is not.
    let (status, _) =
        call(addr, "CreateStateMachine", json!({"name": "same", "definition": pass, "roleArn": ROLE})).await;
    assert_eq!(status, 200);
    let other = r#"{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}"#;
    let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:same";
    assert_eq!(
        call(addr, "CreateStateMachine", json!({"name": "same", "definition": other, "roleArn": ROLE})).await,
        error("StateMachineAlreadyExists", &format!("State Machine Already Exists: '{arn}'"))
    );
    let (status, body) =
        call(addr, "CreateStateMachine", json!({"name": "a b", "definition": pass, "roleArn": ROLE})).await;
    assert_eq!((status, body["__type"].clone()), (400, json!("InvalidName")));
    assert_eq!(
        call(addr, "ListStateMachines", json!({"maxResults": 1001})).await,
        error(
            "ValidationException",
            "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
        )
    );
    assert_eq!(
        call(addr, "ValidateStateMachineDefinition", json!({"definition": invalid})).await,
        (
            200,
            json!({"result": "FAIL", "truncated": false, "diagnostics": [{"severity": "ERROR",
                "code": "SCHEMA_VALIDATION_FAILED", "message": "These fields are required: [States]", "location": "/"}]})
        )
    );
    assert_eq!(
        call(addr, "ValidateStateMachineDefinition", json!({"definition": pass})).await,
        (200, json!({"result": "OK", "diagnostics": [], "truncated": false}))
    );
    let (status, _) =
        call(addr, "CreateStateMachine", json!({"name": "x", "definition": pass, "roleArn": ROLE, "type": "EXPRESS"}))
            .await;
    assert_eq!(status, 200);
    let express = "arn:aws:states:us-east-1:123456789012:stateMachine:x";
    assert_eq!(
        call(addr, "ListExecutions", json!({"stateMachineArn": express})).await,
        error("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
    );
    assert_eq!(
        call(addr, "StartExecution", json!({"stateMachineArn": arn, "input": "not json"})).await,
        error(
            "InvalidExecutionInput",
            "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'"
        )
    );
    assert_eq!(
        call(addr, "StartExecution", json!({"stateMachineArn": arn, "input": "{'not': 'json'"})).await,
        error(
            "InvalidExecutionInput",
            "Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting double-quote to start field name'"
        )
    );
    assert_eq!(
        call(addr, "StartExecution", json!({"stateMachineArn": arn, "input": ""})).await,
        error("InvalidExecutionInput", "Invalid State Machine Execution Input: 'Invalid execution input.'")
    );
    let (status, body) = call(addr, "StartExecution", json!({"stateMachineArn": arn, "input": "{\"a\":"})).await;
    assert_eq!((status, body["__type"].clone()), (400, json!("InvalidExecutionInput")));
}
