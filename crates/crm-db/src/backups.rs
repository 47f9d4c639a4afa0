//! Runs of workspace backups started over the API: queued → running →
//! done | failed, with the archive's size and row counts per table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::backups;
use crate::time::now;
use crate::types::{Id, Json};

pub mod status {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = backups)]
pub struct BackupRow {
    pub workspace_id: Id,
    pub id: Id,
    pub status: String,
    pub size_bytes: Option<i64>,
    pub row_counts: Json,
    pub rows_done: i64,
    pub rows_total: i64,
    pub failure: Option<String>,
    pub created_by: Id,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

/// Records a queued run.
pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    created_by: Uuid,
) -> DbResult<BackupRow> {
    let row = BackupRow {
        workspace_id: workspace_id.into(),
        id: Id::new(),
        status: status::QUEUED.into(),
        size_bytes: None,
        row_counts: Json(serde_json::json!({})),
        rows_done: 0,
        rows_total: 0,
        failure: None,
        created_by: created_by.into(),
        created_at: now(),
        started_at: None,
        finished_at: None,
    };
    diesel::insert_into(backups::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<BackupRow> {
    Ok(backups::table
        .filter(backups::workspace_id.eq(Id(workspace_id)))
        .filter(backups::id.eq(Id(id)))
        .select(BackupRow::as_select())
        .first(conn)?)
}

fn scoped(
    workspace_id: Uuid,
    id: Uuid,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<backups::table, diesel::dsl::Eq<backups::workspace_id, Id>>,
    diesel::dsl::Eq<backups::id, Id>,
> {
    backups::table
        .filter(backups::workspace_id.eq(Id(workspace_id)))
        .filter(backups::id.eq(Id(id)))
}

pub fn start(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    diesel::update(scoped(workspace_id, id))
        .set((
            backups::status.eq(status::RUNNING),
            backups::started_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn progress(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    done: i64,
    total: i64,
) -> DbResult<()> {
    diesel::update(scoped(workspace_id, id))
        .set((backups::rows_done.eq(done), backups::rows_total.eq(total)))
        .execute(conn)?;
    Ok(())
}

pub fn finish(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    size_bytes: i64,
    row_counts: serde_json::Value,
) -> DbResult<()> {
    diesel::update(scoped(workspace_id, id))
        .set((
            backups::status.eq(status::DONE),
            backups::size_bytes.eq(Some(size_bytes)),
            backups::row_counts.eq(Json(row_counts)),
            backups::rows_done.eq(backups::rows_total),
            backups::finished_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn fail(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid, failure: &str) -> DbResult<()> {
    diesel::update(scoped(workspace_id, id))
        .set((
            backups::status.eq(status::FAILED),
            backups::failure.eq(Some(failure)),
            backups::finished_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}
