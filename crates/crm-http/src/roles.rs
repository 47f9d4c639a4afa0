//! `/roles`: permission sets (object × action × scope).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::access::{NewRole, Role, RolePatch};
use crm_api_types::{Page, Problem};
use crm_db::roles::{RoleChanges, RoleRow};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::custom_field::parse_key;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::grants;
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;
use crate::views::utc;

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

#[utoipa::path(tag = "roles", responses((status = 200, body = Page<Role>), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/roles")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Role>>, ApiError> {
    caller.require_all(ObjectType::Roles, Action::Read)?;
    let rows = state
        .db(move |conn| Ok(crm_db::roles::list(conn, caller.workspace_id)?))
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(tag = "roles", params(("id" = Uuid, Path)), responses((status = 200, body = Role), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/roles/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Roles, Action::Read)?;
    let id = id.into_inner();
    let row = state
        .db(move |conn| Ok(crm_db::roles::find(conn, caller.workspace_id, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}

#[utoipa::path(tag = "roles", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewRole, responses((status = 201, body = Role), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/roles")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    request_key: IdempotencyKey,
    body: ApiJson<NewRole>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Roles, Action::Create)?;
    let body = body.0;
    let mut errors = FieldErrors::new();
    let key = errors.take("key", parse_key(&body.key));
    let name = errors.take("name", bounded_text(&body.name, 1, 100));
    let (Some(key), Some(name)) = (key, name) else {
        return Err(ApiError::Validation(errors));
    };
    grants::within_own(&caller, &body.permissions, "the new role")?;
    let path = "/api/v1/roles";
    idempotency::create(
        &state,
        caller,
        request_key,
        path,
        body,
        move |conn, caller, body| {
            let ws = caller.workspace_id;
            Ok(view(crm_db::roles::insert(
                conn,
                ws,
                &key,
                &name,
                false,
                &body.permissions,
            )?))
        },
    )
    .await
}

#[utoipa::path(tag = "roles", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = RolePatch, responses((status = 200, body = Role), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "The name is taken, or the built-in administrator role cannot change", body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json")))]
#[patch("/roles/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<RolePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Roles, Action::Update)?;
    let (id, patch) = (id.into_inner(), body.0);
    let row = state
        .db(move |conn| {
            let current = crm_db::roles::find(conn, caller.workspace_id, id)?;
            grants::may_edit_role(&caller, &current)?;
            let version = if_match.check(current.version)?;
            let name = match &patch.name {
                Some(name) => {
                    bounded_text(name, 1, 100).map_err(|m| ApiError::validation("name", m))?
                }
                None => current.name.clone(),
            };
            let permissions = patch.permissions.unwrap_or_else(|| current.permissions());
            grants::within_own(&caller, &permissions, "the role")?;
            let changes = RoleChanges { name, permissions };
            Ok(crm_db::roles::update(
                conn,
                caller.workspace_id,
                id,
                version,
                &changes,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}

/// Delete a custom role nobody holds (built-in roles cannot be deleted).
#[utoipa::path(tag = "roles", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
#[delete("/roles/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Roles, Action::Delete)?;
    let id = id.into_inner();
    state
        .db(move |conn| {
            let role = crm_db::roles::find(conn, caller.workspace_id, id)?;
            grants::may_edit_role(&caller, &role)?;
            if role.builtin {
                return Err(ApiError::Conflict {
                    field: "id".into(),
                    detail: "built-in roles cannot be deleted".into(),
                });
            }
            if crm_db::roles::in_use(conn, caller.workspace_id, id)? {
                return Err(ApiError::Conflict {
                    field: "id".into(),
                    detail: "users or API keys still hold this role".into(),
                });
            }
            Ok(crm_db::roles::delete(conn, caller.workspace_id, id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
