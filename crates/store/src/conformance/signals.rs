//! Conformance: the inbox of external signals (add, list, consume with a commit exactly
//! once, dropped at the close, polled by lease holder, and taken with an activity task).

use super::{machine, reload, started, step, task};
use crate::{Error, ExecutionStatus, StatusChange, Store, TaskState};

/// Signals are durable once added, listed oldest first per execution, and consumed exactly
/// once: by a commit that also feeds their event; a second consumption conflicts and writes
/// nothing. Unknown and closed executions refuse signals.
pub async fn signals_are_consumed_exactly_once<S: Store>(store: &S) {
    let executions = started(store, &machine("m"), &["a", "b"]).await;
    let (a, b) = (&executions[0], &executions[1]);
    let s1 = store.add_signal(&a.arn, r#"{"Stopped":{}}"#.into(), 10).await.expect("add");
    let s2 = store.add_signal(&b.arn, r#"{"TaskHeartbeat":{"task":1}}"#.into(), 11).await.expect("add");
    let s3 = store.add_signal(&a.arn, r#"{"TaskHeartbeat":{"task":2}}"#.into(), 12).await.expect("add");
    assert!(s1.id < s2.id && s2.id < s3.id, "ids grow: {s1:?} {s2:?} {s3:?}");
    assert_eq!((s1.execution_arn.as_str(), s1.created), (a.arn.as_str(), 10));
    assert_eq!(store.signals(&a.arn).await.expect("list"), vec![s1.clone(), s3.clone()]);
    assert_eq!(store.signals(&b.arn).await.expect("list"), vec![s2.clone()]);

    // Consuming another execution's signal conflicts and writes nothing.
    let mut wrong = step(a, 1, 20);
    wrong.signals_consumed = vec![s2.id];
    let err = store.commit(wrong).await.expect_err("not a's signal");
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert_eq!(reload(store, &a.arn).await, *a, "nothing written");
    assert_eq!(store.signals(&b.arn).await.expect("list"), vec![s2.clone()]);

    let mut consume = step(a, 1, 20);
    consume.signals_consumed = vec![s1.id];
    store.commit(consume).await.expect("consume s1");
    assert_eq!(store.signals(&a.arn).await.expect("list"), vec![s3.clone()]);
    let a1 = reload(store, &a.arn).await;
    assert_eq!(a1.next_seq, a.next_seq + 1, "the fed event is written with the consumption");

    let mut again = step(&a1, 1, 21);
    again.signals_consumed = vec![s1.id];
    let err = store.commit(again).await.expect_err("s1 is gone");
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert_eq!(reload(store, &a.arn).await, a1, "nothing written");

    let err = store.add_signal("arn:aws:states:us-east-1:123456789012:execution:m:nope", "{}".into(), 1).await;
    assert!(matches!(err, Err(Error::NotFound { .. })), "{err:?}");

    // A close drops what is left, and a closed execution takes no signal.
    let mut close = step(&a1, 1, 30);
    close.status = Some(StatusChange {
        status: ExecutionStatus::Succeeded,
        output: Some("{}".into()),
        error: None,
        cause: None,
        stopped: Some(30),
    });
    store.commit(close).await.expect("close a");
    assert_eq!(store.signals(&a.arn).await.expect("list"), vec![]);
    let err = store.add_signal(&a.arn, "{}".into(), 31).await;
    assert!(matches!(err, Err(Error::Conflict { .. })), "{err:?}");
    assert_eq!(store.signals(&b.arn).await.expect("list"), vec![s2], "b's signal stays");
}

/// `signalled` lists the RUNNING executions leased to the node that have signals waiting.
pub async fn signalled_lists_held_executions_with_signals<S: Store>(store: &S) {
    let executions = started(store, &machine("m"), &["a", "b", "c"]).await;
    let arns: Vec<String> = executions.iter().map(|e| e.arn.clone()).collect();
    assert_eq!(store.claim("n1", 0, 1_000, 2).await.expect("claim"), arns[..2]);
    assert_eq!(store.claim("n2", 0, 1_000, 1).await.expect("claim"), arns[2..]);
    assert_eq!(store.signalled("n1").await.expect("signalled"), Vec::<String>::new());
    store.add_signal(&arns[1], "{}".into(), 1).await.expect("add");
    store.add_signal(&arns[2], "{}".into(), 2).await.expect("add");
    store.add_signal(&arns[1], "{}".into(), 3).await.expect("add");
    assert_eq!(store.signalled("n1").await.expect("signalled"), vec![arns[1].clone()]);
    assert_eq!(store.signalled("n2").await.expect("signalled"), vec![arns[2].clone()]);
    assert_eq!(store.signalled("n3").await.expect("signalled"), Vec::<String>::new());
}

/// Taking an activity task marks it STARTED with the worker and queues the signal made
/// from it, in one write; nothing is queued when no task waits.
pub async fn take_activity_task_queues_its_signal<S: Store>(store: &S) {
    let activity = "arn:aws:states:us-east-1:123456789012:activity:act";
    let executions = started(store, &machine("m"), &["a"]).await;
    let a = &executions[0];
    let none = store.take_activity_task(activity, "w", 5, Box::new(|_| unreachable!())).await.expect("take");
    assert_eq!(none, None);
    let mut schedule = step(a, 1, 10);
    schedule.tasks = vec![task(&a.arn, 4, activity), task(&a.arn, 5, "arn:aws:states:::lambda:invoke")];
    store.commit(schedule).await.expect("schedule");
    let started_json = |t: &crate::TaskRecord| format!(r#"{{"TaskStarted":{{"task":{}}}}}"#, t.task_id);
    let taken = store.take_activity_task(activity, "worker-1", 20, Box::new(started_json)).await.expect("take");
    let (record, signal) = taken.expect("a task waits");
    assert_eq!((record.task_id, record.state, record.worker.as_deref()), (4, TaskState::Started, Some("worker-1")));
    assert_eq!(signal.event_json, r#"{"TaskStarted":{"task":4}}"#);
    assert_eq!((signal.execution_arn.as_str(), signal.created), (a.arn.as_str(), 20));
    assert_eq!(store.signals(&a.arn).await.expect("list"), vec![signal]);
    let by_token = store.task_by_token(&record.token).await.expect("read").expect("exists");
    assert_eq!(by_token, record);
    let again = store.take_activity_task(activity, "worker-2", 21, Box::new(started_json)).await.expect("take");
    assert_eq!(again, None, "the only activity task is taken");
    assert_eq!(store.signals(&a.arn).await.expect("list").len(), 1);
}
