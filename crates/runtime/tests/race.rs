//! One driver per execution in a node, whatever the timing: a store that answers late (the
//! real `MemoryStore` or SQLite behind a delay, as a slow disk or network would) holds a
//! start, a redrive or a recovery between its store call and its driver while the lease loop
//! runs: the Task is still called once per run, and a stop accepted meanwhile reaches the
//! driver that then starts at once.

mod support;

use runtime::{BoxFuture, Invoker, Options, Runtime, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{
    Activity, Alias, Commit, Created, Execution, ExecutionQuery, ExecutionStatus, FedEvent, HistoryEvent, HistoryQuery,
    MemoryStore, Page, PageRequest, Signal, Start, StateMachine, Store, Tag, TaskRecord, Timer, TimerQuery, Version,
};
use support::{finished, machine, options, sqlite, start, types};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

/// A store whose answers to some calls come late: the call is made at once (its read or
/// write is done), then the answer waits. Every delay is 0 until a test sets it.
struct Late<S> {
    inner: Arc<S>,
    /// `start_execution`'s answer.
    start_ms: AtomicU64,
    /// The answer to a redrive's commit (`Commit::redrive`).
    redrive_ms: AtomicU64,
    /// `pending_tasks`'s answer (read only by a recovery).
    pending_ms: AtomicU64,
}

impl<S> Late<S> {
    fn new(inner: Arc<S>) -> Arc<Late<S>> {
        let zero = || AtomicU64::new(0);
        Arc::new(Late { inner, start_ms: zero(), redrive_ms: zero(), pending_ms: zero() })
    }
}

async fn late(ms: &AtomicU64) {
    tokio::time::sleep(Duration::from_millis(ms.load(Ordering::SeqCst))).await;
}

impl<S: Store> Store for Late<S> {
    async fn create_state_machine(&self, machine: StateMachine) -> store::Result<Created<StateMachine>> {
        self.inner.create_state_machine(machine).await
    }
    async fn state_machine(&self, arn: &str) -> store::Result<Option<StateMachine>> {
        self.inner.state_machine(arn).await
    }
    async fn list_state_machines(&self, page: PageRequest) -> store::Result<Page<StateMachine>> {
        self.inner.list_state_machines(page).await
    }
    async fn delete_state_machine(&self, arn: &str) -> store::Result<bool> {
        self.inner.delete_state_machine(arn).await
    }
    async fn update_state_machine(&self, machine: StateMachine) -> store::Result<bool> {
        self.inner.update_state_machine(machine).await
    }
    async fn publish_version(&self, version: Version) -> store::Result<Created<Version>> {
        self.inner.publish_version(version).await
    }
    async fn version(&self, arn: &str) -> store::Result<Option<Version>> {
        self.inner.version(arn).await
    }
    async fn list_versions(&self, state_machine_arn: &str, page: PageRequest) -> store::Result<Page<Version>> {
        self.inner.list_versions(state_machine_arn, page).await
    }
    async fn delete_version(&self, arn: &str) -> store::Result<bool> {
        self.inner.delete_version(arn).await
    }
    async fn create_alias(&self, alias: Alias) -> store::Result<Created<Alias>> {
        self.inner.create_alias(alias).await
    }
    async fn alias(&self, arn: &str) -> store::Result<Option<Alias>> {
        self.inner.alias(arn).await
    }
    async fn update_alias(&self, alias: Alias) -> store::Result<bool> {
        self.inner.update_alias(alias).await
    }
    async fn delete_alias(&self, arn: &str) -> store::Result<bool> {
        self.inner.delete_alias(arn).await
    }
    async fn list_aliases(&self, state_machine_arn: &str, page: PageRequest) -> store::Result<Page<Alias>> {
        self.inner.list_aliases(state_machine_arn, page).await
    }
    async fn set_tags(&self, arn: &str, tags: Vec<Tag>) -> store::Result<bool> {
        self.inner.set_tags(arn, tags).await
    }
    async fn create_activity(&self, activity: Activity) -> store::Result<Created<Activity>> {
        self.inner.create_activity(activity).await
    }
    async fn activity(&self, arn: &str) -> store::Result<Option<Activity>> {
        self.inner.activity(arn).await
    }
    async fn list_activities(&self, page: PageRequest) -> store::Result<Page<Activity>> {
        self.inner.list_activities(page).await
    }
    async fn delete_activity(&self, arn: &str) -> store::Result<bool> {
        self.inner.delete_activity(arn).await
    }
    async fn claim_activity_task(&self, activity_arn: &str, worker: &str) -> store::Result<Option<TaskRecord>> {
        self.inner.claim_activity_task(activity_arn, worker).await
    }
    async fn start_execution(&self, start: Start) -> store::Result<Created<Execution>> {
        let created = self.inner.start_execution(start).await;
        late(&self.start_ms).await;
        created
    }
    async fn execution(&self, arn: &str) -> store::Result<Option<Execution>> {
        self.inner.execution(arn).await
    }
    async fn list_executions(&self, query: ExecutionQuery) -> store::Result<Page<Execution>> {
        self.inner.list_executions(query).await
    }
    async fn commit(&self, commit: Commit) -> store::Result<()> {
        let redrive = commit.redrive.is_some();
        let done = self.inner.commit(commit).await;
        if redrive {
            late(&self.redrive_ms).await;
        }
        done
    }
    async fn history(&self, query: HistoryQuery) -> store::Result<Page<HistoryEvent>> {
        self.inner.history(query).await
    }
    async fn fed_events(&self, execution_arn: &str) -> store::Result<Vec<FedEvent>> {
        self.inner.fed_events(execution_arn).await
    }
    async fn due_timers(&self, query: TimerQuery) -> store::Result<Vec<Timer>> {
        self.inner.due_timers(query).await
    }
    async fn timers(&self, execution_arn: &str) -> store::Result<Vec<Timer>> {
        self.inner.timers(execution_arn).await
    }
    async fn pending_tasks(&self, execution_arn: &str) -> store::Result<Vec<TaskRecord>> {
        let tasks = self.inner.pending_tasks(execution_arn).await;
        late(&self.pending_ms).await;
        tasks
    }
    async fn task_by_token(&self, token: &str) -> store::Result<Option<TaskRecord>> {
        self.inner.task_by_token(token).await
    }
    async fn claim(&self, node: &str, now: i64, lease_ms: i64, limit: usize) -> store::Result<Vec<String>> {
        self.inner.claim(node, now, lease_ms, limit).await
    }
    async fn renew(&self, node: &str, now: i64, lease_ms: i64) -> store::Result<Vec<String>> {
        self.inner.renew(node, now, lease_ms).await
    }
    async fn release(&self, node: &str, execution_arns: &[String]) -> store::Result<()> {
        self.inner.release(node, execution_arns).await
    }
    async fn add_signal(&self, execution_arn: &str, event_json: String, now: i64) -> store::Result<Signal> {
        self.inner.add_signal(execution_arn, event_json, now).await
    }
    async fn signals(&self, execution_arn: &str) -> store::Result<Vec<Signal>> {
        self.inner.signals(execution_arn).await
    }
    async fn signalled(&self, node: &str) -> store::Result<Vec<String>> {
        self.inner.signalled(node).await
    }
    async fn take_activity_task(
        &self,
        activity_arn: &str,
        worker: &str,
        now: i64,
        started: Box<dyn FnOnce(&TaskRecord) -> String + Send>,
    ) -> store::Result<Option<(TaskRecord, Signal)>> {
        self.inner.take_activity_task(activity_arn, worker, now, started).await
    }
}

/// Counts its calls; fails the first `fail_first` of them (`Boom`), answers `{"ok": true}`
/// after that.
struct Counter {
    calls: Mutex<u64>,
    fail_first: u64,
}

impl Counter {
    fn new(fail_first: u64) -> Arc<Counter> {
        Arc::new(Counter { calls: Mutex::new(0), fail_first })
    }

    fn calls(&self) -> u64 {
        *self.calls.lock().unwrap()
    }
}

impl Invoker for Counter {
    fn invoke(&self, _call: TaskCall) -> BoxFuture<'_, TaskResult> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            *calls
        };
        let answer = if n <= self.fail_first {
            Err(("Boom".to_string(), format!("call {n}")))
        } else {
            Ok(expr::json::from_str(r#"{"ok": true}"#).unwrap())
        };
        Box::pin(async move { answer })
    }
}

/// A Pass state, then a Lambda Task.
fn task_machine() -> Value {
    json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"n": 1}, "Next": "Call"},
        "Call": {"Type": "Task", "Resource": LAMBDA, "End": true}}})
}

