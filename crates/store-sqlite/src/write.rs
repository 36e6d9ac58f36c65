//! Writes: each runs on the writer's connection inside its own savepoint, so an `Err` here
//! undoes whatever the write had done so far.

use crate::read::{self, backend, tags_text, Result};
use rusqlite::{params, Connection, OptionalExtension};
use store::{
    Activity, Commit, Created, Error, Execution, ExecutionStatus, Guard, Start, StateMachine, TaskRecord, TaskState,
};

pub fn create_machine(conn: &Connection, machine: StateMachine) -> Result<Created<StateMachine>> {
    if let Some(existing) = read::machine_by_arn(conn, &machine.arn)? {
        let same = existing.definition == machine.definition
            && existing.kind == machine.kind
            && existing.configuration == machine.configuration;
        return match same {
            true => Ok(Created { value: existing, created: false }),
            false => Err(Error::AlreadyExists { kind: "State Machine", key: machine.arn }),
        };
    }
    let sql = "INSERT INTO state_machines (arn, name, kind, definition, role_arn, created, revision_id, \
               description, configuration, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    let m = &machine;
    let args = params![
        m.arn,
        m.name,
        m.kind.name(),
        m.definition,
        m.role_arn,
        m.created,
        m.revision_id,
        m.description,
        m.configuration,
        tags_text(&m.tags)
    ];
    conn.prepare_cached(sql).and_then(|mut s| s.execute(args)).map_err(backend)?;
    Ok(Created { value: machine, created: true })
}

pub fn delete(conn: &Connection, table: &str, arn: &str) -> Result<bool> {
    let sql = format!("DELETE FROM {table} WHERE arn = ?1");
    Ok(conn.prepare_cached(&sql).and_then(|mut s| s.execute([arn])).map_err(backend)? > 0)
}

pub fn create_activity(conn: &Connection, activity: Activity) -> Result<Created<Activity>> {
    if let Some(existing) = read::activity_by_arn(conn, &activity.arn)? {
        return Ok(Created { value: existing, created: false });
    }
    let sql = "INSERT INTO activities (arn, name, created, tags) VALUES (?1, ?2, ?3, ?4)";
    let args = params![activity.arn, activity.name, activity.created, tags_text(&activity.tags)];
    conn.prepare_cached(sql).and_then(|mut s| s.execute(args)).map_err(backend)?;
    Ok(Created { value: activity, created: true })
}

pub(crate) fn claim_activity_task(conn: &Connection, activity_arn: &str, worker: &str) -> Result<Option<TaskRecord>> {
    let sql = "SELECT t.execution, t.task_id FROM tasks t JOIN executions e ON e.seq = t.execution \
               WHERE t.resource = ?1 AND t.state = 'SCHEDULED' AND e.status = 'RUNNING' \
               ORDER BY t.execution, t.task_id LIMIT 1";
    let found: Option<(i64, i64)> = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row([activity_arn], |row| Ok((row.get(0)?, row.get(1)?))).optional())
        .map_err(backend)?;
    let Some((execution, task_id)) = found else { return Ok(None) };
    let sql = "UPDATE tasks SET state = 'STARTED', worker = ?3 WHERE execution = ?1 AND task_id = ?2";
    conn.prepare_cached(sql).and_then(|mut s| s.execute(params![execution, task_id, worker])).map_err(backend)?;
    read::task_by_id(conn, execution, task_id)
}

