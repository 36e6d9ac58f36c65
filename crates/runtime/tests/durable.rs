//! The runtime end to end on real stores: executions run to completion with gapless stored
//! histories, and survive their runtime being dropped mid-flight (timers and unrecorded
//! tasks are recovered by a new runtime on the same SQLite file).

mod support;

use runtime::{BoxFuture, Invoker, Options, Runtime, StartRequest, TaskCall, TaskResult, Through};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{ExecutionStatus, MemoryStore, Store};
use support::{check_replay, history, machine as create_machine, options, sqlite, start, until_closed};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

/// Answers `{"ok": input}`; fails the first call of each execution when `flaky`, and never
/// answers while `blocked`, panics when `panics`. Counts its calls.
#[derive(Default)]
struct TestInvoker {
    flaky: bool,
    blocked: bool,
    panics: bool,
    calls: AtomicUsize,
    failed: Mutex<Vec<String>>,
}

impl Invoker for TestInvoker {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.blocked {
                std::future::pending::<()>().await;
            }
            assert!(!self.panics, "the invoker panics");
            let mut failed = self.failed.lock().unwrap();
            if self.flaky && !failed.contains(&call.execution_arn) {
                failed.push(call.execution_arn);
                return Err(("Flaky".into(), "first attempt".into()));
            }
            let input = expr::json::to_string(&call.input);
            Ok(expr::json::from_str(&format!(r#"{{"ok":{input}}}"#)).unwrap())
        })
    }
}

/// Waits for the execution to end, then checks its stored history: ids 1..n, each previous
/// id earlier, one `ExecutionStarted` first and the end last, and the same history again
/// when its fed events are replayed. Returns the record and history.
async fn finished<S: Store>(store: &S, arn: &str) -> (store::Execution, Vec<store::HistoryEvent>) {
    let execution = until_closed(store, arn).await;
    let history = history(store, arn).await;
    for (i, event) in history.iter().enumerate() {
        assert_eq!(event.id, i as u64 + 1, "{arn}: gapless ids");
        assert!(
            event.previous_event_id < event.id,
            "{arn}: event {} has previous {}",
            event.id,
            event.previous_event_id
        );
    }
    let types: Vec<&str> = history.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types.iter().filter(|t| **t == "ExecutionStarted").count(), 1, "{arn}: {types:?}");
    assert_eq!(types.first(), Some(&"ExecutionStarted"));
    assert!(types.last().is_some_and(|t| t.starts_with("Execution")), "{arn}: {types:?}");
    assert_eq!(execution.next_event_id, history.len() as u64 + 1);
    check_replay(store, &execution, &history).await;
    (execution, history)
}

fn output(execution: &store::Execution) -> Value {
    serde_json::from_str(execution.output.as_deref().expect("an output")).unwrap()
}

fn count(history: &[store::HistoryEvent], event_type: &str) -> usize {
    history.iter().filter(|e| e.event_type == event_type).count()
}

/// (definition, input, expected output), as `stepstone run` gives them.
fn cases() -> Vec<(&'static str, Value, Value, Value)> {
    let pass = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a.x, 2)", "b.$": "$.b"}, "End": true}}});
    let wait = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 1, "Next": "Done"}, "Done": {"Type": "Succeed"}}});
    let parallel = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "One", "States": {"One": {"Type": "Pass", "Result": 1, "End": true}}},
        {"StartAt": "Two", "States": {"Two": {"Type": "Pass", "InputPath": "$.b", "End": true}}}]}}});
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": true}}}}}});
    let task = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": true,
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}]}}});
    let choice = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}], "Default": "Small"},
        "Big": {"Type": "Pass", "Result": "big", "End": true},
        "Small": {"Type": "Pass", "Result": "small", "End": true}}});
    vec![
        ("pass", pass, json!({"b": true}), json!({"sum": 3, "b": true})),
        ("wait", wait, json!({"v": 1}), json!({"v": 1})),
        ("parallel", parallel, json!({"b": "two"}), json!([1, "two"])),
        ("map", map, json!({"items": [1, "x", null]}), json!([{"v": 1}, {"v": "x"}, {"v": null}])),
        ("task", task, json!({"n": 1}), json!({"ok": {"n": 1}})),
        ("choice", choice, json!({"n": 7}), json!("big")),
    ]
}

