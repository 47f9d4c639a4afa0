//! Handing rights on. A caller may assign a role, bind an API key to a role
//! or write a role's permissions only when every action × scope in it lies
//! within their own; the built-in admin role is immutable; only admins
//! change admins (or hand out the admin role); and a workspace always keeps
//! one active admin.

use crm_db::AnyConnection;
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
use crm_domain::access::Permissions;
use uuid::Uuid;

use crate::{Actor, AppError};

/// 403 unless every grant of `permissions` is within the caller's own.
pub fn within_own(caller: &Actor, permissions: &Permissions, what: &str) -> Result<(), AppError> {
    let wider = permissions.exceeding(&caller.permissions);
    if wider.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = wider
        .iter()
        .take(5)
        .map(|(object, action)| format!("{action} {object}"))
        .collect();
    let more = if wider.len() > named.len() {
        ", …"
    } else {
        ""
    };
    Err(AppError::Forbidden(format!(
        "{what} grants more than your role holds ({}{more})",
        named.join(", ")
    )))
}

/// Whether the caller may give `role` to a user or bind an API key to it.
pub fn may_assign(caller: &Actor, role: &RoleRow) -> Result<(), AppError> {
    if role.is_admin() && !caller.admin {
        return Err(AppError::Forbidden(
            "only administrators may hand out the administrator role".into(),
        ));
    }
    within_own(caller, &role.permissions(), "that role")
}

/// Whether the caller may change a user who holds `role` (their profile,
/// role, team, password or status).
pub fn may_manage(caller: &Actor, role: &RoleRow) -> Result<(), AppError> {
    if role.is_admin() && !caller.admin {
        return Err(AppError::Forbidden(
            "only administrators may change an administrator".into(),
        ));
    }
    within_own(caller, &role.permissions(), "this user's role")
}

/// Whether the caller may change or delete `role` itself.
pub fn may_edit_role(caller: &Actor, role: &RoleRow) -> Result<(), AppError> {
    if role.is_admin() {
        return Err(AppError::Conflict {
            field: "id".into(),
            detail: "the built-in administrator role cannot be changed".into(),
        });
    }
    within_own(caller, &role.permissions(), "this role")
}

/// 409 when the change would leave the workspace without an active admin:
/// `user` is an active admin now and would not be one after
/// (`admin_after`). Call inside the write's transaction, under the
/// workspace lock, so two admins demoting each other cannot both pass.
pub fn keep_an_admin(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    user: &UserRow,
    role: &RoleRow,
    admin_after: bool,
) -> Result<(), AppError> {
    if !(user.active && role.is_admin()) || admin_after {
        return Ok(());
    }
    if crm_db::users::count_active_admins(conn, workspace_id)? <= 1 {
        return Err(AppError::Conflict {
            field: "role_id".into(),
            detail: "this is the workspace's last active administrator: make someone else an administrator first".into(),
        });
    }
    Ok(())
}
