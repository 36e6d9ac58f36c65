//! The inbox of external signals (table `signals`) and the task-token secret's text form.

use crate::read::{backend, Result};
use crate::write::claim_activity_task;
use rusqlite::{params, Connection, OptionalExtension, Row};
use store::{Commit, Error, Signal, TaskRecord};

/// The stored text of a task-token secret: 32 hex digits.
pub fn secret_text(secret: u128) -> String {
    format!("{secret:032x}")
}

/// The inverse of [`secret_text`]; 0 for rows written before secrets existed.
pub fn secret_from_text(text: &str) -> u128 {
    u128::from_str_radix(text, 16).unwrap_or(0)
}

fn signal(row: &Row<'_>) -> rusqlite::Result<Signal> {
    Ok(Signal { id: row.get(0)?, execution_arn: row.get(1)?, event_json: row.get(2)?, created: row.get(3)? })
}

const SIGNAL_COLUMNS: &str = "s.id, e.arn, s.event, s.created";

/// The `seq` of a RUNNING execution: `NotFound` or `Conflict` otherwise.
fn running_seq(conn: &Connection, arn: &str) -> Result<i64> {
    let sql = "SELECT seq, status FROM executions WHERE arn = ?1";
    let row: Option<(i64, String)> = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row([arn], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(backend)?;
    match row {
        None => Err(Error::NotFound { kind: "Execution", key: arn.to_string() }),
        Some((_, status)) if status != "RUNNING" => {
            Err(Error::Conflict { execution_arn: arn.to_string(), reason: format!("the execution is {status}") })
        }
        Some((seq, _)) => Ok(seq),
    }
}

fn insert(conn: &Connection, execution: i64, arn: &str, event_json: String, now: i64) -> Result<Signal> {
    let sql = "INSERT INTO signals (execution, event, created) VALUES (?1, ?2, ?3)";
    conn.prepare_cached(sql).and_then(|mut s| s.execute(params![execution, event_json, now])).map_err(backend)?;
    let id = conn.last_insert_rowid() as u64;
    Ok(Signal { id, execution_arn: arn.to_string(), event_json, created: now })
}

pub fn add(conn: &Connection, arn: &str, event_json: String, now: i64) -> Result<Signal> {
    let execution = running_seq(conn, arn)?;
    insert(conn, execution, arn, event_json, now)
}

pub fn of(conn: &Connection, arn: &str) -> Result<Vec<Signal>> {
    let sql = format!(
        "SELECT {SIGNAL_COLUMNS} FROM signals s JOIN executions e ON e.seq = s.execution \
         WHERE e.arn = ?1 ORDER BY s.id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt.query_map([arn], signal).map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub fn signalled(conn: &Connection, node: &str) -> Result<Vec<String>> {
    let sql = "SELECT e.arn FROM executions e WHERE e.lease_node = ?1 AND e.status = 'RUNNING' \
               AND EXISTS (SELECT 1 FROM signals s WHERE s.execution = e.seq) \
               ORDER BY (SELECT MIN(s.id) FROM signals s WHERE s.execution = e.seq)";
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt.query_map([node], |r| r.get(0)).map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// Removes the signals a commit consumed (each must wait for its execution), and all of
/// them when the commit closes the execution.
pub fn consume(conn: &Connection, execution: i64, commit: &Commit) -> Result<()> {
    let mut delete = conn.prepare_cached("DELETE FROM signals WHERE id = ?1 AND execution = ?2").map_err(backend)?;
    for id in &commit.signals_consumed {
        if delete.execute(params![id, execution]).map_err(backend)? != 1 {
            return Err(Error::Conflict {
                execution_arn: commit.execution_arn.clone(),
                reason: format!("signal {id} is not waiting for this execution"),
            });
        }
    }
    if commit.status.is_some() {
        let sql = "DELETE FROM signals WHERE execution = ?1";
        conn.prepare_cached(sql).and_then(|mut s| s.execute([execution])).map_err(backend)?;
    }
    Ok(())
}

pub fn take_activity_task(
    conn: &Connection,
    activity_arn: &str,
    worker: &str,
    now: i64,
    started: Box<dyn FnOnce(&TaskRecord) -> String + Send>,
) -> Result<Option<(TaskRecord, Signal)>> {
    let Some(task) = claim_activity_task(conn, activity_arn, worker)? else { return Ok(None) };
    let execution = running_seq(conn, &task.execution_arn)?;
    let signal = insert(conn, execution, &task.execution_arn, started(&task), now)?;
    Ok(Some((task, signal)))
}
