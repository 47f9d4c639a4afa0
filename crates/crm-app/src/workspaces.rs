//! Workspace provisioning: a new workspace with its built-in roles, default
//! pipeline and first admin, and an operator's recovery of a locked-out
//! workspace (a new password, a new admin). Called by `crm admin …`,
//! `crm demo` and the tests; errors name the input that was wrong.

use crm_db::AnyConnection;
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
use crm_db::workspaces::WorkspaceRow;
use crm_domain::access::BuiltinRole;
use crm_domain::{Email, FieldErrors};

use crate::AppError;
use crate::security::{check_password, hash_password};
use crate::throttle::account_key;

/// What `create` needs.
#[derive(Debug, Clone, Copy)]
pub struct NewWorkspace<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub admin_email: &'a str,
    pub admin_password: &'a str,
}

/// Slugs are URL-safe: `^[a-z0-9][a-z0-9-]{1,62}$`.
pub fn check_slug(slug: &str) -> Result<(), &'static str> {
    let ok = (2..=63).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err("must be 2–63 characters of a-z, 0-9 and -, starting with a letter or digit")
    }
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(FieldErrors::single(field, message))
}

/// Creates the workspace, its built-in roles, its default pipeline and an
/// admin, in one transaction.
pub fn create(conn: &mut AnyConnection, new: &NewWorkspace<'_>) -> Result<WorkspaceRow, AppError> {
    let mut errors = FieldErrors::new();
    errors.take("slug", check_slug(new.slug));
    let email = errors.take("admin_email", Email::parse(new.admin_email));
    errors.take("admin_password", check_password(new.admin_password));
    errors.into_result().map_err(AppError::Validation)?;
    let email = email.ok_or_else(|| invalid("admin_email", "is required"))?;
    let hash = hash_password(new.admin_password).map_err(AppError::Internal)?;
    crm_db::change_log::transaction(conn, |conn| -> Result<WorkspaceRow, AppError> {
        let (workspace, roles) = insert_with_builtins(conn, new.slug, new.name)?;
        let admin = role(&roles, BuiltinRole::Admin)?;
        let user = crm_db::users::NewUser {
            email: email.as_str(),
            display_name: "Administrator",
            password_hash: &hash,
            role_id: admin,
            team_id: None,
        };
        crm_db::users::insert(conn, workspace.id.0, &user)?;
        Ok(workspace)
    })
}

/// Inserts a workspace with its built-in roles and default pipeline, in
/// the caller's transaction; a conflict on `slug` when it is taken.
pub fn insert_with_builtins(
    conn: &mut AnyConnection,
    slug: &str,
    name: &str,
) -> Result<(WorkspaceRow, Vec<RoleRow>), AppError> {
    if crm_db::workspaces::find_by_slug(conn, slug)?.is_some() {
        return Err(AppError::Conflict {
            field: "slug".into(),
            detail: format!("workspace {slug} already exists"),
        });
    }
    let workspace = crm_db::workspaces::insert(conn, slug, name)?;
    let roles = crm_db::roles::insert_builtins(conn, workspace.id.0)?;
    crm_db::pipelines::insert_default(conn, workspace.id.0)?;
    Ok((workspace, roles))
}

/// The id of a built-in role among a workspace's roles.
pub fn role(roles: &[RoleRow], builtin: BuiltinRole) -> Result<uuid::Uuid, AppError> {
    roles
        .iter()
        .find(|r| r.key == builtin.as_str())
        .map(|r| r.id.0)
        .ok_or_else(|| AppError::Internal(format!("built-in role {} missing", builtin.as_str())))
}

/// Finds a workspace's user by e-mail, for the recovery commands.
fn user_of(
    conn: &mut AnyConnection,
    slug: &str,
    email: &str,
) -> Result<(WorkspaceRow, UserRow), AppError> {
    let workspace = crm_db::workspaces::find_by_slug(conn, slug)?
        .ok_or_else(|| invalid("workspace", format!("no workspace with slug {slug}")))?;
    let email = Email::parse(email).map_err(|m| invalid("email", m))?;
    let user = crm_db::users::find_by_email(conn, workspace.id.0, email.as_str())?
        .ok_or_else(|| invalid("email", format!("no user {email} in workspace {slug}")))?;
    Ok((workspace, user))
}

/// Sets a user's password, reactivates them, signs them out everywhere and
/// lifts any sign-in block on their account.
pub fn reset_password(
    conn: &mut AnyConnection,
    slug: &str,
    email: &str,
    password: &str,
) -> Result<UserRow, AppError> {
    check_password(password).map_err(|m| invalid("password", m))?;
    let hash = hash_password(password).map_err(AppError::Internal)?;
    crm_db::change_log::transaction(conn, |conn| -> Result<_, AppError> {
        let (workspace, user) = user_of(conn, slug, email)?;
        let ws = workspace.id.0;
        let user = crm_db::users::recover(conn, ws, user.id.0, Some(&hash), None)?;
        crm_db::auth::revoke_user(conn, ws, user.id.0)?;
        crm_db::auth::forget(conn, &account_key(&ws.to_string(), &user.email))?;
        Ok(user)
    })
}

/// Makes a user an active admin of their workspace.
pub fn grant_admin(conn: &mut AnyConnection, slug: &str, email: &str) -> Result<UserRow, AppError> {
    crm_db::change_log::transaction(conn, |conn| -> Result<_, AppError> {
        let (workspace, user) = user_of(conn, slug, email)?;
        let admin = crm_db::roles::admin(conn, workspace.id.0)?;
        Ok(crm_db::users::recover(
            conn,
            workspace.id.0,
            user.id.0,
            None,
            Some(admin.id.0),
        )?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        for ok in ["acme", "a1", "2nd-shop", &"a".repeat(63)] {
            assert_eq!(check_slug(ok), Ok(()), "{ok}");
        }
        for bad in [
            "a",
            "-acme",
            "Acme",
            "acme_co",
            "ac me",
            "深圳",
            &"a".repeat(64),
        ] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }
}
