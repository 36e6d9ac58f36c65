//! Callback tasks in the engine: `$$.Task.Token` (and `$states.context.Task.Token`) is the
//! token of the task the `RunTask` command names, even when a retry schedules a new task;
//! `TaskSubmitted` is written once, only for service integrations, and is remembered
//! (`Execution::task_submission`) until the task ends.

#[allow(dead_code)]
mod support;

use engine::{task_token, Command, Event, Step};
use expr::{json, Value};
use support::driver::{apply, execution, info, START};

/// The task id and request of the step's `RunTask`.
fn run_task(step: &Step) -> (u64, Value) {
    step.commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask { task, input, .. } => Some((*task, input.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no RunTask in {:?}", step.commands))
}

fn types(step: &Step) -> Vec<&'static str> {
    step.history.iter().map(|h| h.type_name()).collect()
}

#[test]
fn the_token_in_the_request_is_the_tasks_token_across_retries() {
    let mut e = execution(json!({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"Token.$": "$$.Task.Token"}, "TimeoutSeconds": 5,
        "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 1}],
        "End": true}}}));
    let secret = info(7).task_secret;
    let first = apply(&mut e, Event::Started { input: json!({}) }, START);
    let (task, request) = run_task(&first);
    assert_eq!(request, json!({"Token": task_token(secret, task)}));
    let submitted = apply(&mut e, Event::TaskSubmitted { task, output: json!({"MessageId": "m"}) }, START + 10);
    assert_eq!(types(&submitted), ["TaskSubmitted"]);
    assert!(submitted.commands.is_empty());
    assert_eq!(e.task_submission(task), Some(&json!({"MessageId": "m"})));
    // A second submit of the same task writes nothing.
    let again = apply(&mut e, Event::TaskSubmitted { task, output: json!({}) }, START + 20);
    assert!(again.history.is_empty() && again.commands.is_empty(), "{again:?}");

    // The timeout retries: a new task, with its own token.
    let timer = first
        .commands
        .iter()
        .find_map(|c| match c {
            Command::StartTimer { timer, .. } => Some(*timer),
            _ => None,
        })
        .unwrap();
    let timed_out = apply(&mut e, Event::TimerFired { timer }, START + 5000);
    assert_eq!(types(&timed_out), ["TaskTimedOut"]);
    assert_eq!(e.task_submission(task), None, "the ended task is forgotten");
    let backoff = timed_out
        .commands
        .iter()
        .find_map(|c| match c {
            Command::StartTimer { timer, .. } => Some(*timer),
            _ => None,
        })
        .unwrap();
    let retried = apply(&mut e, Event::TimerFired { timer: backoff }, START + 6000);
    let (second, request) = run_task(&retried);
    assert_ne!(second, task);
    assert_eq!(request, json!({"Token": task_token(secret, second)}));
    let done = apply(&mut e, Event::TaskSucceeded { task: second, output: json!("ok") }, START + 7000);
    assert_eq!(types(&done), ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]);
}

#[test]
fn jsonata_arguments_read_the_token() {
    let mut e = execution(json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Arguments": {"Payload": {"t": "{% $states.context.Task.Token %}"}}, "End": true}}}));
    let first = apply(&mut e, Event::Started { input: json!({}) }, START);
    let (task, request) = run_task(&first);
    assert_eq!(request, json!({"Payload": {"t": task_token(info(7).task_secret, task)}}));
    assert_eq!(types(&first), ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted"]);
}

#[test]
fn request_response_tasks_have_no_token_and_no_submit() {
    let mut e = execution(json!({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Parameters": {"C.$": "$$"}, "End": true}}}));
    let first = apply(&mut e, Event::Started { input: json!({}) }, START);
    let (task, request) = run_task(&first);
    assert_eq!(request.get("C").and_then(|c| c.get("Task")), None, "{request}");
    // A Lambda function ARN has no TaskSubmitted event.
    let submitted = apply(&mut e, Event::TaskSubmitted { task, output: json!({}) }, START + 1);
    assert!(submitted.history.is_empty(), "{submitted:?}");
    assert_eq!(e.task_submission(task), None);
}