/// Runs every case at once on `store` and checks outputs and histories.
async fn check<S: Store>(store: Arc<S>) {
    let invoker = Arc::new(TestInvoker { flaky: true, ..TestInvoker::default() });
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone(), options("node-1"));
    let mut started = Vec::new();
    for (name, definition, input, expected) in cases() {
        let machine = create_machine(&*store, name, definition).await;
        started.push((name, start(&runtime, &machine, "e1", input).await, expected));
    }
    for (name, arn, expected) in started {
        let (execution, history) = finished(&*store, &arn).await;
        assert_eq!(execution.status, ExecutionStatus::Succeeded, "{name}: {execution:?}");
        assert_eq!(output(&execution), expected, "{name}");
        if name == "wait" {
            let at = |t: &str| history.iter().find(|e| e.event_type == t).unwrap().timestamp;
            assert!(at("WaitStateExited") - at("WaitStateEntered") >= 1000, "{name}: waited a second");
        }
        if name == "task" {
            assert_eq!(count(&history, "LambdaFunctionFailed"), 1, "{name}");
            assert_eq!(count(&history, "LambdaFunctionSucceeded"), 1, "{name}");
        }
    }
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 2, "the task ran twice (one retry)");
    assert!(runtime.driving().is_empty(), "drivers end with their executions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_run_to_completion_in_memory() {
    check(Arc::new(MemoryStore::default())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_run_to_completion_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    check(sqlite(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_survive_a_dropped_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 2, "Next": "P"},
        "P": {"Type": "Pass", "Parameters": {"done.$": "$.n"}, "End": true}}});
    let mut arns = Vec::new();
    {
        let store = sqlite(&dir);
        let runtime = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), options("node-1"));
        let machine = create_machine(&*store, "waiter", definition).await;
        for n in 0..3 {
            arns.push((n, start(&runtime, &machine, &format!("e{n}"), json!({"n": n})).await));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(runtime.driving().len(), 3);
    }
    let store = sqlite(&dir);
    for (_, arn) in &arns {
        assert_eq!(store.execution(arn).await.unwrap().unwrap().status, ExecutionStatus::Running);
    }
    // node-1's leases run out 600 ms after its last renewal; node-2 claims them well before
    // the waits are due (2 s after their start).
    tokio::time::sleep(Duration::from_millis(700)).await;
    let runtime = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), options("node-2"));
    let deadline = Instant::now() + Duration::from_millis(500);
    while runtime.driving().len() < 3 {
        assert!(Instant::now() < deadline, "node-2 adopts the executions");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for (n, arn) in arns {
        let (execution, history) = finished(&*store, &arn).await;
        assert_eq!(execution.status, ExecutionStatus::Succeeded, "{execution:?}");
        assert_eq!(output(&execution), json!({"done": n}));
        let at = |t: &str| history.iter().find(|e| e.event_type == t).unwrap().timestamp;
        assert!(at("WaitStateExited") >= at("WaitStateEntered") + 2000, "the wait fired early");
        // Re-armed at its stored time, not restarted at the recovery (about 1 s in).
        assert!(at("WaitStateExited") < at("WaitStateEntered") + 2800, "the wait was restarted");
        for event_type in ["WaitStateEntered", "WaitStateExited", "PassStateEntered", "ExecutionSucceeded"] {
            assert_eq!(count(&history, event_type), 1, "{event_type}");
        }
        assert!(execution.lease.is_none(), "the end releases the lease");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unrecorded_task_runs_again_after_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": true}}});
    let arn;
    {
        let store = sqlite(&dir);
        let blocked = Arc::new(TestInvoker { blocked: true, ..TestInvoker::default() });
        let runtime = Runtime::new(Arc::clone(&store), blocked.clone(), options("node-1"));
        let machine = create_machine(&*store, "tasker", definition).await;
        arn = start(&runtime, &machine, "e1", json!({"n": 1})).await;
        while blocked.calls.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let store = sqlite(&dir);
    assert_eq!(store.pending_tasks(&arn).await.unwrap().len(), 1);
    let invoker = Arc::new(TestInvoker::default());
    let _runtime = Runtime::new(Arc::clone(&store), invoker.clone(), options("node-2"));
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "{execution:?}");
    assert_eq!(output(&execution), json!({"ok": {"n": 1}}));
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 1);
    assert_eq!(count(&history, "LambdaFunctionScheduled"), 1);
    assert_eq!(count(&history, "LambdaFunctionSucceeded"), 1);
    assert!(store.pending_tasks(&arn).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_node_keeps_its_executions() {
    let store = Arc::new(MemoryStore::default());
    let definition = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}});
    let machine = create_machine(&*store, "kept", definition).await;
    let owner = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), options("node-1"));
    let arns = [start(&owner, &machine, "e1", json!(1)).await, start(&owner, &machine, "e2", json!(2)).await];
    let other = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), options("node-2"));
    // The wait outlasts the 600 ms lease: only renewals keep node-2 from claiming.
    for (n, arn) in arns.iter().enumerate() {
        while store.execution(arn).await.unwrap().unwrap().status == ExecutionStatus::Running {
            assert!(other.driving().is_empty(), "node-2 took a live node's execution");
            assert_eq!(other.recover().await.unwrap(), Vec::<String>::new());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (execution, _) = finished(&*store, arn).await;
        assert_eq!(output(&execution), json!(n + 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_invoker_fails_the_task_state() {
    let store = Arc::new(MemoryStore::default());
    let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": true,
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}]},
        "Caught": {"Type": "Pass", "Parameters": {"error.$": "$.Error"}, "End": true}}});
    let machine = create_machine(&*store, "panicky", definition).await;
    let invoker = Arc::new(TestInvoker { panics: true, ..TestInvoker::default() });
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone(), options("node-1"));
    let arn = start(&runtime, &machine, "e1", json!({})).await;
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(output(&execution), json!({"error": "States.TaskFailed"}));
    assert_eq!(count(&history, "LambdaFunctionFailed"), 1);
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_under_its_name_takes_its_executions_back_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let definition = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}});
    // Leases of a minute: only the node's own name lets it resume before they run out.
    let long = || Options { lease_ms: 60_000, ..options("node-1") };
    let arn;
    {
        let store = sqlite(&dir);
        let runtime = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), long());
        let machine = create_machine(&*store, "restarted", definition).await;
        arn = start(&runtime, &machine, "e1", json!({"n": 1})).await;
    }
    let store = sqlite(&dir);
    let other = Runtime::new(
        Arc::clone(&store),
        Arc::new(TestInvoker::default()),
        Options { lease_ms: 60_000, ..options("node-2") },
    );
    assert_eq!(other.recover().await.unwrap(), Vec::<String>::new(), "another node waits for the lease");
    drop(other);
    let runtime = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), long());
    let started = Instant::now();
    let (execution, history) = finished(&*store, &arn).await;
    assert!(started.elapsed() < Duration::from_secs(5), "resumed without waiting for the lease");
    assert_eq!(output(&execution), json!({"n": 1}));
    assert_eq!(count(&history, "WaitStateExited"), 1);
    drop(runtime);
}

