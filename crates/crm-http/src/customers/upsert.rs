//! `PUT /customers/by-external-id/{external_id}`: create or update a
//! customer by the key of the system it comes from (an ERP's customer
//! number); `GET` on the same path reads it. The use case is
//! `crm_app::customers::upsert`.

use actix_web::{HttpResponse, get, put, web};
use crm_api_types::Problem;
use crm_api_types::customers::{Customer, CustomerPatch};

use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch};
use crate::state::AppState;

/// Create or update the customer with this external id.
///
/// 201 with `Location` when it was created, 200 when it existed. The body is
/// a merge patch (absent = unchanged, `null` = clear); creating needs `kind`
/// and `name`. A body `external_id` must equal the path's. A record with this
/// external id that the caller may not see answers 404, like any hidden record.
#[utoipa::path(
    tag = "customers",
    params(
        ("external_id" = String, Path, description = "The customer's key in your system"),
        ("If-Match" = Option<String>, Header, description = "When updating: ETag of the version you read"),
    ),
    request_body = CustomerPatch,
    responses(
        (status = 200, description = "Updated", body = Customer),
        (status = 201, description = "Created; `Location` names it", body = Customer),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The record exists but is not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/customers/by-external-id/{external_id}")]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<CustomerPatch>,
) -> Result<HttpResponse, ApiError> {
    let (external_id, patch) = (external_id.into_inner(), body.0);
    let expected = if_match.expected();
    let (customer, was_created): (Customer, bool) = state
        .db(move |conn| {
            Ok(crm_app::customers::upsert(
                conn,
                &caller,
                external_id,
                expected,
                patch,
            )?)
        })
        .await?;
    let location = format!("/api/v1/customers/{}", customer.id);
    Ok(crate::upsert::answer(
        was_created,
        location,
        customer.version,
        customer,
    ))
}

/// Read the customer with this external id (your system's key for it).
///
/// The same record and `ETag` as `GET /customers/{id}`; 404 when no live customer
/// has this key in your workspace or you may not see it.
#[utoipa::path(
    tag = "customers",
    params(("external_id" = String, Path, description = "The customer's key in your system")),
    responses(
        (status = 200, description = "The customer; `ETag` carries its version", body = Customer),
        (status = 404, description = "No such customer, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/by-external-id/{external_id}")]
pub async fn get_by_external_id(
    bearer: Bearer,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = bearer
        .read_confirmed(move |conn, caller| {
            crm_app::customers::get_by_external_id(conn, caller, &key)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(crate::extract::etag(record.version))
        .json(record))
}
