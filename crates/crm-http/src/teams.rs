//! `/teams`: the HTTP side of `crm_app::teams` (the team tree scopes are
//! computed from).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::access::{NewTeam, Team, TeamPatch};
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

#[utoipa::path(tag = "teams", responses((status = 200, body = Page<Team>), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/teams")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Team>>, ApiError> {
    let items = state
        .db(move |conn| Ok(crm_app::teams::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(tag = "teams", params(("id" = Uuid, Path)), responses((status = 200, body = Team), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/teams/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let team = state
        .db(move |conn| Ok(crm_app::teams::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(team.version))
        .json(team))
}

#[utoipa::path(tag = "teams", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewTeam, responses((status = 201, body = Team), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/teams")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewTeam>,
) -> Result<HttpResponse, ApiError> {
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/teams",
        body.0,
        |conn, caller, body| Ok(crm_app::teams::create(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(tag = "teams", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = TeamPatch, responses((status = 200, body = Team), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "The name is taken by another team", body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/teams/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<TeamPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch, expected) = (id.into_inner(), body.0, if_match.expected());
    let team = state
        .db(move |conn| Ok(crm_app::teams::update(conn, &caller, id, expected, patch)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(team.version))
        .json(team))
}

/// Delete a team that has no members, child teams or customers (409 otherwise).
#[utoipa::path(tag = "teams", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
#[delete("/teams/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::teams::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
