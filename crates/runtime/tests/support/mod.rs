//! Helpers shared by the runtime's end-to-end tests: a recording invoker, stores (memory and
//! SQLite files), runtimes, state machines, and waiting for events and ends (with a replay check).
#![allow(dead_code)]

use runtime::{BoxFuture, Invoker, Options, Runtime, StartRequest, TaskCall, TaskResult};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{ExecutionStatus, HistoryEvent, HistoryQuery, Kind, PageRequest, StateMachine, Store};
use store_sqlite::SqliteStore;

pub const ACCOUNT_PREFIX: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:";

/// Records every call (with its token) and answers with `answer`.
pub struct Recorder {
    pub calls: Mutex<Vec<TaskCall>>,
    pub answer: TaskResult,
}

impl Recorder {
    pub fn new(answer: TaskResult) -> Arc<Recorder> {
        Arc::new(Recorder { calls: Mutex::new(Vec::new()), answer })
    }

    pub fn calls(&self) -> Vec<TaskCall> {
        self.calls.lock().unwrap().clone()
    }

    /// Waits for the `n`th call (1-based) and returns it.
    pub async fn nth_call(&self, n: usize) -> TaskCall {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(call) = self.calls().get(n - 1) {
                return call.clone();
            }
            assert!(Instant::now() < deadline, "no call {n}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Invoker for Recorder {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        self.calls.lock().unwrap().push(call);
        let answer = self.answer.clone();
        Box::pin(async move { answer })
    }
}

/// A short lease and quick polls, so that tests of recovery and signals are fast.
pub fn options(node: &str) -> Options {
    Options { node: node.into(), lease_ms: 600, claim_limit: 100, poll_ms: 50 }
}

/// A runtime on `store` with the test [`options`], its tasks given to `invoker`.
pub fn runtime<S: Store, I: Invoker + 'static>(store: &Arc<S>, invoker: &Arc<I>, node: &str) -> Runtime<S> {
    Runtime::new(Arc::clone(store), Arc::clone(invoker) as Arc<dyn Invoker>, options(node))
}

/// A SQLite store in a file of `dir` (open it again on the same `dir` to restart).
pub fn sqlite(dir: &tempfile::TempDir) -> Arc<SqliteStore> {
    let options = store_sqlite::Options { durability: store_sqlite::Durability::Normal, ..Default::default() };
    Arc::new(SqliteStore::open(dir.path().join("stepstone.db"), options).unwrap())
}

/// A state machine record named `name` of this kind, as the API would store it.
pub fn state_machine(name: &str, kind: Kind, definition: &Value) -> StateMachine {
    StateMachine {
        arn: format!("{ACCOUNT_PREFIX}{name}"),
        name: name.into(),
        kind,
        definition: definition.to_string(),
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        created: 0,
        revision_id: "1".into(),
        description: String::new(),
        configuration: String::new(),
        tags: Vec::new(),
    }
}

/// Stores a STANDARD state machine named `name`; returns its ARN.
pub async fn machine<S: Store>(store: &S, name: &str, definition: Value) -> String {
    let machine = state_machine(name, Kind::Standard, &definition);
    let arn = machine.arn.clone();
    store.create_state_machine(machine).await.unwrap();
    arn
}

pub async fn start<S: Store>(runtime: &Runtime<S>, machine: &str, name: &str, input: Value) -> String {
    let request = StartRequest { state_machine_arn: machine.into(), name: name.into(), input: input.to_string() };
    runtime.start(request).await.unwrap()
}

pub async fn history<S: Store>(store: &S, arn: &str) -> Vec<HistoryEvent> {
    let query = HistoryQuery { execution_arn: arn.into(), reverse: false, page: PageRequest::first(100_000) };
    store.history(query).await.unwrap().items
}

pub fn types(history: &[HistoryEvent]) -> Vec<&str> {
    history.iter().map(|e| e.event_type.as_str()).collect()
}

pub fn details(history: &[HistoryEvent], event_type: &str) -> Value {
    let event = history.iter().find(|e| e.event_type == event_type).unwrap_or_else(|| panic!("no {event_type}"));
    serde_json::from_str(&event.details_json).unwrap()
}

/// Waits until the execution is no longer RUNNING; returns its record.
pub async fn until_closed<S: Store>(store: &S, arn: &str) -> store::Execution {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let execution = store.execution(arn).await.unwrap().unwrap();
        if execution.status != ExecutionStatus::Running {
            return execution;
        }
        assert!(Instant::now() < deadline, "{arn} still running");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Checks that replaying the execution's fed events gives its stored `history`.
pub async fn check_replay<S: Store>(store: &S, execution: &store::Execution, history: &[HistoryEvent]) {
    let arn = &execution.arn;
    let fed = store.fed_events(arn).await.unwrap();
    let (_, replayed) = runtime::replay(execution, &fed).unwrap();
    let replayed = runtime::history_records(execution, &replayed);
    assert_eq!(replayed, history, "{arn}: replaying the fed events gives the stored history");
}

/// Checks that the history's ids are 1..n.
pub fn check_gapless(arn: &str, history: &[HistoryEvent]) {
    for (i, event) in history.iter().enumerate() {
        assert_eq!(event.id, i as u64 + 1, "{arn}: gapless ids");
    }
}

/// Waits for the execution to end; checks that the history replays from the fed events and
/// that its ids are gapless.
pub async fn finished<S: Store>(store: &S, arn: &str) -> (store::Execution, Vec<HistoryEvent>) {
    let execution = until_closed(store, arn).await;
    let history = history(store, arn).await;
    check_replay(store, &execution, &history).await;
    check_gapless(arn, &history);
    (execution, history)
}

/// Polls until the history has an event of this type.
pub async fn await_event<S: Store>(store: &S, arn: &str, event_type: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !history(store, arn).await.iter().any(|e| e.event_type == event_type) {
        assert!(Instant::now() < deadline, "{arn}: no {event_type}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn status<S: Store>(store: &S, arn: &str) -> ExecutionStatus {
    store.execution(arn).await.unwrap().unwrap().status
}
