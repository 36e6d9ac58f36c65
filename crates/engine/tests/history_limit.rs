//! AWS's hard limit of 25,000 events in one execution's history: an execution still going at
//! event 24,999 fails, and event 25,000 is its `ExecutionFailed` (AWS docs, "Avoid reaching the
//! history quota"); one that ends exactly there succeeds.

#[allow(dead_code)]
mod support;

use engine::{Event, Execution, Status, Step, MAX_HISTORY_EVENTS};
use expr::{json, Value};
use std::sync::Arc;
use support::driver::{info, START};

fn run(definition: Value, input: Value) -> (Status, Step) {
    let parsed = asl::parse(&serde_json::Value::from(&definition), asl::MachineType::Standard);
    let machine = parsed.machine.unwrap_or_else(|| panic!("invalid definition: {:?}", parsed.diagnostics));
    let mut execution = Execution::new(Arc::new(machine), info(7));
    let mut step = Step::default();
    execution.apply(Event::Started { input }, START, &mut step);
    (execution.status().clone(), step)
}

#[test]
fn an_endless_loop_fails_at_event_25000() {
    let definition = json!({"StartAt": "Again", "States": {
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}], "Default": "Again"},
        "Done": {"Type": "Succeed"}}});
    let (status, step) = run(definition, json!({}));
    let cause = "The execution reached the maximum number of history events (25000).";
    assert_eq!(status, Status::Failed { error: Some("States.Runtime".into()), cause: Some(cause.into()) }, "status");
    assert_eq!(step.history.len() as u64, MAX_HISTORY_EVENTS, "event count");
    let last = step.history.last().map(|e| (e.id, e.previous_event_id, e.type_name()));
    assert_eq!(last, Some((25_000, 24_999, "ExecutionFailed")));
}

#[test]
fn a_long_execution_under_the_limit_succeeds() {
    // 12,497 Pass transitions (two events each) plus the start and the end: 24,996 events.
    let definition = json!({"StartAt": "Count", "States": {
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 6248, "Next": "Count"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}});
    let (status, step) = run(definition, json!({"n": 0}));
    assert_eq!(status, Status::Succeeded { output: json!({"n": 6248}) }, "status");
    assert!(step.history.len() as u64 <= MAX_HISTORY_EVENTS, "{} events", step.history.len());
}
