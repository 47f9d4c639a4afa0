//! `/segments`: the HTTP side of `crm_app::segments` (saved rule-based
//! customer segments). A segment stores the
//! customer-list filters (fields and order metrics); its members are
//! whoever matches when asked, within the caller's visibility. Members are
//! listed and exported by `GET /customers?segment_id=…` and
//! `/customers/export?segment_id=…`, portrayed by
//! `/analytics/portrait?segment_id=…`; every analytics endpoint takes it.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::segments::{NewSegment, Segment, SegmentPatch};
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

/// List the workspace's saved segments by name (without member counts).
#[utoipa::path(tag = "segments", responses((status = 200, body = Page<Segment>)))]
#[get("/segments")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Segment>>, ApiError> {
    let items = state
        .db(move |conn| Ok(crm_app::segments::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// A segment with the number of its members the caller may see.
#[utoipa::path(tag = "segments", params(("id" = Uuid, Path)), responses((status = 200, body = Segment), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/segments/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let freshness = state.rfm_freshness();
    let segment = state
        .db(move |conn| Ok(crm_app::segments::get(conn, &caller, id, &freshness)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(segment.version))
        .json(segment))
}

#[utoipa::path(tag = "segments", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewSegment, responses((status = 201, body = Segment), (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/segments")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewSegment>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    // Refused before the idempotency record, as before any write.
    crm_app::segments::check_new(&caller, &body)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/segments",
        body,
        |conn, caller, body| Ok(crm_app::segments::create(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(tag = "segments", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = SegmentPatch, responses((status = 200, body = Segment), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/segments/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<SegmentPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch, expected) = (id.into_inner(), body.0, if_match.expected());
    let segment = state
        .db(move |conn| {
            Ok(crm_app::segments::update(
                conn, &caller, id, expected, patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(segment.version))
        .json(segment))
}

#[utoipa::path(tag = "segments", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/segments/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::segments::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
