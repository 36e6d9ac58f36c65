//! Reads: rows to records, and the queries behind the read methods of the store. They run
//! on any connection (a reader's, or the writer's inside a transaction).

use rusqlite::{params, Connection, OptionalExtension, Row};
use store::{
    Activity, Error, Execution, ExecutionQuery, ExecutionStatus, FedEvent, HistoryEvent, HistoryQuery, Kind, Lease,
    Page, PageRequest, StateMachine, Tag, TaskRecord, TaskState, Timer, TimerQuery,
};

pub type Result<T> = std::result::Result<T, Error>;

pub fn backend(err: rusqlite::Error) -> Error {
    Error::Backend(err.to_string())
}

/// A text column that must hold one of a fixed set of names.
fn parsed<T>(row: &Row<'_>, index: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| {
        let err = format!("unknown value '{text}'");
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, err.into())
    })
}

fn tags(row: &Row<'_>, index: usize) -> rusqlite::Result<Vec<Tag>> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, err.into()))
}

pub fn tags_text(tags: &[Tag]) -> String {
    serde_json::Value::from(tags.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect::<Vec<_>>()).to_string()
}

pub const MACHINE_COLUMNS: &str =
    "seq, arn, name, kind, definition, role_arn, created, revision_id, description, configuration, tags";

fn machine(row: &Row<'_>) -> rusqlite::Result<(u64, StateMachine)> {
    Ok((
        row.get(0)?,
        StateMachine {
            arn: row.get(1)?,
            name: row.get(2)?,
            kind: parsed(row, 3, Kind::parse)?,
            definition: row.get(4)?,
            role_arn: row.get(5)?,
            created: row.get(6)?,
            revision_id: row.get(7)?,
            description: row.get(8)?,
            configuration: row.get(9)?,
            tags: tags(row, 10)?,
        },
    ))
}

const ACTIVITY_COLUMNS: &str = "seq, arn, name, created, tags";

fn activity(row: &Row<'_>) -> rusqlite::Result<(u64, Activity)> {
    Ok((row.get(0)?, Activity { arn: row.get(1)?, name: row.get(2)?, created: row.get(3)?, tags: tags(row, 4)? }))
}

const EXECUTION_COLUMNS: &str = "seq, arn, state_machine_arn, started_through, name, kind, status, input, output, \
     error, cause, started, stopped, definition, role_arn, seed, next_event_id, next_seq, lease_node, lease_until, task_secret, \
     redrive_count, redrive_date, parent_arn";

fn execution(row: &Row<'_>) -> rusqlite::Result<(u64, Execution)> {
    let lease_node: Option<String> = row.get(18)?;
    let lease_until: Option<i64> = row.get(19)?;
    Ok((
        row.get(0)?,
        Execution {
            arn: row.get(1)?,
            state_machine_arn: row.get(2)?,
            started_through: row.get(3)?,
            parent_arn: row.get(23)?,
            name: row.get(4)?,
            kind: parsed(row, 5, Kind::parse)?,
            status: parsed(row, 6, ExecutionStatus::parse)?,
            input: row.get(7)?,
            output: row.get(8)?,
            error: row.get(9)?,
            cause: row.get(10)?,
            started: row.get(11)?,
            stopped: row.get(12)?,
            definition: row.get(13)?,
            role_arn: row.get(14)?,
            seed: row.get::<_, i64>(15)? as u64,
            task_secret: crate::signals::secret_from_text(&row.get::<_, String>(20)?),
            next_event_id: row.get(16)?,
            next_seq: row.get(17)?,
            lease: lease_node.map(|node| Lease { node, until: lease_until.unwrap_or(i64::MIN) }),
            redrive_count: row.get(21)?,
            redrive_date: row.get(22)?,
        },
    ))
}

const TASK_COLUMNS: &str = "e.arn, t.task_id, t.token, t.state_name, t.resource, t.input, t.timeout_at, \
     t.heartbeat_at, t.state, t.worker";

fn task(row: &Row<'_>) -> rusqlite::Result<TaskRecord> {
    Ok(TaskRecord {
        execution_arn: row.get(0)?,
        task_id: row.get(1)?,
        token: row.get(2)?,
        state_name: row.get(3)?,
        resource: row.get(4)?,
        input: row.get(5)?,
        timeout_at: row.get(6)?,
        heartbeat_at: row.get(7)?,
        state: parsed(row, 8, TaskState::parse)?,
        worker: row.get(9)?,
    })
}

/// Keeps `size` of the `size + 1` rows read; the cursor names the last kept one.
pub(crate) fn cut<T>(mut rows: Vec<(u64, T)>, size: usize) -> Page<T> {
    let more = rows.len() > size;
    rows.truncate(size);
    let next = if more { rows.last().map(|(k, _)| k.to_string()) } else { None };
    Page { items: rows.into_iter().map(|(_, v)| v).collect(), next }
}

pub(crate) fn position(page: &PageRequest) -> Result<Option<i64>> {
    Ok(page.position()?.map(|p| i64::try_from(p).unwrap_or(i64::MAX)))
}

pub(crate) fn limit(page: &PageRequest) -> i64 {
    i64::try_from(page.size() + 1).unwrap_or(i64::MAX)
}

