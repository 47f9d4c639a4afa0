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
    /// Each changed field's value before and after.
    pub values: Option<ChangeValues>,
}

/// A change's values, `{"field": {"from": before, "to": after}}`.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeValues {
    /// As a JSON value (`change_log::values`).
    Json(serde_json::Value),
    /// As JSON text, rendered by serde_json straight from a created record
    /// ([`created`]): no tree of values built and dropped.
    Rendered(String),
}

impl From<serde_json::Value> for ChangeValues {
    fn from(value: serde_json::Value) -> Self {
        Self::Json(value)
    }
}

impl ChangeValues {
    /// As a JSON value (the SQLite insert binds one).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Self::Json(value) => value.clone(),
            Self::Rendered(text) => serde_json::from_str(text).unwrap_or_default(),
        }
    }
}

impl crate::copy::CopyValue for &ChangeValues {
    fn render(&self, out: &mut Vec<u8>) {
        match self {
            ChangeValues::Json(value) => crate::copy::AsJson(value).render(out),
            ChangeValues::Rendered(text) => crate::copy::JsonText(text).render(out),
        }
    }
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
    if let AnyConnection::Postgresql(c) = conn {
        // Rendered from the changes themselves: no copy of their values.
        let entries: Vec<ChangeLogEntry<'_>> = changes
            .iter()
            .zip(first..)
            .map(|(change, seq)| ChangeLogEntry {
                workspace_id,
                seq,
                entity,
                change,
                actor_id,
                at,
                channel,
            })
            .collect();
        return crate::copy::copy_rows(c, &entries);
    }
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
            change_values: c.values.as_ref().map(|v| Json(v.to_value())),
        })
        .collect();
    for chunk in records.chunks(chunk_rows(10)) {
        each_backend!(&mut *conn, |c| diesel::insert_into(change_log::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// A created record's changed fields and logged values from one
/// serialisation (what `change_log::field_names` and `values` give with no record
/// before): every top-level field as `{"from": null, "to": value}`,
/// sensitive ones masked, then each of `extra` (a batch's tags or lines)
/// not already among them, in their order. Rendered as JSON text from the
/// record's own, without building a tree of values (a third of a batch of
/// new customers' CPU went to building and dropping one).
pub fn created<T: serde::Serialize>(
    record: &T,
    extra: Vec<(&str, serde_json::Value)>,
) -> (Vec<String>, Option<ChangeValues>) {
    use serde_json::value::RawValue;
    use std::collections::BTreeMap;
    let json = serde_json::to_string(record).unwrap_or_default();
    // Sorted by name, as serde_json's own map orders them.
    let Ok(fields) = serde_json::from_str::<BTreeMap<&str, &RawValue>>(&json) else {
        // Not an object of plain names: through a tree of values.
        let mut after = match serde_json::to_value(record) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let mut names: Vec<String> = after.keys().cloned().collect();
        for (name, value) in extra {
            if !after.contains_key(name) {
                names.push(name.to_owned());
                after.insert(name.to_owned(), value);
            }
        }
        let after = serde_json::Value::Object(after);
        let logged = crate::change_log::values(&names, None, Some(&after)).map(ChangeValues::Json);
        return (names, logged);
    };
    let mut names = Vec::with_capacity(fields.len() + extra.len());
    let mut out = Vec::with_capacity(json.len() + 24 * (fields.len() + extra.len()) + 2);
    let put = |out: &mut Vec<u8>, name: &str, value: &[u8]| {
        out.push(if out.is_empty() { b'{' } else { b',' });
        // Writing a string to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, name);
        out.extend_from_slice(br#":{"from":null,"to":"#);
        out.extend_from_slice(if crate::change_log::sensitive(name) {
            br#""***""#
        } else {
            value
        });
        out.push(b'}');
    };
    for (name, value) in &fields {
        put(&mut out, name, value.get().as_bytes());
        names.push((*name).to_owned());
    }
    for (name, value) in &extra {
        if !names.iter().any(|n| n == name) {
            put(&mut out, name, value.to_string().as_bytes());
            names.push((*name).to_owned());
        }
    }
    if out.is_empty() {
        return (names, None);
    }
    out.push(b'}');
    let logged = String::from_utf8(out).ok().map(ChangeValues::Rendered);
    (names, logged)
}

/// A change-log entry as `COPY` renders it (PostgreSQL).
struct ChangeLogEntry<'a> {
    workspace_id: Uuid,
    seq: i64,
    entity: &'a str,
    change: &'a BatchChange,
    actor_id: Option<Uuid>,
    at: chrono::NaiveDateTime,
    channel: &'a str,
}

impl crate::copy::CopyRow for ChangeLogEntry<'_> {
    type Table = change_log::table;
    fn render(&self, line: &mut crate::copy::CopyLine) {
        use crate::copy::AsJson;
        line.put(self.workspace_id)
            .put(self.seq)
            .put(self.entity)
            .put(self.change.entity_id)
            .put(self.change.op.as_str())
            .put(AsJson(&self.change.changed_fields))
            .put(self.actor_id)
            .put(self.at)
            .put(Some(self.channel))
            .put(self.change.values.as_ref());
    }
}

/// The tables the batch endpoints and imports fill (`customer_metrics`,
/// `sales_rollups`, `order_rollups`, `product_rollups` and
/// `cohort_rollups` through the order writes, which rewrite their
/// customers' rows and add to their days' and months' sums;
/// `customer_counts` through the customer writes).
pub const BULK_TABLES: &[&str] = &[
    "customers",
    "customer_metrics",
    "sales_rollups",
    "order_rollups",
    "product_rollups",
    "cohort_rollups",
    "customer_counts",
    "customer_tags",
    "contacts",
    "deals",
    "orders",
    "order_lines",
    "products",
    "tickets",
];

/// Refreshes the statistics of those of `tables` that changed by more than
/// half their size (and 50 rows) since their last ANALYZE, because
/// autovacuum (which would at a tenth) may be off or minutes away: a plan
/// made while a table was nearly empty (a fresh workspace's first sync
/// batch) is re-made only when the table's statistics change, and otherwise
/// keeps scanning it whole once it holds millions of rows. Half, not a
/// tenth: a plan's choice changes with the order of magnitude, and a table
/// synced from empty to a million rows is analysed about twenty times
/// instead of a hundred. Run after a bulk write has committed (the counters
/// count committed changes; they reach the statistics view within a
/// second). Answers those of `tables` that hold more dead row versions
/// than half their live rows (and 50): they are due a [`vacuum`], which
/// takes seconds on a big table and so is the caller's job to schedule,
/// not this request's. A no-op on SQLite, which does not cache plans across
/// statements and reuses freed pages itself. Table names come from this
/// crate's callers, never from input.
pub fn refresh_statistics(conn: &mut AnyConnection, tables: &[&str]) -> DbResult<Vec<String>> {
    let mut vacuum = Vec::new();
    for table in upkeep_due(conn, tables)? {
        if table.analyze {
            diesel::sql_query(format!("ANALYZE {}", table.name)).execute(conn)?;
        }
        if table.vacuum {
            vacuum.push(table.name.to_owned());
        }
    }
    Ok(vacuum)
}

/// Refreshes `table`'s statistics when a statement just changed `changed`
/// of its rows and that is more than half of them (and 50): the rule of
/// [`refresh_statistics`], for a caller that knows the count before the
/// statistics counters do (they reach the view about a second after the
/// commit). Whole-workspace rewrites such as the RFM scores' change what
/// the planner must know: with statistics taken before any buyer had a
/// segment, a segment filter was planned as matching one row, and a
/// segment's portrait at `l` probed the customers' index 180,000 times per
/// count (16 s). Table names come from this crate's callers; a no-op on
/// SQLite.
pub fn analyze_if_changed(conn: &mut AnyConnection, table: &str, changed: usize) -> DbResult<()> {
    let AnyConnection::Postgresql(pg) = conn else {
        return Ok(());
    };
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::Double)]
        rows: f64,
    }
    let size: Option<Size> = diesel::sql_query(
        "SELECT GREATEST(c.reltuples, 0)::float8 AS rows FROM pg_class c \
         WHERE c.oid = to_regclass($1)",
    )
    .bind::<diesel::sql_types::Text, _>(table)
    .get_result(pg)
    .optional()?;
    if size.is_some_and(|s| changed as f64 > 50.0 + 0.5 * s.rows) {
        diesel::sql_query(format!("ANALYZE {table}")).execute(pg)?;
    }
    Ok(())
}

