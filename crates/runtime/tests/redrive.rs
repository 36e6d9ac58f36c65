//! `Runtime::redrive` end to end, on `MemoryStore` and on SQLite files: a failed Task
//! redriven to success with its whole history, a Map's failed iteration rerun alone, AWS's
//! refusals, a runtime dropped right after a redrive (another node finishes it), a stop
//! during a redriven run, an activity task scheduled again by a redrive, and a TIMED_OUT
//! execution whose `TimeoutSeconds` starts again.

mod support;

use runtime::{BoxFuture, Error, Invoker, Runtime, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{Activity, ExecutionStatus, HistoryQuery, MemoryStore, PageRequest, Store};
use support::until_closed as closed;
use support::{check_gapless, check_replay, history, machine as create_machine, options, sqlite, start};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:work";

/// Fails the first call for each input listed in `fail_once` (`Boom`), never answers while
/// `blocked`; otherwise answers `{"ok": input}`. Records the inputs it was called with.
#[derive(Default)]
struct TestInvoker {
    fail_once: Mutex<Vec<Value>>,
    blocked: AtomicBool,
    calls: Mutex<Vec<Value>>,
}

impl TestInvoker {
    fn failing(inputs: &[Value]) -> Arc<TestInvoker> {
        Arc::new(TestInvoker { fail_once: Mutex::new(inputs.to_vec()), ..TestInvoker::default() })
    }

    fn calls(&self) -> Vec<Value> {
        self.calls.lock().unwrap().clone()
    }
}

impl Invoker for TestInvoker {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            let input: Value = serde_json::from_str(&expr::json::to_string(&call.input)).unwrap();
            self.calls.lock().unwrap().push(input.clone());
            if self.blocked.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            let mut fail = self.fail_once.lock().unwrap();
            if let Some(i) = fail.iter().position(|v| *v == input) {
                fail.remove(i);
                return Err(("Boom".into(), format!("failed on {input}")));
            }
            let output = json!({ "ok": input });
            Ok(expr::json::from_str(&output.to_string()).unwrap())
        })
    }
}

/// The stored history as `(type, previous event id)`, after checking it is gapless and the
/// same as the replay of the fed events.
async fn stored_history<S: Store>(store: &S, arn: &str) -> Vec<(String, u64)> {
    let events = history(store, arn).await;
    check_gapless(arn, &events);
    let record = store.execution(arn).await.unwrap().unwrap();
    check_replay(store, &record, &events).await;
    events.into_iter().map(|e| (e.event_type, e.previous_event_id)).collect()
}

fn types(history: &[(String, u64)]) -> Vec<&str> {
    history.iter().map(|(t, _)| t.as_str()).collect()
}

fn task_machine() -> Value {
    json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"n": 1}, "Next": "Call"},
        "Call": {"Type": "Task", "Resource": LAMBDA, "End": true}}})
}

