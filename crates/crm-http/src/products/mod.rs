//! `/products`: the HTTP side of `crm_app::products` (the catalogue): each
//! handler reads the request, calls the use case and answers with status,
//! `ETag` and `Location`. List paging is read here.

pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::batch::{BatchRequest, BatchResponse};
use crm_api_types::products::{NewProduct, Product, ProductPatch, ProductQuery};
use crm_api_types::{Page, Problem};
use crm_db::paging::SortValue;
use crm_db::products::ProductSort;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::batch as batches;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, ProductSort); 4] = [
    ("created_at", ProductSort::CreatedAt),
    ("updated_at", ProductSort::UpdatedAt),
    ("name", ProductSort::Name),
    ("sku", ProductSort::Sku),
];

/// Create a product.
#[utoipa::path(
    tag = "products",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")),
    request_body = NewProduct,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Product),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`sku` or `external_id` is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/products")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewProduct>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Products, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/products",
        body.0,
        |conn, caller, body| Ok(crm_app::products::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The product; `ETag` carries its version", body = Product),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Products, Action::Read)?;
    let id = id.into_inner();
    let product = state
        .db(move |conn| Ok(crm_app::products::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(product.version))
        .json(product))
}

/// List products, newest first by default; keyset-paginated.
#[utoipa::path(
    tag = "products",
    params(ProductQuery),
    responses(
        (status = 200, body = Page<Product>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ProductQuery>,
) -> Result<web::Json<Page<Product>>, ApiError> {
    caller.require(ObjectType::Products, Action::Read)?;
    let q = query.0;
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = crm_app::products::filter(&q);
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = state
        .db(move |conn| Ok(crm_app::products::list(conn, &caller, &filter, &keyset)?))
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                ProductSort::CreatedAt => SortValue::Time(r.created_at),
                ProductSort::UpdatedAt => SortValue::Time(r.updated_at),
                ProductSort::Name => SortValue::Text(r.fields.name.clone()),
                ProductSort::Sku => SortValue::Text(r.fields.sku.clone()),
            };
            (v, r.id.0)
        },
        crm_app::products::view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch a product; `If-Match` guards against lost updates.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = ProductPatch,
    responses(
        (status = 200, body = Product),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/products/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ProductPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Products, Action::Read)?;
    let (id, patch) = (id.into_inner(), body.0);
    let product = state
        .db(move |conn| {
            Ok(crm_app::products::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(product.version))
        .json(product))
}

/// Create or update the product with this external id (merge patch; a
/// create needs `sku` and `name`). 201 when created, 200 when it existed.
#[utoipa::path(
    tag = "products",
    params(
        ("external_id" = String, Path, description = "The product's key in your system"),
        ("If-Match" = Option<String>, Header),
    ),
    request_body = ProductPatch,
    responses(
        (status = 200, description = "Updated (or unchanged)", body = Product),
        (status = 201, description = "Created", body = Product),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/products/by-external-id/{external_id}")]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<ProductPatch>,
) -> Result<HttpResponse, ApiError> {
    let (key, patch) = (external_id.into_inner(), body.0);
    let (product, created) = state
        .db(move |conn| {
            Ok(crm_app::products::upsert(
                conn,
                &caller,
                key,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    let location = format!("/api/v1/products/{}", product.id);
    Ok(crate::upsert::answer(
        created,
        location,
        product.version,
        product,
    ))
}

/// Read the product with this external id (your system's key for it).
///
/// The same record and `ETag` as `GET /products/{id}`; 404 when no live product
/// has this key in your workspace or you may not see it.
#[utoipa::path(
    tag = "products",
    params(("external_id" = String, Path, description = "The product's key in your system")),
    responses(
        (status = 200, description = "The product; `ETag` carries its version", body = Product),
        (status = 404, description = "No such product, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products/by-external-id/{external_id}")]
pub async fn get_by_external_id(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Products, Action::Read)?;
    let key = external_id.into_inner();
    let record = state
        .db(move |conn| Ok(crm_app::products::get_by_external_id(conn, &caller, &key)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.version))
        .json(record))
}

/// Create, update or upsert up to 1,000 products in one request.
///
/// Records are `ProductPatch` bodies (`id` added in `update` mode). Written
/// with multi-row statements in one transaction; unchanged records write
/// nothing. Send an `Idempotency-Key` to retry safely.
#[utoipa::path(
    tag = "products",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-record results", body = BatchResponse),
        (status = 422, description = "Malformed batch, or `all_or_none` with failures (`records[i].field`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/products/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<BatchRequest, { batches::BODY_LIMIT }>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Products, Action::Read)?;
    idempotency::batch(
        &state,
        caller,
        key,
        "/api/v1/products/batch",
        body.0,
        |conn, caller, body: BatchRequest| Ok(crm_app::products::write::run(conn, caller, body)?),
    )
    .await
}

/// Soft-delete a product; order lines keep referring to it.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/products/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Products, Action::Read)?;
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::products::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
