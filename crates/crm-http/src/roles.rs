//! `/roles`: the HTTP side of `crm_app::roles` (permission sets: object ×
//! action × scope).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::access::{NewRole, Role, RolePatch};
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

#[utoipa::path(tag = "roles", responses((status = 200, body = Page<Role>), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/roles")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Role>>, ApiError> {
    let items = state
        .db(move |conn| Ok(crm_app::roles::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
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
    let id = id.into_inner();
    let role = state
        .db(move |conn| Ok(crm_app::roles::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(role.version))
        .json(role))
}

#[utoipa::path(tag = "roles", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewRole, responses((status = 201, body = Role), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/roles")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    request_key: IdempotencyKey,
    body: ApiJson<NewRole>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    // Refused before the idempotency record: a bad or too-wide role is
    // answered the same however often it is sent.
    crm_app::roles::check_new(&caller, &body)?;
    idempotency::create(
        &state,
        caller,
        request_key,
        "/api/v1/roles",
        body,
        |conn, caller, body| Ok(crm_app::roles::create(conn, caller, body)?),
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
    let (id, patch, expected) = (id.into_inner(), body.0, if_match.expected());
    let role = state
        .db(move |conn| Ok(crm_app::roles::update(conn, &caller, id, expected, patch)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(role.version))
        .json(role))
}

/// Delete a custom role nobody holds (built-in roles cannot be deleted).
#[utoipa::path(tag = "roles", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
#[delete("/roles/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::roles::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
