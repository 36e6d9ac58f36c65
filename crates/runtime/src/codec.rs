//! Engine types to and from store records: a fed [`Event`] as `event_json` text, and an
//! engine history event as a [`store::HistoryEvent`] (AWS's type name and details JSON).

use crate::history::details_json;
use engine::{Event, TaskId, TimerId};
use expr::Value;
use serde::{Deserialize, Serialize};

/// The stored shape of an [`Event`]: externally tagged (`{"TimerFired":{"timer":3}}`), so
/// payloads are read straight into `expr::Value` without an intermediate buffer.
#[derive(Serialize, Deserialize)]
enum Stored {
    Started { input: Value },
    TaskSucceeded { task: TaskId, output: Value },
    TaskFailed { task: TaskId, error: String, cause: String },
    TaskHeartbeat { task: TaskId },
    TaskScheduleFailed { task: TaskId, error: String, cause: String },
    TaskSubmitted { task: TaskId, output: Value },
    TaskStarted { task: TaskId, worker: String },
    TimerFired { timer: TimerId },
    TimersFired { timers: Vec<TimerId> },
    Stopped { error: Option<String>, cause: Option<String> },
    Redriven,
}

/// The JSON text of an event, for [`store::FedEvent::event_json`].
pub fn encode_event(event: &Event) -> String {
    let stored = match event.clone() {
        Event::Started { input } => Stored::Started { input },
        Event::TaskSucceeded { task, output } => Stored::TaskSucceeded { task, output },
        Event::TaskFailed { task, error, cause } => Stored::TaskFailed { task, error, cause },
        Event::TaskHeartbeat { task } => Stored::TaskHeartbeat { task },
        Event::TaskScheduleFailed { task, error, cause } => Stored::TaskScheduleFailed { task, error, cause },
        Event::TaskSubmitted { task, output } => Stored::TaskSubmitted { task, output },
        Event::TaskStarted { task, worker } => Stored::TaskStarted { task, worker },
        Event::TimerFired { timer } => Stored::TimerFired { timer },
        Event::TimersFired { timers } => Stored::TimersFired { timers },
        Event::Stopped { error, cause } => Stored::Stopped { error, cause },
        Event::Redriven => Stored::Redriven,
    };
    serde_json::to_string(&stored).expect("an event serializes to JSON")
}

/// The inverse of [`encode_event`].
pub fn decode_event(text: &str) -> Result<Event, serde_json::Error> {
    Ok(match serde_json::from_str(text)? {
        Stored::Started { input } => Event::Started { input },
        Stored::TaskSucceeded { task, output } => Event::TaskSucceeded { task, output },
        Stored::TaskFailed { task, error, cause } => Event::TaskFailed { task, error, cause },
        Stored::TaskHeartbeat { task } => Event::TaskHeartbeat { task },
        Stored::TaskScheduleFailed { task, error, cause } => Event::TaskScheduleFailed { task, error, cause },
        Stored::TaskSubmitted { task, output } => Event::TaskSubmitted { task, output },
        Stored::TaskStarted { task, worker } => Event::TaskStarted { task, worker },
        Stored::TimerFired { timer } => Event::TimerFired { timer },
        Stored::TimersFired { timers } => Event::TimersFired { timers },
        Stored::Stopped { error, cause } => Event::Stopped { error, cause },
        Stored::Redriven => Event::Redriven,
    })
}

/// An engine history event as the store keeps it: `details_json` is the `...EventDetails`
/// object's text, "" for the types that have none.
pub fn history_record(execution_arn: &str, event: &engine::HistoryEvent) -> store::HistoryEvent {
    store::HistoryEvent {
        execution_arn: execution_arn.to_string(),
        id: event.id,
        previous_event_id: event.previous_event_id,
        timestamp: event.timestamp,
        event_type: event.type_name().to_string(),
        details_json: details_json(&event.details).map(|(_, details)| details.to_string()).unwrap_or_default(),
    }
}

/// The history of a stored execution as the store keeps it, from its engine events (as
/// [`crate::replay`] gives them): [`history_record`] of each, and `ExecutionStarted` naming
/// the version and alias the execution was started through, as the runtime stored it.
pub fn history_records(execution: &store::Execution, events: &[engine::HistoryEvent]) -> Vec<store::HistoryEvent> {
    let mut records: Vec<_> = events.iter().map(|e| history_record(&execution.arn, e)).collect();
    if let (Some(through), Some(first)) = (&execution.started_through, records.first_mut()) {
        if first.event_type == "ExecutionStarted" {
            first.details_json = crate::history::add_started_through(&first.details_json, through);
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::{Details, HistoryEvent};

    #[test]
    fn every_event_round_trips() {
        let events = [
            Event::Started { input: expr::json!({"b": 1.5, "a": [1, "x", null]}) },
            Event::TaskSucceeded { task: 3, output: expr::json!("done") },
            Event::TaskFailed { task: 4, error: "E".into(), cause: "c".into() },
            Event::TaskHeartbeat { task: 5 },
            Event::TaskSubmitted { task: 5, output: expr::json!({"MessageId": "m"}) },
            Event::TaskStarted { task: 5, worker: "w-1".into() },
            Event::TimerFired { timer: 6 },
            Event::Stopped { error: None, cause: Some("why".into()) },
        ];
        for event in events {
            let text = encode_event(&event);
            assert_eq!(decode_event(&text).unwrap(), event, "{text}");
        }
        assert_eq!(encode_event(&Event::TimerFired { timer: 6 }), r#"{"TimerFired":{"timer":6}}"#);
        assert_eq!(encode_event(&Event::TimersFired { timers: vec![6, 9] }), r#"{"TimersFired":{"timers":[6,9]}}"#);
    }

    #[test]
    fn history_records_carry_the_aws_type_and_details() {
        let event = HistoryEvent {
            id: 2,
            previous_event_id: 1,
            timestamp: 7,
            details: Details::MapIterationStarted { name: "M".into(), index: 0 },
        };
        let record = history_record("arn", &event);
        assert_eq!(record.event_type, "MapIterationStarted");
        assert_eq!(record.details_json, r#"{"name":"M","index":0}"#);
        let bare = HistoryEvent { details: Details::ParallelStateStarted, ..event };
        assert_eq!(history_record("arn", &bare).details_json, "");
    }
}
