//! EXPRESS executions in memory: run to their end with nothing stored, cut at their maximum
//! duration, and run in the background for `start_express`.

mod support;

use runtime::{BoxFuture, ExpressRequest, Invoker, Options, Runtime, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{ExecutionQuery, ExecutionStatus, Kind, MemoryStore, PageRequest, StateMachine, Store};

/// Answers `{"ok": input}` and counts its calls; the resource `...:function:slow` first
/// sleeps for 10 s.
#[derive(Default)]
struct Counting {
    calls: AtomicUsize,
}

impl Invoker for Counting {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            if call.resource.ends_with(":slow") {
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
            self.calls.fetch_add(1, Ordering::SeqCst);
            let input = expr::json::to_string(&call.input);
            Ok(expr::json::from_str(&format!(r#"{{"ok":{input}}}"#)).unwrap())
        })
    }
}

fn machine(name: &str, definition: Value) -> StateMachine {
    support::state_machine(name, Kind::Express, &definition)
}

fn runtime(invoker: Arc<Counting>) -> Runtime<MemoryStore> {
    let options = Options { node: "n".into(), ..Options::default() };
    Runtime::new(Arc::new(MemoryStore::default()), invoker, options)
}

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
const SLOW: &str = "arn:aws:lambda:us-east-1:123456789012:function:slow";

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_execution_runs_tasks_and_parallel_branches_and_stores_nothing() {
    let invoker = Arc::new(Counting::default());
    let runtime = runtime(invoker.clone());
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": true}}},
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "End": true}}}]}}});
    let m = machine("m", definition);
    let result = runtime.start_sync(&m, ExpressRequest::new("e".into(), r#"{"a":1}"#.into())).await.unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded, "{result:?}");
    let output: Value = serde_json::from_str(result.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!([{"ok": {"a": 1}}, {"a": 1}]));
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 1);
    assert!(result.execution_arn.starts_with("arn:aws:states:us-east-1:123456789012:express:m:e:"));
    let listed = runtime
        .store()
        .list_executions(ExecutionQuery {
            state_machine_arn: None,
            status: None,
            redriven: None,
            page: PageRequest { cursor: None, limit: 100 },
        })
        .await
        .unwrap();
    assert!(listed.items.is_empty(), "an express execution was stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_express_execution_is_cut_at_its_maximum_duration() {
    let runtime = runtime(Arc::default());
    let waits = machine("w", json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}}));
    let mut request = ExpressRequest::new("e".into(), "{}".into());
    request.max_duration = Duration::from_millis(300);
    let started = Instant::now();
    let result = runtime.start_sync(&waits, request.clone()).await.unwrap();
    assert_eq!(result.status, ExecutionStatus::TimedOut);
    assert_eq!(result.error.as_deref(), Some("States.Timeout"));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(result.stopped - result.started >= 300, "{result:?}");

    // A task still running at the deadline is cut too.
    let slow = machine("s", json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": SLOW, "End": true}}}));
    let result = runtime.start_sync(&slow, request).await.unwrap();
    assert_eq!(result.status, ExecutionStatus::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());

    // The default is AWS's 5 minutes.
    assert_eq!(ExpressRequest::new("e".into(), "{}".into()).max_duration, Duration::from_secs(300));
}

#[tokio::test(flavor = "multi_thread")]
async fn start_express_returns_at_once_and_runs_in_the_background() {
    let invoker = Arc::new(Counting::default());
    let runtime = runtime(invoker.clone());
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 1, "Next": "T"},
        "T": {"Type": "Task", "Resource": LAMBDA, "End": true}}});
    let m = machine("bg", definition);
    let started = Instant::now();
    let start = runtime.start_express(&m, ExpressRequest::new("e".into(), "{}".into())).unwrap();
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(start.execution_arn.contains(":express:bg:e:"));
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while invoker.calls.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the background execution never ran its task");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_an_error_not_a_run() {
    let runtime = runtime(Arc::default());
    let m = machine("p", json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}));
    let error = runtime.start_sync(&m, ExpressRequest::new("e".into(), "{".into())).await.unwrap_err();
    assert!(matches!(error, runtime::Error::Input(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_background_execution_ends_with_its_runtime() {
    let invoker = Arc::new(Counting::default());
    let runtime = runtime(invoker.clone());
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 2, "Next": "T"},
        "T": {"Type": "Task", "Resource": LAMBDA, "End": true}}});
    runtime.start_express(&machine("gone", definition), ExpressRequest::new("e".into(), "{}".into())).unwrap();
    drop(runtime);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 0, "the execution ran on after its runtime was dropped");
}
