//! Converts `engine::HistoryEvent`s to the JSON that `GetExecutionHistory` returns (as the AWS
//! CLI prints it: camelCase keys, ISO-8601 timestamps, payloads as JSON text), and to a table.

use chrono::{DateTime, Utc};
use engine::{Details, HistoryEvent};
use runtime::history::details_json;
pub use runtime::history::json_text;
use serde_json::{json, Map, Value};

/// One event in `GetExecutionHistory`'s shape:
/// `{timestamp, type, id, previousEventId, <xxx>EventDetails}`.
pub fn event_json(event: &HistoryEvent) -> Value {
    let mut object = Map::new();
    object.insert("timestamp".into(), Value::String(timestamp_iso(event.timestamp)));
    object.insert("type".into(), Value::String(event.type_name().to_string()));
    object.insert("id".into(), json!(event.id));
    object.insert("previousEventId".into(), json!(event.previous_event_id));
    if let Some((key, details)) = details_json(&event.details) {
        object.insert(key.into(), details);
    }
    Value::Object(object)
}

/// A whole history, in order.
pub fn history_json(events: &[HistoryEvent]) -> Vec<Value> {
    events.iter().map(event_json).collect()
}

/// Epoch milliseconds as the AWS CLI prints a timestamp: `2024-05-01T12:00:00.123000+00:00`.
pub fn timestamp_iso(epoch_millis: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(epoch_millis) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string(),
        // Out of chrono's range: no real clock gives this, keep the raw number visible.
        None => epoch_millis.to_string(),
    }
}