/// A start through a version, and through an alias: the version's definition runs, and
/// `ExecutionStarted` names the version (and the alias) as AWS's details do.
#[tokio::test(flavor = "multi_thread")]
async fn execution_started_names_the_version_and_alias() {
    let store = Arc::new(MemoryStore::new());
    let machine =
        create_machine(&*store, "m", json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}})).await;
    let runtime = Runtime::new(Arc::clone(&store), Arc::new(TestInvoker::default()), options("n1"));
    let version = format!("{machine}:1");
    let alias = format!("{machine}:live");
    let definition = json!({"StartAt": "V", "States": {"V": {"Type": "Pass", "Result": "v1", "End": true}}});
    for (name, through) in [("v", version.clone()), ("a", format!("{version} {alias}"))] {
        let request = StartRequest { state_machine_arn: machine.clone(), name: name.into(), input: "{}".into() };
        let through = Through {
            definition: definition.to_string(),
            role_arn: "arn:aws:iam::123456789012:role/v1".into(),
            started_through: through,
        };
        let arn = runtime.start_through(request, Some(through)).await.unwrap();
        let (execution, history) = finished(&*store, &arn).await;
        assert_eq!(output(&execution), json!("v1"));
        let details: Value = serde_json::from_str(&history[0].details_json).unwrap();
        let mut expected = json!({"input": "{}", "inputDetails": {"truncated": false},
            "roleArn": "arn:aws:iam::123456789012:role/v1", "stateMachineVersionArn": version});
        if name == "a" {
            expected["stateMachineAliasArn"] = json!(alias);
        }
        assert_eq!(details, expected, "{name}");
    }
}
