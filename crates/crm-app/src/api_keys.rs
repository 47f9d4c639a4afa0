//! API keys: credentials for integrators, bound to a role no wider than
//! the creator's own and acting as the creating user. The secret is shown
//! once, at creation; only its hash is kept. A revoked key stops at once.

use crm_api_types::auth::{ApiKey, CreatedApiKey, NewApiKey};
use crm_db::AnyConnection;
use crm_db::api_keys::ApiKeyRow;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::security::new_api_key;
use crate::views::utc;
use crate::{Actor, AppError, grants};

pub fn view(row: ApiKeyRow) -> ApiKey {
    ApiKey {
        id: row.id.0,
        name: row.name,
        prefix: format!("crm_{}", row.prefix),
        role_id: row.role_id.0,
        user_id: row.user_id.0,
        created_at: utc(row.created_at),
        last_used_at: row.last_used_at.map(utc),
        expires_at: row.expires_at.map(utc),
        revoked_at: row.revoked_at.map(utc),
    }
}

pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<ApiKey>, AppError> {
    actor.require_all(ObjectType::ApiKeys, Action::Read)?;
    let rows = crm_db::api_keys::list(conn, actor.workspace_id)?;
    Ok(rows.into_iter().map(view).collect())
}

/// Creates a key bound to a role; the answer carries the secret, once.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewApiKey,
) -> Result<CreatedApiKey, AppError> {
    actor.require_all(ObjectType::ApiKeys, Action::Create)?;
    let name = bounded_text(&body.name, 1, 100).map_err(|m| AppError::validation("name", m))?;
    let role = match crm_db::roles::find(conn, actor.workspace_id, body.role_id) {
        Ok(role) => role,
        Err(crm_db::DbError::NotFound) => {
            return Err(AppError::validation(
                "role_id",
                "is not a role of this workspace",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    grants::may_assign(actor, &role)?;
    let secret = new_api_key().map_err(AppError::internal)?;
    let new = crm_db::api_keys::NewApiKey {
        name: &name,
        prefix: &secret.prefix,
        secret_hash: &secret.hash,
        role_id: body.role_id,
        user_id: actor.user_id(),
        expires_at: body.expires_at.map(|at| at.naive_utc()),
    };
    let row = crm_db::api_keys::insert(conn, actor.workspace_id, &new)?;
    Ok(CreatedApiKey {
        key: view(row),
        secret: secret.full,
    })
}

/// Revokes a key of the workspace.
pub fn revoke(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    actor.require_all(ObjectType::ApiKeys, Action::Delete)?;
    Ok(crm_db::api_keys::revoke(conn, actor.workspace_id, id)?)
}
