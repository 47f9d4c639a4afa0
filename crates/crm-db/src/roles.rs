//! Roles: named permission sets per workspace; built-ins are created with
//! the workspace and may be edited but not deleted.

use chrono::NaiveDateTime;
use crm_domain::access::{BuiltinRole, Permissions};
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::{Id, Json};

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::{api_keys, roles, users};
use crate::time::now;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = roles)]
pub struct RoleRow {
    pub id: Id,
    pub workspace_id: Id,
    pub key: String,
    pub name: String,
    pub builtin: bool,
    pub permissions: Json,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RoleRow {
    /// The workspace's built-in administrator role (immutable; only admins
    /// may hand it out or change its holders).
    pub fn is_admin(&self) -> bool {
        self.builtin && self.key == BuiltinRole::Admin.as_str()
    }

    /// Stored permissions; unreadable JSON grants nothing.
    pub fn permissions(&self) -> Permissions {
        serde_json::from_value(self.permissions.0.clone()).unwrap_or_default()
    }
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    key: &str,
    name: &str,
    builtin: bool,
    permissions: &Permissions,
) -> DbResult<RoleRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(roles::table)
        .values((
            roles::id.eq(Id(id)),
            roles::workspace_id.eq(Id(workspace_id)),
            roles::key.eq(key),
            roles::name.eq(name),
            roles::builtin.eq(builtin),
            roles::permissions.eq(Json(serde_json::to_value(permissions).unwrap_or_default())),
            roles::version.eq(1),
            roles::created_at.eq(at),
            roles::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

/// Creates the built-in roles of a new workspace.
pub fn insert_builtins(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Vec<RoleRow>> {
    BuiltinRole::ALL
        .iter()
        .map(|role| {
            insert(
                conn,
                workspace_id,
                role.as_str(),
                role.display_name(),
                true,
                &role.permissions(),
            )
        })
        .collect()
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<RoleRow> {
    Ok(roles::table
        .filter(
            roles::workspace_id
                .eq(Id(workspace_id))
                .and(roles::id.eq(Id(id))),
        )
        .select(RoleRow::as_select())
        .first(conn)?)
}

pub fn find_by_key(conn: &mut AnyConnection, workspace_id: Uuid, key: &str) -> DbResult<RoleRow> {
    Ok(roles::table
        .filter(
            roles::workspace_id
                .eq(Id(workspace_id))
                .and(roles::key.eq(key)),
        )
        .select(RoleRow::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Vec<RoleRow>> {
    Ok(roles::table
        .filter(roles::workspace_id.eq(Id(workspace_id)))
        .order((roles::builtin.desc(), roles::key.asc()))
        .select(RoleRow::as_select())
        .load(conn)?)
}

pub struct RoleChanges {
    pub name: String,
    pub permissions: Permissions,
}

/// Updates when `expected_version` still holds.
pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    changes: &RoleChanges,
) -> DbResult<RoleRow> {
    let n = diesel::update(
        roles::table.filter(
            roles::workspace_id
                .eq(Id(workspace_id))
                .and(roles::id.eq(Id(id)))
                .and(roles::version.eq(expected_version)),
        ),
    )
    .set((
        roles::name.eq(&changes.name),
        roles::permissions.eq(Json(
            serde_json::to_value(&changes.permissions).unwrap_or_default(),
        )),
        roles::version.eq(roles::version + 1),
        roles::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

/// Whether any user or API key still holds the role.
pub fn in_use(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<bool> {
    let user: Option<Id> = users::table
        .filter(
            users::workspace_id
                .eq(Id(workspace_id))
                .and(users::role_id.eq(Id(id))),
        )
        .select(users::id)
        .first(conn)
        .optional()?;
    let key: Option<Id> = api_keys::table
        .filter(
            api_keys::workspace_id
                .eq(Id(workspace_id))
                .and(api_keys::role_id.eq(Id(id))),
        )
        .select(api_keys::id)
        .first(conn)
        .optional()?;
    Ok(user.is_some() || key.is_some())
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        roles::table.filter(
            roles::workspace_id
                .eq(Id(workspace_id))
                .and(roles::id.eq(Id(id))),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

/// Gives built-in roles stored before an object type existed that object's
/// default grants (explicit grants, `none` included, are kept). Runs after
/// the migrations, so upgrading a server never leaves reps unable to see
/// what a new release added. Returns how many roles changed.
pub fn learn_new_objects(conn: &mut AnyConnection) -> DbResult<usize> {
    let rows: Vec<RoleRow> = roles::table
        .filter(roles::builtin.eq(true))
        .select(RoleRow::as_select())
        .load(conn)?;
    let mut changed = 0;
    for row in rows {
        let Ok(role) = BuiltinRole::parse(&row.key) else {
            continue;
        };
        let mut permissions = row.permissions();
        if permissions.fill_missing_from(&role.permissions()) {
            diesel::update(roles::table.find(row.id))
                .set((
                    roles::permissions
                        .eq(Json(serde_json::to_value(&permissions).unwrap_or_default())),
                    roles::version.eq(roles::version + 1),
                    roles::updated_at.eq(now()),
                ))
                .execute(conn)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// The built-in admin role of a workspace.
pub fn admin(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<RoleRow> {
    Ok(roles::table
        .filter(
            roles::workspace_id
                .eq(Id(workspace_id))
                .and(roles::builtin.eq(true))
                .and(roles::key.eq(BuiltinRole::Admin.as_str())),
        )
        .select(RoleRow::as_select())
        .first(conn)?)
}
