//! `/orders`: the HTTP side of `crm_app::orders` (what customers bought):
//! each handler reads the request, calls the use case and answers with
//! status, `ETag` and `Location`. List paging is read here.

pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::batch::{BatchRequest, BatchResponse};
use crm_api_types::orders::{NewOrder, Order, OrderPatch, OrderQuery};
use crm_api_types::{Page, Problem};
use crm_db::orders::OrderSort;
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::batch as batches;
use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, OrderSort); 3] = [
    ("order_date", OrderSort::OrderDate),
    ("created_at", OrderSort::CreatedAt),
    ("updated_at", OrderSort::UpdatedAt),
];

/// Create an order; the server computes line amounts and totals.
#[utoipa::path(
    tag = "orders",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")),
    request_body = NewOrder,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Order),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`external_id` is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors, lines as `lines[i].field`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewOrder>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Orders, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/orders",
        body.0,
        |conn, caller, body| Ok(crm_app::orders::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The order with its lines; `ETag` carries its version", body = Order),
        (status = 404, description = "No such order, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}")]
pub async fn get(bearer: Bearer, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let order = bearer
        .read_confirmed(move |conn, caller| crm_app::orders::get(conn, caller, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(order.version))
        .json(order))
}

/// List visible orders, newest order date first by default; keyset-paginated.
#[utoipa::path(
    tag = "orders",
    params(OrderQuery),
    responses(
        (status = 200, body = Page<Order>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders")]
pub async fn list(
    bearer: Bearer,
    query: ApiQuery<OrderQuery>,
) -> Result<web::Json<Page<Order>>, ApiError> {
    let q = query.0;
    let sort = q.sort.as_deref().or(Some("-order_date"));
    let (keyset, sort_key) = keyset(sort, q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = crm_app::orders::filter(&q);
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = bearer
        .read_confirmed(move |conn, caller| crm_app::orders::list(conn, caller, &filter, &keyset))
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |(r, _)| {
            let v = match field {
                OrderSort::OrderDate => SortValue::Date(r.fields.order_date),
                OrderSort::CreatedAt => SortValue::Time(r.created_at),
                OrderSort::UpdatedAt => SortValue::Time(r.updated_at),
            };
            (v, r.id.0)
        },
        |(r, lines)| crm_app::orders::view(r, lines),
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch an order; `lines`, when sent, replaces every line.
#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = OrderPatch,
    responses(
        (status = 200, body = Order),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/orders/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<OrderPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Orders, Action::Read)?;
    let (id, patch) = (id.into_inner(), body.0);
    let order = state
        .db(move |conn| {
            Ok(crm_app::orders::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(order.version))
        .json(order))
}

/// Create or update the order with this external id (the ERP's order
/// number). Merge patch; a create needs a customer, `order_date`,
/// `currency` and `lines`. 201 when created, 200 when it existed.
#[utoipa::path(
    tag = "orders",
    params(
        ("external_id" = String, Path, description = "The order's key in your system"),
        ("If-Match" = Option<String>, Header),
    ),
    request_body = OrderPatch,
    responses(
        (status = 200, description = "Updated (or unchanged)", body = Order),
        (status = 201, description = "Created", body = Order),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The order exists but is not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/orders/by-external-id/{external_id}")]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<OrderPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Orders, Action::Read)?;
    let (key, patch) = (external_id.into_inner(), body.0);
    let (order, created) = state
        .db(move |conn| {
            Ok(crm_app::orders::upsert(
                conn,
                &caller,
                key,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    let location = format!("/api/v1/orders/{}", order.id);
    Ok(crate::upsert::answer(
        created,
        location,
        order.version,
        order,
    ))
}

/// Read the order with this external id (your system's key for it).
///
/// The same record and `ETag` as `GET /orders/{id}`; 404 when no live order
/// has this key in your workspace or you may not see it.
#[utoipa::path(
    tag = "orders",
    params(("external_id" = String, Path, description = "The order's key in your system")),
    responses(
        (status = 200, description = "The order; `ETag` carries its version", body = Order),
        (status = 404, description = "No such order, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/by-external-id/{external_id}")]
pub async fn get_by_external_id(
    bearer: Bearer,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = bearer
        .read_confirmed(move |conn, caller| crm_app::orders::get_by_external_id(conn, caller, &key))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.version))
        .json(record))
}

/// Create, update or upsert up to 1,000 orders in one request.
///
/// Records are `OrderPatch` bodies (`id` added in `update` mode); customers
/// and products may be named by external id. Written with multi-row
/// statements in one transaction; unchanged records write nothing.
#[utoipa::path(
    tag = "orders",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-record results", body = BatchResponse),
        (status = 422, description = "Malformed batch, or `all_or_none` with failures (`records[i].field`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<BatchRequest, { batches::BODY_LIMIT }>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Orders, Action::Read)?;
    idempotency::batch(
        &state,
        caller,
        key,
        "/api/v1/orders/batch",
        body.0,
        |conn, caller, body: BatchRequest| Ok(crm_app::orders::write::run(conn, caller, body)?),
    )
    .await
}

/// Soft-delete an order.
#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/orders/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::orders::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
