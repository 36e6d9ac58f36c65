//! What only a file can show: data survives closing and reopening, and the schema version
//! is checked on open.

use store::conformance::{machine, reload, start, started, step, task};
use store::{HistoryQuery, PageRequest, Store, Timer, TimerQuery};
use store_sqlite::{Durability, Error, Options, SqliteStore, SCHEMA_VERSION};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("durable.db");
    let m = machine("m");
    let (arn, history, fed, before) = {
        let store =
            SqliteStore::open(&path, Options { durability: Durability::Normal, ..Options::default() }).expect("open");
        let e = started(&store, &m, &["e"]).await.remove(0);
        let mut commit = step(&e, 3, 10);
        commit.timers_added = vec![Timer { execution_arn: e.arn.clone(), timer_id: 1, fire_at: 99 }];
        commit.tasks = vec![task(&e.arn, 1, "arn:aws:lambda:f")];
        store.commit(commit).await.expect("commit");
        store.claim("node", 0, 1_000, 10).await.expect("claim");
        let query = HistoryQuery { execution_arn: e.arn.clone(), reverse: false, page: PageRequest::first(100) };
        let history = store.history(query).await.expect("history").items;
        let fed = store.fed_events(&e.arn).await.expect("fed");
        let before = reload(&store, &e.arn).await;
        (e.arn, history, fed, before)
    };
    let store = SqliteStore::open(&path, Options::default()).expect("reopen");
    assert_eq!(store.state_machine(&m.arn).await.expect("get"), Some(m));
    let after = reload(&store, &arn).await;
    assert_eq!(after, before, "the execution, its guard and its lease");
    assert_eq!(after.seed, u64::MAX - 7, "a seed above i64::MAX round-trips");
    let query = HistoryQuery { execution_arn: arn.clone(), reverse: false, page: PageRequest::first(100) };
    assert_eq!(store.history(query).await.expect("history").items, history);
    assert_eq!(history.len(), 4);
    assert_eq!(store.fed_events(&arn).await.expect("fed"), fed);
    let due = store.due_timers(TimerQuery { now: 100, node: Some("node".into()), limit: 10 }).await.expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(store.pending_tasks(&arn).await.expect("tasks"), vec![task(&arn, 1, "arn:aws:lambda:f")]);
    let mut next = step(&after, 1, 20);
    next.node = Some("node".into());
    store.commit(next).await.expect("the execution goes on after a reopen");
}

#[test]
fn the_schema_version_is_recorded_and_checked() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("version.db");
    drop(SqliteStore::open(&path, Options::default()).expect("open"));
    drop(SqliteStore::open(&path, Options::default()).expect("open again: migrations are not rerun"));
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).expect("user_version");
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).expect("journal_mode");
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("bump the version");
    drop(conn);
    match SqliteStore::open(&path, Options::default()) {
        Err(Error::TooNew { found, known }) => assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION)),
        Err(other) => panic!("expected TooNew, got {other}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
}

/// A database written before redrive (schema 3) gets migration 4 on open: its executions
/// read as never redriven, and can be redriven.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_3_database_gains_redrive_columns() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("old.db");
    let m = machine("m");
    let arn = {
        let store = SqliteStore::open(&path, Options::default()).expect("open");
        let e = started(&store, &m, &["e"]).await.remove(0);
        let mut fail = step(&e, 1, 10);
        fail.status = Some(store::StatusChange {
            status: store::ExecutionStatus::Failed,
            output: None,
            error: Some("E".into()),
            cause: None,
            stopped: Some(10),
        });
        store.commit(fail).await.expect("fail");
        e.arn
    };
    // Back to schema 3, as an older build left it.
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    conn.execute_batch(
        "ALTER TABLE executions DROP COLUMN parent_arn; ALTER TABLE executions DROP COLUMN redrive_count; \
         ALTER TABLE executions DROP COLUMN redrive_date; PRAGMA user_version = 3;",
    )
    .expect("downgrade");
    drop(conn);
    assert_eq!(SCHEMA_VERSION, 5);
    let store = SqliteStore::open(&path, Options::default()).expect("migrate");
    let failed = reload(&store, &arn).await;
    assert_eq!((failed.status, failed.redrive_count, failed.redrive_date), (store::ExecutionStatus::Failed, 0, None));
    let mut redrive = step(&failed, 1, 20);
    redrive.redrive = Some(store::Redrive { date: 20, lease: None });
    store.commit(redrive).await.expect("redrive");
    let redriven = reload(&store, &arn).await;
    assert_eq!(
        (redriven.status, redriven.redrive_count, redriven.redrive_date),
        (store::ExecutionStatus::Running, 1, Some(20))
    );
}

/// A database written before parents were recorded (schema 4) gets migration 5 on open: its
/// executions read with no parent, go on, and new ones keep theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_4_database_gains_the_parent_column() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("old.db");
    let (m, children) = (machine("m"), machine("children"));
    let old = {
        let store = SqliteStore::open(&path, Options::default()).expect("open");
        started(&store, &m, &["e"]).await.remove(0)
    };
    // Back to schema 4, as an older build left it.
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    conn.execute_batch("ALTER TABLE executions DROP COLUMN parent_arn; PRAGMA user_version = 4;").expect("downgrade");
    drop(conn);
    assert_eq!(SCHEMA_VERSION, 5);
    let store = SqliteStore::open(&path, Options::default()).expect("migrate");
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).expect("user_version");
    assert_eq!(version, 5);
    drop(conn);
    let migrated = reload(&store, &old.arn).await;
    assert_eq!(migrated, old, "the old row reads as before, with no parent");
    assert_eq!(migrated.parent_arn, None);
    store.commit(step(&migrated, 1, 20)).await.expect("the old execution goes on");

    store.create_state_machine(children.clone()).await.expect("create");
    let mut nested = start(&children, "c", "{}");
    nested.execution.parent_arn = Some(old.arn.clone());
    let child = store.start_execution(nested).await.expect("start a child").value;
    assert_eq!(reload(&store, &child.arn).await.parent_arn, Some(old.arn));
}
