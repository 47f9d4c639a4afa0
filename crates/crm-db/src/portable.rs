//! One workspace's rows in a backend-neutral form, to move a workspace
//! between databases (SQLite ↔ PostgreSQL) or keep it as an archive.
//!
//! Each row is a JSON object `{column: value}` whose values have one form
//! on both backends ([`Kind`]): the database renders a row as a JSON array
//! (PostgreSQL `json_build_array`, SQLite `json_array`), this module
//! normalises what differs (SQLite booleans 0/1, timestamp separators) and,
//! on the way in, binds each value with its diesel SQL type so the target
//! stores it in its native form. Tables and column kinds come from the diesel
//! schema ([`catalog`]); [`archive`] packs the rows into a `.tar.gz`.

pub mod archive;
pub mod catalog;
mod values;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use catalog::{Column, Kind, LEFT_OUT, TableSpec, tables};
use values::Val;

use crate::connection::AnyConnection;
use crate::error::DbError;

/// A row: column name → portable value.
pub type Row = Map<String, Value>;

/// Rows read or written per statement.
const BATCH_ROWS: usize = 1000;
/// Bound parameters per statement (SQLite allows 32766, PostgreSQL 65535).
const MAX_PARAMS: usize = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum PortableError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The archive or a value in it is not what this version writes.
    #[error("invalid archive: {0}")]
    Format(String),
    /// The target cannot take the archive (another schema version, the
    /// workspace already there).
    #[error("{0}")]
    Refused(String),
}

impl From<diesel::result::Error> for PortableError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

pub type PortableResult<T> = Result<T, PortableError>;

/// Reports rows as they move (a progress bar, a log line, a backup run's row).
pub trait Progress {
    /// The number of rows expected in all.
    fn total(&mut self, rows: u64);
    /// `rows` more rows of `table` were read or written.
    fn advance(&mut self, table: &str, rows: u64);
}

/// Ignores progress.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn total(&mut self, _rows: u64) {}
    fn advance(&mut self, _table: &str, _rows: u64) {}
}

fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    version: Option<String>,
}

/// The newest migration applied to the database (the schema version an
/// archive needs its target to have).
pub fn migration_version(conn: &mut AnyConnection) -> PortableResult<String> {
    let v: Version =
        diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
            .get_result(conn)?;
    v.version
        .ok_or_else(|| PortableError::Refused("the database has no migrations applied".into()))
}

/// A placeholder for the `n`-th (1-based) parameter.
fn param(conn: &AnyConnection, n: usize) -> String {
    match conn {
        AnyConnection::Postgresql(_) => format!("${n}"),
        AnyConnection::Sqlite(_) => "?".to_owned(),
    }
}

fn scope_column(spec: &TableSpec) -> &'static str {
    if spec.is_workspace() {
        "id"
    } else {
        "workspace_id"
    }
}

/// The number of the workspace's rows in a table.
pub fn count_rows(
    conn: &mut AnyConnection,
    spec: &TableSpec,
    workspace: Uuid,
) -> PortableResult<u64> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM {} WHERE {} = {}",
        quote(spec.name),
        quote(scope_column(spec)),
        param(conn, 1)
    );
    let c: Count = values::load_one(conn, &sql, vec![Val::Uuid(Some(workspace))])?;
    Ok(u64::try_from(c.n).unwrap_or(0))
}

/// Up to `limit` of the workspace's rows of a table after the row `after`
/// (by the table's key), in key order, in portable form.
pub fn read_rows(
    conn: &mut AnyConnection,
    spec: &TableSpec,
    workspace: Uuid,
    after: Option<&Row>,
    limit: usize,
) -> PortableResult<Vec<Row>> {
    let postgres = matches!(conn, AnyConnection::Postgresql(_));
    let items: Vec<String> = spec
        .columns
        .iter()
        .map(|c| match (c.kind, postgres) {
            (Kind::Json, false) => format!("json({})", quote(&c.name)),
            _ => quote(&c.name),
        })
        .collect();
    let array = if postgres {
        format!("json_build_array({})::text", items.join(", "))
    } else {
        format!("json_array({})", items.join(", "))
    };
    let mut binds = vec![Val::Uuid(Some(workspace))];
    let mut sql = format!(
        "SELECT {array} AS row FROM {} WHERE {} = {}",
        quote(spec.name),
        quote(scope_column(spec)),
        param(conn, 1)
    );
    let key_list = spec
        .key
        .iter()
        .map(|k| quote(k))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(last) = after {
        let mut placeholders = Vec::new();
        for k in spec.key {
            let column = spec.column(k).ok_or_else(|| {
                PortableError::Format(format!("{}: no key column {k}", spec.name))
            })?;
            binds.push(values::to_val(
                column,
                last.get(*k).unwrap_or(&Value::Null),
            )?);
            placeholders.push(param(conn, binds.len()));
        }
        sql.push_str(&format!(
            " AND ({key_list}) > ({})",
            placeholders.join(", ")
        ));
    }
    sql.push_str(&format!(" ORDER BY {key_list} LIMIT {limit}"));
    let rows: Vec<JsonRow> = values::load(conn, &sql, binds)?;
    rows.iter()
        .map(|r| values::canonical_row(spec, &r.row))
        .collect()
}

