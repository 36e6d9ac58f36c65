//! `stepstone serve --mock-config FILE`: StartExecution on `<stateMachineArn>#<TestCase>` runs
//! the test case (mocked Return and Throw by attempt ranges, retried and caught), an unknown
//! test case is refused, a bare `#` runs unmocked, and a restart during a Wait between two
//! mocked Tasks keeps the test case and the invocation counts. A mocked `.waitForTaskToken`
//! Task completes at once; `mock_config` in stepstone.toml selects the file too.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use support::{call, ended, Server, ROLE};

const MOCKS: &str = r#"{
  "StateMachines": {
    "Orders": {"TestCases": {
      "HappyPath": {"Charge": "ChargeOk", "Ship": "ShipOk"},
      "FlakyCharge": {"Charge": "ChargeFlaky", "Ship": "ShipOk"},
      "ChargeDown": {"Charge": "ChargeDown"}
    }},
    "Callback": {"TestCases": {"Answered": {"Ask": "Answer"}}}
  },
  "MockedResponses": {
    "ChargeOk": {"0": {"Return": {"charged": 42}}},
    "ChargeFlaky": {"0-1": {"Throw": {"Error": "Bank.Busy", "Cause": "try later"}}, "2": {"Return": {"charged": 7}}},
    "ChargeDown": {"0-9": {"Throw": {"Error": "Bank.Down", "Cause": "closed"}}},
    "Answer": {"0": {"Return": {"ok": true}}},
    "ShipOk": {"0": {"Return": "shipped"}, "1": {"Return": "shipped again"}}
  }
}"#;

/// Charge (retried twice on Bank.Busy, Bank.Down caught), a Wait, then Ship.
fn definition(wait: u64) -> Value {
    let unmocked = "arn:aws:lambda:us-east-1:123456789012:function:nothing-serves-this";
    json!({"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": unmocked, "ResultPath": "$.charge",
                   "Retry": [{"ErrorEquals": ["Bank.Busy"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
                   "Catch": [{"ErrorEquals": ["Bank.Down"], "ResultPath": "$.error", "Next": "Declined"}],
                   "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": wait, "Next": "Ship"},
        "Ship": {"Type": "Task", "Resource": unmocked, "ResultPath": "$.ship", "End": true},
        "Declined": {"Type": "Pass", "End": true}
    }})
}

fn start(data: &Path, mocks: &Path) -> Server {
    let mut child =
        support::serve_command(data).arg("--mock-config").arg(mocks).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("stepstone: listening on http://").unwrap_or_else(|| panic!("{line}"));
    Server { address: address.to_string(), child, _data: None }
}

fn create(server: &Server, wait: u64) -> String {
    let body = json!({"name": "Orders", "definition": definition(wait).to_string(), "roleArn": ROLE});
    let (status, created) = call(server, "CreateStateMachine", body);
    assert_eq!(status, 200, "{created}");
    created["stateMachineArn"].as_str().unwrap().to_string()
}

fn run(server: &Server, machine: &str, case: &str, name: &str) -> Value {
    let body = json!({"stateMachineArn": format!("{machine}{case}"), "name": name, "input": "{\"id\": 1}"});
    let (status, started) = call(server, "StartExecution", body);
    assert_eq!(status, 200, "{started}");
    let arn = started["executionArn"].as_str().unwrap();
    // The execution ARN is the machine's, without the test case (as Step Functions Local).
    assert_eq!(arn, format!("{}:{name}", machine.replace(":stateMachine:", ":execution:")));
    ended(server, arn)
}

fn output(described: &Value) -> Value {
    serde_json::from_str(described["output"].as_str().unwrap_or("null")).unwrap()
}

#[test]
fn test_cases_answer_mocked_tasks_and_unknown_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mocks = dir.path().join("MockConfigFile.json");
    std::fs::write(&mocks, MOCKS).unwrap();
    let server = start(&dir.path().join("data"), &mocks);
    let machine = create(&server, 0);

    let happy = run(&server, &machine, "#HappyPath", "happy");
    assert_eq!(happy["status"], "SUCCEEDED", "{happy}");
    assert_eq!(output(&happy), json!({"id": 1, "charge": {"charged": 42}, "ship": "shipped"}));

    // Attempts 0 and 1 throw Bank.Busy (retried), attempt 2 returns.
    let flaky = run(&server, &machine, "#FlakyCharge", "flaky");
    assert_eq!(flaky["status"], "SUCCEEDED", "{flaky}");
    assert_eq!(output(&flaky)["charge"], json!({"charged": 7}));
    let (_, history) = call(&server, "GetExecutionHistory", json!({"executionArn": flaky["executionArn"]}));
    let failures = history["events"].as_array().unwrap().iter().filter(|e| e["type"] == "LambdaFunctionFailed").count();
    assert_eq!(failures, 2, "{history}");

    let down = run(&server, &machine, "#ChargeDown", "down");
    assert_eq!(down["status"], "SUCCEEDED", "{down}");
    assert_eq!(output(&down)["error"], json!({"Error": "Bank.Down", "Cause": "closed"}));

    // No test case (a bare '#'): the real integration runs, and nothing serves it.
    let unmocked = run(&server, &machine, "#", "unmocked");
    assert_eq!(unmocked["status"], "FAILED", "{unmocked}");

    let body = json!({"stateMachineArn": format!("{machine}#NoSuchCase"), "name": "nope"});
    let (status, refused) = call(&server, "StartExecution", body);
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["__type"], "ValidationException");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("'NoSuchCase'") && message.contains("HappyPath"), "{message}");
    let (status, _) = call(
        &server,
        "DescribeExecution",
        json!({"executionArn": format!("{}:nope", machine.replace(":stateMachine:", ":execution:"))}),
    );
    assert_eq!(status, 400, "the refused start made no execution");
}