/// The test lease (600 ms) lets the lease loop run every 200 ms: a late answer of this long
/// spans at least two of its rounds.
const LATE_MS: u64 = 500;

/// A start whose store answers late: the lease loop sees the new execution held by its node
/// and not yet driven. It must leave it to the start, else a recovery reading the store
/// before the start's driver ran the Task (and answering late too) runs it a second time.
async fn a_late_start_is_not_recovered_meanwhile<S: Store>(inner: Arc<S>) {
    let store = Late::new(inner);
    let machine = machine(&*store, "late-start", task_machine()).await;
    let invoker = Counter::new(0);
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone() as Arc<dyn Invoker>, options("n1"));
    store.start_ms.store(LATE_MS, Ordering::SeqCst);
    store.pending_ms.store(2 * LATE_MS, Ordering::SeqCst);
    let arn = start(&runtime, &machine, "e", json!({})).await;
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(types(&history).iter().filter(|t| **t == "LambdaFunctionScheduled").count(), 1);
    // A recovery that read the store in time would act once its late read is answered.
    tokio::time::sleep(Duration::from_millis(3 * LATE_MS)).await;
    assert_eq!(invoker.calls(), 1, "the Task ran once");
    assert!(runtime.driving().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_start_is_not_recovered_meanwhile_in_memory() {
    a_late_start_is_not_recovered_meanwhile(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_start_is_not_recovered_meanwhile_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_late_start_is_not_recovered_meanwhile(sqlite(&dir)).await;
}

/// A redrive whose reopening commit is answered late: the lease loop sees the reopened
/// execution held by its node and not yet driven. It must leave it to the redrive, else
/// either the recovery or the redrive, whichever drives second, runs the Task again from
/// its older read.
async fn a_late_redrive_is_not_recovered_meanwhile<S: Store>(inner: Arc<S>) {
    let store = Late::new(inner);
    let machine = machine(&*store, "late-redrive", task_machine()).await;
    let invoker = Counter::new(1);
    let runtime = Runtime::new(Arc::clone(&store), invoker.clone() as Arc<dyn Invoker>, options("n1"));
    let arn = start(&runtime, &machine, "e", json!({})).await;
    let (failed, _) = finished(&*store, &arn).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    store.redrive_ms.store(LATE_MS, Ordering::SeqCst);
    store.pending_ms.store(LATE_MS, Ordering::SeqCst);
    runtime.redrive(&arn, None).await.unwrap();
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    let scheduled = types(&history).iter().filter(|t| **t == "LambdaFunctionScheduled").count();
    assert_eq!(scheduled, 2, "once per run");
    tokio::time::sleep(Duration::from_millis(3 * LATE_MS)).await;
    assert_eq!(invoker.calls(), 2, "the Task ran once per run");
    assert!(runtime.driving().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_redrive_is_not_recovered_meanwhile_in_memory() {
    a_late_redrive_is_not_recovered_meanwhile(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_redrive_is_not_recovered_meanwhile_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_late_redrive_is_not_recovered_meanwhile(sqlite(&dir)).await;
}

/// A stop accepted while a redrive's commit is answered late (the execution RUNNING, no
/// driver yet) reaches the driver the redrive then starts at once, not at a store poll.
async fn a_stop_during_a_late_redrive_is_heard<S: Store>(inner: Arc<S>) {
    let store = Late::new(inner);
    let definition = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": LAMBDA, "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let machine = machine(&*store, "late-stop", definition).await;
    let invoker = Counter::new(1);
    // Store polls so rare that only the in-process wake-up can deliver the stop in time.
    let slow_polls = Options { poll_ms: 60_000, ..options("n1") };
    let runtime = Arc::new(Runtime::new(Arc::clone(&store), invoker.clone() as Arc<dyn Invoker>, slow_polls));
    let arn = start(&runtime, &machine, "e", json!({})).await;
    finished(&*store, &arn).await;
    store.redrive_ms.store(LATE_MS, Ordering::SeqCst);
    let redrive = {
        let (runtime, arn) = (Arc::clone(&runtime), arn.clone());
        tokio::spawn(async move { runtime.redrive(&arn, None).await })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.execution(&arn).await.unwrap().unwrap().status != ExecutionStatus::Running {
        assert!(Instant::now() < deadline, "not reopened");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let begun = Instant::now();
    runtime.stop(&arn, Some("Manual".into()), None).await.unwrap();
    assert!(begun.elapsed() < Duration::from_secs(3), "stopped at once, not at a poll");
    redrive.await.unwrap().unwrap();
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Aborted);
    assert_eq!(types(&history).last(), Some(&"ExecutionAborted"));
    assert!(invoker.calls() <= 2, "the Task ran at most once per run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_a_late_redrive_is_heard_in_memory() {
    a_stop_during_a_late_redrive_is_heard(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_a_late_redrive_is_heard_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_stop_during_a_late_redrive_is_heard(sqlite(&dir)).await;
}

/// A stop accepted while a start's answer is late (the execution stored, its driver not yet
/// spawned) reaches that driver at once, not at a store poll: the wake-up is kept for it.
async fn a_stop_during_a_late_start_is_heard<S: Store>(inner: Arc<S>) {
    let store = Late::new(inner);
    let definition = json!({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let machine = machine(&*store, "late-start-stop", definition).await;
    let slow_polls = Options { poll_ms: 60_000, ..options("n1") };
    let runtime = Arc::new(Runtime::new(Arc::clone(&store), Counter::new(0) as Arc<dyn Invoker>, slow_polls));
    store.start_ms.store(LATE_MS, Ordering::SeqCst);
    let arn = format!("{}:e", machine.replacen(":stateMachine:", ":execution:", 1));
    let started = {
        let runtime = Arc::clone(&runtime);
        tokio::spawn(async move { start(&runtime, &machine, "e", json!({})).await })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.execution(&arn).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "not stored");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let begun = Instant::now();
    runtime.stop(&arn, None, None).await.unwrap();
    assert!(begun.elapsed() < Duration::from_secs(3), "stopped at once, not at a poll");
    assert_eq!(started.await.unwrap(), arn);
    let (execution, history) = finished(&*store, &arn).await;
    assert_eq!(execution.status, ExecutionStatus::Aborted);
    assert_eq!(types(&history), ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_a_late_start_is_heard_in_memory() {
    a_stop_during_a_late_start_is_heard(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_a_late_start_is_heard_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_stop_during_a_late_start_is_heard(sqlite(&dir)).await;
}
