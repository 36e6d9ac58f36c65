//! Versions, aliases and tags in SQLite: their schema (migration 2) and their queries.

use crate::read::{self, backend, cut, limit, position, tags_text, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};
use store::{Alias, Created, Error, Page, PageRequest, StateMachine, Tag, Version};

/// Migration 2: versions (numbered per machine by a counter that never goes back) and aliases.
pub const SCHEMA: &str = r#"
    CREATE TABLE versions (
        state_machine_arn TEXT NOT NULL,
        number INTEGER NOT NULL,
        arn TEXT NOT NULL UNIQUE,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        revision_id TEXT NOT NULL,
        description TEXT NOT NULL,
        configuration TEXT NOT NULL,
        created INTEGER NOT NULL,
        PRIMARY KEY (state_machine_arn, number)
    );
    CREATE TABLE version_counters (
        state_machine_arn TEXT PRIMARY KEY,
        last INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE aliases (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        state_machine_arn TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        routing TEXT NOT NULL,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL
    );
    CREATE INDEX aliases_by_machine ON aliases (state_machine_arn, seq);
"#;

const VERSION_COLUMNS: &str =
    "number, arn, state_machine_arn, definition, role_arn, revision_id, description, configuration, created";

fn version(row: &Row<'_>) -> rusqlite::Result<(u64, Version)> {
    let number: u64 = row.get(0)?;
    Ok((
        number,
        Version {
            number,
            arn: row.get(1)?,
            state_machine_arn: row.get(2)?,
            definition: row.get(3)?,
            role_arn: row.get(4)?,
            revision_id: row.get(5)?,
            description: row.get(6)?,
            configuration: row.get(7)?,
            created: row.get(8)?,
        },
    ))
}

const ALIAS_COLUMNS: &str = "seq, arn, state_machine_arn, name, description, routing, created, updated";

fn alias(row: &Row<'_>) -> rusqlite::Result<(u64, Alias)> {
    let routing: String = row.get(5)?;
    let routing: Vec<(String, u32)> = serde_json::from_str(&routing)
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, err.into()))?;
    Ok((
        row.get(0)?,
        Alias {
            arn: row.get(1)?,
            state_machine_arn: row.get(2)?,
            name: row.get(3)?,
            description: row.get(4)?,
            routing,
            created: row.get(6)?,
            updated: row.get(7)?,
        },
    ))
}

fn routing_text(routing: &[(String, u32)]) -> String {
    serde_json::Value::from(routing.iter().map(|(v, w)| serde_json::json!([v, w])).collect::<Vec<_>>()).to_string()
}

fn execute(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<usize> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute(args)).map_err(backend)
}

pub fn update_machine(conn: &Connection, m: StateMachine) -> Result<bool> {
    let sql = "UPDATE state_machines SET definition = ?2, role_arn = ?3, revision_id = ?4, description = ?5, \
               configuration = ?6, tags = ?7 WHERE arn = ?1";
    let args =
        params![m.arn, m.definition, m.role_arn, m.revision_id, m.description, m.configuration, tags_text(&m.tags)];
    Ok(execute(conn, sql, args)? > 0)
}

/// Deletes a machine with its versions, aliases and version counter.
pub fn delete_machine(conn: &Connection, arn: &str) -> Result<bool> {
    for table in ["versions", "version_counters", "aliases"] {
        execute(conn, &format!("DELETE FROM {table} WHERE state_machine_arn = ?1"), [arn])?;
    }
    crate::write::delete(conn, "state_machines", arn)
}

pub fn publish(conn: &Connection, mut v: Version) -> Result<Created<Version>> {
    if read::machine_by_arn(conn, &v.state_machine_arn)?.is_none() {
        return Err(Error::NotFound { kind: "State Machine", key: v.state_machine_arn });
    }
    let sql =
        format!("SELECT {VERSION_COLUMNS} FROM versions WHERE state_machine_arn = ?1 ORDER BY number DESC LIMIT 1");
    let newest = conn
        .prepare_cached(&sql)
        .and_then(|mut s| s.query_row([&v.state_machine_arn], version).optional())
        .map_err(backend)?;
    if let Some((_, newest)) = newest.filter(|(_, n)| n.revision_id == v.revision_id) {
        return Ok(Created { value: newest, created: false });
    }
    let sql = "INSERT INTO version_counters (state_machine_arn, last) VALUES (?1, 1) \
               ON CONFLICT (state_machine_arn) DO UPDATE SET last = last + 1 RETURNING last";
    v.number = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row([&v.state_machine_arn], |row| row.get(0)))
        .map_err(backend)?;
    v.arn = format!("{}:{}", v.state_machine_arn, v.number);
    let sql = format!("INSERT INTO versions ({VERSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    let args = params![
        v.number,
        v.arn,
        v.state_machine_arn,
        v.definition,
        v.role_arn,
        v.revision_id,
        v.description,
        v.configuration,
        v.created
    ];
    execute(conn, &sql, args)?;
    Ok(Created { value: v, created: true })
}

