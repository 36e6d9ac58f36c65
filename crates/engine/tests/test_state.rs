//! TestState, data-driven: every `test_data/test_state/*.json` runs through [`check`].
//!
//! A case file holds the request: `definition` (a single state, or a machine with
//! `stateName`), `input`, optional `variables`, `context`, `mock` (`{"result": v}` or
//! `{"errorOutput": {"error", "cause"}}`) and `retrierRetryCount`; and what must come out,
//! compared whole: `expect` (`status`, `output`, `error`, `cause`, `nextState`,
//! `inspectionData` with AWS's field names, absent fields left out) or `expect_error`
//! (`{"code", "message"}`).

use engine::test_state::{self, Error, Mock, Report, TestState};
use expr::{Map, Value};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/test_state")
}

/// 2024-01-01T00:00:00Z in epoch milliseconds.
const START: i64 = 1_704_067_200_000;

/// The execution facts the state's context object shows.
fn info() -> engine::ExecutionInfo {
    engine::ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:express:StateMachine:test-1".into(),
        name: "test-1".into(),
        role_arn: "arn:aws:iam::123456789012:role/TestRole".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine".into(),
        state_machine_name: "StateMachine".into(),
        start_time: START,
        seed: 7,
        record_history: true,
        task_secret: 7,
    }
}

/// Runs one case file; `Err` says what differs.
fn check(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let definition = &case["definition"];
    let definition = if definition.get("Type").is_some() {
        test_state::single_state_definition(definition)
    } else {
        definition.clone()
    };
    let parsed = asl::parse(&definition, asl::MachineType::Standard);
    let machine = parsed.machine.ok_or_else(|| format!("invalid definition: {:?}", parsed.diagnostics))?;
    let mock = match &case["mock"] {
        serde_json::Value::Null => None,
        m if m.get("result").is_some() => Some(Mock::Result(Value::from(&m["result"]))),
        m => Some(Mock::Error {
            error: m["errorOutput"]["error"].as_str().unwrap_or_default().into(),
            cause: m["errorOutput"]["cause"].as_str().unwrap_or_default().into(),
        }),
    };
    let variables = match Value::from(&case["variables"]) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let request = TestState {
        definition: Arc::new(machine),
        state_name: case["stateName"].as_str().map(String::from),
        input: Value::from(&case["input"]),
        variables,
        context: case.get("context").map(Value::from),
        mock,
        retrier_retry_count: case["retrierRetryCount"].as_u64().unwrap_or(0) as u32,
        info: info(),
        now: START,
    };
    let got = match test_state::run(request) {
        Ok(report) => json!({"expect": report_json(&report)}),
        Err(Error::Validation(message)) => {
            json!({"expect_error": {"code": "ValidationException", "message": message}})
        }
        Err(Error::InvalidDefinition(message)) => {
            json!({"expect_error": {"code": "InvalidDefinition", "message": message}})
        }
    };
    let key = if case.get("expect").is_some() { "expect" } else { "expect_error" };
    if got.get(key) != case.get(key) {
        return Err(format!("want {}\n got {}", case[key], serde_json::to_string_pretty(&got).unwrap_or_default()));
    }
    Ok(())
}

/// The report with TestStateOutput's names (values as JSON, not JSON text).
fn report_json(report: &Report) -> serde_json::Value {
    let mut out = json!({"status": report.status.name()});
    let put = |out: &mut serde_json::Value, key: &str, value: Option<serde_json::Value>| {
        if let Some(value) = value {
            out[key] = value;
        }
    };
    put(&mut out, "output", report.output.as_ref().map(serde_json::Value::from));
    put(&mut out, "error", report.error.clone().map(serde_json::Value::from));
    put(&mut out, "cause", report.cause.clone().map(serde_json::Value::from));
    put(&mut out, "nextState", report.next_state.clone().map(serde_json::Value::from));
    let i = &report.inspection;
    let mut data = json!({});
    let stages = i.stages();
    for (key, value) in stages {
        put(&mut data, key, value.as_ref().map(serde_json::Value::from));
    }
    put(&mut data, "maxConcurrency", i.max_concurrency.map(serde_json::Value::from));
    if let Some(details) = &i.error_details {
        let mut d = json!({});
        put(&mut d, "catchIndex", details.catch_index.map(serde_json::Value::from));
        put(&mut d, "retryIndex", details.retry_index.map(serde_json::Value::from));
        put(&mut d, "retryBackoffIntervalSeconds", details.retry_backoff_interval_seconds.map(serde_json::Value::from));
        data["errorDetails"] = d;
    }
    out["inspectionData"] = data;
    out
}

#[test]
fn every_case() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("test_data/test_state")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "the cases are missing: {}", paths.len());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| check(p).err().map(|e| format!("{}: {e}", p.file_name().unwrap_or_default().to_string_lossy())))
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), paths.len(), failures.join("\n\n"));
}

#[test]
fn a_single_state_gets_placeholders_for_where_it_goes() {
    let state =
        json!({"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "A"}], "Default": "B"});
    let machine = test_state::single_state_definition(&state);
    assert_eq!(machine["StartAt"], "StateName");
    assert_eq!(machine["States"]["A"], json!({"Type": "Succeed"}));
    assert_eq!(machine["States"]["B"], json!({"Type": "Succeed"}));
    assert!(asl::parse(&machine, asl::MachineType::Standard).machine.is_some());
}