/// VACUUM ANALYZE those of `tables` that [`refresh_statistics`] finds due a
/// vacuum: their dead row versions (left by updates and deletes) are freed
/// for reuse, so that a table a sync rewrites every night does not double
/// in size, and its reads slow down with it, where autovacuum is off.
/// Answers the tables vacuumed. Must run outside a transaction; a no-op on
/// SQLite.
pub fn vacuum(conn: &mut AnyConnection, tables: &[&str]) -> DbResult<Vec<String>> {
    let mut done = Vec::new();
    for table in upkeep_due(conn, tables)? {
        if table.vacuum {
            diesel::sql_query(format!("VACUUM ANALYZE {}", table.name)).execute(conn)?;
            done.push(table.name.to_owned());
        }
    }
    Ok(done)
}

/// One of the tables asked about, with what it is due.
struct Due<'a> {
    name: &'a str,
    analyze: bool,
    vacuum: bool,
}

/// Those of `tables` due an ANALYZE or a VACUUM (PostgreSQL's counters;
/// nothing on SQLite).
fn upkeep_due<'a>(conn: &mut AnyConnection, tables: &[&'a str]) -> DbResult<Vec<Due<'a>>> {
    let AnyConnection::Postgresql(pg) = conn else {
        return Ok(Vec::new());
    };
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        relname: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        analyze_due: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        vacuum_due: bool,
    }
    let names: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT s.relname::text AS relname, \
         s.n_mod_since_analyze > 50 + 0.5 * GREATEST(c.reltuples, 0) AS analyze_due, \
         s.n_dead_tup > 50 + 0.5 * GREATEST(c.reltuples, s.n_live_tup, 0) AS vacuum_due \
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
         WHERE s.schemaname = current_schema() AND s.relname = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(names)
    .load(pg)?;
    Ok(rows
        .into_iter()
        .filter(|r| r.analyze_due || r.vacuum_due)
        .filter_map(|r| {
            let name = tables.iter().find(|t| **t == r.relname)?;
            Some(Due {
                name,
                analyze: r.analyze_due,
                vacuum: r.vacuum_due,
            })
        })
        .collect())
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_create_logs_what_field_names_and_values_would_in_one_pass() {
        #[derive(serde::Serialize)]
        struct Record {
            name: &'static str,
            api_key: &'static str,
            city: Option<&'static str>,
            address: serde_json::Value,
        }
        let address = json!({"street": "中山路 \"1\"\t号", "zip": 518000, "lines": [1.5, null]});
        let record = Record {
            name: "甲",
            api_key: "k",
            city: None,
            address: address.clone(),
        };
        let mut names = crate::change_log::field_names(&record);
        names.push("tags".into());
        let after =
            json!({"name": "甲", "api_key": "k", "city": null, "address": address, "tags": ["t"]});
        let extra = vec![("tags", json!(["t"])), ("name", json!("again"))];
        let (created, logged) = super::created(&record, extra);
        assert_eq!(created, names, "the record's fields, then the extra ones");
        let logged = logged.map(|v| v.to_value());
        assert_eq!(
            logged,
            crate::change_log::values(&names, None, Some(&after))
        );
        assert_eq!(
            logged.as_ref().map(|v| &v["api_key"]["to"]),
            Some(&json!("***"))
        );
        let (names, logged) = super::created(&json!({}), vec![]);
        assert!(names.is_empty() && logged.is_none(), "nothing to log");
        let (names, logged) = super::created(&json!({"a\"b": 1}), vec![]);
        assert_eq!(names, ["a\"b"], "a name with an escape goes the long way");
        assert_eq!(
            logged.map(|v| v.to_value()),
            Some(json!({"a\"b": {"from": null, "to": 1}}))
        );
    }
}
