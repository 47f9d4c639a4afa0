//! Scheduled deliveries of a saved report or dashboard: the schedule and
//! recipients as JSON (their meaning is `crm_domain::deliveries`'), the
//! attachment format, who saved it, and when it fires next (UTC).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::deliveries;
use crate::time::now;
use crate::types::{Id, Json};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub workspace_id: Id,
    pub id: Id,
    pub name: String,
    pub report_id: Option<Id>,
    pub dashboard_id: Option<Id>,
    pub schedule: Json,
    pub format: String,
    pub recipients: Json,
    pub active: bool,
    pub next_run_at: Option<NaiveDateTime>,
    pub last_run_at: Option<NaiveDateTime>,
    pub owner_id: Option<Id>,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a create or an update writes.
#[derive(Debug, Clone)]
pub struct DeliveryFields {
    pub name: String,
    pub report_id: Option<Uuid>,
    pub dashboard_id: Option<Uuid>,
    pub schedule: Json,
    pub format: String,
    pub recipients: Json,
    pub active: bool,
    pub next_run_at: Option<NaiveDateTime>,
}

/// The most deliveries a list returns.
pub const LIST_LIMIT: i64 = 200;

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    owner: Uuid,
    fields: &DeliveryFields,
) -> DbResult<DeliveryRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::workspace_id.eq(Id(workspace_id)),
            deliveries::id.eq(Id(id)),
            deliveries::name.eq(&fields.name),
            deliveries::report_id.eq(fields.report_id.map(Id)),
            deliveries::dashboard_id.eq(fields.dashboard_id.map(Id)),
            deliveries::schedule.eq(&fields.schedule),
            deliveries::format.eq(&fields.format),
            deliveries::recipients.eq(&fields.recipients),
            deliveries::active.eq(fields.active),
            deliveries::next_run_at.eq(fields.next_run_at),
            deliveries::owner_id.eq(Some(Id(owner))),
            deliveries::version.eq(1),
            deliveries::created_by.eq(Some(Id(owner))),
            deliveries::updated_by.eq(Some(Id(owner))),
            deliveries::created_at.eq(at),
            deliveries::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

/// The workspace's delivery, or `NotFound` (also for another workspace's).
pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<DeliveryRow> {
    Ok(deliveries::table
        .filter(deliveries::workspace_id.eq(Id(workspace_id)))
        .filter(deliveries::id.eq(Id(id)))
        .select(DeliveryRow::as_select())
        .first(conn)?)
}

/// The deliveries `reader` saved (every one when `everyone`), optionally
/// only those of one report or dashboard, by name.
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    reader: Uuid,
    everyone: bool,
    of: Option<Uuid>,
) -> DbResult<Vec<DeliveryRow>> {
    let mut query = deliveries::table
        .filter(deliveries::workspace_id.eq(Id(workspace_id)))
        .into_boxed();
    if !everyone {
        query = query.filter(deliveries::owner_id.assume_not_null().eq(Id(reader)));
    }
    if let Some(of) = of {
        query = query.filter(
            deliveries::report_id
                .assume_not_null()
                .eq(Id(of))
                .or(deliveries::dashboard_id.assume_not_null().eq(Id(of))),
        );
    }
    Ok(query
        .order((deliveries::name.asc(), deliveries::id.asc()))
        .limit(LIST_LIMIT)
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Replaces the fields if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Uuid,
    fields: &DeliveryFields,
) -> DbResult<DeliveryRow> {
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::workspace_id.eq(Id(workspace_id)))
            .filter(deliveries::id.eq(Id(id)))
            .filter(deliveries::version.eq(expected_version)),
    )
    .set((
        deliveries::name.eq(&fields.name),
        deliveries::schedule.eq(&fields.schedule),
        deliveries::format.eq(&fields.format),
        deliveries::recipients.eq(&fields.recipients),
        deliveries::active.eq(fields.active),
        deliveries::next_run_at.eq(fields.next_run_at),
        deliveries::version.eq(deliveries::version + 1),
        deliveries::updated_by.eq(Some(Id(actor))),
        deliveries::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

/// Moves a delivery that was due at `due` on to `next` (a run that finds
/// it moved already — changed, or run by another worker — changes
/// nothing and answers `false`). Not a user's change: the version stays.
pub fn advance(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    due: NaiveDateTime,
    next: NaiveDateTime,
) -> DbResult<bool> {
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::workspace_id.eq(Id(workspace_id)))
            .filter(deliveries::id.eq(Id(id)))
            .filter(deliveries::active.eq(true))
            .filter(deliveries::next_run_at.eq(due)),
    )
    .set((
        deliveries::next_run_at.eq(Some(next)),
        deliveries::last_run_at.eq(Some(now())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        deliveries::table
            .filter(deliveries::workspace_id.eq(Id(workspace_id)))
            .filter(deliveries::id.eq(Id(id))),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

/// Deletes the deliveries of a report or dashboard (as it is deleted):
/// their pending runs then find nothing and end.
pub fn delete_of(conn: &mut AnyConnection, workspace_id: Uuid, source: Uuid) -> DbResult<usize> {
    Ok(diesel::delete(
        deliveries::table
            .filter(deliveries::workspace_id.eq(Id(workspace_id)))
            .filter(
                deliveries::report_id
                    .eq(Some(Id(source)))
                    .or(deliveries::dashboard_id.eq(Some(Id(source)))),
            ),
    )
    .execute(conn)?)
}