/// A Task that fails once is redriven: the Pass before it is not run again, the Task is
/// scheduled anew after `ExecutionRedriven`, and the execution succeeds.
async fn task_redriven_to_success<S: Store>(store: Arc<S>) {
    let machine = create_machine(&*store, "task", task_machine()).await;
    let invoker = TestInvoker::failing(&[json!({"n": 1})]);
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone(), options("n1"));
    let arn = start(&runtime, &machine, "e", json!({})).await;
    let failed = closed(&*store, &arn).await;
    assert_eq!((failed.status, failed.error.as_deref()), (ExecutionStatus::Failed, Some("Boom")));
    assert_eq!((failed.redrive_count, failed.redrive_date), (0, None));

    let date = runtime.redrive(&arn, None).await.unwrap();
    let done = closed(&*store, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(serde_json::from_str::<Value>(done.output.as_deref().unwrap()).unwrap(), json!({"ok": {"n": 1}}));
    assert_eq!((done.redrive_count, done.redrive_date), (1, Some(date)));
    assert!(date >= failed.stopped.unwrap() && done.stopped.unwrap() >= date);
    assert_eq!((done.error, done.cause), (None, None));
    assert_eq!(invoker.calls(), [json!({"n": 1}), json!({"n": 1})]);
    let history = stored_history(&*store, &arn).await;
    let expected = [
        ("ExecutionStarted", 0),
        ("PassStateEntered", 0),
        ("PassStateExited", 2),
        ("TaskStateEntered", 3),
        ("LambdaFunctionScheduled", 4),
        ("LambdaFunctionStarted", 5),
        ("LambdaFunctionFailed", 6),
        ("ExecutionFailed", 7),
        ("ExecutionRedriven", 8),
        ("LambdaFunctionScheduled", 9),
        ("LambdaFunctionStarted", 10),
        ("LambdaFunctionSucceeded", 11),
        ("TaskStateExited", 12),
        ("ExecutionSucceeded", 13),
    ];
    let got: Vec<(&str, u64)> = history.iter().map(|(t, p)| (t.as_str(), *p)).collect();
    assert_eq!(got, expected);
    let query = HistoryQuery { execution_arn: arn.clone(), reverse: false, page: PageRequest::first(100) };
    let events = store.history(query).await.unwrap().items;
    assert_eq!(events[8].details_json, r#"{"redriveCount":1}"#);
    assert_eq!(events[8].timestamp, date);

    // Once SUCCEEDED it is not redriven again.
    let refused = runtime.redrive(&arn, None).await;
    assert!(
        matches!(&refused, Err(Error::NotRedrivable(m)) if m == "Execution is SUCCEEDED and cannot be redriven"),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn task_redriven_to_success_in_memory() {
    task_redriven_to_success(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn task_redriven_to_success_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    task_redriven_to_success(sqlite(&dir)).await;
}

/// A Map whose second iteration fails: the redrive reruns that iteration only.
async fn map_iteration_redriven<S: Store>(store: Arc<S>) {
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Task", "Resource": LAMBDA, "End": true}}}}}});
    let machine = create_machine(&*store, "map", definition).await;
    let invoker = TestInvoker::failing(&[json!(2)]);
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone(), options("n1"));
    let arn = start(&runtime, &machine, "e", json!([1, 2, 3])).await;
    let failed = closed(&*store, &arn).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(invoker.calls(), [json!(1), json!(2)], "MaxConcurrency 1: item 3 never started");
    let before = stored_history(&*store, &arn).await.len();

    runtime.redrive(&arn, None).await.unwrap();
    let done = closed(&*store, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!([{"ok": 1}, {"ok": 2}, {"ok": 3}]));
    assert_eq!(invoker.calls(), [json!(1), json!(2), json!(2), json!(3)], "item 1 is not run again");
    let history = stored_history(&*store, &arn).await;
    let after: Vec<&str> = types(&history[before..]);
    assert_eq!(after[0], "ExecutionRedriven");
    assert_eq!(after.iter().filter(|t| **t == "MapIterationStarted").count(), 2, "{after:?}");
    assert_eq!(after.iter().filter(|t| **t == "MapIterationSucceeded").count(), 2, "{after:?}");
    assert!(!after.contains(&"MapStateEntered") && !after.contains(&"MapStateStarted"), "{after:?}");
    assert_eq!(after[after.len() - 3..], ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn map_iteration_redriven_in_memory() {
    map_iteration_redriven(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn map_iteration_redriven_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    map_iteration_redriven(sqlite(&dir)).await;
}

/// AWS's refusals: RUNNING, SUCCEEDED, unknown; a second redrive while the first runs; a
/// client token repeated gives the first redrive's date.
#[tokio::test(flavor = "multi_thread")]
async fn redrive_refused_with_aws_reasons() {
    let store = Arc::new(MemoryStore::new());
    let wait = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}});
    let waiting = create_machine(&*store, "wait", wait).await;
    let pass = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let passing = create_machine(&*store, "pass", pass).await;
    let task = create_machine(&*store, "task", task_machine()).await;
    let invoker = TestInvoker::failing(&[json!({"n": 1})]);
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone(), options("n1"));

    let running = start(&runtime, &waiting, "running", json!({})).await;
    let refused = runtime.redrive(&running, None).await;
    assert!(
        matches!(&refused, Err(Error::NotRedrivable(m)) if m == "Execution is RUNNING and cannot be redriven"),
        "{refused:?}"
    );
    let succeeded = start(&runtime, &passing, "succeeded", json!({})).await;
    closed(&*store, &succeeded).await;
    let refused = runtime.redrive(&succeeded, None).await;
    assert!(
        matches!(&refused, Err(Error::NotRedrivable(m)) if m == "Execution is SUCCEEDED and cannot be redriven"),
        "{refused:?}"
    );
    let unknown = format!("{}:nope", task.replace(":stateMachine:", ":execution:"));
    assert!(matches!(runtime.redrive(&unknown, None).await, Err(Error::NoExecution(_))));
    let record = store.execution(&succeeded).await.unwrap().unwrap();
    assert_eq!(record.redrive_count, 0, "a refused redrive writes nothing");

    let failed = start(&runtime, &task, "failed", json!({})).await;
    closed(&*store, &failed).await;
    invoker.blocked.store(true, Ordering::SeqCst);
    let date = runtime.redrive(&failed, Some("token-1")).await.unwrap();
    // The same client token again: the same answer, not a second redrive.
    assert_eq!(runtime.redrive(&failed, Some("token-1")).await.unwrap(), date);
    let again = runtime.redrive(&failed, Some("token-2")).await;
    assert!(
        matches!(&again, Err(Error::NotRedrivable(m)) if m == "Execution is RUNNING and cannot be redriven"),
        "{again:?}"
    );
    let record = store.execution(&failed).await.unwrap().unwrap();
    assert_eq!((record.status, record.redrive_count), (ExecutionStatus::Running, 1));
    let history = stored_history(&*store, &failed).await;
    assert_eq!(types(&history).iter().filter(|t| **t == "ExecutionRedriven").count(), 1);
}

/// The node that redrove an execution is dropped before the redriven task answers: another
/// node claims it, replays its fed events (`Redriven` among them), runs the task again and
/// finishes it.
#[tokio::test(flavor = "multi_thread")]
async fn redriven_execution_recovered_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let machine = create_machine(&*store, "task", task_machine()).await;
    let first = TestInvoker::failing(&[json!({"n": 1})]);
    let runtime = Runtime::new(Arc::clone(&store), first.clone(), options("n1"));
    let arn = start(&runtime, &machine, "e", json!({})).await;
    closed(&*store, &arn).await;
    first.blocked.store(true, Ordering::SeqCst);
    runtime.redrive(&arn, None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while first.calls().len() < 2 {
        assert!(Instant::now() < deadline, "the redriven task never ran");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(runtime);
    let reopened = sqlite(&dir);
    drop(store);
    let second = Arc::new(TestInvoker::default());
    let runtime = Runtime::new(Arc::clone(&reopened), second.clone(), options("n2"));
    let done = closed(&*reopened, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(done.redrive_count, 1);
    assert_eq!(second.calls(), [json!({"n": 1})], "the new node runs the redriven task once");
    let history = stored_history(&*reopened, &arn).await;
    let types = types(&history);
    assert_eq!(types.iter().filter(|t| **t == "ExecutionRedriven").count(), 1);
    assert_eq!(
        types[8..],
        [
            "ExecutionRedriven",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    drop(runtime);
}

/// StopExecution during a redriven run aborts it; it can be redriven once more.
#[tokio::test(flavor = "multi_thread")]
async fn stop_during_a_redriven_run() {
    let store = Arc::new(MemoryStore::new());
    let machine = create_machine(&*store, "task", task_machine()).await;
    let invoker = TestInvoker::failing(&[json!({"n": 1})]);
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone(), options("n1"));
    let arn = start(&runtime, &machine, "e", json!({})).await;
    closed(&*store, &arn).await;
    invoker.blocked.store(true, Ordering::SeqCst);
    runtime.redrive(&arn, None).await.unwrap();
    runtime.stop(&arn, Some("Halt".into()), Some("by the test".into())).await.unwrap();
    let aborted = closed(&*store, &arn).await;
    assert_eq!((aborted.status, aborted.error.as_deref()), (ExecutionStatus::Aborted, Some("Halt")));
    let history = stored_history(&*store, &arn).await;
    assert_eq!(
        types(&history)[8..],
        [
            "ExecutionRedriven",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "TaskStateAborted",
            "ExecutionAborted"
        ]
    );

    invoker.blocked.store(false, Ordering::SeqCst);
    runtime.redrive(&arn, None).await.unwrap();
    let done = closed(&*store, &arn).await;
    assert_eq!((done.status, done.redrive_count), (ExecutionStatus::Succeeded, 2));
    let history = stored_history(&*store, &arn).await;
    let redriven: Vec<&str> = types(&history).into_iter().filter(|t| t.starts_with("Execution")).collect();
    assert_eq!(
        redriven,
        [
            "ExecutionStarted",
            "ExecutionFailed",
            "ExecutionRedriven",
            "ExecutionAborted",
            "ExecutionRedriven",
            "ExecutionSucceeded"
        ]
    );
}

/// An activity task failed by its worker is scheduled again by the redrive and taken by a
/// worker once more.
#[tokio::test(flavor = "multi_thread")]
async fn activity_task_redriven() {
    let store = Arc::new(MemoryStore::new());
    let activity = Activity { arn: ACTIVITY.into(), name: "work".into(), created: 0, tags: Vec::new() };
    store.create_activity(activity).await.unwrap();
    let definition =
        json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": ACTIVITY, "End": true}}});
    let machine = create_machine(&*store, "activity", definition).await;
    let runtime = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), options("n1"));
    let arn = start(&runtime, &machine, "e", json!({"a": 1})).await;
    let wait = Duration::from_secs(5);
    let task = runtime.get_activity_task(ACTIVITY, "w1", wait).await.unwrap().expect("a task");
    runtime.send_task_failure(&task.token, "Worker", "gave up").await.unwrap();
    assert_eq!(closed(&*store, &arn).await.status, ExecutionStatus::Failed);
    // The old token names a finished task.
    runtime.redrive(&arn, None).await.unwrap();
    let again = runtime.get_activity_task(ACTIVITY, "w2", wait).await.unwrap().expect("the task again");
    assert_ne!(again.token, task.token);
    assert_eq!(serde_json::from_str::<Value>(&again.input).unwrap(), json!({"a": 1}));
    assert!(runtime.send_task_success(&task.token, "{}").await.is_err(), "the first token is closed");
    runtime.send_task_success(&again.token, r#"{"done":true}"#).await.unwrap();
    let done = closed(&*store, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(done.output.as_deref(), Some(r#"{"done":true}"#));
    let history = stored_history(&*store, &arn).await;
    let after: Vec<&str> = types(&history).into_iter().skip_while(|t| *t != "ExecutionRedriven").collect();
    assert_eq!(
        after,
        [
            "ExecutionRedriven",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

/// A TIMED_OUT execution redriven: its `TimeoutSeconds` starts again at the redrive, so it
/// times out once more about a second later (the store's timers drive it).
#[tokio::test(flavor = "multi_thread")]
async fn timed_out_execution_times_out_again_after_a_redrive() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir);
    let definition =
        json!({"TimeoutSeconds": 1, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}});
    let machine = create_machine(&*store, "slow", definition).await;
    let runtime = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), options("n1"));
    let arn = start(&runtime, &machine, "e", json!({})).await;
    let first = closed(&*store, &arn).await;
    assert_eq!(first.status, ExecutionStatus::TimedOut);
    let date = runtime.redrive(&arn, None).await.unwrap();
    assert_eq!(store.timers(&arn).await.unwrap().iter().filter(|t| t.fire_at == date + 1000).count(), 1);
    let again = closed(&*store, &arn).await;
    assert_eq!((again.status, again.redrive_count), (ExecutionStatus::TimedOut, 1));
    let took = again.stopped.unwrap() - date;
    assert!((1000..5000).contains(&took), "timed out {took} ms after the redrive");
    let history = stored_history(&*store, &arn).await;
    let executions: Vec<&str> = types(&history).into_iter().filter(|t| t.starts_with("Execution")).collect();
    assert_eq!(executions, ["ExecutionStarted", "ExecutionTimedOut", "ExecutionRedriven", "ExecutionTimedOut"]);
    assert!(store.timers(&arn).await.unwrap().is_empty(), "no timer left behind");
}
