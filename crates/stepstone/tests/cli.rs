//! The `stepstone` binary, end to end: every case of `test_data/cli/cases.json` runs the
//! command from the repository root and checks its exit code, stdout and stderr.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn strings(case: &Value, key: &str) -> Vec<String> {
    case.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Runs one case; returns its problems.
fn check(case: &Value) -> Vec<String> {
    let args = strings(case, "args");
    let out = match Command::new(env!("CARGO_BIN_EXE_stepstone")).args(&args).current_dir(repo_root()).output() {
        Ok(o) => o,
        Err(e) => return vec![format!("cannot start stepstone: {e}")],
    };
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let mut problems = Vec::new();
    let code = out.status.code();
    if code != case["exit"].as_i64().map(|c| c as i32) {
        problems.push(format!("exit {code:?}, expected {}", case["exit"]));
    }
    if let Some(want) = case.get("stdout").and_then(Value::as_str) {
        if stdout != want {
            problems.push(format!("stdout {stdout:?}, expected {want:?}"));
        }
    }
    if let Some(want) = case.get("stderr").and_then(Value::as_str) {
        if stderr != want {
            problems.push(format!("stderr {stderr:?}, expected {want:?}"));
        }
    }
    if let Some(want) = case.get("stdout_json") {
        match serde_json::from_str::<Value>(&stdout) {
            Ok(got) if &got == want => {}
            Ok(got) => problems.push(format!("stdout {got}, expected {want}")),
            Err(e) => problems.push(format!("stdout is not JSON ({e}): {stdout:?}")),
        }
    }
    if case.get("event_types").is_some() {
        let want = strings(case, "event_types");
        let got: Vec<String> = serde_json::from_str::<Value>(&stdout)
            .ok()
            .and_then(|v| v.get("events").and_then(Value::as_array).cloned())
            .map(|events| events.iter().filter_map(|e| e["type"].as_str()).map(str::to_string).collect())
            .unwrap_or_default();
        if got != want {
            problems.push(format!("event types {got:?}, expected {want:?}"));
        }
    }
    for needle in strings(case, "stdout_contains") {
        if !stdout.contains(&needle) {
            problems.push(format!("stdout lacks {needle:?}: {stdout:?}"));
        }
    }
    for needle in strings(case, "stderr_contains") {
        if !stderr.contains(&needle) {
            problems.push(format!("stderr lacks {needle:?}: {stderr:?}"));
        }
    }
    if let Some(n) = case.get("stderr_lines").and_then(Value::as_u64) {
        if stderr.lines().count() as u64 != n {
            problems.push(format!("stderr has {} lines, expected {n}: {stderr:?}", stderr.lines().count()));
        }
    }
    problems
}

#[test]
fn cli_cases() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/cli/cases.json");
    let text = std::fs::read_to_string(&path).expect("test_data/cli/cases.json");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("cases.json is JSON");
    assert!(cases.len() >= 10, "the case list was cut short");
    let mut failures = Vec::new();
    for case in &cases {
        let problems = check(case);
        if !problems.is_empty() {
            failures.push(format!("{}:\n    {}", case["name"], problems.join("\n    ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} CLI cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn history_events_have_get_execution_history_shape() {
    let out = Command::new(env!("CARGO_BIN_EXE_stepstone"))
        .args(["run", "examples/hello.asl.json", "--input", "{\"name\":\"x\"}", "--json", "--history"])
        .current_dir(repo_root())
        .output()
        .expect("run stepstone");
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let events = v["events"].as_array().expect("events");
    let started = &events[0];
    assert_eq!(started["id"], 1);
    assert_eq!(started["previousEventId"], 0);
    let ts = started["timestamp"].as_str().expect("timestamp is a string");
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts} is not ISO-8601");
    let details = &started["executionStartedEventDetails"];
    assert_eq!(details["input"], "{\"name\":\"x\"}");
    assert_eq!(details["inputDetails"], serde_json::json!({"truncated": false}));
    assert!(details["roleArn"].as_str().is_some_and(|r| r.starts_with("arn:aws:iam::")));
    let exited = &events[2];
    assert_eq!(exited["stateExitedEventDetails"]["name"], "Greet");
    assert_eq!(exited["previousEventId"], 2);
    let last = events.last().expect("an event");
    assert_eq!(last["executionSucceededEventDetails"]["output"], "{\"greeting\":\"Hello, x!\"}");
}
