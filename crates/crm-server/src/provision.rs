//! The `crm admin` commands' side of provisioning: creating a workspace and
//! recovering a locked-out one are use cases of `crm_app::workspaces`;
//! this turns their errors into the command line's messages.

use crm_app::AppError;
use crm_app::workspaces::{self, NewWorkspace};
use crm_db::AnyConnection;
use crm_db::users::UserRow;
use crm_db::workspaces::WorkspaceRow;

/// An application error as one line for the operator: each invalid field
/// with its message, a conflict's detail, or the error itself.
pub fn message(err: AppError) -> anyhow::Error {
    match err {
        AppError::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors
                .0
                .iter()
                .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}: {m}")))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        AppError::Conflict { detail, .. } => anyhow::anyhow!("{detail}"),
        other => anyhow::Error::new(other),
    }
}

/// Creates the workspace, its built-in roles and an admin, in one transaction.
pub fn create_workspace(
    conn: &mut AnyConnection,
    slug: &str,
    name: &str,
    admin_email: &str,
    admin_password: &str,
) -> anyhow::Result<WorkspaceRow> {
    let new = NewWorkspace {
        slug,
        name,
        admin_email,
        admin_password,
    };
    workspaces::create(conn, &new).map_err(message)
}

/// Sets a user's password, reactivates them, signs them out everywhere and
/// lifts any sign-in block on their account.
pub fn reset_password(
    conn: &mut AnyConnection,
    slug: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<UserRow> {
    workspaces::reset_password(conn, slug, email, password).map_err(message)
}

/// Makes a user an active admin of their workspace.
pub fn grant_admin(conn: &mut AnyConnection, slug: &str, email: &str) -> anyhow::Result<UserRow> {
    workspaces::grant_admin(conn, slug, email).map_err(message)
}
