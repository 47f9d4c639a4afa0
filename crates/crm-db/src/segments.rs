//! Saved customer segments: a name and rules (the customer-list filters as
//! JSON, whose meaning the HTTP layer owns). Segments are workspace-wide
//! definitions; who is in one is computed on read with the caller's
//! visibility, so members are never stale and never leak.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::segments;
use crate::time::now;
use crate::types::{Id, Json};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = segments)]
pub struct SegmentRow {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub description: Option<String>,
    pub rules: Json,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a create or an update writes.
#[derive(Debug, Clone)]
pub struct SegmentFields {
    pub name: String,
    pub description: Option<String>,
    pub rules: Json,
}

/// The most segments a list returns (a workspace keeps tens, not thousands).
pub const LIST_LIMIT: i64 = 500;

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor: Option<Uuid>,
    fields: &SegmentFields,
) -> DbResult<SegmentRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(segments::table)
        .values((
            segments::id.eq(Id(id)),
            segments::workspace_id.eq(Id(workspace_id)),
            segments::name.eq(&fields.name),
            segments::description.eq(&fields.description),
            segments::rules.eq(&fields.rules),
            segments::version.eq(1),
            segments::created_by.eq(actor.map(Id)),
            segments::updated_by.eq(actor.map(Id)),
            segments::created_at.eq(at),
            segments::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

/// The workspace's segment, or `NotFound` (also for another workspace's).
pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<SegmentRow> {
    Ok(segments::table
        .filter(
            segments::workspace_id
                .eq(Id(workspace_id))
                .and(segments::id.eq(Id(id))),
        )
        .select(SegmentRow::as_select())
        .first(conn)?)
}

/// The workspace's segments by name.
pub fn list(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Vec<SegmentRow>> {
    Ok(segments::table
        .filter(segments::workspace_id.eq(Id(workspace_id)))
        .order((segments::name.asc(), segments::id.asc()))
        .limit(LIST_LIMIT)
        .select(SegmentRow::as_select())
        .load(conn)?)
}

/// Replaces the fields if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: &SegmentFields,
) -> DbResult<SegmentRow> {
    let n = diesel::update(
        segments::table.filter(
            segments::workspace_id
                .eq(Id(workspace_id))
                .and(segments::id.eq(Id(id)))
                .and(segments::version.eq(expected_version)),
        ),
    )
    .set((
        segments::name.eq(&fields.name),
        segments::description.eq(&fields.description),
        segments::rules.eq(&fields.rules),
        segments::version.eq(segments::version + 1),
        segments::updated_by.eq(actor.map(Id)),
        segments::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        segments::table.filter(
            segments::workspace_id
                .eq(Id(workspace_id))
                .and(segments::id.eq(Id(id))),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}
