//! Redrive in SQLite: the execution columns it needs (migration 4) and the write that
//! reopens a closed execution.

use crate::read::{backend, Result};
use rusqlite::{params, Connection};
use store::Redrive;

/// Migration 4: how many times each execution was redriven, and when last.
pub const SCHEMA: &str = r#"
    ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE executions ADD COLUMN redrive_date INTEGER;
"#;

/// Reopens the execution numbered `execution` (its commit was checked): RUNNING, cleared of
/// its end, one more redrive, leased as the redrive says.
pub fn reopen(conn: &Connection, execution: i64, redrive: &Redrive) -> Result<()> {
    let sql = "UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, stopped = NULL, \
               redrive_count = redrive_count + 1, redrive_date = ?2, lease_node = ?3, lease_until = ?4 WHERE seq = ?1";
    let lease = redrive.lease.as_ref();
    let args = params![execution, redrive.date, lease.map(|l| &l.node), lease.map(|l| l.until)];
    conn.prepare_cached(sql).and_then(|mut s| s.execute(args)).map_err(backend)?;
    Ok(())
}