pub fn start(conn: &Connection, start: Start) -> Result<Created<Execution>> {
    let execution = start.execution;
    if read::machine_by_arn(conn, &execution.state_machine_arn)?.is_none() {
        return Err(Error::NotFound { kind: "State Machine", key: execution.state_machine_arn });
    }
    if start.commit.execution_arn != execution.arn {
        return Err(Error::Invalid("the first commit names another execution".into()));
    }
    if let Some((_, existing)) = read::execution_by_arn(conn, &execution.arn)? {
        return match existing.status == ExecutionStatus::Running && existing.input == execution.input {
            true => Ok(Created { value: existing, created: false }),
            false => Err(Error::AlreadyExists { kind: "Execution", key: execution.arn }),
        };
    }
    start.commit.check(Guard::from(&execution))?;
    let sql = "INSERT INTO executions (arn, state_machine_arn, started_through, name, kind, status, input, output, \
               error, cause, started, stopped, definition, role_arn, seed, next_event_id, next_seq, lease_node, \
               lease_until, task_secret, parent_arn) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
               ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
    let e = &execution;
    let args = params![
        e.arn,
        e.state_machine_arn,
        e.started_through,
        e.name,
        e.kind.name(),
        e.status.name(),
        e.input,
        e.output,
        e.error,
        e.cause,
        e.started,
        e.stopped,
        e.definition,
        e.role_arn,
        e.seed as i64,
        e.next_event_id,
        e.next_seq,
        e.lease.as_ref().map(|l| &l.node),
        e.lease.as_ref().map(|l| l.until),
        crate::signals::secret_text(e.task_secret),
        e.parent_arn
    ];
    conn.prepare_cached(sql).and_then(|mut s| s.execute(args)).map_err(backend)?;
    let seq = conn.last_insert_rowid();
    write_commit(conn, seq, execution.next_seq, &start.commit)?;
    let stored = read::execution_by_arn(conn, &execution.arn)?;
    stored.map(|(_, value)| Created { value, created: true }).ok_or(Error::Backend("lost a new execution".into()))
}

pub fn commit(conn: &Connection, commit: &Commit) -> Result<()> {
    let sql = "SELECT seq, status, next_event_id, next_seq, lease_node FROM executions WHERE arn = ?1";
    type GuardRow = (i64, String, u64, u64, Option<String>);
    let row: Option<GuardRow> = conn
        .prepare_cached(sql)
        .and_then(|mut s| {
            s.query_row([&commit.execution_arn], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .optional()
        })
        .map_err(backend)?;
    let Some((seq, status, next_event_id, next_seq, lease_node)) = row else {
        return Err(Error::NotFound { kind: "Execution", key: commit.execution_arn.clone() });
    };
    let status = ExecutionStatus::parse(&status).ok_or_else(|| Error::Backend(format!("unknown status '{status}'")))?;
    commit.check(Guard { status, next_event_id, next_seq, lease_node: lease_node.as_deref() })?;
    write_commit(conn, seq, next_seq, commit)
}

/// Writes a checked commit for the execution numbered `execution`.
fn write_commit(conn: &Connection, execution: i64, next_seq: u64, commit: &Commit) -> Result<()> {
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO history (execution, id, previous_event_id, timestamp, event_type, details) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(backend)?;
    for e in &commit.history {
        insert
            .execute(params![execution, e.id, e.previous_event_id, e.timestamp, e.event_type, e.details_json])
            .map_err(backend)?;
    }
    let mut insert = conn
        .prepare_cached("INSERT INTO fed_events (execution, seq, now, event) VALUES (?1, ?2, ?3, ?4)")
        .map_err(backend)?;
    for e in &commit.fed {
        insert.execute(params![execution, e.seq, e.now, e.event_json]).map_err(backend)?;
    }
    let mut insert = conn
        .prepare_cached("INSERT INTO timers (execution, timer_id, fire_at) VALUES (?1, ?2, ?3)")
        .map_err(backend)?;
    for t in &commit.timers_added {
        insert.execute(params![execution, t.timer_id, t.fire_at]).map_err(backend)?;
    }
    let mut delete =
        conn.prepare_cached("DELETE FROM timers WHERE execution = ?1 AND timer_id = ?2").map_err(backend)?;
    for id in &commit.timers_removed {
        delete.execute(params![execution, id]).map_err(backend)?;
    }
    let mut upsert = conn
        .prepare_cached(
            "INSERT INTO tasks (execution, task_id, token, state_name, resource, input, timeout_at, heartbeat_at, \
             state, worker) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT (execution, task_id) DO UPDATE SET token = excluded.token, state_name = excluded.state_name, \
             resource = excluded.resource, input = excluded.input, timeout_at = excluded.timeout_at, \
             heartbeat_at = excluded.heartbeat_at, state = excluded.state, worker = excluded.worker",
        )
        .map_err(backend)?;
    for t in &commit.tasks {
        let args = params![
            execution,
            t.task_id,
            t.token,
            t.state_name,
            t.resource,
            t.input,
            t.timeout_at,
            t.heartbeat_at,
            t.state.name(),
            t.worker
        ];
        upsert.execute(args).map_err(backend)?;
    }
    let mut finish =
        conn.prepare_cached("UPDATE tasks SET state = ?3 WHERE execution = ?1 AND task_id = ?2").map_err(backend)?;
    for id in &commit.tasks_finished {
        finish.execute(params![execution, id, TaskState::Finished.name()]).map_err(backend)?;
    }
    crate::signals::consume(conn, execution, commit)?;
    if let Some(redrive) = &commit.redrive {
        crate::redrive::reopen(conn, execution, redrive)?;
    }
    let (next_event_id, next_seq) = (commit.next_event_id(), commit.next_seq(next_seq));
    match &commit.status {
        None => conn
            .prepare_cached("UPDATE executions SET next_event_id = ?2, next_seq = ?3 WHERE seq = ?1")
            .and_then(|mut s| s.execute(params![execution, next_event_id, next_seq])),
        Some(c) => conn
            .prepare_cached(
                "UPDATE executions SET next_event_id = ?2, next_seq = ?3, status = ?4, output = ?5, error = ?6, \
                 cause = ?7, stopped = ?8, lease_node = NULL, lease_until = NULL WHERE seq = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    execution,
                    next_event_id,
                    next_seq,
                    c.status.name(),
                    c.output,
                    c.error,
                    c.cause,
                    c.stopped
                ])
            }),
    }
    .map_err(backend)?;
    Ok(())
}

