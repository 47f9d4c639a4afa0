//! `/tags`: the workspace's static tags (the use cases are `crm_app::tags`).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::tags::{NewTag, Tag, TagPatch};
use crm_api_types::{Page, Problem};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

#[utoipa::path(tag = "tags", responses((status = 200, body = Page<Tag>)))]
#[get("/tags")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Tag>>, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Read)?;
    let items = state
        .db(move |conn| Ok(crm_app::tags::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(tag = "tags", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewTag, responses((status = 201, body = Tag), (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/tags")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewTag>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Create)?;
    crm_app::tags::check_new(&body.0)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/tags",
        body.0,
        |conn, caller, body| Ok(crm_app::tags::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(tag = "tags", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = TagPatch, responses((status = 200, body = Tag), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json")))]
#[patch("/tags/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<TagPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Update)?;
    let (id, patch) = (id.into_inner(), body.0);
    let tag = state
        .db(move |conn| {
            Ok(crm_app::tags::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(tag.version))
        .json(tag))
}

/// Delete a tag and remove it from every customer.
#[utoipa::path(tag = "tags", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/tags/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Delete)?;
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::tags::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