#[test]
fn a_restart_during_a_wait_keeps_the_test_case_and_its_attempt_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mocks = dir.path().join("MockConfigFile.json");
    std::fs::write(&mocks, MOCKS).unwrap();
    let data = dir.path().join("data");
    let server = start(&data, &mocks);
    let machine = create(&server, 3);
    let body = json!({"stateMachineArn": format!("{machine}#FlakyCharge"), "name": "restarted", "input": "{}"});
    let (status, started) = call(&server, "StartExecution", body);
    assert_eq!(status, 200, "{started}");
    let arn = started["executionArn"].as_str().unwrap().to_string();
    // Wait until Charge succeeded (after its two mocked failures) and the Wait began.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, history) = call(&server, "GetExecutionHistory", json!({"executionArn": arn}));
        if history["events"].as_array().unwrap().iter().any(|e| e["type"] == "WaitStateEntered") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the Wait never began: {history}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(server); // SIGKILL in the middle of the Wait
    let server = start(&data, &mocks);
    let described = ended(&server, &arn);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(output(&described), json!({"charge": {"charged": 7}, "ship": "shipped"}));
}

#[test]
fn a_bad_mock_file_is_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let mocks = dir.path().join("bad.json");
    std::fs::write(&mocks, r#"{"StateMachines": {"m": {"TestCases": {"t": {"A": "missing"}}}}}"#).unwrap();
    let out = support::serve_command(&dir.path().join("data")).arg("--mock-config").arg(&mocks).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no mocked response 'missing'"), "{stderr}");
}

#[test]
fn mock_config_in_stepstone_toml_and_a_mocked_callback_that_does_not_wait() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("MockConfigFile.json"), MOCKS).unwrap();
    let config = dir.path().join("stepstone.toml");
    std::fs::write(&config, "mock_config = \"MockConfigFile.json\"\n").unwrap();
    let mut command = support::serve_command(&dir.path().join("data"));
    let mut child = command.arg("--config").arg(&config).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("stepstone: listening on http://").unwrap_or_else(|| panic!("{line}"));
    let server = Server { address: address.to_string(), child, _data: None };
    let definition = json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "nobody", "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 30, "End": true}}});
    let body = json!({"name": "Callback", "definition": definition.to_string(), "roleArn": ROLE});
    let (status, created) = call(&server, "CreateStateMachine", body);
    assert_eq!(status, 200, "{created}");
    let machine = created["stateMachineArn"].as_str().unwrap();
    let described = run(&server, machine, "#Answered", "answered");
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(output(&described), json!({"ok": true}));
}