/// The history as a readable table: id, previous id, type, state or iteration name, and a
/// short detail (payload, error and cause), one event a line.
pub fn history_table(events: &[HistoryEvent]) -> String {
    let rows: Vec<[String; 5]> = events
        .iter()
        .map(|e| {
            let (name, detail) = summary(&e.details);
            [e.id.to_string(), e.previous_event_id.to_string(), e.type_name().to_string(), name, detail]
        })
        .collect();
    let headers = ["ID", "PREV", "TYPE", "NAME", "DETAIL"];
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == cells.len() - 1 {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(headers);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    out
}

const DETAIL_WIDTH: usize = 80;

fn short(text: String) -> String {
    if text.chars().count() <= DETAIL_WIDTH {
        return text;
    }
    let mut cut: String = text.chars().take(DETAIL_WIDTH - 3).collect();
    cut.push_str("...");
    cut
}

fn error_text(error: &Option<String>, cause: &Option<String>) -> String {
    let mut parts = Vec::new();
    if let Some(e) = error {
        parts.push(format!("error={e}"));
    }
    if let Some(c) = cause {
        parts.push(format!("cause={c}"));
    }
    short(parts.join(" "))
}

/// The name column and the detail column of one event.
fn summary(details: &Details) -> (String, String) {
    match details {
        Details::ExecutionStarted { input, .. } => (String::new(), short(format!("input={}", json_text(input)))),
        Details::ExecutionSucceeded { output } => (String::new(), short(format!("output={}", json_text(output)))),
        Details::ExecutionFailed { error, cause }
        | Details::ExecutionAborted { error, cause }
        | Details::ExecutionTimedOut { error, cause } => (String::new(), error_text(error, cause)),
        Details::ExecutionRedriven { redrive_count } => (String::new(), format!("redriveCount={redrive_count}")),
        Details::StateEntered { name, input, .. } => (name.clone(), short(format!("input={}", json_text(input)))),
        Details::StateExited { name, output, .. } => (name.clone(), short(format!("output={}", json_text(output)))),
        Details::StateAborted { name, .. } => (name.clone(), String::new()),
        Details::ParallelStateStarted
        | Details::ParallelStateSucceeded
        | Details::ParallelStateFailed
        | Details::MapStateSucceeded
        | Details::MapStateFailed => (String::new(), String::new()),
        Details::MapStateStarted { length } => (String::new(), format!("length={length}")),
        Details::MapIterationStarted { name, index }
        | Details::MapIterationSucceeded { name, index }
        | Details::MapIterationFailed { name, index }
        | Details::MapIterationAborted { name, index } => (name.clone(), format!("index={index}")),
        Details::MapRunStarted { map_run_arn } => (String::new(), map_run_arn.clone()),
        Details::MapRunSucceeded => (String::new(), String::new()),
        Details::MapRunFailed { error, cause } => (String::new(), error_text(error, cause)),
        Details::TaskScheduled { resource, parameters: input, .. }
        | Details::LambdaFunctionScheduled { resource, input, .. } => {
            (resource.clone(), short(format!("parameters={}", json_text(input))))
        }
        Details::ActivityScheduled { resource, input, .. } => {
            (resource.clone(), short(format!("input={}", json_text(input))))
        }
        Details::ActivityStarted { worker_name } => (String::new(), format!("worker={worker_name}")),
        Details::ActivitySucceeded { output } => (String::new(), short(format!("output={}", json_text(output)))),
        Details::ActivityFailed { error, cause }
        | Details::ActivityTimedOut { error, cause }
        | Details::ActivityScheduleFailed { error, cause } => (String::new(), error_text(error, cause)),
        Details::LambdaFunctionStarted => (String::new(), String::new()),
        Details::EvaluationFailed { error, cause, state, .. } => (state.clone(), error_text(error, cause)),
        Details::LambdaFunctionSucceeded { output } => (String::new(), short(format!("output={}", json_text(output)))),
        Details::LambdaFunctionFailed { error, cause } | Details::LambdaFunctionTimedOut { error, cause } => {
            (String::new(), error_text(error, cause))
        }
        Details::TaskStarted { resource, .. } => (resource.clone(), String::new()),
        Details::TaskSucceeded { resource, output, .. } | Details::TaskSubmitted { resource, output, .. } => {
            (resource.clone(), short(format!("output={}", json_text(output))))
        }
        Details::TaskFailed { resource, error, cause, .. } | Details::TaskTimedOut { resource, error, cause, .. } => {
            (resource.clone(), error_text(error, cause))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::StateType;

    fn event(id: u64, previous: u64, details: Details) -> HistoryEvent {
        HistoryEvent { id, previous_event_id: previous, timestamp: 1_700_000_000_123, details }
    }

    #[test]
    fn timestamps_are_iso8601_utc_with_microseconds() {
        assert_eq!(timestamp_iso(1_700_000_000_123), "2023-11-14T22:13:20.123000+00:00");
        assert_eq!(timestamp_iso(0), "1970-01-01T00:00:00.000000+00:00");
    }

    #[test]
    fn started_event_has_aws_shape() {
        let e = event(1, 0, Details::ExecutionStarted { input: expr::json!({"a": 1}), role_arn: "arn:role".into() });
        assert_eq!(
            event_json(&e),
            json!({
                "timestamp": "2023-11-14T22:13:20.123000+00:00",
                "type": "ExecutionStarted",
                "id": 1,
                "previousEventId": 0,
                "executionStartedEventDetails": {
                    "input": "{\"a\":1}",
                    "inputDetails": {"truncated": false},
                    "roleArn": "arn:role"
                }
            })
        );
    }

    #[test]
    fn state_and_map_events_have_aws_shape() {
        let entered = event(
            2,
            1,
            Details::StateEntered { state_type: StateType::Pass, name: "P".into(), input: expr::json!("x") },
        );
        assert_eq!(
            event_json(&entered)["stateEnteredEventDetails"],
            json!({"name": "P", "input": "\"x\"", "inputDetails": {"truncated": false}})
        );
        assert_eq!(event_json(&entered)["type"], "PassStateEntered");
        let started = event(3, 2, Details::MapStateStarted { length: 8 });
        assert_eq!(event_json(&started)["mapStateStartedEventDetails"], json!({"length": 8}));
        let iteration = event(4, 3, Details::MapIterationFailed { name: "M".into(), index: 2 });
        assert_eq!(event_json(&iteration)["mapIterationFailedEventDetails"], json!({"name": "M", "index": 2}));
        let par = event(5, 4, Details::ParallelStateStarted);
        let par = event_json(&par);
        let keys: Vec<&String> = par.as_object().map(|o| o.keys().collect()).unwrap_or_default();
        assert_eq!(keys, ["timestamp", "type", "id", "previousEventId"]);
    }

    #[test]
    fn failures_omit_absent_error_and_cause() {
        let e = event(3, 2, Details::ExecutionFailed { error: Some("E".into()), cause: None });
        assert_eq!(event_json(&e)["executionFailedEventDetails"], json!({"error": "E"}));
        let t = event(
            4,
            3,
            Details::TaskScheduled {
                resource_type: "lambda".into(),
                resource: "invoke".into(),
                region: "us-east-1".into(),
                parameters: expr::json!({"FunctionName": "f"}),
                timeout_seconds: Some(5),
                heartbeat_seconds: None,
            },
        );
        assert_eq!(
            event_json(&t)["taskScheduledEventDetails"],
            json!({"resourceType": "lambda", "resource": "invoke", "region": "us-east-1",
                   "parameters": "{\"FunctionName\":\"f\"}", "timeoutInSeconds": 5})
        );
    }

    #[test]
    fn table_lists_every_event_under_headers() {
        let events = vec![
            event(1, 0, Details::ExecutionStarted { input: expr::json!({}), role_arn: "r".into() }),
            event(2, 1, Details::ExecutionFailed { error: Some("Boom".into()), cause: Some("why".into()) }),
        ];
        let table = history_table(&events);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("ID  PREV  TYPE"), "{table}");
        assert!(lines[1].contains("ExecutionStarted") && lines[1].ends_with("input={}"), "{table}");
        assert!(lines[2].ends_with("error=Boom cause=why"), "{table}");
    }
}
