//! `stepstone serve` end to end: the real binary on an ephemeral port over a temporary data
//! directory, driven over HTTP (a raw HTTP/1.1 client) and with the AWS CLI when available.

mod support;

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{aws_cli, call, ci, ended, serve_command, start, start_in, Server, ROLE};

fn wait_definition() -> String {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": "done", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "B"},
        "B": {"Type": "Pass", "End": true}}})
    .to_string()
}

#[test]
fn serve_runs_an_execution_to_success_over_http() {
    let server = start();
    let (status, created) =
        call(&server, "CreateStateMachine", json!({"name": "m", "definition": wait_definition(), "roleArn": ROLE}));
    assert_eq!(status, 200, "{created}");
    let machine = created["stateMachineArn"].as_str().unwrap().to_string();
    let (status, started) = call(&server, "StartExecution", json!({"stateMachineArn": machine}));
    assert_eq!(status, 200, "{started}");
    let execution = started["executionArn"].as_str().unwrap().to_string();
    let described = ended(&server, &execution);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], "\"done\"");
    // The default name is a UUID v4.
    assert_eq!(described["name"].as_str().unwrap().len(), 36);
    let (_, history) = call(&server, "GetExecutionHistory", json!({"executionArn": execution}));
    let events = history["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.len(), 8, "{types:?}");
    assert_eq!(types[3], "WaitStateEntered");
    assert_eq!(types[7], "ExecutionSucceeded");
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=8).collect::<Vec<u64>>());

    let (status, error) = call(&server, "Nope", json!({}));
    assert_eq!((status, &error["__type"]), (400, &json!("UnknownOperationException")));
}

fn aws(cli: &Path, server: &Server, args: &[&str]) -> Value {
    let out = Command::new(cli)
        .args(["--endpoint-url", &format!("http://{}", server.address), "--output", "json", "stepfunctions"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "aws {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn the_aws_cli_drives_the_server() {
    let Some(cli) = aws_cli() else {
        assert!(!ci(), "CI is set but no AWS CLI is available (set STEPSTONE_AWS_CLI)");
        println!("skipped: no AWS CLI (STEPSTONE_AWS_CLI, /tmp/venv/bin/aws or aws on the PATH)");
        return;
    };
    let server = start();
    let definition = wait_definition();
    let created =
        aws(&cli, &server, &["create-state-machine", "--name", "cli", "--definition", &definition, "--role-arn", ROLE]);
    let machine = created["stateMachineArn"].as_str().unwrap().to_string();
    let started = aws(
        &cli,
        &server,
        &["start-execution", "--state-machine-arn", &machine, "--name", "e", "--input", "{\"a\":1}"],
    );
    let execution = started["executionArn"].as_str().unwrap().to_string();
    // AWS CLI v1 prints the wire timestamp (epoch seconds); v2 an ISO-8601 text.
    assert!(started["startDate"].is_number() || started["startDate"].is_string(), "{started}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let described = aws(&cli, &server, &["describe-execution", "--execution-arn", &execution]);
        if described["status"] == "SUCCEEDED" {
            break;
        }
        assert!(Instant::now() < deadline, "{described}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let history = aws(&cli, &server, &["get-execution-history", "--execution-arn", &execution]);
    let events = history["events"].as_array().unwrap();
    assert_eq!(events[0]["type"], "ExecutionStarted");
    assert_eq!(events[0]["executionStartedEventDetails"]["input"], "{\"a\":1}");
    assert_eq!(events.last().unwrap()["type"], "ExecutionSucceeded");
}

#[test]
fn a_killed_server_resumes_its_executions_on_restart() {
    let data = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 2, "Next": "P"},
        "P": {"Type": "Pass", "End": true}}});
    let execution = {
        let server = start_in(data.path());
        let request = json!({"name": "m", "definition": definition.to_string(), "roleArn": ROLE});
        let (_, created) = call(&server, "CreateStateMachine", request);
        let request = json!({"stateMachineArn": created["stateMachineArn"], "name": "e", "input": "{\"k\":1}"});
        let (status, started) = call(&server, "StartExecution", request);
        assert_eq!(status, 200, "{started}");
        // A second server on the same data directory is refused.
        let second = serve_command(data.path()).output().unwrap();
        assert_eq!(second.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&second.stderr).contains("another stepstone server is using"));
        std::thread::sleep(Duration::from_millis(300));
        started["executionArn"].as_str().unwrap().to_string()
        // Dropping the server kills it with SIGKILL, in the middle of the Wait.
    };
    let server = start_in(data.path());
    let described = ended(&server, &execution);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], "{\"k\":1}");
    let (_, history) = call(&server, "GetExecutionHistory", json!({"executionArn": execution}));
    let events = history["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let expected = ["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "PassStateEntered", "PassStateExited"];
    assert_eq!(types, [&expected[..], &["ExecutionSucceeded"]].concat());
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=6).collect::<Vec<u64>>());
    let waited = events[2]["timestamp"].as_f64().unwrap() - events[1]["timestamp"].as_f64().unwrap();
    assert!((2.0..2.9).contains(&waited), "the Wait fired at its original time, not {waited} s after it began");
}
