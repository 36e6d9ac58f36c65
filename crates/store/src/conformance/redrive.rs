//! Redrive (`RedriveExecution`): one commit reopens a closed execution, guarded as any other.

use super::{machine, reload, started, step, task};
use crate::{
    Commit, Error, ExecutionQuery, ExecutionStatus, HistoryQuery, Lease, PageRequest, Redrive, StatusChange, Store,
    Timer,
};

/// The commit that closes `execution` (as stored) with `status`.
fn close(execution: &crate::Execution, status: ExecutionStatus, now: i64) -> Commit {
    let mut commit = step(execution, 1, now);
    let output = (status == ExecutionStatus::Succeeded).then(|| "{}".to_string());
    let error = (status != ExecutionStatus::Succeeded).then(|| "E".to_string());
    commit.status = Some(StatusChange { status, output, error, cause: Some("c".into()), stopped: Some(now) });
    commit
}

/// The redrive commit of `execution` (as stored) by `node`.
fn redrive(execution: &crate::Execution, node: &str, now: i64) -> Commit {
    let mut commit = step(execution, 2, now);
    commit.node = Some(node.to_string());
    commit.redrive = Some(Redrive { date: now, lease: Some(Lease { node: node.to_string(), until: now + 1_000 }) });
    commit
}

/// A FAILED execution redriven: RUNNING again with its count, date and lease, its history
/// and fed events continued; then the node drives it on and it closes again.
pub async fn redrive_reopens_a_closed_execution<S: Store>(store: &S) {
    let m = machine("m");
    let e = started(store, &m, &["e"]).await.remove(0);
    store.commit(close(&e, ExecutionStatus::Failed, 50)).await.expect("fail");
    let failed = reload(store, &e.arn).await;
    assert_eq!(
        (failed.status, failed.stopped, failed.error.as_deref()),
        (ExecutionStatus::Failed, Some(50), Some("E"))
    );

    let mut commit = redrive(&failed, "n1", 100);
    commit.tasks.push(task(&e.arn, 4, "arn:aws:lambda:us-east-1:123456789012:function:f"));
    commit.timers_added.push(Timer { execution_arn: e.arn.clone(), timer_id: 5, fire_at: 200 });
    store.commit(commit).await.expect("redrive");
    let redriven = reload(store, &e.arn).await;
    assert_eq!(redriven.status, ExecutionStatus::Running);
    assert_eq!((redriven.stopped, &redriven.output, &redriven.error, &redriven.cause), (None, &None, &None, &None));
    assert_eq!((redriven.redrive_count, redriven.redrive_date), (1, Some(100)));
    assert_eq!(redriven.lease, Some(Lease { node: "n1".into(), until: 1_100 }));
    assert_eq!((redriven.next_event_id, redriven.next_seq), (failed.next_event_id + 2, failed.next_seq + 1));
    assert_eq!(store.pending_tasks(&e.arn).await.expect("tasks").len(), 1);
    assert_eq!(store.timers(&e.arn).await.expect("timers").len(), 1);
    let history = HistoryQuery { execution_arn: e.arn.clone(), reverse: false, page: PageRequest::first(100) };
    let ids: Vec<u64> = store.history(history).await.expect("history").items.iter().map(|h| h.id).collect();
    assert_eq!(ids, (1..redriven.next_event_id).collect::<Vec<_>>());
    assert_eq!(store.fed_events(&e.arn).await.expect("fed").len() as u64, redriven.next_seq);

    // The node holding the lease goes on and the execution ends again; the count stays.
    let mut on = step(&redriven, 1, 150);
    on.node = Some("n1".into());
    store.commit(on).await.expect("a commit after the redrive");
    let again = reload(store, &e.arn).await;
    store.commit(close(&again, ExecutionStatus::Succeeded, 160)).await.expect("succeed");
    let done = reload(store, &e.arn).await;
    assert_eq!((done.status, done.redrive_count, done.redrive_date), (ExecutionStatus::Succeeded, 1, Some(100)));
    assert_eq!((done.output.as_deref(), done.stopped, done.lease), (Some("{}"), Some(160), None));
}