/// Calls `each` with every row of the workspace, table by table in
/// foreign-key order, in batches, all read in one snapshot (a read-only
/// repeatable-read transaction on PostgreSQL, one read transaction on
/// SQLite), so the rows agree with each other while writers go on.
pub fn export<F>(
    conn: &mut AnyConnection,
    workspace: Uuid,
    progress: &mut dyn Progress,
    mut each: F,
) -> PortableResult<()>
where
    F: FnMut(&TableSpec, &[Row]) -> PortableResult<()>,
{
    conn.transaction::<_, PortableError, _>(|conn| {
        if let AnyConnection::Postgresql(c) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            )?;
        }
        let specs = tables();
        let mut total = 0;
        for spec in &specs {
            total += count_rows(conn, spec, workspace)?;
        }
        progress.total(total);
        for spec in &specs {
            let mut after: Option<Row> = None;
            loop {
                let rows = read_rows(conn, spec, workspace, after.as_ref(), BATCH_ROWS)?;
                if rows.is_empty() {
                    break;
                }
                each(spec, &rows)?;
                progress.advance(spec.name, rows.len() as u64);
                if rows.len() < BATCH_ROWS {
                    break;
                }
                after = rows.last().cloned();
            }
        }
        Ok(())
    })
}

/// Writes rows into one table with multi-row `INSERT`s, keeping the values
/// of deferred columns (see [`TableSpec::deferred`]) for [`Writer::finish`].
/// Call inside a transaction, parents before children.
#[derive(Debug, Default)]
pub struct Writer {
    deferred: Vec<(TableSpec, Row)>,
}

impl Writer {
    pub fn insert(
        &mut self,
        conn: &mut AnyConnection,
        spec: &TableSpec,
        rows: &[Row],
    ) -> PortableResult<()> {
        let per_statement = (MAX_PARAMS / spec.columns.len().max(1)).clamp(1, BATCH_ROWS);
        let columns = spec
            .columns
            .iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ");
        for chunk in rows.chunks(per_statement) {
            let mut binds = Vec::with_capacity(chunk.len() * spec.columns.len());
            let mut tuples = Vec::with_capacity(chunk.len());
            for row in chunk {
                let mut placeholders = Vec::with_capacity(spec.columns.len());
                for column in &spec.columns {
                    let value = row.get(&column.name).ok_or_else(|| {
                        PortableError::Format(format!(
                            "a row of {} has no column {}",
                            spec.name, column.name
                        ))
                    })?;
                    let val = if spec.deferred.contains(&column.name.as_str()) {
                        values::null_of(column.kind)
                    } else {
                        values::to_val(column, value)?
                    };
                    binds.push(val);
                    placeholders.push(param(conn, binds.len()));
                }
                tuples.push(format!("({})", placeholders.join(", ")));
                if spec
                    .deferred
                    .iter()
                    .any(|d| row.get(*d).is_some_and(|v| !v.is_null()))
                {
                    self.deferred.push((spec.clone(), row.clone()));
                }
            }
            let sql = format!(
                "INSERT INTO {} ({columns}) VALUES {}",
                quote(spec.name),
                tuples.join(", ")
            );
            values::execute(conn, &sql, binds)?;
        }
        Ok(())
    }

    /// Sets the deferred columns now that every row they point at exists.
    pub fn finish(self, conn: &mut AnyConnection) -> PortableResult<()> {
        for (spec, row) in self.deferred {
            let mut binds = Vec::new();
            let mut sets = Vec::new();
            for d in spec.deferred {
                let column = spec.column(d).ok_or_else(|| {
                    PortableError::Format(format!("{}: no column {d}", spec.name))
                })?;
                binds.push(values::to_val(column, row.get(*d).unwrap_or(&Value::Null))?);
                sets.push(format!("{} = {}", quote(d), param(conn, binds.len())));
            }
            let mut wheres = Vec::new();
            for k in ["workspace_id"].iter().chain(spec.key) {
                let column = spec.column(k).ok_or_else(|| {
                    PortableError::Format(format!("{}: no column {k}", spec.name))
                })?;
                binds.push(values::to_val(column, row.get(*k).unwrap_or(&Value::Null))?);
                wheres.push(format!("{} = {}", quote(k), param(conn, binds.len())));
            }
            let sql = format!(
                "UPDATE {} SET {} WHERE {}",
                quote(spec.name),
                sets.join(", "),
                wheres.join(" AND ")
            );
            values::execute(conn, &sql, binds)?;
        }
        Ok(())
    }
}

/// Whether the database already holds a workspace with this id or slug.
pub fn workspace_taken(conn: &mut AnyConnection, id: Uuid, slug: &str) -> PortableResult<bool> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM workspaces WHERE id = {} OR slug = {}",
        param(conn, 1),
        param(conn, 2)
    );
    let c: Count = values::load_one(
        conn,
        &sql,
        vec![Val::Uuid(Some(id)), Val::Text(Some(slug.to_owned()))],
    )?;
    Ok(c.n > 0)
}

/// Per table of the workspace: its row count and a SHA-256 over its rows in
/// key order, in portable form — equal on two databases holding the same data.
pub fn checksums(
    conn: &mut AnyConnection,
    workspace: Uuid,
) -> PortableResult<Vec<(String, u64, String)>> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    for spec in tables() {
        let mut hasher = Sha256::new();
        let mut count = 0u64;
        let mut after: Option<Row> = None;
        loop {
            let rows = read_rows(conn, &spec, workspace, after.as_ref(), BATCH_ROWS)?;
            for row in &rows {
                hasher.update(Value::Object(row.clone()).to_string().as_bytes());
                hasher.update(b"\n");
            }
            count += rows.len() as u64;
            if rows.len() < BATCH_ROWS {
                break;
            }
            after = rows.last().cloned();
        }
        let digest = hasher.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        out.push((spec.name.to_owned(), count, hex));
    }
    Ok(out)
}
