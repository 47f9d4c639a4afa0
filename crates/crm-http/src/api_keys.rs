//! `/api-keys`: credentials for integrators. The secret is shown once.

use actix_web::{HttpResponse, delete, get, post, web};
use crm_api_types::auth::{ApiKey, CreatedApiKey, NewApiKey};
use crm_api_types::{Page, Problem};
use crm_db::api_keys::ApiKeyRow;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::grants;
use crate::security::new_api_key;
use crate::state::AppState;
use crate::views::{naive, utc};

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

#[utoipa::path(tag = "api_keys", responses((status = 200, body = Page<ApiKey>), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<ApiKey>>, ApiError> {
    caller.require_all(ObjectType::ApiKeys, Action::Read)?;
    let rows = state
        .db(move |conn| Ok(crm_db::api_keys::list(conn, caller.workspace_id)?))
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor: None,
    }))
}

/// Create a key bound to a role; it acts as the creating user.
#[utoipa::path(tag = "api_keys", request_body = NewApiKey, responses((status = 201, description = "The secret is in this response only", body = CreatedApiKey), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewApiKey>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::ApiKeys, Action::Create)?;
    let body = body.0;
    let name = bounded_text(&body.name, 1, 100).map_err(|m| ApiError::validation("name", m))?;
    let secret = new_api_key().map_err(ApiError::internal)?;
    let full = secret.full.clone();
    let row = state
        .db(move |conn| {
            let role = match crm_db::roles::find(conn, caller.workspace_id, body.role_id) {
                Ok(role) => role,
                Err(crm_db::DbError::NotFound) => {
                    return Err(ApiError::validation(
                        "role_id",
                        "is not a role of this workspace",
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            grants::may_assign(&caller, &role)?;
            let new = crm_db::api_keys::NewApiKey {
                name: &name,
                prefix: &secret.prefix,
                secret_hash: &secret.hash,
                role_id: body.role_id,
                user_id: caller.user_id(),
                expires_at: body.expires_at.map(naive),
            };
            Ok(crm_db::api_keys::insert(conn, caller.workspace_id, &new)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/api-keys/{}", row.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedApiKey {
            key: view(row),
            secret: full,
        }))
}

/// Revoke a key; it stops working at once.
#[utoipa::path(tag = "api_keys", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/api-keys/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::ApiKeys, Action::Delete)?;
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_db::api_keys::revoke(conn, caller.workspace_id, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
