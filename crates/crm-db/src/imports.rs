//! CSV import jobs: the upload's description (header, sample, encoding),
//! the state of the pass in progress (a dry run or the real run), its
//! counters and its row errors. The job that reads the file and writes the
//! records lives in `crm-http::imports`; this module only keeps its books.
//! A job advances the counters in the transaction of each batch's writes,
//! guarded by the status it expects, so a cancel between two batches stops
//! the next one, and a restarted server resumes after the last committed
//! batch.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::{import_errors, imports};
use crate::time::now;
use crate::types::{Id, Json};

/// The statuses a pass moves through (`crm-api-types::imports::ImportStatus`
/// spells the same words).
pub mod status {
    pub const UPLOADED: &str = "uploaded";
    pub const CHECKING: &str = "checking";
    pub const CHECKED: &str = "checked";
    pub const RUNNING: &str = "running";
    pub const COMPLETED: &str = "completed";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: Id,
    pub workspace_id: Id,
    pub entity: String,
    pub file_name: String,
    pub file_size: i64,
    pub encoding: String,
    pub delimiter: String,
    pub header: Json,
    pub sample: Json,
    pub mapping: Option<Json>,
    pub mode: String,
    pub status: String,
    pub dry_run: bool,
    pub rows_read: i64,
    pub bytes_read: i64,
    pub created_count: i64,
    pub updated_count: i64,
    pub unchanged_count: i64,
    pub failed_count: i64,
    pub failure: Option<String>,
    pub created_by: Id,
    pub role_id: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

/// What an upload records.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub entity: String,
    pub file_name: String,
    pub file_size: i64,
    pub encoding: String,
    pub delimiter: String,
    pub header: Json,
    pub sample: Json,
    pub created_by: Uuid,
    pub role_id: Option<Uuid>,
}

/// One refused row: its spreadsheet row number, field errors and cells.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = import_errors)]
pub struct ImportErrorRow {
    pub row_number: i64,
    pub errors: Json,
    pub cells: Json,
}

#[derive(Insertable)]
#[diesel(table_name = import_errors)]
struct ErrorRecord<'a> {
    workspace_id: Id,
    import_id: Id,
    row_number: i64,
    errors: &'a Json,
    cells: &'a Json,
}

/// What one batch adds to the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub rows: i64,
    /// Where the reader stands in the file (absolute, not added).
    pub bytes_read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
}

/// The most imports a list returns.
pub const LIST_LIMIT: i64 = 100;

pub fn insert(conn: &mut AnyConnection, new: &NewImport) -> DbResult<ImportRow> {
    let at = now();
    diesel::insert_into(imports::table)
        .values((
            imports::id.eq(Id(new.id)),
            imports::workspace_id.eq(Id(new.workspace_id)),
            imports::entity.eq(&new.entity),
            imports::file_name.eq(&new.file_name),
            imports::file_size.eq(new.file_size),
            imports::encoding.eq(&new.encoding),
            imports::delimiter.eq(&new.delimiter),
            imports::header.eq(&new.header),
            imports::sample.eq(&new.sample),
            imports::mode.eq("upsert"),
            imports::status.eq(status::UPLOADED),
            imports::dry_run.eq(false),
            imports::created_by.eq(Id(new.created_by)),
            imports::role_id.eq(new.role_id.map(Id)),
            imports::created_at.eq(at),
            imports::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, new.workspace_id, new.id)
}

/// The workspace's import, or `NotFound` (also for another workspace's).
pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<ImportRow> {
    Ok(imports::table
        .filter(
            imports::workspace_id
                .eq(Id(workspace_id))
                .and(imports::id.eq(Id(id))),
        )
        .select(ImportRow::as_select())
        .first(conn)?)
}

/// The workspace's latest imports, newest first; only `created_by`'s when given.
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    created_by: Option<Uuid>,
) -> DbResult<Vec<ImportRow>> {
    let mut query = imports::table
        .filter(imports::workspace_id.eq(Id(workspace_id)))
        .into_boxed();
    if let Some(user) = created_by {
        query = query.filter(imports::created_by.eq(Id(user)));
    }
    Ok(query
        .order(imports::id.desc())
        .limit(LIST_LIMIT)
        .select(ImportRow::as_select())
        .load(conn)?)
}