/// `(seq, arn)` rows, sorted by seq, as ARNs.
fn arns(rows: Vec<(i64, String)>) -> Vec<String> {
    let mut rows = rows;
    rows.sort();
    rows.into_iter().map(|(_, arn)| arn).collect()
}

pub fn claim(conn: &Connection, node: &str, now: i64, lease_ms: i64, limit: usize) -> Result<Vec<String>> {
    let sql = "UPDATE executions SET lease_node = ?1, lease_until = ?2 WHERE seq IN (\
               SELECT seq FROM executions WHERE status = 'RUNNING' AND (lease_node IS NULL OR lease_until <= ?3) \
               ORDER BY seq LIMIT ?4) RETURNING seq, arn";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt.query_map(params![node, now + lease_ms, now, limit], |r| Ok((r.get(0)?, r.get(1)?)));
    Ok(arns(rows.and_then(Iterator::collect).map_err(backend)?))
}

pub fn renew(conn: &Connection, node: &str, now: i64, lease_ms: i64) -> Result<Vec<String>> {
    let sql = "UPDATE executions SET lease_until = ?2 WHERE lease_node = ?1 RETURNING seq, arn";
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt.query_map(params![node, now + lease_ms], |r| Ok((r.get(0)?, r.get(1)?)));
    Ok(arns(rows.and_then(Iterator::collect).map_err(backend)?))
}

pub fn release(conn: &Connection, node: &str, execution_arns: &[String]) -> Result<()> {
    let sql = "UPDATE executions SET lease_node = NULL, lease_until = NULL WHERE arn = ?1 AND lease_node = ?2";
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    for arn in execution_arns {
        stmt.execute(params![arn, node]).map_err(backend)?;
    }
    Ok(())
}
