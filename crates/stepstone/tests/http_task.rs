//! The HTTP Task through `stepstone serve`: a connection in `stepstone.toml`, a state machine
//! calling a real HTTP server (axum on loopback), its output and its history over the API.

mod support;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use support::{call, ended, Server, ROLE};

type Seen = Arc<Mutex<Vec<(String, String, Option<String>)>>>;

/// The remote API: `/orders` answers JSON (and records the method, URI and `x-api-key`),
/// `/fail` answers 500.
fn remote_api() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let recorded = seen.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        tokio.block_on(async move {
            let app = axum::Router::new().fallback(move |request: Request| {
                let recorded = recorded.clone();
                async move {
                    let key = request.headers().get("x-api-key").map(|v| v.to_str().unwrap().to_string());
                    recorded.lock().unwrap().push((request.method().to_string(), request.uri().to_string(), key));
                    let status = if request.uri().path() == "/fail" {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    (status, [("content-type", "application/json")], json!({"id": 7, "status": "shipped"}).to_string())
                        .into_response()
                }
            });
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (format!("http://{address}"), seen)
}

fn start(data: &std::path::Path, config: &std::path::Path) -> Server {
    let mut child = support::serve_command(data).arg("--config").arg(config).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("stepstone: listening on http://").unwrap_or_else(|| panic!("{line}"));
    Server { address: address.to_string(), child, _data: None }
}

#[test]
fn serve_runs_http_tasks_with_a_configured_connection() {
    let (base, seen) = remote_api();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stepstone.toml");
    std::fs::write(
        &config,
        "[connections.shop]\nauth = \"api_key\"\napi_key_name = \"x-api-key\"\napi_key_value = \"k-123\"\nquery = { source = \"stepstone\" }\n",
    )
    .unwrap();
    let server = start(&dir.path().join("data"), &config);
    let connection = "arn:aws:events:us-east-1:123456789012:connection/shop/0b5e2c1d-8f1a-4b7e-9c0d-1e2f3a4b5c6d";
    let definition = json!({
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint.$": "States.Format('{}/orders/{}', $.base, $.order)",
                    "Method": "GET",
                    "Authentication": {"ConnectionArn": connection}
                },
                "ResultSelector": {"order.$": "$.ResponseBody", "code.$": "$.StatusCode"},
                "ResultPath": "$.got",
                "Next": "Fail500"
            },
            "Fail500": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint.$": "States.Format('{}/fail', $.base)",
                    "Method": "POST",
                    "Authentication": {"ConnectionArn": connection},
                    "RequestBody": {"a": 1}
                },
                "Catch": [{"ErrorEquals": ["States.Http.StatusCode.500"], "ResultPath": "$.error", "Next": "Done"}],
                "End": true
            },
            "Done": {"Type": "Pass", "End": true}
        }
    })
    .to_string();
    let (status, created) =
        call(&server, "CreateStateMachine", json!({"name": "http", "definition": definition, "roleArn": ROLE}));
    assert_eq!(status, 200, "{created}");
    let input = json!({"base": base, "order": 7}).to_string();
    let (status, started) =
        call(&server, "StartExecution", json!({"stateMachineArn": created["stateMachineArn"], "input": input}));
    assert_eq!(status, 200, "{started}");
    let execution = started["executionArn"].as_str().unwrap().to_string();
    let described = ended(&server, &execution);
    assert_eq!(described["status"], json!("SUCCEEDED"), "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["got"], json!({"order": {"id": 7, "status": "shipped"}, "code": 200}));
    assert_eq!(output["error"]["Error"], json!("States.Http.StatusCode.500"));
    let cause: Value = serde_json::from_str(output["error"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["StatusCode"], json!(500));
    assert_eq!(cause["ResponseBody"], json!({"id": 7, "status": "shipped"}));

    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests,
        vec![
            ("GET".to_string(), "/orders/7?source=stepstone".to_string(), Some("k-123".to_string())),
            ("POST".to_string(), "/fail?source=stepstone".to_string(), Some("k-123".to_string())),
        ]
    );

    let (_, history) = call(&server, "GetExecutionHistory", json!({"executionArn": execution}));
    let events = history["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let scheduled = &events[2]["taskScheduledEventDetails"];
    assert_eq!(scheduled["resourceType"], json!("http"));
    assert_eq!(scheduled["resource"], json!("invoke"));
    let parameters: Value = serde_json::from_str(scheduled["parameters"].as_str().unwrap()).unwrap();
    assert_eq!(parameters["ApiEndpoint"], json!(format!("{base}/orders/7")));
    let succeeded = &events[4]["taskSucceededEventDetails"];
    assert_eq!(succeeded["resourceType"], json!("http"));
    let result: Value = serde_json::from_str(succeeded["output"].as_str().unwrap()).unwrap();
    assert_eq!(result["StatusCode"], json!(200));
    assert_eq!(result["StatusText"], json!("OK"));
    assert_eq!(result["Headers"]["content-type"], json!(["application/json"]));
    let failed = &events[9]["taskFailedEventDetails"];
    assert_eq!(failed["error"], json!("States.Http.StatusCode.500"));
    assert_eq!(failed["resource"], json!("invoke"));
}

#[test]
fn a_bad_connection_in_the_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stepstone.toml");
    std::fs::write(&config, "[connections.x]\nauth = \"basic\"\nusername = \"u\"\n").unwrap();
    let output = support::serve_command(&dir.path().join("data")).arg("--config").arg(&config).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("[connections.x]: password is required"), "{stderr}");
}

#[test]
fn run_calls_http_tasks_with_a_configured_connection() {
    let (base, seen) = remote_api();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stepstone.toml");
    std::fs::write(&config, "[connections.shop]\nauth = \"basic\"\nusername = \"u\"\npassword = \"p\"\n").unwrap();
    let definition = dir.path().join("machine.asl.json");
    let machine = json!({
        "StartAt": "Get",
        "States": {"Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Arguments": {
                "ApiEndpoint": "{% $states.input.base & '/orders' %}",
                "Method": "GET",
                "QueryParameters": {"page": 2},
                "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/shop/x"}
            },
            "Output": "{% $states.result.ResponseBody %}",
            "QueryLanguage": "JSONata",
            "End": true
        }}
    });
    std::fs::write(&definition, machine.to_string()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stepstone"))
        .arg("run")
        .arg(&definition)
        .arg("--config")
        .arg(&config)
        .args(["--input", &json!({"base": base}).to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result, json!({"id": 7, "status": "shipped"}));
    assert_eq!(seen.lock().unwrap().clone(), vec![("GET".to_string(), "/orders?page=2".to_string(), None)]);
}
