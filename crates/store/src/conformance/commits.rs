//! Conformance: commits (what they write, conflicts, atomicity), history paging, replay,
//! timers and tasks.

use super::{machine, reload, started, step, task};
use crate::{
    Error, ExecutionStatus, HistoryEvent, HistoryQuery, Page, PageRequest, StatusChange, Store, TaskState, Timer,
    TimerQuery,
};

fn timer(arn: &str, timer_id: u64, fire_at: i64) -> Timer {
    Timer { execution_arn: arn.to_string(), timer_id, fire_at }
}

async fn all_history<S: Store>(store: &S, arn: &str) -> Vec<HistoryEvent> {
    let query = HistoryQuery { execution_arn: arn.to_string(), reverse: false, page: PageRequest::first(100_000) };
    store.history(query).await.expect("history").items
}

/// A commit writes its fed events, history, timers and tasks, and moves the guard; a
/// terminal status closes the execution to further commits.
pub async fn commit_writes_everything<S: Store>(store: &S) {
    let m = machine("m");
    let e = started(store, &m, &["e"]).await.remove(0);
    let mut commit = step(&e, 3, 50);
    commit.timers_added = vec![timer(&e.arn, 7, 900), timer(&e.arn, 3, 800)];
    commit.tasks = vec![task(&e.arn, 1, "arn:aws:lambda:f"), task(&e.arn, 2, "arn:aws:lambda:g")];
    let expected_history: Vec<HistoryEvent> =
        [super::event(&e.arn, 1, e.started)].into_iter().chain(commit.history.iter().cloned()).collect();
    store.commit(commit).await.expect("commit");

    let now = reload(store, &e.arn).await;
    assert_eq!((now.next_event_id, now.next_seq, now.status), (5, 2, ExecutionStatus::Running));
    assert_eq!(all_history(store, &e.arn).await, expected_history);
    let timers = store.timers(&e.arn).await.expect("timers");
    assert_eq!(timers, vec![timer(&e.arn, 3, 800), timer(&e.arn, 7, 900)], "by id");
    let pending = store.pending_tasks(&e.arn).await.expect("tasks");
    assert_eq!(pending, vec![task(&e.arn, 1, "arn:aws:lambda:f"), task(&e.arn, 2, "arn:aws:lambda:g")]);

    let mut next = step(&now, 2, 60);
    next.timers_removed = vec![3, 99];
    next.tasks_finished = vec![1, 42];
    next.status = Some(StatusChange {
        status: ExecutionStatus::Succeeded,
        output: Some(r#"{"done":true}"#.into()),
        error: None,
        cause: None,
        stopped: Some(60),
    });
    store.commit(next).await.expect("closing commit");
    let closed = reload(store, &e.arn).await;
    assert_eq!(closed.status, ExecutionStatus::Succeeded);
    assert_eq!((closed.output.as_deref(), closed.stopped), (Some(r#"{"done":true}"#), Some(60)));
    assert_eq!((closed.next_event_id, closed.next_seq), (7, 3));
    assert_eq!(store.timers(&e.arn).await.expect("timers"), vec![timer(&e.arn, 7, 900)]);
    let pending: Vec<u64> = store.pending_tasks(&e.arn).await.expect("tasks").iter().map(|t| t.task_id).collect();
    assert_eq!(pending, [2]);

    let late = store.commit(step(&closed, 1, 70)).await.expect_err("a commit after the close");
    assert!(matches!(late, Error::Conflict { .. }), "{late:?}");
    let unknown = step(&closed, 1, 70);
    let mut unknown = unknown;
    unknown.execution_arn.push('x');
    for event in &mut unknown.history {
        event.execution_arn.push('x');
    }
    for event in &mut unknown.fed {
        event.execution_arn.push('x');
    }
    assert!(matches!(store.commit(unknown).await, Err(Error::NotFound { .. })));
}

/// Two writers from the same view: the first wins, the second gets `Conflict` and writes
/// nothing. A stale fed sequence is a conflict too.
pub async fn stale_commit_conflicts_and_writes_nothing<S: Store>(store: &S) {
    let e = started(store, &machine("m"), &["e"]).await.remove(0);
    let mut winner = step(&e, 2, 10);
    winner.timers_added = vec![timer(&e.arn, 1, 100)];
    let mut loser = step(&e, 1, 11);
    loser.timers_added = vec![timer(&e.arn, 2, 100)];
    loser.tasks = vec![task(&e.arn, 5, "r")];
    store.commit(winner).await.expect("the first writer");
    let err = store.commit(loser).await.expect_err("the stale writer");
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");

    let now = reload(store, &e.arn).await;
    assert_eq!((now.next_event_id, now.next_seq), (4, 2));
    assert_eq!(all_history(store, &e.arn).await.len(), 3);
    assert_eq!(store.fed_events(&e.arn).await.expect("fed").len(), 2);
    assert_eq!(store.timers(&e.arn).await.expect("timers"), vec![timer(&e.arn, 1, 100)]);
    assert_eq!(store.pending_tasks(&e.arn).await.expect("tasks"), vec![]);

    // Same event id (the event recorded no history) but a stale fed sequence.
    let mut stale_fed = step(&now, 0, 12);
    stale_fed.fed[0].seq = 1;
    let err = store.commit(stale_fed).await.expect_err("a stale fed sequence");
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    store.commit(step(&now, 0, 12)).await.expect("a commit with no history event");
    assert_eq!(reload(store, &e.arn).await.next_seq, 3);
}

/// A commit that fails on any part writes no part: here a duplicate timer, and a task
/// token another execution holds, both checked after history and fed events.
pub async fn failed_commit_leaves_nothing<S: Store>(store: &S) {
    let executions = started(store, &machine("m"), &["e", "f"]).await;
    let (e, f) = (&executions[0], &executions[1]);
    let mut holder = step(f, 1, 5);
    holder.tasks = vec![task(&f.arn, 1, "r")];
    store.commit(holder).await.expect("f holds a token");
    let mut first = step(e, 1, 6);
    first.timers_added = vec![timer(&e.arn, 1, 50)];
    store.commit(first).await.expect("e has timer 1");
    let before = reload(store, &e.arn).await;

    let mut duplicate_timer = step(&before, 4, 7);
    duplicate_timer.timers_added = vec![timer(&e.arn, 2, 60), timer(&e.arn, 1, 70)];
    duplicate_timer.tasks = vec![task(&e.arn, 9, "r")];
    duplicate_timer.timers_removed = vec![1];
    let mut foreign_token = step(&before, 2, 8);
    let mut stolen = task(&e.arn, 3, "r");
    stolen.token = task(&f.arn, 1, "r").token;
    foreign_token.tasks = vec![task(&e.arn, 2, "r"), stolen];
    foreign_token.timers_added = vec![timer(&e.arn, 5, 60)];
    foreign_token.status = Some(StatusChange {
        status: ExecutionStatus::Aborted,
        output: None,
        error: None,
        cause: None,
        stopped: Some(8),
    });
    for bad in [duplicate_timer, foreign_token] {
        store.commit(bad).await.expect_err("a failing commit");
        assert_eq!(reload(store, &e.arn).await, before, "the execution is unchanged");
        assert_eq!(all_history(store, &e.arn).await.len(), 2);
        assert_eq!(store.fed_events(&e.arn).await.expect("fed").len(), 2);
        assert_eq!(store.timers(&e.arn).await.expect("timers"), vec![timer(&e.arn, 1, 50)]);
        assert_eq!(store.pending_tasks(&e.arn).await.expect("tasks"), vec![]);
        let owner = store.task_by_token(&task(&f.arn, 1, "r").token).await.expect("by token");
        assert_eq!(owner.map(|t| t.execution_arn), Some(f.arn.clone()));
    }
    store.commit(step(&before, 1, 9)).await.expect("the execution goes on");
}

fn ids(page: &Page<HistoryEvent>) -> Vec<u64> {
    page.items.iter().map(|e| e.id).collect()
}

/// History pages both ways, each page continuing from the previous one's last id.
pub async fn history_pages_both_ways<S: Store>(store: &S) {
    let e = started(store, &machine("m"), &["e"]).await.remove(0);
    store.commit(step(&e, 24, 20)).await.expect("commit");
    let query = |reverse, cursor, limit| HistoryQuery {
        execution_arn: e.arn.clone(),
        reverse,
        page: PageRequest { cursor, limit },
    };
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.history(query(false, cursor, 10)).await.expect("history");
        pages.push(ids(&page));
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(pages, [(1..=10).collect::<Vec<u64>>(), (11..=20).collect(), (21..=25).collect()]);

    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.history(query(true, cursor, 10)).await.expect("history");
        pages.push(ids(&page));
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(pages, [(16..=25).rev().collect::<Vec<u64>>(), (6..=15).rev().collect(), (1..=5).rev().collect()]);

    let exact = store.history(query(false, None, 25)).await.expect("history");
    assert_eq!((exact.items.len(), exact.next), (25, None));
    let one = store.history(query(true, None, 1)).await.expect("history");
    assert_eq!(one.items, vec![super::event(&e.arn, 25, 20)], "the newest event, whole");
    let mut missing = query(false, None, 5);
    missing.execution_arn.push('x');
    assert!(matches!(store.history(missing).await, Err(Error::NotFound { .. })));
}

/// Fed events come back in order, per execution, as written.
pub async fn fed_events_replay_in_order<S: Store>(store: &S) {
    let executions = started(store, &machine("m"), &["e", "f"]).await;
    for round in 0..4 {
        for execution in &executions {
            let now = reload(store, &execution.arn).await;
            store.commit(step(&now, round % 2, 100 + round as i64)).await.expect("commit");
        }
    }
    for execution in &executions {
        let fed = store.fed_events(&execution.arn).await.expect("fed");
        let seqs: Vec<u64> = fed.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [0, 1, 2, 3, 4]);
        assert!(fed.iter().all(|e| e.execution_arn == execution.arn));
        assert_eq!(fed[3].event_json, r#"{"Fed":3}"#);
        assert_eq!(fed[3].now, 102);
        assert_eq!(fed[0].now, execution.started);
    }
    assert_eq!(store.fed_events("arn:none").await.expect("fed"), vec![]);
}

/// Due timers: `fire_at <= now`, earliest first, of RUNNING executions, up to the limit,
/// optionally only those of one node's leases.
pub async fn timers_fall_due<S: Store>(store: &S) {
    let executions = started(store, &machine("m"), &["e", "f", "g"]).await;
    let (e, f, g) = (&executions[0], &executions[1], &executions[2]);
    let mut add = step(e, 1, 1);
    add.timers_added = vec![timer(&e.arn, 1, 300), timer(&e.arn, 2, 100), timer(&e.arn, 3, 250)];
    store.commit(add).await.expect("commit");
    let mut add = step(f, 1, 1);
    add.timers_added = vec![timer(&f.arn, 1, 200), timer(&f.arn, 2, 201)];
    store.commit(add).await.expect("commit");
    let mut closing = step(g, 1, 1);
    closing.timers_added = vec![timer(&g.arn, 1, 50)];
    closing.status = Some(StatusChange {
        status: ExecutionStatus::TimedOut,
        output: None,
        error: None,
        cause: None,
        stopped: Some(1),
    });
    store.commit(closing).await.expect("commit");

    let due = |now, limit| store.due_timers(TimerQuery { now, node: None, limit });
    assert_eq!(due(99, 10).await.expect("due"), vec![]);
    let at_200 = due(200, 10).await.expect("due");
    assert_eq!(at_200, vec![timer(&e.arn, 2, 100), timer(&f.arn, 1, 200)]);
    assert_eq!(due(1000, 3).await.expect("due").len(), 3);

    let now = reload(store, &f.arn).await;
    let mut fire = step(&now, 1, 200);
    fire.timers_removed = vec![1];
    store.commit(fire).await.expect("commit");
    let times: Vec<i64> = due(1000, 10).await.expect("due").iter().map(|t| t.fire_at).collect();
    assert_eq!(times, [100, 201, 250, 300]);

    store.claim("node-a", 0, 1_000, 1).await.expect("claim");
    let mine = store.due_timers(TimerQuery { now: 1000, node: Some("node-a".into()), limit: 10 }).await;
    let mine: Vec<(String, u64)> = mine.expect("due").into_iter().map(|t| (t.execution_arn, t.timer_id)).collect();
    assert_eq!(mine, [(e.arn.clone(), 2), (e.arn.clone(), 3), (e.arn.clone(), 1)]);
}

/// Pending tasks, lookup by token (finished tasks too), updates, activity tasks.
pub async fn tasks_pending_by_token_and_activity<S: Store>(store: &S) {
    let activity = "arn:aws:states:us-east-1:123456789012:activity:work";
    let executions = started(store, &machine("m"), &["e", "f"]).await;
    let (e, f) = (&executions[0], &executions[1]);
    let mut add = step(f, 1, 1);
    add.tasks = vec![task(&f.arn, 1, activity)];
    store.commit(add).await.expect("commit");
    let mut add = step(e, 1, 1);
    add.tasks = vec![task(&e.arn, 1, activity), task(&e.arn, 2, "arn:aws:lambda:x"), task(&e.arn, 3, activity)];
    store.commit(add).await.expect("commit");

    let e_now = reload(store, &e.arn).await;
    let mut update = step(&e_now, 1, 2);
    let mut beat = task(&e.arn, 2, "arn:aws:lambda:x");
    beat.heartbeat_at = Some(5_000);
    update.tasks = vec![beat.clone()];
    update.tasks_finished = vec![1];
    store.commit(update).await.expect("commit");

    let pending = store.pending_tasks(&e.arn).await.expect("tasks");
    assert_eq!(pending, vec![beat, task(&e.arn, 3, activity)]);
    let finished = store.task_by_token(&task(&e.arn, 1, activity).token).await.expect("by token");
    assert_eq!(finished.map(|t| (t.task_id, t.state)), Some((1, TaskState::Finished)));
    assert_eq!(store.task_by_token("no such token").await.expect("by token"), None);

    // Oldest first means by execution start (e before f), then task id: although f's task
    // was scheduled first, the worker gets e's task 3 (task 1 is finished), then f's task 1.
    let first = store.claim_activity_task(activity, "w1").await.expect("claim").expect("a task");
    assert_eq!((first.execution_arn.as_str(), first.task_id), (e.arn.as_str(), 3));
    assert_eq!((first.state, first.worker.as_deref()), (TaskState::Started, Some("w1")));
    let second = store.claim_activity_task(activity, "w2").await.expect("claim").expect("a task");
    assert_eq!((second.execution_arn.as_str(), second.task_id), (f.arn.as_str(), 1));
    assert_eq!(store.claim_activity_task(activity, "w3").await.expect("claim"), None);
    let stored = store.task_by_token(&first.token).await.expect("by token");
    assert_eq!(stored.and_then(|t| t.worker), Some("w1".to_string()));
    let started_tasks = store.pending_tasks(&f.arn).await.expect("tasks");
    assert_eq!(started_tasks.iter().map(|t| t.state).collect::<Vec<_>>(), [TaskState::Started]);
}
