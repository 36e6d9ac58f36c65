//! External signals end to end, on `MemoryStore` and on SQLite files: StopExecution,
//! activity tasks taken by workers (GetActivityTask, heartbeats, success and failure),
//! heartbeat timeouts, signals accepted while no driver runs (consumed exactly once after
//! recovery), activity tasks surviving a restart, and signals crossing between two nodes.

mod support;

use runtime::{BoxFuture, Error, Invoker, Options, Runtime, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Activity, ExecutionStatus, HistoryEvent, MemoryStore, Store};
use support::{await_event, check_replay, details, history, machine, options, sqlite, start, types, until_closed};

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:work";

/// Activities never reach the invoker; any call is a failure of the test.
struct NoInvoker;

impl Invoker for NoInvoker {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        panic!("the invoker was called for {}", call.resource)
    }
}

fn runtime<S: Store>(store: &Arc<S>, node: &str) -> Runtime<S> {
    support::runtime(store, &Arc::new(NoInvoker), node)
}

/// Creates the activity and a state machine named `name`.
async fn setup<S: Store>(store: &S, name: &str, definition: Value) -> String {
    let activity = Activity { arn: ACTIVITY.into(), name: "work".into(), created: 0, tags: Vec::new() };
    store.create_activity(activity).await.unwrap();
    machine(store, name, definition).await
}

/// An activity Task, then a Pass state, with the given extra Task fields (and a `Handled`
/// Pass state for a Catch).
fn activity_machine(task_fields: Value) -> Value {
    let mut task = json!({"Type": "Task", "Resource": ACTIVITY, "Next": "After"});
    task.as_object_mut().unwrap().extend(task_fields.as_object().unwrap().clone());
    let catches = task.get("Catch").is_some();
    let mut machine = json!({"StartAt": "Work", "States": {"Work": task, "After": {"Type": "Pass", "End": true}}});
    if catches {
        machine["States"]["Handled"] = json!({"Type": "Pass", "End": true});
    }
    machine
}

/// Waits for the execution to end; checks that the history replays from the fed events.
async fn finished<S: Store>(store: &S, arn: &str) -> (store::Execution, Vec<HistoryEvent>) {
    let execution = until_closed(store, arn).await;
    let history = history(store, arn).await;
    check_replay(store, &execution, &history).await;
    assert_eq!(store.signals(arn).await.unwrap(), vec![], "no signal is left");
    (execution, history)
}

