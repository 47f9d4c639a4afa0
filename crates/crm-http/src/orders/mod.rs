//! `/orders`: what customers bought. Orders have their own owner and team
//! (by default their customer's) and are visible by the same scopes as
//! customers. POST, PATCH, PUT by external id and the batch share
//! `write::write`.

pub mod export;
mod refs;
pub mod write;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::orders::{NewOrder, Order, OrderLine, OrderPatch, OrderQuery};
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, lock_workspace, transaction};
use crm_db::orders::{LineRow, OrderFilter, OrderRow, OrderSort};
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType, Ownership};
use crm_domain::money::Money;
use crm_domain::orders::quantity_of;
use crm_domain::sales::OrderStatus;
use uuid::Uuid;

use crate::batch::{self as batches, Record, Target};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;
use crate::views::{naive, utc};

pub use write::ENTITY;

const SORTS: [(&str, OrderSort); 3] = [
    ("order_date", OrderSort::OrderDate),
    ("created_at", OrderSort::CreatedAt),
    ("updated_at", OrderSort::UpdatedAt),
];

pub fn view(row: OrderRow, lines: Vec<LineRow>) -> Order {
    let f = row.fields;
    let money = |amount_minor| Money {
        amount_minor,
        currency: f.currency.clone(),
    };
    Order {
        id: row.id.0,
        customer_id: f.customer_id.0,
        external_id: f.external_id.clone(),
        order_date: f.order_date,
        status: OrderStatus::parse(&f.status).unwrap_or(OrderStatus::Confirmed),
        currency: f.currency.clone(),
        lines: lines
            .into_iter()
            .map(|l| OrderLine {
                line_no: l.line_no,
                product_id: l.product_id.0,
                quantity: quantity_of(l.quantity_milli),
                unit_price_minor: l.unit_price_minor,
                discount_minor: l.discount_minor,
                amount_minor: l.amount_minor,
            })
            .collect(),
        subtotal: money(f.subtotal_minor),
        discount: money(f.discount_minor),
        total: money(f.total_minor),
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        note: f.note.clone(),
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        updated_by: row.updated_by.map(Uuid::from),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// The order with its lines.
fn with_lines(conn: &mut AnyConnection, ws: Uuid, row: OrderRow) -> Result<Order, ApiError> {
    let lines = crm_db::orders::lines_of(conn, ws, &[row.id.0])?
        .remove(&row.id.0)
        .unwrap_or_default();
    Ok(view(row, lines))
}

/// A create body as the patch the write path takes.
fn as_patch(n: NewOrder) -> OrderPatch {
    OrderPatch {
        customer_id: n.customer_id,
        customer_external_id: n.customer_external_id,
        external_id: Some(n.external_id),
        order_date: Some(n.order_date),
        status: n.status,
        currency: Some(n.currency),
        lines: Some(n.lines),
        owner_id: n.owner_id.map(Some),
        note: Some(n.note),
    }
}

/// Writes one record; its refusal becomes the matching status.
fn write_one(
    conn: &mut AnyConnection,
    caller: &Caller,
    mode: BatchMode,
    target: Target,
    body: OrderPatch,
    expected_version: Option<i32>,
) -> Result<(RecordStatus, Order), ApiError> {
    let record = Record {
        index: 0,
        target,
        body,
    };
    let outcome = write::write(conn, caller, mode, vec![record], expected_version)?
        .pop()
        .map(|(_, o)| o)
        .ok_or_else(|| ApiError::internal("no outcome for the record"))?;
    let (status, row) = outcome.map_err(|e| ApiError::from(e.into_app()))?;
    Ok((status, with_lines(conn, caller.workspace_id, row)?))
}

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
        |conn, caller, body| {
            let patch = as_patch(body);
            Ok(write_one(conn, caller, BatchMode::Create, Target::New, patch, None)?.1)
        },
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
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let order = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Orders, Action::Read)?;
            let row = crm_db::orders::find(conn, &vis, id)?;
            with_lines(conn, caller.workspace_id, row)
        })
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
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<OrderQuery>,
) -> Result<web::Json<Page<Order>>, ApiError> {
    let q = query.0;
    let sort = q.sort.as_deref().or(Some("-order_date"));
    let (keyset, sort_key) = keyset(sort, q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = OrderFilter {
        customer_id: q.customer_id,
        status: q.status.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
        external_id: q.external_id,
        date_from: q.date_from,
        date_to: q.date_to,
        updated_from: q.updated_since.map(naive),
    };
    let (field, limit) = (keyset.field, keyset.limit);
    let (rows, mut lines) = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Orders, Action::Read)?;
            let rows = crm_db::orders::list(conn, &vis, &filter, &keyset)?;
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
            let lines = crm_db::orders::lines_of(conn, caller.workspace_id, &ids)?;
            Ok((rows, lines))
        })
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                OrderSort::OrderDate => SortValue::Date(r.fields.order_date),
                OrderSort::CreatedAt => SortValue::Time(r.created_at),
                OrderSort::UpdatedAt => SortValue::Time(r.updated_at),
            };
            (v, r.id.0)
        },
        |r| {
            let l = lines.remove(&r.id.0).unwrap_or_default();
            view(r, l)
        },
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
    let (_, order) = state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                write_one(
                    conn,
                    &caller,
                    BatchMode::Update,
                    Target::Id(id),
                    patch,
                    if_match.0,
                )
            })
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
    crate::upsert::same_key(&patch.external_id, &key)?;
    let (status, order) = state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                write_one(
                    conn,
                    &caller,
                    BatchMode::Upsert,
                    Target::Key(key),
                    patch,
                    if_match.0,
                )
            })
        })
        .await?;
    let location = format!("/api/v1/orders/{}", order.id);
    Ok(crate::upsert::answer(
        status == RecordStatus::Created,
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
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Orders, Action::Read)?;
            let keys = [key];
            let found = crm_db::orders::find_by_external_ids(conn, caller.workspace_id, &keys)?;
            let id = found
                .first()
                .map(|row| row.id.0)
                .ok_or(ApiError::NotFound)?;
            let row = crm_db::orders::find(conn, &vis, id)?;
            with_lines(conn, caller.workspace_id, row)
        })
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
        |conn, caller, body: BatchRequest| {
            let mode = body.mode;
            let (records, failed) = batches::parse::<OrderPatch>(mode, body.records, |p| {
                p.external_id.clone().flatten()
            })?;
            let mut outcomes = write::write(conn, caller, mode, records, None)?;
            outcomes.extend(failed.into_iter().map(|(i, e)| (i, Err(e))));
            Ok(batches::answer(
                body.all_or_none,
                outcomes,
                |r: &OrderRow| (r.id.0, r.version),
            )?)
        },
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
            transaction(conn, |conn| {
                let ws = caller.workspace_id;
                lock_workspace(conn, ws)?;
                let read = caller.visibility(conn, ObjectType::Orders, Action::Read)?;
                let current = crm_db::orders::find(conn, &read, id)?;
                let scope = caller.require(ObjectType::Orders, Action::Delete)?;
                let principal = caller.principal(conn, scope)?;
                let ownership = Ownership {
                    owner_id: current.fields.owner_id.map(Uuid::from),
                    team_id: current.fields.team_id.map(Uuid::from),
                };
                if !scope.covers(&principal, ownership) {
                    return Err(ApiError::Forbidden(
                        "your role may not delete this order".into(),
                    ));
                }
                let version = if_match.check(current.version)?;
                crm_db::orders::soft_delete(conn, ws, id, version, Some(caller.user_id()))?;
                caller.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