pub fn version_by_arn(conn: &Connection, arn: &str) -> Result<Option<Version>> {
    let sql = format!("SELECT {VERSION_COLUMNS} FROM versions WHERE arn = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    Ok(stmt.query_row([arn], version).optional().map_err(backend)?.map(|(_, v)| v))
}

pub fn versions(conn: &Connection, machine: &str, page: &PageRequest) -> Result<Page<Version>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM versions WHERE state_machine_arn = ?1 AND number < ?2 \
         ORDER BY number DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let before = position(page)?.unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![machine, before, limit(page)], version).map_err(backend)?;
    Ok(cut(rows.collect::<rusqlite::Result<_>>().map_err(backend)?, page.size()))
}

pub fn delete_version(conn: &Connection, arn: &str) -> Result<bool> {
    if version_by_arn(conn, arn)?.is_none() {
        return Ok(false);
    }
    let sql = format!("SELECT {ALIAS_COLUMNS} FROM aliases WHERE routing LIKE '%' || ?1 || '%' ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt.query_map([arn], alias).map_err(backend)?;
    let aliases: Vec<(u64, Alias)> = rows.collect::<rusqlite::Result<_>>().map_err(backend)?;
    let by: Vec<String> =
        aliases.into_iter().filter(|(_, a)| a.routing.iter().any(|(v, _)| v == arn)).map(|(_, a)| a.name).collect();
    if !by.is_empty() {
        return Err(Error::InUse { key: arn.to_string(), by });
    }
    crate::write::delete(conn, "versions", arn)
}

pub fn create_alias(conn: &Connection, a: Alias) -> Result<Created<Alias>> {
    if read::machine_by_arn(conn, &a.state_machine_arn)?.is_none() {
        return Err(Error::NotFound { kind: "State Machine", key: a.state_machine_arn });
    }
    if let Some(existing) = alias_by_arn(conn, &a.arn)? {
        return match existing.description == a.description && existing.routing == a.routing {
            true => Ok(Created { value: existing, created: false }),
            false => Err(Error::AlreadyExists { kind: "Alias", key: a.arn }),
        };
    }
    let sql = "INSERT INTO aliases (arn, state_machine_arn, name, description, routing, created, updated) \
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    let args =
        params![a.arn, a.state_machine_arn, a.name, a.description, routing_text(&a.routing), a.created, a.updated];
    execute(conn, sql, args)?;
    Ok(Created { value: a, created: true })
}

pub fn alias_by_arn(conn: &Connection, arn: &str) -> Result<Option<Alias>> {
    let sql = format!("SELECT {ALIAS_COLUMNS} FROM aliases WHERE arn = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    Ok(stmt.query_row([arn], alias).optional().map_err(backend)?.map(|(_, a)| a))
}

pub fn update_alias(conn: &Connection, a: Alias) -> Result<bool> {
    let sql = "UPDATE aliases SET description = ?2, routing = ?3, updated = ?4 WHERE arn = ?1";
    Ok(execute(conn, sql, params![a.arn, a.description, routing_text(&a.routing), a.updated])? > 0)
}

pub fn aliases(conn: &Connection, machine: &str, page: &PageRequest) -> Result<Page<Alias>> {
    let sql =
        format!("SELECT {ALIAS_COLUMNS} FROM aliases WHERE state_machine_arn = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt.query_map(params![machine, position(page)?.unwrap_or(0), limit(page)], alias).map_err(backend)?;
    Ok(cut(rows.collect::<rusqlite::Result<_>>().map_err(backend)?, page.size()))
}

pub fn set_tags(conn: &Connection, arn: &str, tags: &[Tag]) -> Result<bool> {
    let text = tags_text(tags);
    for table in ["state_machines", "activities"] {
        if execute(conn, &format!("UPDATE {table} SET tags = ?2 WHERE arn = ?1"), params![arn, text])? > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}