async fn stop_a_running_wait<S: Store>(store: Arc<S>) {
    let wait = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 60, "Next": "P"}, "P": {"Type": "Pass", "End": true}}});
    let machine = setup(&*store, "stop", wait).await;
    let rt = runtime(&store, "a");
    let arn = start(&rt, &machine, "e1", json!({"k": 1})).await;
    await_event(&*store, &arn, "WaitStateEntered").await;
    let stop_date = rt.stop(&arn, Some("Manual".into()), Some("probe".into())).await.unwrap();
    // `stop` returns once the end is recorded: no waiting needed.
    let execution = store.execution(&arn).await.unwrap().unwrap();
    assert_eq!(execution.status, ExecutionStatus::Aborted);
    assert_eq!((execution.error.as_deref(), execution.cause.as_deref()), (Some("Manual"), Some("probe")));
    assert_eq!(execution.stopped, Some(stop_date));
    let (_, history) = finished(&*store, &arn).await;
    assert_eq!(types(&history), ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]);
    assert_eq!(history[2].previous_event_id, 0, "AWS's ExecutionAborted follows no event");
    assert_eq!(details(&history, "ExecutionAborted"), json!({"error": "Manual", "cause": "probe"}));
    assert_eq!(store.timers(&arn).await.unwrap(), vec![], "the Wait's timer is gone");

    // Stopping again changes nothing and gives the same date; unknown executions are errors.
    assert_eq!(rt.stop(&arn, None, None).await.unwrap(), stop_date);
    assert_eq!(history.len(), finished(&*store, &arn).await.1.len());
    let missing = format!("{}-nope", arn);
    assert!(matches!(rt.stop(&missing, None, None).await, Err(Error::NoExecution(a)) if a == missing));

    // A stop without error or cause: ExecutionAborted has empty details.
    let arn = start(&rt, &machine, "e2", json!({})).await;
    rt.stop(&arn, None, None).await.unwrap();
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!((execution.status, execution.error, execution.cause), (ExecutionStatus::Aborted, None, None));
    assert_eq!(details(&history, "ExecutionAborted"), json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_a_running_wait_in_memory() {
    stop_a_running_wait(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_a_running_wait_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    stop_a_running_wait(sqlite(&dir)).await;
}

async fn a_worker_does_an_activity_task<S: Store>(store: Arc<S>) {
    let fields = json!({"TimeoutSeconds": 30, "HeartbeatSeconds": 2, "Parameters": {"job.$": "$.job"}});
    let machine = setup(&*store, "act", activity_machine(fields)).await;
    // Store polls so rare that only the in-process notification can hand tasks over fast.
    let slow_polls = Options { poll_ms: 20_000, ..options("a") };
    let rt = Arc::new(Runtime::new(Arc::clone(&store), Arc::new(NoInvoker), slow_polls));
    // Nothing scheduled yet: the poll waits its time and answers nothing.
    let begun = Instant::now();
    assert_eq!(rt.get_activity_task(ACTIVITY, "w1", Duration::from_millis(300)).await.unwrap(), None);
    assert!(begun.elapsed() >= Duration::from_millis(300));
    // A poll waiting when the task is scheduled gets it at once.
    let poller = {
        let rt = Arc::clone(&rt);
        tokio::spawn(async move { rt.get_activity_task(ACTIVITY, "w1", Duration::from_secs(30)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let begun = Instant::now();
    let arn = start(&rt, &machine, "e1", json!({"job": 7})).await;
    let task = poller.await.unwrap().unwrap().expect("the waiting poll gets the task");
    assert!(begun.elapsed() < Duration::from_secs(2), "handed over at once, not at a poll");
    assert_eq!(serde_json::from_str::<Value>(&task.input).unwrap(), json!({"job": 7}));
    assert_eq!(task.token.len(), engine::TASK_TOKEN_LEN);
    // Opaque: no ARN fits its alphabet (a short name such as `e1` may appear by chance).
    assert!(engine::is_task_token(&task.token) && !task.token.contains("arn:"), "{}", task.token);
    await_event(&*store, &arn, "ActivityStarted").await;

    // Heartbeats keep the task alive past HeartbeatSeconds.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        rt.send_task_heartbeat(&task.token).await.unwrap();
    }
    assert_eq!(store.execution(&arn).await.unwrap().unwrap().status, ExecutionStatus::Running);
    let err = rt.send_task_success(&task.token, "{not json").await.unwrap_err();
    assert!(matches!(err, Error::Output(_)), "{err:?}");
    rt.send_task_success(&task.token, r#"{"done": true}"#).await.unwrap();
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(serde_json::from_str::<Value>(execution.output.as_deref().unwrap()).unwrap(), json!({"done": true}));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let scheduled = details(&history, "ActivityScheduled");
    assert_eq!(
        scheduled,
        json!({"resource": ACTIVITY, "input": "{\"job\":7}", "inputDetails": {"truncated": false},
               "timeoutInSeconds": 30, "heartbeatInSeconds": 2})
    );
    assert_eq!(details(&history, "ActivityStarted"), json!({"workerName": "w1"}));
    assert_eq!(
        details(&history, "ActivitySucceeded"),
        json!({"output": "{\"done\":true}", "outputDetails": {"truncated": false}})
    );
    for (i, event) in history.iter().enumerate().skip(2).take(3) {
        assert_eq!(event.previous_event_id, i as u64, "{} follows the event before it", event.event_type);
    }

    // The task is closed now; other tokens are unknown or malformed.
    assert!(matches!(rt.send_task_success(&task.token, "{}").await, Err(Error::TaskClosed)));
    assert!(matches!(rt.send_task_heartbeat(&task.token).await, Err(Error::TaskClosed)));
    let unknown = engine::task_token(42, 1);
    assert!(matches!(rt.send_task_failure(&unknown, "E", "c").await, Err(Error::NoTask)));
    assert!(matches!(rt.send_task_heartbeat("not-a-token").await, Err(Error::InvalidToken)));
    let missing = "arn:aws:states:us-east-1:123456789012:activity:missing";
    assert!(matches!(
        rt.get_activity_task(missing, "w", Duration::from_secs(1)).await,
        Err(Error::NoActivity(a)) if a == missing
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_does_an_activity_task_in_memory() {
    a_worker_does_an_activity_task(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_does_an_activity_task_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_worker_does_an_activity_task(sqlite(&dir)).await;
}

async fn a_task_failure_is_caught<S: Store>(store: Arc<S>) {
    let fields = json!({"Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Handled"}]});
    let machine = setup(&*store, "catch", activity_machine(fields)).await;
    let rt = runtime(&store, "a");
    let arn = start(&rt, &machine, "e1", json!({"in": 1})).await;
    let task = rt.get_activity_task(ACTIVITY, "w", Duration::from_secs(10)).await.unwrap().expect("a task");
    rt.send_task_failure(&task.token, "Boom", "it broke").await.unwrap();
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(execution.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!({"in": 1, "err": {"Error": "Boom", "Cause": "it broke"}}));
    assert_eq!(details(&history, "ActivityFailed"), json!({"error": "Boom", "cause": "it broke"}));
    let types = types(&history);
    let failed = types.iter().position(|t| *t == "ActivityFailed").unwrap();
    assert_eq!(types[failed - 1], "ActivityStarted");
    assert_eq!(types[failed + 1..failed + 3], ["TaskStateExited", "PassStateEntered"]);
    assert_eq!(details(&history, "PassStateEntered")["name"], "Handled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_failure_is_caught_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_task_failure_is_caught(sqlite(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_heartbeat_times_the_activity_out() {
    let store = Arc::new(MemoryStore::new());
    let machine = setup(&*store, "hb", activity_machine(json!({"TimeoutSeconds": 60, "HeartbeatSeconds": 1}))).await;
    let rt = runtime(&store, "a");
    let arn = start(&rt, &machine, "e1", json!({})).await;
    let task = rt.get_activity_task(ACTIVITY, "w", Duration::from_secs(10)).await.unwrap().expect("a task");
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.HeartbeatTimeout"));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivityTimedOut",
            "ExecutionFailed"
        ]
    );
    assert_eq!(details(&history, "ActivityTimedOut")["error"], "States.HeartbeatTimeout");
    let started = history.iter().find(|e| e.event_type == "ActivityStarted").unwrap().timestamp;
    let timed_out = history.iter().find(|e| e.event_type == "ActivityTimedOut").unwrap().timestamp;
    let scheduled = history.iter().find(|e| e.event_type == "ActivityScheduled").unwrap().timestamp;
    assert!(timed_out - scheduled >= 1000, "not before HeartbeatSeconds: {scheduled} -> {timed_out}");
    assert!(started <= timed_out);
    assert!(matches!(rt.send_task_success(&task.token, "{}").await, Err(Error::TaskClosed)));
}

/// A SendTaskSuccess accepted while no node drives the execution (its node crashed) waits
/// in the store; the node that takes the execution over consumes it, exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_accepted_before_a_crash_is_consumed_once_after_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let machine = setup(&*store, "crash", activity_machine(json!({}))).await;
    let a = runtime(&store, "a");
    let arn = start(&a, &machine, "e1", json!({})).await;
    let task = a.get_activity_task(ACTIVITY, "w", Duration::from_secs(10)).await.unwrap().expect("a task");
    await_event(&*store, &arn, "ActivityStarted").await;
    drop(a); // a crash: node a's lease runs out in 600 ms

    let b = runtime(&store, "b");
    b.send_task_success(&task.token, r#"{"r": 1}"#).await.unwrap();
    let waiting = store.signals(&arn).await.unwrap();
    assert_eq!(waiting.len(), 1, "accepted and stored before anyone consumes it");
    assert_eq!(store.execution(&arn).await.unwrap().unwrap().status, ExecutionStatus::Running);
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(types(&history).iter().filter(|t| **t == "ActivitySucceeded").count(), 1);
    let fed = store.fed_events(&arn).await.unwrap();
    assert_eq!(fed.iter().filter(|e| e.event_json.starts_with(r#"{"TaskSucceeded""#)).count(), 1);
    drop(b);

    // Another node later finds nothing to do again.
    let c = runtime(&store, "c");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(c.driving().is_empty());
    assert_eq!(history.len(), finished(&*store, &arn).await.1.len());
}

/// An activity task a worker holds survives the restart of its node (same name, as
/// `stepstone serve` restarts): heartbeats and SendTaskSuccess still work after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_activity_task_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let machine = setup(&*store, "restart", activity_machine(json!({"HeartbeatSeconds": 30}))).await;
    let first = runtime(&store, "node");
    let arn = start(&first, &machine, "e1", json!({"x": 1})).await;
    let task = first.get_activity_task(ACTIVITY, "w", Duration::from_secs(10)).await.unwrap().expect("a task");
    await_event(&*store, &arn, "ActivityStarted").await;
    drop(first);
    drop(store);

    let store = sqlite(&dir);
    let second = runtime(&store, "node");
    // Held under this node's name: taken back at once (by the lease loop or this call).
    second.recover().await.unwrap();
    assert_eq!(second.driving(), vec![arn.clone()]);
    // Not handed out again: it stays with its worker.
    assert_eq!(second.get_activity_task(ACTIVITY, "w2", Duration::from_millis(200)).await.unwrap(), None);
    second.send_task_heartbeat(&task.token).await.unwrap();
    second.send_task_success(&task.token, r#""ok""#).await.unwrap();
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(execution.output.as_deref(), Some(r#""ok""#));
    assert_eq!(types(&history).iter().filter(|t| t.starts_with("Activity")).count(), 3);
}

/// Two nodes on one store: signals and activity polls taken by the node that does not
/// drive the execution reach the one that does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signals_cross_between_nodes() {
    let store = Arc::new(MemoryStore::new());
    let machine = setup(&*store, "two", activity_machine(json!({}))).await;
    let a = runtime(&store, "a");
    let b = runtime(&store, "b");
    let arn = start(&a, &machine, "e1", json!({})).await;
    let task = b.get_activity_task(ACTIVITY, "wb", Duration::from_secs(10)).await.unwrap().expect("seen by b");
    await_event(&*store, &arn, "ActivityStarted").await;
    assert_eq!(a.driving(), vec![arn.clone()]);
    assert!(b.driving().is_empty());
    b.send_task_success(&task.token, "{}").await.unwrap();
    let (execution, _) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);

    let arn = start(&a, &machine, "e2", json!({})).await;
    b.stop(&arn, Some("E".into()), None).await.unwrap();
    assert_eq!(store.execution(&arn).await.unwrap().unwrap().status, ExecutionStatus::Aborted, "b waited for a");
    let (_, history) = finished(&*store, &arn).await;
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "TaskStateAborted", "ExecutionAborted"]
    );
    // The stopped task is closed, and no worker gets it.
    assert_eq!(b.get_activity_task(ACTIVITY, "w", Duration::from_millis(100)).await.unwrap(), None);
}