/// A RUNNING or SUCCEEDED execution is not reopened, nor one whose history moved on since
/// the writer read it (two redrives racing: only one applies).
pub async fn redrive_is_refused_unless_closed_unsuccessfully<S: Store>(store: &S) {
    let m = machine("m");
    let mut es = started(store, &m, &["running", "succeeded", "aborted", "timed-out"]).await;
    let running = es.remove(0);
    let stored = reload(store, &running.arn).await;
    let refused = store.commit(redrive(&stored, "n1", 100)).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    assert_eq!(reload(store, &running.arn).await, stored, "nothing written");

    let succeeded = es.remove(0);
    store.commit(close(&succeeded, ExecutionStatus::Succeeded, 50)).await.expect("succeed");
    let stored = reload(store, &succeeded.arn).await;
    let refused = store.commit(redrive(&stored, "n1", 100)).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");
    assert_eq!(reload(store, &succeeded.arn).await, stored, "nothing written");

    for (execution, status) in es.into_iter().zip([ExecutionStatus::Aborted, ExecutionStatus::TimedOut]) {
        store.commit(close(&execution, status, 50)).await.expect("close");
        let stored = reload(store, &execution.arn).await;
        store.commit(redrive(&stored, "n1", 100)).await.expect("the first redrive");
        // A second one from the same closed state is stale (and the execution is RUNNING).
        let second = store.commit(redrive(&stored, "n2", 101)).await;
        assert!(matches!(second, Err(Error::Conflict { .. })), "{second:?}");
        let now = reload(store, &execution.arn).await;
        assert_eq!((now.redrive_count, now.lease.as_ref().map(|l| l.node.as_str())), (1, Some("n1")));
        // Closed again, a stale redrive (read before the first) still conflicts.
        store.commit(close(&now, status, 120)).await.expect("close again");
        let stale = store.commit(redrive(&stored, "n2", 130)).await;
        assert!(matches!(stale, Err(Error::Conflict { .. })), "{stale:?}");
        let closed = reload(store, &execution.arn).await;
        store.commit(redrive(&closed, "n2", 140)).await.expect("the second redrive");
        let twice = reload(store, &execution.arn).await;
        assert_eq!((twice.redrive_count, twice.redrive_date), (2, Some(140)));
    }
}

/// `redriveFilter`: REDRIVEN lists the executions redriven at least once.
pub async fn executions_list_by_redrive_filter<S: Store>(store: &S) {
    let m = machine("m");
    let es = started(store, &m, &["a", "b", "c"]).await;
    for e in &es[..2] {
        store.commit(close(e, ExecutionStatus::Failed, 50)).await.expect("fail");
    }
    let b = reload(store, &es[1].arn).await;
    store.commit(redrive(&b, "n1", 100)).await.expect("redrive");
    let list = |redriven| async move {
        let query = ExecutionQuery { state_machine_arn: None, status: None, redriven, page: PageRequest::first(10) };
        let page = store.list_executions(query).await.expect("list");
        page.items.into_iter().map(|e| e.name).collect::<Vec<_>>()
    };
    assert_eq!(list(Some(true)).await, ["b"]);
    assert_eq!(list(Some(false)).await, ["c", "a"]);
    assert_eq!(list(None).await, ["c", "b", "a"]);
    let query = ExecutionQuery {
        state_machine_arn: Some(m.arn.clone()),
        status: Some(ExecutionStatus::Running),
        redriven: Some(true),
        page: PageRequest::first(10),
    };
    let page = store.list_executions(query).await.expect("list");
    assert_eq!(page.items.iter().map(|e| (e.name.as_str(), e.redrive_count)).collect::<Vec<_>>(), [("b", 1)]);
}
