//! Conformance: starting executions (idempotency, atomicity) and listing them.

use super::{machine, reload, start, started, step, task};
use crate::{Error, ExecutionQuery, ExecutionStatus, HistoryQuery, PageRequest, StatusChange, Store, Timer};

/// AWS: the same name and input while RUNNING returns the execution; a different input, or
/// a closed execution, is `ExecutionAlreadyExists`. An unknown machine is not found.
pub async fn start_is_idempotent<S: Store>(store: &S) {
    let m = machine("m");
    let missing = store.start_execution(start(&m, "e", "{}")).await.expect_err("no machine yet");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");

    store.create_state_machine(m.clone()).await.expect("create");
    let first = store.start_execution(start(&m, "e", r#"{"a":1}"#)).await.expect("start");
    assert!(first.created);
    assert_eq!((first.value.next_event_id, first.value.next_seq), (2, 1), "the first commit is applied");
    assert_eq!(first.value.status, ExecutionStatus::Running);

    let again = store.start_execution(start(&m, "e", r#"{"a":1}"#)).await.expect("idempotent start");
    assert_eq!((again.created, &again.value), (false, &first.value));
    let history = store.history(HistoryQuery {
        execution_arn: first.value.arn.clone(),
        reverse: false,
        page: PageRequest::first(10),
    });
    assert_eq!(history.await.expect("history").items.len(), 1, "an idempotent start writes nothing");

    let other = store.start_execution(start(&m, "e", r#"{"a":2}"#)).await.expect_err("another input");
    assert!(matches!(other, Error::AlreadyExists { .. }), "{other:?}");

    let mut close = step(&first.value, 1, 5);
    close.status = Some(StatusChange {
        status: ExecutionStatus::Succeeded,
        output: Some("{}".into()),
        error: None,
        cause: None,
        stopped: Some(5),
    });
    store.commit(close).await.expect("close");
    let closed = store.start_execution(start(&m, "e", r#"{"a":1}"#)).await.expect_err("the name of a closed execution");
    assert!(matches!(closed, Error::AlreadyExists { .. }), "{closed:?}");
}

/// A start whose first commit is bad leaves no trace.
pub async fn start_is_atomic<S: Store>(store: &S) {
    let m = machine("m");
    store.create_state_machine(m.clone()).await.expect("create");
    let mut bad_ids = start(&m, "a", "{}");
    bad_ids.commit.history[0].id = 2;
    let mut bad_timers = start(&m, "b", "{}");
    let timer = Timer { execution_arn: bad_timers.execution.arn.clone(), timer_id: 4, fire_at: 9 };
    bad_timers.commit.timers_added = vec![timer.clone(), timer];
    bad_timers.commit.tasks = vec![task(&bad_timers.execution.arn, 1, "r")];
    for bad in [bad_ids, bad_timers] {
        let arn = bad.execution.arn.clone();
        store.start_execution(bad).await.expect_err("a bad first commit");
        assert_eq!(store.execution(&arn).await.expect("get"), None, "no execution");
        assert_eq!(store.fed_events(&arn).await.expect("fed"), vec![], "no fed event");
        assert_eq!(store.pending_tasks(&arn).await.expect("tasks"), vec![], "no task");
        assert_eq!(store.timers(&arn).await.expect("timers"), vec![], "no timer");
        let history = HistoryQuery { execution_arn: arn, reverse: false, page: PageRequest::first(5) };
        assert!(matches!(store.history(history).await, Err(Error::NotFound { .. })));
    }
    let all = ExecutionQuery { state_machine_arn: None, status: None, redriven: None, page: PageRequest::first(10) };
    assert_eq!(store.list_executions(all).await.expect("list").items, vec![]);
    // The name is still free.
    assert!(store.start_execution(start(&m, "b", "{}")).await.expect("start").created);
}

/// Newest first, per machine or all, by status, in pages.
pub async fn executions_list_newest_first_with_filters<S: Store>(store: &S) {
    let (a, b) = (machine("a"), machine("b"));
    let on_a = started(store, &a, &["a1", "a2", "a3", "a4", "a5"]).await;
    started(store, &b, &["b1", "b2"]).await;
    for (i, execution) in on_a.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        let mut fail = step(execution, 1, 10);
        fail.status = Some(StatusChange {
            status: ExecutionStatus::Failed,
            output: None,
            error: Some("E".into()),
            cause: Some(format!("cause {i}")),
            stopped: Some(10),
        });
        store.commit(fail).await.expect("fail");
    }
    let names = |page: crate::Page<crate::Execution>| page.items.into_iter().map(|e| e.name).collect::<Vec<_>>();
    let query = |machine: Option<&str>, status, cursor, limit| ExecutionQuery {
        state_machine_arn: machine.map(str::to_string),
        status,
        redriven: None,
        page: PageRequest { cursor, limit },
    };
    let first = store.list_executions(query(Some(&a.arn), None, None, 2)).await.expect("list");
    let cursor = first.next.clone();
    assert!(cursor.is_some());
    assert_eq!(names(first), ["a5", "a4"]);
    let second = store.list_executions(query(Some(&a.arn), None, cursor, 2)).await.expect("list");
    let cursor = second.next.clone();
    assert_eq!(names(second), ["a3", "a2"]);
    let third = store.list_executions(query(Some(&a.arn), None, cursor, 2)).await.expect("list");
    assert_eq!(third.next, None);
    assert_eq!(names(third), ["a1"]);

    let running = store.list_executions(query(Some(&a.arn), Some(ExecutionStatus::Running), None, 10)).await;
    assert_eq!(names(running.expect("list")), ["a5", "a3", "a1"]);
    let failed = store.list_executions(query(None, Some(ExecutionStatus::Failed), None, 10)).await.expect("list");
    assert!(failed.items.iter().all(|e| e.error.as_deref() == Some("E") && e.stopped == Some(10)));
    assert_eq!(names(failed), ["a4", "a2"]);
    let all = store.list_executions(query(None, None, None, 10)).await.expect("list");
    assert_eq!(names(all), ["b2", "b1", "a5", "a4", "a3", "a2", "a1"]);
    let none = store.list_executions(query(Some(&b.arn), Some(ExecutionStatus::Aborted), None, 10)).await;
    assert_eq!(none.expect("list").items, vec![]);
    let stored = reload(store, &on_a[1].arn).await;
    assert_eq!((stored.status, stored.cause.as_deref()), (ExecutionStatus::Failed, Some("cause 1")));
}

/// The parent an execution was started by is kept as given at the start, and read back by
/// every read (one, listed, after commits, after an idempotent start); `None` stays `None`.
pub async fn parent_is_kept_from_the_start<S: Store>(store: &S) {
    let (parents, children) = (machine("parents"), machine("children"));
    let parent = started(store, &parents, &["p"]).await.remove(0);
    store.create_state_machine(children.clone()).await.expect("create");
    let input = format!(r#"{{"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID":"{}"}}"#, parent.arn);
    let mut nested = start(&children, "c", &input);
    nested.execution.parent_arn = Some(parent.arn.clone());
    let child = store.start_execution(nested.clone()).await.expect("start the child").value;
    assert_eq!(child.parent_arn.as_deref(), Some(parent.arn.as_str()));
    let orphan = store.start_execution(start(&children, "o", "{}")).await.expect("start").value;
    assert_eq!(orphan.parent_arn, None);

    assert_eq!(reload(store, &parent.arn).await.parent_arn, None);
    assert_eq!(reload(store, &child.arn).await, child);
    let again = store.start_execution(nested).await.expect("idempotent start");
    assert_eq!((again.created, again.value.parent_arn.as_deref()), (false, Some(parent.arn.as_str())));

    let mut close = step(&child, 2, 7);
    close.status = Some(StatusChange {
        status: ExecutionStatus::Succeeded,
        output: Some("{}".into()),
        error: None,
        cause: None,
        stopped: Some(7),
    });
    store.commit(close).await.expect("close");
    let closed = reload(store, &child.arn).await;
    assert_eq!((closed.status, closed.parent_arn.as_deref()), (ExecutionStatus::Succeeded, Some(parent.arn.as_str())));

    let query = ExecutionQuery {
        state_machine_arn: Some(children.arn.clone()),
        status: None,
        redriven: None,
        page: PageRequest::first(10),
    };
    let listed = store.list_executions(query).await.expect("list").items;
    let parents_of: Vec<_> = listed.iter().map(|e| (e.name.as_str(), e.parent_arn.as_deref())).collect();
    assert_eq!(parents_of, [("o", None), ("c", Some(parent.arn.as_str()))]);
}
