//! Multi-row statements for batch writes. Diesel's `MultiConnection` cannot
//! send a multi-row `INSERT`, so these helpers run the same statement on the
//! backend's own connection (`each_backend!`). Rows are sent in chunks that
//! stay under SQLite's 32,766 bound parameters per statement.

use diesel::prelude::*;
use uuid::Uuid;

use crate::change_log::Op;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{change_log, workspaces};
use crate::time::now;
use crate::types::{Id, Json};

/// Runs `$body` with `$c` bound to the backend's own connection; the body
/// is compiled once per backend, so it may use batch inserts and upserts.
#[macro_export]
macro_rules! each_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::connection::AnyConnection::Postgresql($c) => $body,
            $crate::connection::AnyConnection::Sqlite($c) => $body,
        }
    };
}

/// Lets PostgreSQL reuse generic plans for the rest of the transaction.
/// Connections plan every execution afresh (`force_custom_plan`, see
/// `connection`), and that includes the foreign-key checks the database runs
/// for each inserted row: a bulk write spent four fifths of its time
/// re-planning them. The checks' generic plan is a unique-index probe once
/// the referenced table has more than a few pages; one made against a
/// near-empty table may scan it, and lasts until its statistics change
/// (autovacuum's ANALYZE, or `crm demo`'s as it loads). Call at the start of
/// a multi-row write, inside its transaction (outside one it does nothing);
/// a no-op on SQLite.
pub fn generic_plans(conn: &mut AnyConnection) -> DbResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let depth =
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?;
        if depth.is_none() {
            return Ok(());
        }
        diesel::connection::SimpleConnection::batch_execute(c, "SET LOCAL plan_cache_mode = auto")?;
    }
    Ok(())
}

/// Rows per statement for a table with `columns` columns.
pub fn chunk_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 1000)
}

/// One change-log entry of a batch.
#[derive(Debug, Clone)]
pub struct BatchChange {
    pub entity_id: Uuid,
    pub op: Op,
    pub changed_fields: Vec<String>,
    /// Each changed field's value before and after (`change_log::values`).
    pub values: Option<serde_json::Value>,
}

#[derive(Insertable)]
#[diesel(table_name = change_log, treat_none_as_default_value = false)]
struct ChangeLogRecord<'a> {
    workspace_id: Id,
    seq: i64,
    entity: &'a str,
    entity_id: Id,
    op: &'a str,
    changed_fields: Json,
    actor_id: Option<Id>,
    at: chrono::NaiveDateTime,
    channel: Option<&'a str>,
    change_values: Option<Json>,
}

/// Appends entries for `entity` with consecutive sequence numbers: one
/// counter update and one insert per chunk. Call under the workspace lock.
pub fn record_changes(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    entity: &str,
    actor_id: Option<Uuid>,
    channel: &str,
    changes: &[BatchChange],
) -> DbResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    crate::events::pending();
    generic_plans(conn)?;
    let n = i64::try_from(changes.len()).unwrap_or(i64::MAX);
    diesel::update(workspaces::table.find(Id(workspace_id)))
        .set(workspaces::change_seq.eq(workspaces::change_seq + n))
        .execute(conn)?;
    let last: i64 = workspaces::table
        .find(Id(workspace_id))
        .select(workspaces::change_seq)
        .first(conn)?;
    let first = last - n + 1;
    let at = now();
    let records: Vec<ChangeLogRecord<'_>> = changes
        .iter()
        .zip(first..)
        .map(|(c, seq)| ChangeLogRecord {
            workspace_id: Id(workspace_id),
            seq,
            entity,
            entity_id: Id(c.entity_id),
            op: c.op.as_str(),
            changed_fields: Json(serde_json::json!(c.changed_fields)),
            actor_id: actor_id.map(Id),
            at,
            channel: Some(channel),
            change_values: c.values.clone().map(Json),
        })
        .collect();
    if let AnyConnection::Postgresql(c) = conn {
        return crate::copy::copy_rows(c, &records);
    }
    for chunk in records.chunks(chunk_rows(10)) {
        each_backend!(&mut *conn, |c| diesel::insert_into(change_log::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

impl crate::copy::CopyRow for ChangeLogRecord<'_> {
    type Table = change_log::table;
    fn render(&self, line: &mut crate::copy::CopyLine) {
        line.put(self.workspace_id)
            .put(self.seq)
            .put(self.entity)
            .put(self.entity_id)
            .put(self.op)
            .put(&self.changed_fields)
            .put(self.actor_id)
            .put(self.at)
            .put(self.channel)
            .put(self.change_values.as_ref());
    }
}

/// Refreshes the planner's statistics of these tables after a bulk load
/// (PostgreSQL plans a fresh table as empty until autovacuum gets to it).
/// Table names come from this crate's callers, never from input.
/// On PostgreSQL it also vacuums (outside a transaction), which marks the
/// pages all-visible so grouped counts can be answered from an index alone.
pub fn analyze(conn: &mut AnyConnection, tables: &[&str]) -> DbResult<()> {
    let command = match conn {
        AnyConnection::Postgresql(_) => "VACUUM ANALYZE",
        AnyConnection::Sqlite(_) => "ANALYZE",
    };
    for table in tables {
        diesel::sql_query(format!("{command} {table}")).execute(conn)?;
    }
    Ok(())
}