pub fn machine_by_arn(conn: &Connection, arn: &str) -> Result<Option<StateMachine>> {
    let sql = format!("SELECT {MACHINE_COLUMNS} FROM state_machines WHERE arn = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    Ok(stmt.query_row([arn], machine).optional().map_err(backend)?.map(|(_, m)| m))
}

pub fn machines(conn: &Connection, page: &PageRequest) -> Result<Page<StateMachine>> {
    let sql = format!("SELECT {MACHINE_COLUMNS} FROM state_machines WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt.query_map(params![position(page)?.unwrap_or(0), limit(page)], machine).map_err(backend)?;
    Ok(cut(rows.collect::<rusqlite::Result<_>>().map_err(backend)?, page.size()))
}

pub fn activity_by_arn(conn: &Connection, arn: &str) -> Result<Option<Activity>> {
    let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE arn = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    Ok(stmt.query_row([arn], activity).optional().map_err(backend)?.map(|(_, a)| a))
}

pub fn activities(conn: &Connection, page: &PageRequest) -> Result<Page<Activity>> {
    let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt.query_map(params![position(page)?.unwrap_or(0), limit(page)], activity).map_err(backend)?;
    Ok(cut(rows.collect::<rusqlite::Result<_>>().map_err(backend)?, page.size()))
}

/// The execution and its `seq`.
pub fn execution_by_arn(conn: &Connection, arn: &str) -> Result<Option<(u64, Execution)>> {
    let sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    stmt.query_row([arn], execution).optional().map_err(backend)
}

pub fn executions(conn: &Connection, query: &ExecutionQuery) -> Result<Page<Execution>> {
    let sql = format!(
        "SELECT {EXECUTION_COLUMNS} FROM executions \
         WHERE seq < ?1 AND (?2 IS NULL OR state_machine_arn = ?2) AND (?3 IS NULL OR status = ?3) \
         AND (?5 IS NULL OR (redrive_count > 0) = ?5) ORDER BY seq DESC LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let before = position(&query.page)?.unwrap_or(i64::MAX);
    let status = query.status.map(|s| s.name());
    let args = params![before, query.state_machine_arn, status, limit(&query.page), query.redriven];
    let rows = stmt.query_map(args, execution).map_err(backend)?;
    Ok(cut(rows.collect::<rusqlite::Result<_>>().map_err(backend)?, query.page.size()))
}

/// The `seq` of an execution.
pub fn execution_seq(conn: &Connection, arn: &str) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached("SELECT seq FROM executions WHERE arn = ?1").map_err(backend)?;
    stmt.query_row([arn], |row| row.get(0)).optional().map_err(backend)
}

pub fn history(conn: &Connection, query: &HistoryQuery) -> Result<Page<HistoryEvent>> {
    let arn = &query.execution_arn;
    let Some(seq) = execution_seq(conn, arn)? else {
        return Err(Error::NotFound { kind: "Execution", key: arn.clone() });
    };
    let sql = match query.reverse {
        false => {
            "SELECT id, previous_event_id, timestamp, event_type, details FROM history \
                  WHERE execution = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
        }
        true => {
            "SELECT id, previous_event_id, timestamp, event_type, details FROM history \
                 WHERE execution = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
        }
    };
    let from = position(&query.page)?.unwrap_or(if query.reverse { i64::MAX } else { 0 });
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params![seq, from, limit(&query.page)], |row| {
            let id: u64 = row.get(0)?;
            let event = HistoryEvent {
                execution_arn: arn.clone(),
                id,
                previous_event_id: row.get(1)?,
                timestamp: row.get(2)?,
                event_type: row.get(3)?,
                details_json: row.get(4)?,
            };
            Ok((id, event))
        })
        .map_err(backend)?;
    Ok(cut(rows.collect::<rusqlite::Result<_>>().map_err(backend)?, query.page.size()))
}

pub fn fed_events(conn: &Connection, arn: &str) -> Result<Vec<FedEvent>> {
    let sql = "SELECT f.seq, f.now, f.event FROM fed_events f JOIN executions e ON e.seq = f.execution \
               WHERE e.arn = ?1 ORDER BY f.seq";
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map([arn], |row| {
            Ok(FedEvent { execution_arn: arn.to_string(), seq: row.get(0)?, now: row.get(1)?, event_json: row.get(2)? })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

fn timer(row: &Row<'_>) -> rusqlite::Result<Timer> {
    Ok(Timer { execution_arn: row.get(0)?, timer_id: row.get(1)?, fire_at: row.get(2)? })
}

pub fn due_timers(conn: &Connection, query: &TimerQuery) -> Result<Vec<Timer>> {
    let sql = "SELECT e.arn, t.timer_id, t.fire_at FROM timers t JOIN executions e ON e.seq = t.execution \
               WHERE t.fire_at <= ?1 AND e.status = 'RUNNING' AND (?2 IS NULL OR e.lease_node = ?2) \
               ORDER BY t.fire_at, e.arn, t.timer_id LIMIT ?3";
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![query.now, query.node, limit], timer).map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub fn timers(conn: &Connection, arn: &str) -> Result<Vec<Timer>> {
    let sql = "SELECT e.arn, t.timer_id, t.fire_at FROM timers t JOIN executions e ON e.seq = t.execution \
               WHERE e.arn = ?1 ORDER BY t.timer_id";
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt.query_map([arn], timer).map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub fn pending_tasks(conn: &Connection, arn: &str) -> Result<Vec<TaskRecord>> {
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks t JOIN executions e ON e.seq = t.execution \
         WHERE e.arn = ?1 AND t.state <> 'FINISHED' ORDER BY t.task_id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt.query_map([arn], task).map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub fn task_by_token(conn: &Connection, token: &str) -> Result<Option<TaskRecord>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks t JOIN executions e ON e.seq = t.execution WHERE t.token = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    stmt.query_row([token], task).optional().map_err(backend)
}

/// A task by its execution's `seq` and its id.
pub fn task_by_id(conn: &Connection, execution: i64, task_id: i64) -> Result<Option<TaskRecord>> {
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks t JOIN executions e ON e.seq = t.execution \
         WHERE t.execution = ?1 AND t.task_id = ?2"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    stmt.query_row([execution, task_id], task).optional().map_err(backend)
}
