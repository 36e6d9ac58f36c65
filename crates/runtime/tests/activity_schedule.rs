//! An activity Task whose activity does not exist: the runtime tells the engine, which writes
//! `ActivityScheduleFailed` and fails the state, instead of leaving the task SCHEDULED for
//! ever; on `MemoryStore` and on SQLite, with a replay check.

mod support;

use serde_json::json;
use std::sync::Arc;
use store::{ExecutionStatus, MemoryStore, Store};
use support::*;

const MISSING: &str = "arn:aws:states:us-east-1:123456789012:activity:nobody";

async fn a_missing_activity_fails_the_task<S: Store>(store: Arc<S>) {
    let definition = json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": MISSING, "Next": "After"},
        "After": {"Type": "Pass", "End": true}}});
    let machine = machine(&*store, "waits", definition).await;
    let rt = runtime(&store, &Recorder::new(Ok(expr::json!(null))), "a");
    let exec = start(&rt, &machine, "e1", json!({})).await;
    let (execution, history) = finished(&*store, &exec).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    let cause = format!("Activity Does Not Exist: '{MISSING}'");
    assert_eq!((execution.error.as_deref(), execution.cause.as_deref()), (Some("States.Runtime"), Some(&cause[..])));
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityScheduleFailed", "ExecutionFailed"]
    );
    assert_eq!(details(&history, "ActivityScheduleFailed"), json!({"error": "States.Runtime", "cause": cause}));
    // The task is gone: no worker can take it.
    let pending = store.pending_tasks(&exec).await.unwrap();
    assert!(pending.is_empty(), "the failed task is still pending: {pending:?}");
}

#[tokio::test]
async fn a_missing_activity_fails_the_task_on_memory() {
    a_missing_activity_fails_the_task(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn a_missing_activity_fails_the_task_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_missing_activity_fails_the_task(sqlite(&dir)).await;
}
