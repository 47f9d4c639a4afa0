//! Users of a workspace: sign-in identity, role, team, active flag.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::Id;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::users;
use crate::time::now;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: Id,
    pub workspace_id: Id,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role_id: Id,
    pub team_id: Option<Id>,
    pub active: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role_id: Uuid,
    pub team_id: Option<Uuid>,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    user: &NewUser<'_>,
) -> DbResult<UserRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(Id(id)),
            users::workspace_id.eq(Id(workspace_id)),
            users::email.eq(user.email),
            users::display_name.eq(user.display_name),
            users::password_hash.eq(user.password_hash),
            users::role_id.eq(Id(user.role_id)),
            users::team_id.eq(user.team_id.map(Id)),
            users::active.eq(true),
            users::version.eq(1),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<UserRow> {
    Ok(users::table
        .filter(
            users::workspace_id
                .eq(Id(workspace_id))
                .and(users::id.eq(Id(id))),
        )
        .select(UserRow::as_select())
        .first(conn)?)
}

pub fn find_by_email(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    email: &str,
) -> DbResult<Option<UserRow>> {
    Ok(users::table
        .filter(
            users::workspace_id
                .eq(Id(workspace_id))
                .and(users::email.eq(email)),
        )
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Users ordered by name; workspaces have hundreds, not millions.
pub fn list(conn: &mut AnyConnection, workspace_id: Uuid, limit: i64) -> DbResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::workspace_id.eq(Id(workspace_id)))
        .order((users::display_name.asc(), users::id.asc()))
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// The display names of some users of the workspace (for history views).
pub fn names(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> DbResult<Vec<(Id, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Id> = ids.iter().copied().map(Id).collect();
    Ok(users::table
        .filter(users::workspace_id.eq(Id(workspace_id)))
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)?)
}

pub struct UserChanges {
    pub display_name: String,
    pub role_id: Uuid,
    pub team_id: Option<Uuid>,
    pub active: bool,
    pub password_hash: Option<String>,
}

pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    changes: &UserChanges,
) -> DbResult<UserRow> {
    let target = users::table.filter(
        users::workspace_id
            .eq(Id(workspace_id))
            .and(users::id.eq(Id(id)))
            .and(users::version.eq(expected_version)),
    );
    let n = diesel::update(target)
        .set((
            users::display_name.eq(&changes.display_name),
            users::role_id.eq(Id(changes.role_id)),
            users::team_id.eq(changes.team_id.map(Id)),
            users::active.eq(changes.active),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    if let Some(hash) = &changes.password_hash {
        diesel::update(
            users::table.filter(
                users::workspace_id
                    .eq(Id(workspace_id))
                    .and(users::id.eq(Id(id))),
            ),
        )
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    }
    find(conn, workspace_id, id)
}

/// How many active users hold the workspace's built-in admin role.
pub fn count_active_admins(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<i64> {
    let admin = crate::roles::admin(conn, workspace_id)?;
    Ok(users::table
        .filter(
            users::workspace_id
                .eq(Id(workspace_id))
                .and(users::role_id.eq(admin.id))
                .and(users::active.eq(true)),
        )
        .count()
        .get_result(conn)?)
}

/// An operator's recovery: sets a user's password hash (and, with `role_id`,
/// their role), reactivates them and bumps the version. The caller revokes
/// their refresh tokens.
pub fn recover(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    password_hash: Option<&str>,
    role_id: Option<Uuid>,
) -> DbResult<UserRow> {
    let target = users::table.filter(
        users::workspace_id
            .eq(Id(workspace_id))
            .and(users::id.eq(Id(id))),
    );
    diesel::update(target)
        .set((
            users::active.eq(true),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if let Some(hash) = password_hash {
        diesel::update(target)
            .set(users::password_hash.eq(hash))
            .execute(conn)?;
    }
    if let Some(role) = role_id {
        diesel::update(target)
            .set(users::role_id.eq(Id(role)))
            .execute(conn)?;
    }
    find(conn, workspace_id, id)
}
