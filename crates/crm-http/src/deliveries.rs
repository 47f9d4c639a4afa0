//! `/deliveries`: the HTTP side of `crm_app::deliveries` — scheduled
//! e-mail of a saved report or dashboard, each recipient getting their own
//! rows, and "send now".

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::deliveries::{
    Delivery, DeliveryPatch, DeliveryQuery, DeliverySent, NewDelivery,
};
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

/// The deliveries the caller saved (every one for an administrator), by
/// name; `of` keeps those of one report or dashboard.
#[utoipa::path(tag = "reports", params(DeliveryQuery), responses(
    (status = 200, body = Page<Delivery>),
    (status = 400, body = Problem, content_type = "application/problem+json")))]
#[get("/deliveries")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<DeliveryQuery>,
) -> Result<web::Json<Page<Delivery>>, ApiError> {
    let of = query.0.of;
    let items = state
        .db(move |conn| Ok(crm_app::deliveries::list(conn, &caller, of)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// A delivery the caller saved (any, for an administrator).
#[utoipa::path(tag = "reports", params(("id" = Uuid, Path)), responses((status = 200, body = Delivery), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/deliveries/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let delivery = state
        .db(move |conn| Ok(crm_app::deliveries::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(delivery.version))
        .json(delivery))
}

/// Schedule a saved report or dashboard the caller sees (sent to anyone
/// but the caller, it must be shared). Each recipient's mail is run as
/// them; an empty one is not sent.
#[utoipa::path(tag = "reports", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewDelivery, responses((status = 201, body = Delivery), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/deliveries")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewDelivery>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    // Refused before the idempotency record, as before any write.
    let (checker, checked) = (caller.clone(), body.clone());
    state
        .db(move |conn| {
            crm_app::deliveries::check_new(conn, &checker, &checked)?;
            Ok(())
        })
        .await?;
    let answer = idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/deliveries",
        body,
        |conn, caller, body| Ok(crm_app::deliveries::create(conn, caller, body)?),
    )
    .await;
    state.jobs.wake();
    answer
}

/// Change a delivery's name, schedule, format, recipients or whether it is
/// active.
#[utoipa::path(tag = "reports", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = DeliveryPatch, responses((status = 200, body = Delivery), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/deliveries/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<DeliveryPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch, expected) = (id.into_inner(), body.0, if_match.expected());
    let delivery = state
        .db(move |conn| {
            Ok(crm_app::deliveries::update(
                conn, &caller, id, expected, patch,
            )?)
        })
        .await?;
    state.jobs.wake();
    Ok(HttpResponse::Ok()
        .insert_header(etag(delivery.version))
        .json(delivery))
}

#[utoipa::path(tag = "reports", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/deliveries/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::deliveries::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send it now to every recipient, whatever the schedule (each mail
/// still only their rows, and none when empty).
#[utoipa::path(tag = "reports", params(("id" = Uuid, Path)), responses((status = 202, body = DeliverySent), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/deliveries/{id}/send")]
pub async fn send(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let sent = state
        .db(move |conn| Ok(crm_app::deliveries::send_now(conn, &caller, id)?))
        .await?;
    state.jobs.wake();
    Ok(HttpResponse::Accepted().json(sent))
}
