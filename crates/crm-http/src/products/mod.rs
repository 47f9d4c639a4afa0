//! `/products`: the catalogue. Anyone whose role may read products sees
//! all of them (products have no owner); writing needs the `all` scope.
//! POST, PATCH, PUT by external id and the batch share `write::write`.

pub mod export;
pub mod write;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::products::{NewProduct, Product, ProductPatch, ProductQuery};
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, lock_workspace, transaction};
use crm_db::paging::SortValue;
use crm_db::products::{ProductFilter, ProductRow, ProductSort};
use crm_domain::access::{Action, ObjectType};
use crm_domain::money::Money;
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

const SORTS: [(&str, ProductSort); 4] = [
    ("created_at", ProductSort::CreatedAt),
    ("updated_at", ProductSort::UpdatedAt),
    ("name", ProductSort::Name),
    ("sku", ProductSort::Sku),
];

pub fn view(row: ProductRow) -> Product {
    let f = row.fields;
    Product {
        id: row.id.0,
        sku: f.sku,
        name: f.name,
        external_id: f.external_id,
        category: f.category,
        unit: f.unit,
        price: match (f.price_minor, f.currency) {
            (Some(amount_minor), Some(currency)) => Some(Money {
                amount_minor,
                currency,
            }),
            _ => None,
        },
        active: f.active,
        description: f.description,
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        updated_by: row.updated_by.map(Uuid::from),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// A create body as the patch the write path takes.
fn as_patch(n: NewProduct) -> ProductPatch {
    ProductPatch {
        sku: Some(n.sku),
        name: Some(n.name),
        external_id: Some(n.external_id),
        category: Some(n.category),
        unit: Some(n.unit),
        price: Some(n.price),
        active: n.active,
        description: Some(n.description),
    }
}

/// Writes one record; its refusal becomes the matching status.
fn write_one(
    conn: &mut AnyConnection,
    caller: &Caller,
    mode: BatchMode,
    target: Target,
    body: ProductPatch,
    expected_version: Option<i32>,
) -> Result<(RecordStatus, Product), ApiError> {
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
    Ok((status, view(row)))
}

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
        |conn, caller, body| {
            let patch = as_patch(body);
            Ok(write_one(conn, caller, BatchMode::Create, Target::New, patch, None)?.1)
        },
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
    let row = state
        .db(move |conn| Ok(crm_db::products::find(conn, caller.workspace_id, id)?))
        .await?;
    let product = view(row);
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
    let filter = ProductFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        category: q.category,
        active: q.active,
        external_id: q.external_id,
        updated_from: q.updated_since.map(naive),
    };
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = state
        .db(move |conn| {
            Ok(crm_db::products::list(
                conn,
                caller.workspace_id,
                &filter,
                &keyset,
            )?)
        })
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
        view,
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
    let (_, product) = state
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
    crate::upsert::same_key(&patch.external_id, &key)?;
    let (status, product) = state
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
    let location = format!("/api/v1/products/{}", product.id);
    Ok(crate::upsert::answer(
        status == RecordStatus::Created,
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
        .db(move |conn| {
            let keys = [key];
            let found = crm_db::products::find_by_external_ids(conn, caller.workspace_id, &keys)?;
            found.into_iter().next().ok_or(ApiError::NotFound)
        })
        .await?;
    let record = view(record);
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
        |conn, caller, body: BatchRequest| {
            let mode = body.mode;
            let (records, failed) = batches::parse::<ProductPatch>(mode, body.records, |p| {
                p.external_id.clone().flatten()
            })?;
            let mut outcomes = write::write(conn, caller, mode, records, None)?;
            outcomes.extend(failed.into_iter().map(|(i, e)| (i, Err(e))));
            Ok(batches::answer(
                body.all_or_none,
                outcomes,
                |r: &ProductRow| (r.id.0, r.version),
            )?)
        },
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
            transaction(conn, |conn| {
                let ws = caller.workspace_id;
                lock_workspace(conn, ws)?;
                let current = crm_db::products::find(conn, ws, id)?;
                caller.require_all(ObjectType::Products, Action::Delete)?;
                let version = if_match.check(current.version)?;
                crm_db::products::soft_delete(conn, ws, id, version, Some(caller.user_id()))?;
                caller.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
