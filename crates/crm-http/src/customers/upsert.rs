//! `PUT /customers/by-external-id/{external_id}`: create or update a
//! customer by the key of the system it comes from (an ERP's customer
//! number); `GET` on the same path reads it. Updates are merge patches like
//! `PATCH`; a create needs `kind`
//! and `name`. One transaction either way, so a retried request cannot
//! create a second record.

use actix_web::{HttpResponse, get, put, web};
use crm_api_types::Problem;
use crm_api_types::customers::{Customer, CustomerPatch, NewCustomer};
use crm_db::change_log::{lock_workspace, transaction};
use crm_domain::access::{Action, ObjectType};

use super::{create_in, update_in};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch};
use crate::state::AppState;

/// The create body a patch describes; `kind` and `name` are required.
pub(super) fn to_new(
    patch: CustomerPatch,
    external_id: Option<String>,
) -> Result<NewCustomer, ApiError> {
    crate::upsert::require_for_create(
        &[
            ("kind", patch.kind.is_some()),
            ("name", patch.name.is_some()),
        ],
        "customer",
    )?;
    Ok(NewCustomer {
        kind: patch
            .kind
            .unwrap_or(crm_domain::customer::CustomerKind::Organization),
        name: patch.name.unwrap_or_default(),
        external_id: external_id.or(patch.external_id.flatten()),
        owner_id: patch.owner_id.flatten(),
        team_id: patch.team_id.flatten(),
        industry: patch.industry.flatten(),
        size_band: patch.size_band.flatten(),
        employee_count: patch.employee_count.flatten(),
        annual_revenue: patch.annual_revenue.flatten(),
        email: patch.email.flatten(),
        phone: patch.phone.flatten(),
        website: patch.website.flatten(),
        country_code: patch.country_code.flatten(),
        province_code: patch.province_code.flatten(),
        city_code: patch.city_code.flatten(),
        district_code: patch.district_code.flatten(),
        address: patch.address.flatten(),
        gender: patch.gender.flatten(),
        birth_date: patch.birth_date.flatten(),
        source: patch.source.flatten(),
        lifecycle_stage: patch.lifecycle_stage.flatten(),
        tag_ids: patch.tag_ids.unwrap_or_default(),
        custom_fields: crate::upsert::present_values(patch.custom_fields),
    })
}

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
    crate::upsert::same_key(&patch.external_id, &external_id)?;
    let (customer, was_created): (Customer, bool) = state
        .db(move |conn| {
            transaction(conn, |conn| {
                let ws = caller.workspace_id;
                lock_workspace(conn, ws)?;
                match crm_db::customers::id_by_external_id(conn, ws, &external_id)? {
                    Some(id) => Ok((update_in(conn, &caller, id, if_match, patch)?, false)),
                    None => {
                        let scope = caller.require(ObjectType::Customers, Action::Create)?;
                        let new = to_new(patch, Some(external_id))?;
                        Ok((create_in(conn, &caller, scope, new)?, true))
                    }
                }
            })
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
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            let id = crm_db::customers::id_by_external_id(conn, caller.workspace_id, &key)?
                .ok_or(ApiError::NotFound)?;
            let row = crm_db::customers::find(conn, &vis, id)?;
            super::with_tags(conn, caller.workspace_id, row)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(crate::extract::etag(record.version))
        .json(record))
}
