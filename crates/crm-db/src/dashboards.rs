//! Saved dashboards: a name, the layout as JSON (its meaning is
//! `crm_domain::dashboards`'), who saved it, who else sees it (the
//! workspace, or roles and teams) and the roles whose home dashboard it is.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::dashboards;
use crate::time::now;
use crate::types::{Id, Json};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dashboards)]
pub struct DashboardRow {
    pub workspace_id: Id,
    pub id: Id,
    pub name: String,
    pub layout: Json,
    pub owner_id: Option<Id>,
    pub shared: bool,
    pub default_roles: Json,
    pub share_roles: Json,
    pub share_teams: Json,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a create or an update writes.
#[derive(Debug, Clone)]
pub struct DashboardFields {
    pub name: String,
    pub layout: Json,
    pub shared: bool,
    pub default_roles: Json,
    pub share_roles: Json,
    pub share_teams: Json,
}

/// The most dashboards a list returns.
pub const LIST_LIMIT: i64 = 200;

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    owner: Uuid,
    fields: &DashboardFields,
) -> DbResult<DashboardRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(dashboards::table)
        .values((
            dashboards::workspace_id.eq(Id(workspace_id)),
            dashboards::id.eq(Id(id)),
            dashboards::name.eq(&fields.name),
            dashboards::layout.eq(&fields.layout),
            dashboards::owner_id.eq(Some(Id(owner))),
            dashboards::shared.eq(fields.shared),
            dashboards::default_roles.eq(&fields.default_roles),
            dashboards::share_roles.eq(&fields.share_roles),
            dashboards::share_teams.eq(&fields.share_teams),
            dashboards::version.eq(1),
            dashboards::created_by.eq(Some(Id(owner))),
            dashboards::updated_by.eq(Some(Id(owner))),
            dashboards::created_at.eq(at),
            dashboards::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

/// The workspace's dashboard, or `NotFound` (also for another workspace's).
pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<DashboardRow> {
    Ok(dashboards::table
        .filter(dashboards::workspace_id.eq(Id(workspace_id)))
        .filter(dashboards::id.eq(Id(id)))
        .select(DashboardRow::as_select())
        .first(conn)?)
}

/// The dashboards `reader` saved or anyone shared with anybody (the
/// caller keeps those whose audience admits the reader), by name; every
/// one when `everyone` (an administrator).
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    reader: Uuid,
    everyone: bool,
) -> DbResult<Vec<DashboardRow>> {
    let mut query = dashboards::table
        .filter(dashboards::workspace_id.eq(Id(workspace_id)))
        .into_boxed();
    if !everyone {
        query = query.filter(
            dashboards::shared
                .eq(true)
                .or(dashboards::owner_id.assume_not_null().eq(Id(reader)))
                .or(dashboards::share_roles.ne(Json::empty_array()))
                .or(dashboards::share_teams.ne(Json::empty_array())),
        );
    }
    Ok(query
        .order((dashboards::name.asc(), dashboards::id.asc()))
        .limit(LIST_LIMIT)
        .select(DashboardRow::as_select())
        .load(conn)?)
}

/// Replaces the fields if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Uuid,
    fields: &DashboardFields,
) -> DbResult<DashboardRow> {
    let n = diesel::update(
        dashboards::table
            .filter(dashboards::workspace_id.eq(Id(workspace_id)))
            .filter(dashboards::id.eq(Id(id)))
            .filter(dashboards::version.eq(expected_version)),
    )
    .set((
        dashboards::name.eq(&fields.name),
        dashboards::layout.eq(&fields.layout),
        dashboards::shared.eq(fields.shared),
        dashboards::default_roles.eq(&fields.default_roles),
        dashboards::share_roles.eq(&fields.share_roles),
        dashboards::share_teams.eq(&fields.share_teams),
        dashboards::version.eq(dashboards::version + 1),
        dashboards::updated_by.eq(Some(Id(actor))),
        dashboards::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        dashboards::table
            .filter(dashboards::workspace_id.eq(Id(workspace_id)))
            .filter(dashboards::id.eq(Id(id))),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}
