//! Creating a workspace with its built-in roles and first admin, and an
//! operator's recovery of a locked-out workspace (a new password, a new admin).

use anyhow::{Context, bail};
use crm_db::AnyConnection;
use crm_db::workspaces::WorkspaceRow;
use crm_domain::Email;
use crm_domain::access::BuiltinRole;
use crm_http::security::{check_password, hash_password};

/// Slugs are URL-safe: `^[a-z0-9][a-z0-9-]{1,62}$`.
pub fn check_slug(slug: &str) -> anyhow::Result<()> {
    let ok = (2..=63).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        bail!("slug must be 2–63 characters of a-z, 0-9 and -, starting with a letter or digit")
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
    check_slug(slug)?;
    let email = Email::parse(admin_email).map_err(|m| anyhow::anyhow!("admin e-mail {m}"))?;
    check_password(admin_password).map_err(|m| anyhow::anyhow!("admin password {m}"))?;
    let hash = hash_password(admin_password).map_err(anyhow::Error::msg)?;
    crm_db::change_log::transaction(conn, |conn| -> anyhow::Result<WorkspaceRow> {
        if crm_db::workspaces::find_by_slug(conn, slug)?.is_some() {
            bail!("workspace {slug} already exists");
        }
        let workspace = crm_db::workspaces::insert(conn, slug, name)?;
        let roles = crm_db::roles::insert_builtins(conn, workspace.id.0)?;
        crm_db::pipelines::insert_default(conn, workspace.id.0)?;
        let admin = roles
            .iter()
            .find(|r| r.key == BuiltinRole::Admin.as_str())
            .context("admin role missing")?;
        let user = crm_db::users::NewUser {
            email: email.as_str(),
            display_name: "Administrator",
            password_hash: &hash,
            role_id: admin.id.0,
            team_id: None,
        };
        crm_db::users::insert(conn, workspace.id.0, &user)?;
        Ok(workspace)
    })
}

/// Finds a workspace's user by e-mail, for the recovery commands.
fn user_of(
    conn: &mut AnyConnection,
    slug: &str,
    email: &str,
) -> anyhow::Result<(WorkspaceRow, crm_db::users::UserRow)> {
    let workspace = crm_db::workspaces::find_by_slug(conn, slug)?
        .with_context(|| format!("no workspace with slug {slug}"))?;
    let email = Email::parse(email).map_err(|m| anyhow::anyhow!("e-mail {m}"))?;
    let user = crm_db::users::find_by_email(conn, workspace.id.0, email.as_str())?
        .with_context(|| format!("no user {email} in workspace {slug}"))?;
    Ok((workspace, user))
}

/// Sets a user's password, reactivates them, signs them out everywhere and
/// lifts any sign-in block on their account.
pub fn reset_password(
    conn: &mut AnyConnection,
    slug: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<crm_db::users::UserRow> {
    check_password(password).map_err(|m| anyhow::anyhow!("password {m}"))?;
    let hash = hash_password(password).map_err(anyhow::Error::msg)?;
    crm_db::change_log::transaction(conn, |conn| -> anyhow::Result<_> {
        let (workspace, user) = user_of(conn, slug, email)?;
        let ws = workspace.id.0;
        let user = crm_db::users::recover(conn, ws, user.id.0, Some(&hash), None)?;
        crm_db::auth::revoke_user(conn, ws, user.id.0)?;
        crm_db::auth::forget(
            conn,
            &crm_http::throttle::account_key(&ws.to_string(), &user.email),
        )?;
        Ok(user)
    })
}

/// Makes a user an active admin of their workspace.
pub fn grant_admin(
    conn: &mut AnyConnection,
    slug: &str,
    email: &str,
) -> anyhow::Result<crm_db::users::UserRow> {
    crm_db::change_log::transaction(conn, |conn| -> anyhow::Result<_> {
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
