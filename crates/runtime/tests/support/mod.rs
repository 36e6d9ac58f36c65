//! Helpers shared by the callback and nested-execution tests: a recording invoker, stores,
//! state machines, and waiting for events and ends (with a replay check).
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

pub fn options(node: &str) -> Options {
    Options { node: node.into(), lease_ms: 600, claim_limit: 100, poll_ms: 50 }
}

pub fn runtime<S: Store>(store: &Arc<S>, invoker: &Arc<Recorder>, node: &str) -> Runtime<S> {
    Runtime::new(Arc::clone(store), Arc::clone(invoker) as Arc<dyn Invoker>, options(node))
}

pub fn sqlite(dir: &tempfile::TempDir) -> Arc<SqliteStore> {
    let options = store_sqlite::Options { durability: store_sqlite::Durability::Normal, ..Default::default() };
    Arc::new(SqliteStore::open(dir.path().join("stepstone.db"), options).unwrap())
}

/// Stores a STANDARD state machine named `name`; returns its ARN.
pub async fn machine<S: Store>(store: &S, name: &str, definition: Value) -> String {
    let arn = format!("{ACCOUNT_PREFIX}{name}");
    let machine = StateMachine {
        arn: arn.clone(),
        name: name.into(),
        kind: Kind::Standard,
        definition: definition.to_string(),
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        created: 0,
        revision_id: "1".into(),
        description: String::new(),
        configuration: String::new(),
        tags: Vec::new(),
    };
    store.create_state_machine(machine).await.unwrap();
    arn
}

pub async fn start<S: Store>(runtime: &Runtime<S>, machine: &str, name: &str, input: Value) -> String {
    let request = StartRequest { state_machine_arn: machine.into(), name: name.into(), input: input.to_string() };
    runtime.start(request).await.unwrap()
}

pub async fn history<S: Store>(store: &S, arn: &str) -> Vec<HistoryEvent> {
    let query = HistoryQuery { execution_arn: arn.into(), reverse: false, page: PageRequest::first(1000) };
    store.history(query).await.unwrap().items
}

pub fn types(history: &[HistoryEvent]) -> Vec<&str> {
    history.iter().map(|e| e.event_type.as_str()).collect()
}

pub fn details(history: &[HistoryEvent], event_type: &str) -> Value {
    let event = history.iter().find(|e| e.event_type == event_type).unwrap_or_else(|| panic!("no {event_type}"));
    serde_json::from_str(&event.details_json).unwrap()
}

/// Waits for the execution to end; checks that the history replays from the fed events and
/// that its ids are gapless.
pub async fn finished<S: Store>(store: &S, arn: &str) -> (store::Execution, Vec<HistoryEvent>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let execution = loop {
        let execution = store.execution(arn).await.unwrap().unwrap();
        if execution.status != ExecutionStatus::Running {
            break execution;
        }
        assert!(Instant::now() < deadline, "{arn} still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let history = history(store, arn).await;
    let fed = store.fed_events(arn).await.unwrap();
    let (_, replayed) = runtime::replay(&execution, &fed).unwrap();
    let replayed: Vec<_> = replayed.iter().map(|e| runtime::history_record(arn, e)).collect();
    assert_eq!(replayed, history, "{arn}: replaying the fed events gives the stored history");
    for (i, event) in history.iter().enumerate() {
        assert_eq!(event.id, i as u64 + 1);
    }
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
