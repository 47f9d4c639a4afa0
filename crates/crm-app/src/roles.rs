//! Roles: permission sets (object × action × scope). Nobody writes a role
//! that grants more than they hold, the built-in administrator role never
//! changes, built-in roles are never deleted, nor a role someone holds.

use crm_api_types::access::{NewRole, Role, RolePatch};
use crm_db::AnyConnection;
use crm_db::roles::{RoleChanges, RoleRow};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::custom_field::parse_key;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::views::utc;
use crate::{Actor, AppError, Expected, grants};

pub fn view(row: RoleRow) -> Role {
    Role {
        id: row.id.0,
        permissions: row.permissions().complete(),
        key: row.key,
        name: row.name,
        builtin: row.builtin,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Role>, AppError> {
    actor.require_all(ObjectType::Roles, Action::Read)?;
    let rows = crm_db::roles::list(conn, actor.workspace_id)?;
    Ok(rows.into_iter().map(view).collect())
}

pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Role, AppError> {
    actor.require_all(ObjectType::Roles, Action::Read)?;
    Ok(view(crm_db::roles::find(conn, actor.workspace_id, id)?))
}

/// Checks a new role before any write: its key and name, and that it
/// grants nothing beyond the actor's own role.
pub fn check_new(actor: &Actor, body: &NewRole) -> Result<(String, String), AppError> {
    actor.require_all(ObjectType::Roles, Action::Create)?;
    let mut errors = FieldErrors::new();
    let key = errors.take("key", parse_key(&body.key));
    let name = errors.take("name", bounded_text(&body.name, 1, 100));
    let (Some(key), Some(name)) = (key, name) else {
        return Err(AppError::Validation(errors));
    };
    grants::within_own(actor, &body.permissions, "the new role")?;
    Ok((key, name))
}

pub fn create(conn: &mut AnyConnection, actor: &Actor, body: NewRole) -> Result<Role, AppError> {
    let (key, name) = check_new(actor, &body)?;
    let row = crm_db::roles::insert(
        conn,
        actor.workspace_id,
        &key,
        &name,
        false,
        &body.permissions,
    )?;
    Ok(view(row))
}

pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: RolePatch,
) -> Result<Role, AppError> {
    actor.require_all(ObjectType::Roles, Action::Update)?;
    let current = crm_db::roles::find(conn, actor.workspace_id, id)?;
    grants::may_edit_role(actor, &current)?;
    let version = expected.check(current.version)?;
    let name = match &patch.name {
        Some(name) => bounded_text(name, 1, 100).map_err(|m| AppError::validation("name", m))?,
        None => current.name.clone(),
    };
    let permissions = patch.permissions.unwrap_or_else(|| current.permissions());
    grants::within_own(actor, &permissions, "the role")?;
    let changes = RoleChanges { name, permissions };
    let row = crm_db::roles::update(conn, actor.workspace_id, id, version, &changes)?;
    Ok(view(row))
}

/// Deletes a custom role nobody holds.
pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    actor.require_all(ObjectType::Roles, Action::Delete)?;
    let role = crm_db::roles::find(conn, actor.workspace_id, id)?;
    grants::may_edit_role(actor, &role)?;
    if role.builtin {
        return Err(AppError::Conflict {
            field: "id".into(),
            detail: "built-in roles cannot be deleted".into(),
        });
    }
    if crm_db::roles::in_use(conn, actor.workspace_id, id)? {
        return Err(AppError::Conflict {
            field: "id".into(),
            detail: "users or API keys still hold this role".into(),
        });
    }
    Ok(crm_db::roles::delete(conn, actor.workspace_id, id)?)
}
