//! Events that arrive too late or twice: a runtime delivers them (a task answering after its
//! timeout, a timer firing after it was cancelled, a stop after the end), and the engine
//! must ignore them without a history event, a command or a panic.

// Only part of the shared support is used here.
#[allow(dead_code)]
mod support;

use engine::{Command, Event, Status, Step};
use expr::{json, Value};
use support::driver::{apply, execution, START};

fn run_task(step: &Step) -> u64 {
    step.commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask { task, .. } => Some(*task),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no RunTask in {:?}", step.commands))
}

fn start_timer(step: &Step) -> u64 {
    step.commands
        .iter()
        .find_map(|c| match c {
            Command::StartTimer { timer, .. } => Some(*timer),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no StartTimer in {:?}", step.commands))
}

fn assert_ignored(step: &Step, what: &str) {
    assert!(step.history.is_empty() && step.commands.is_empty(), "{what} was not ignored: {step:?}");
}

#[test]
fn a_task_answer_after_its_timeout_is_ignored() {
    let mut e = execution(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "W"}], "End": true},
        "W": {"Type": "Wait", "Seconds": 10, "End": true}}}));
    let first = apply(&mut e, Event::Started { input: json!({}) }, START);
    let task = run_task(&first);
    let timeout = start_timer(&first);
    let timed_out = apply(&mut e, Event::TimerFired { timer: timeout }, START + 5000);
    let types: Vec<&str> = timed_out.history.iter().map(|h| h.type_name()).collect();
    assert_eq!(types, ["TaskTimedOut", "TaskStateExited", "WaitStateEntered"]);
    assert!(timed_out.commands.contains(&Command::CancelTask { task }));
    let wait_timer = start_timer(&timed_out);

    let late = apply(&mut e, Event::TaskSucceeded { task, output: json!("late") }, START + 6000);
    assert_ignored(&late, "a late TaskSucceeded");
    let late = apply(&mut e, Event::TaskFailed { task, error: "X".into(), cause: "y".into() }, START + 6000);
    assert_ignored(&late, "a late TaskFailed");
    let late = apply(&mut e, Event::TaskHeartbeat { task }, START + 6000);
    assert_ignored(&late, "a late heartbeat");
    let again = apply(&mut e, Event::TimerFired { timer: timeout }, START + 6000);
    assert_ignored(&again, "a timer that already fired");
    assert_eq!(*e.status(), Status::Running);

    let done = apply(&mut e, Event::TimerFired { timer: wait_timer }, START + 15000);
    let types: Vec<&str> = done.history.iter().map(|h| h.type_name()).collect();
    assert_eq!(types, ["WaitStateExited", "ExecutionSucceeded"]);
    assert_eq!(*e.status(), Status::Succeeded { output: json!({"Error": "States.Timeout", "Cause": ""}) });
}

#[test]
fn events_after_the_end_are_ignored() {
    let mut e = execution(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}));
    let first = apply(&mut e, Event::Started { input: json!({"x": 1}) }, START);
    let task = run_task(&first);
    let end = apply(&mut e, Event::TaskSucceeded { task, output: json!(1) }, START + 10);
    assert_eq!(end.history.last().map(|h| h.type_name()), Some("ExecutionSucceeded"));
    let last_id = end.history.last().map(|h| h.id).unwrap_or_default();

    for event in [
        Event::TaskSucceeded { task, output: json!(2) },
        Event::TaskFailed { task, error: "E".into(), cause: "C".into() },
        Event::TimerFired { timer: 999 },
        Event::Stopped { error: Some("Manual".into()), cause: None },
        Event::Started { input: json!({"again": true}) },
    ] {
        let step = apply(&mut e, event.clone(), START + 20);
        assert_ignored(&step, &format!("{event:?} after the end"));
    }
    assert_eq!(*e.status(), Status::Succeeded { output: json!(1) });

    assert_eq!(last_id, 7, "Started, Entered, Scheduled, Started, Succeeded, Exited, ExecutionSucceeded");
}

#[test]
fn unknown_ids_are_ignored_while_running() {
    let mut e = execution(json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}));
    let first = apply(&mut e, Event::Started { input: json!(null) }, START);
    let timer = start_timer(&first);
    for event in [
        Event::TaskSucceeded { task: 12345, output: json!(0) },
        Event::TaskHeartbeat { task: 12345 },
        Event::TimerFired { timer: timer + 100 },
    ] {
        let step = apply(&mut e, event.clone(), START + 1);
        assert_ignored(&step, &format!("{event:?}"));
    }
    let done = apply(&mut e, Event::TimerFired { timer }, START + 1000);
    assert_eq!(
        done.history.iter().map(|h| h.type_name()).collect::<Vec<_>>(),
        ["WaitStateExited", "ExecutionSucceeded"]
    );
    assert_eq!(*e.status(), Status::Succeeded { output: Value::Null });
}