/// Starts a pass (`to` is `checking` or `running`) if the import is in one
/// of the `from` statuses: records the mapping and mode, zeroes the
/// counters and forgets the previous pass's errors. `false`: it was not.
pub fn begin_pass(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    from: &[&str],
    to: &str,
    mapping: &Json,
    mode: &str,
) -> DbResult<bool> {
    let at = now();
    let n = diesel::update(
        imports::table.filter(
            imports::workspace_id
                .eq(Id(workspace_id))
                .and(imports::id.eq(Id(id)))
                .and(imports::status.eq_any(from)),
        ),
    )
    .set((
        imports::status.eq(to),
        imports::dry_run.eq(to == status::CHECKING),
        imports::mapping.eq(Some(mapping)),
        imports::mode.eq(mode),
        imports::rows_read.eq(0),
        imports::bytes_read.eq(0),
        imports::created_count.eq(0),
        imports::updated_count.eq(0),
        imports::unchanged_count.eq(0),
        imports::failed_count.eq(0),
        imports::failure.eq(None::<String>),
        imports::started_at.eq(Some(at)),
        imports::finished_at.eq(None::<NaiveDateTime>),
        imports::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 1 {
        diesel::delete(
            import_errors::table.filter(
                import_errors::workspace_id
                    .eq(Id(workspace_id))
                    .and(import_errors::import_id.eq(Id(id))),
            ),
        )
        .execute(conn)?;
    }
    Ok(n == 1)
}

/// Adds a batch to the counters if the import is still `expected`.
/// `false`: it was cancelled (roll the batch back).
pub fn advance(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected: &str,
    p: Progress,
) -> DbResult<bool> {
    let n = diesel::update(
        imports::table.filter(
            imports::workspace_id
                .eq(Id(workspace_id))
                .and(imports::id.eq(Id(id)))
                .and(imports::status.eq(expected)),
        ),
    )
    .set((
        imports::rows_read.eq(imports::rows_read + p.rows),
        imports::bytes_read.eq(p.bytes_read),
        imports::created_count.eq(imports::created_count + p.created),
        imports::updated_count.eq(imports::updated_count + p.updated),
        imports::unchanged_count.eq(imports::unchanged_count + p.unchanged),
        imports::failed_count.eq(imports::failed_count + p.failed),
        imports::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records refused rows (call in the batch's transaction).
pub fn add_errors(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    rows: &[ImportErrorRow],
) -> DbResult<()> {
    let records: Vec<ErrorRecord<'_>> = rows
        .iter()
        .map(|r| ErrorRecord {
            workspace_id: Id(workspace_id),
            import_id: Id(id),
            row_number: r.row_number,
            errors: &r.errors,
            cells: &r.cells,
        })
        .collect();
    for chunk in records.chunks(crate::batch::chunk_rows(5)) {
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(import_errors::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Ends the pass in `to` if the import is still `expected`; `failure` says why a job failed.
pub fn finish(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected: &str,
    to: &str,
    failure: Option<&str>,
) -> DbResult<bool> {
    let at = now();
    let n = diesel::update(
        imports::table.filter(
            imports::workspace_id
                .eq(Id(workspace_id))
                .and(imports::id.eq(Id(id)))
                .and(imports::status.eq(expected)),
        ),
    )
    .set((
        imports::status.eq(to),
        imports::failure.eq(failure),
        imports::finished_at.eq(Some(at)),
        imports::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Every pass in progress, in any workspace (a starting server resumes them).
pub fn active(conn: &mut AnyConnection) -> DbResult<Vec<(Uuid, Uuid)>> {
    Ok(imports::table
        .filter(imports::status.eq_any([status::CHECKING, status::RUNNING]))
        .select((imports::workspace_id, imports::id))
        .load::<(Id, Id)>(conn)?
        .into_iter()
        .map(|(w, i)| (w.0, i.0))
        .collect())
}

/// A page of an import's refused rows after `after_row`, in row order.
pub fn errors_page(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    after_row: i64,
    limit: i64,
) -> DbResult<Vec<ImportErrorRow>> {
    Ok(import_errors::table
        .filter(
            import_errors::workspace_id
                .eq(Id(workspace_id))
                .and(import_errors::import_id.eq(Id(id)))
                .and(import_errors::row_number.gt(after_row)),
        )
        .order(import_errors::row_number.asc())
        .limit(limit)
        .select(ImportErrorRow::as_select())
        .load(conn)?)
}

/// Deletes an import that is not in progress (its errors go with it).
pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        imports::table.filter(
            imports::workspace_id
                .eq(Id(workspace_id))
                .and(imports::id.eq(Id(id)))
                .and(imports::status.ne_all([status::CHECKING, status::RUNNING])),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}
