//! Users of the workspace: everyone may list them (owner pickers); an
//! administrator (or a role granted `users`) creates and changes them,
//! never handing out more than they hold ([`crate::grants`]) and never
//! leaving the workspace without an active administrator. Deactivating a
//! user or changing their password signs them out everywhere.

use crm_api_types::access::{NewUser, User, UserPatch};
use crm_db::AnyConnection;
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::bounded_text;
use crm_domain::{Email, FieldErrors};
use uuid::Uuid;

use crate::security::{check_password, hash_password};
use crate::views::utc;
use crate::{Actor, AppError, Expected, grants};

pub fn view(row: UserRow) -> User {
    User {
        id: row.id.0,
        email: row.email,
        display_name: row.display_name,
        role_id: row.role_id.0,
        team_id: row.team_id.map(Uuid::from),
        active: row.active,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// Checks that a role and team belong to the workspace (field errors
/// otherwise); the role, when it does.
pub fn check_role_and_team(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    role_id: Uuid,
    team_id: Option<Uuid>,
    errors: &mut FieldErrors,
) -> Result<Option<RoleRow>, AppError> {
    let role = match crm_db::roles::find(conn, workspace_id, role_id) {
        Ok(role) => Some(role),
        Err(crm_db::DbError::NotFound) => {
            errors.add("role_id", "is not a role of this workspace");
            None
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(team) = team_id {
        match crm_db::teams::find(conn, workspace_id, team) {
            Ok(_) => {}
            Err(crm_db::DbError::NotFound) => {
                errors.add("team_id", "is not a team of this workspace")
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(role)
}

/// Users of the workspace, by name (at most 1000).
pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<User>, AppError> {
    actor.require_all(ObjectType::Users, Action::Read)?;
    let rows = crm_db::users::list(conn, actor.workspace_id, 1000)?;
    Ok(rows.into_iter().map(view).collect())
}

pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<User, AppError> {
    actor.require_all(ObjectType::Users, Action::Read)?;
    Ok(view(crm_db::users::find(conn, actor.workspace_id, id)?))
}

/// Creates a user with a password (at least 10 characters); the e-mail
/// must be free in the workspace.
pub fn create(conn: &mut AnyConnection, actor: &Actor, body: NewUser) -> Result<User, AppError> {
    actor.require_all(ObjectType::Users, Action::Create)?;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(&body.email));
    let name = errors.take("display_name", bounded_text(&body.display_name, 1, 100));
    errors.take("password", check_password(&body.password));
    let ws = actor.workspace_id;
    let role = check_role_and_team(conn, ws, body.role_id, body.team_id, &mut errors)?;
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result().map_err(AppError::Validation)?;
    grants::may_assign(actor, &role)?;
    if crm_db::users::find_by_email(conn, ws, email.as_str())?.is_some() {
        return Err(AppError::Conflict {
            field: "email".into(),
            detail: "is already taken".into(),
        });
    }
    let hash = hash_password(&body.password).map_err(AppError::internal)?;
    let new = crm_db::users::NewUser {
        email: email.as_str(),
        display_name: &name,
        password_hash: &hash,
        role_id: body.role_id,
        team_id: body.team_id,
    };
    Ok(view(crm_db::users::insert(conn, ws, &new)?))
}

/// Changes a user; `active: false` or a new password also revokes their
/// sessions.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: UserPatch,
) -> Result<User, AppError> {
    actor.require_all(ObjectType::Users, Action::Update)?;
    crm_db::change_log::transaction(conn, |conn| {
        let ws = actor.workspace_id;
        // Serialises admin changes, so the last-admin check holds.
        crm_db::change_log::lock_workspace(conn, ws)?;
        let current = crm_db::users::find(conn, ws, id)?;
        let current_role = crm_db::roles::find(conn, ws, current.role_id.0)?;
        grants::may_manage(actor, &current_role)?;
        let version = expected.check(current.version)?;
        let mut errors = FieldErrors::new();
        let display_name = match &patch.display_name {
            Some(name) => errors.take("display_name", bounded_text(name, 1, 100)),
            None => Some(current.display_name.clone()),
        };
        if let Some(password) = &patch.password {
            errors.take("password", check_password(password));
        }
        let role_id = patch.role_id.unwrap_or(current.role_id.0);
        let team_id = crm_api_types::patch::apply(current.team_id.map(Uuid::from), patch.team_id);
        let role = check_role_and_team(conn, ws, role_id, team_id, &mut errors)?;
        errors.into_result().map_err(AppError::Validation)?;
        let Some(role) = role else {
            return Err(AppError::validation(
                "role_id",
                "is not a role of this workspace",
            ));
        };
        if role.id != current_role.id {
            grants::may_assign(actor, &role)?;
        }
        let active = patch.active.unwrap_or(current.active);
        grants::keep_an_admin(conn, ws, &current, &current_role, active && role.is_admin())?;
        let password_hash = patch
            .password
            .as_deref()
            .map(hash_password)
            .transpose()
            .map_err(AppError::internal)?;
        let changes = crm_db::users::UserChanges {
            display_name: display_name.unwrap_or_default(),
            role_id,
            team_id,
            active,
            password_hash: password_hash.clone(),
        };
        let row = crm_db::users::update(conn, ws, id, version, &changes)?;
        if !active || password_hash.is_some() {
            crm_db::auth::revoke_user(conn, ws, id)?;
        }
        Ok(view(row))
    })
}
