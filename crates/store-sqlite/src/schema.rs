//! The schema, as a list of migrations applied in order and counted in `user_version`.

use crate::Error;
use rusqlite::Connection;

/// Each entry moves the schema one version up. Never edit an entry once released: add one.
const MIGRATIONS: &[&str] = &[
    // 1: state machines, activities, executions and what each execution owns. Child tables
    // name their execution by its integer `seq`, which also orders lists and cursors
    // (AUTOINCREMENT: a seq is never reused, so cursors stay valid across deletions).
    r#"
    CREATE TABLE state_machines (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        created INTEGER NOT NULL,
        revision_id TEXT NOT NULL,
        description TEXT NOT NULL,
        configuration TEXT NOT NULL,
        tags TEXT NOT NULL
    );
    CREATE TABLE activities (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created INTEGER NOT NULL,
        tags TEXT NOT NULL
    );
    CREATE TABLE executions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        state_machine_arn TEXT NOT NULL,
        started_through TEXT,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        input TEXT NOT NULL,
        output TEXT,
        error TEXT,
        cause TEXT,
        started INTEGER NOT NULL,
        stopped INTEGER,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        seed INTEGER NOT NULL,
        next_event_id INTEGER NOT NULL,
        next_seq INTEGER NOT NULL,
        lease_node TEXT,
        lease_until INTEGER
    );
    CREATE INDEX executions_by_machine ON executions (state_machine_arn, seq);
    CREATE INDEX executions_running ON executions (seq) WHERE status = 'RUNNING';
    CREATE INDEX executions_by_lease ON executions (lease_node) WHERE lease_node IS NOT NULL;
    CREATE TABLE history (
        execution INTEGER NOT NULL,
        id INTEGER NOT NULL,
        previous_event_id INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        details TEXT NOT NULL,
        PRIMARY KEY (execution, id)
    ) WITHOUT ROWID;
    CREATE TABLE fed_events (
        execution INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        now INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (execution, seq)
    ) WITHOUT ROWID;
    CREATE TABLE timers (
        execution INTEGER NOT NULL,
        timer_id INTEGER NOT NULL,
        fire_at INTEGER NOT NULL,
        PRIMARY KEY (execution, timer_id)
    ) WITHOUT ROWID;
    CREATE INDEX timers_due ON timers (fire_at);
    CREATE TABLE tasks (
        execution INTEGER NOT NULL,
        task_id INTEGER NOT NULL,
        token TEXT NOT NULL UNIQUE,
        state_name TEXT NOT NULL,
        resource TEXT NOT NULL,
        input TEXT NOT NULL,
        timeout_at INTEGER,
        heartbeat_at INTEGER,
        state TEXT NOT NULL,
        worker TEXT,
        PRIMARY KEY (execution, task_id)
    );
    CREATE INDEX tasks_scheduled ON tasks (resource, execution, task_id) WHERE state = 'SCHEDULED';
    "#,
    // 2: each execution's task-token secret (32 hex digits; "" before this version), and the
    // inbox of external signals waiting for an execution's driver.
    r#"
    ALTER TABLE executions ADD COLUMN task_secret TEXT NOT NULL DEFAULT '';
    CREATE TABLE signals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        execution INTEGER NOT NULL,
        event TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE INDEX signals_by_execution ON signals (execution, id);
    "#,
    // 3: versions, aliases (see versions.rs).
    crate::versions::SCHEMA,
    // 4: redrive counts and dates (see redrive.rs).
    crate::redrive::SCHEMA,
    // 5: the execution that started each execution, as its input named it
    // (`AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`); NULL for the others and for every row
    // written before this version.
    r#"
    ALTER TABLE executions ADD COLUMN parent_arn TEXT;
    "#,
];

/// The schema version this build writes.
pub const VERSION: usize = MIGRATIONS.len();

/// Brings the database up to [`VERSION`], one transaction per migration.
pub fn migrate(conn: &mut Connection) -> Result<(), Error> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > VERSION {
        return Err(Error::TooNew { found: current, known: VERSION });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
    }
    Ok(())
}
