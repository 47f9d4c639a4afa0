//! `/customers`: create, read, list, merge-patch and soft-delete customers
//! (the use cases are `crm_app::customers`), every query scoped by the
//! caller's visibility.

pub mod batch;
pub mod export;
pub mod upsert;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::customers::{Customer, CustomerPatch, CustomerQuery, NewCustomer};
use crm_api_types::{Page, Problem};
use crm_db::customers::CustomerSort;
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, CustomerSort); 6] = [
    ("created_at", CustomerSort::CreatedAt),
    ("updated_at", CustomerSort::UpdatedAt),
    ("name", CustomerSort::Name),
    ("order_count", CustomerSort::OrderCount),
    ("revenue", CustomerSort::Revenue),
    ("last_order_on", CustomerSort::LastOrderOn),
];

/// Create a customer. Owner defaults to the caller, team to the owner's team.
#[utoipa::path(
    tag = "customers",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h; another body with the key is 422")),
    request_body = NewCustomer,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Customer),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not create customers, or not for that owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`external_id` is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewCustomer>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Customers, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/customers",
        body.0,
        |conn, caller, body| Ok(crm_app::customers::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer; `ETag` carries its version", body = Customer),
        (status = 404, description = "No such customer, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}")]
pub async fn get(bearer: Bearer, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let customer = bearer
        .read_confirmed(move |conn, caller| crm_app::customers::get(conn, caller, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(customer.version))
        .json(customer))
}

pub(crate) use crm_app::customers::filter::filter_of;

/// List customers visible to the caller, newest first by default.
///
/// Keyset-paginated: pass `next_cursor` as `cursor` for the next page; rows
/// added meanwhile are neither skipped nor repeated. No total count is computed.
#[utoipa::path(
    tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, body = Page<Customer>),
        (status = 400, description = "Bad filter, sort, limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers")]
pub async fn list(
    state: web::Data<AppState>,
    bearer: Bearer,
    query: ApiQuery<CustomerQuery>,
) -> Result<web::Json<Page<Customer>>, ApiError> {
    let query = query.0;
    let filter = filter_of(&query)?;
    let (keyset, sort_key) = keyset(
        query.sort.as_deref(),
        query.cursor.as_deref(),
        query.limit,
        &SORTS,
    )?;
    let (field, limit) = (keyset.field, keyset.limit);
    let freshness = state.rfm_freshness();
    let customers = bearer
        .read_confirmed(move |conn, caller| {
            crm_app::customers::list(conn, caller, filter.clone(), &keyset, &freshness)
        })
        .await?;
    let (items, next_cursor) = page(
        customers,
        limit,
        &sort_key,
        |c| {
            let metrics = c.metrics.as_ref();
            let v = match field {
                CustomerSort::CreatedAt => SortValue::Time(c.created_at.naive_utc()),
                CustomerSort::UpdatedAt => SortValue::Time(c.updated_at.naive_utc()),
                CustomerSort::Name => SortValue::Text(c.name.clone()),
                CustomerSort::OrderCount => {
                    SortValue::Int(metrics.map_or(0, |m| i64::from(m.order_count)))
                }
                CustomerSort::Revenue => SortValue::Int(metrics.map_or(0, |m| m.revenue_minor)),
                CustomerSort::LastOrderOn => SortValue::Date(
                    metrics.map_or(crm_db::customers::NO_LAST_ORDER, |m| m.last_order_on),
                ),
            };
            (v, c.id)
        },
        |c| c,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch a customer. Send `If-Match` with the `ETag` you read to be
/// told (412) when someone else changed it meanwhile.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you edited")),
    request_body = CustomerPatch,
    responses(
        (status = 200, body = Customer),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed by someone else since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/customers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<CustomerPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch) = (id.into_inner(), body.0);
    let customer = state
        .db(move |conn| {
            Ok(crm_app::customers::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(customer.version))
        .json(customer))
}

/// Soft-delete a customer and its contacts; the deletion appears in the change log.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/customers/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::customers::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
