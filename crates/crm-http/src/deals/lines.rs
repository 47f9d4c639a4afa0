//! `/deals/{id}/lines`: the HTTP side of `crm_app::deals::lines` (the
//! products on a deal, read and replaced as a whole; `ETag` and `If-Match`
//! carry the deal's version).

use actix_web::{HttpResponse, get, put, web};
use crm_api_types::Problem;
use crm_api_types::deals::{DealLines, DealLinesInput};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::state::AppState;

/// The products on a deal, with the deal.
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The deal and its lines; `ETag` carries the deal's version", body = DealLines),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deals/{id}/lines")]
pub async fn lines(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state
        .db(move |conn| Ok(crm_app::deals::lines::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(found.deal.version))
        .json(found))
}

/// Replace the products on a deal.
///
/// Whoever may update the deal. Each line names its product by exactly one
/// of `product_id`, `product_external_id` or `sku`; the unit price defaults
/// to the product's list price in the deal's currency. With lines, the
/// deal's amount becomes their total (and `PATCH` may no longer change
/// it); an empty list removes the lines and keeps the amount.
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = DealLinesInput,
    responses(
        (status = 200, description = "The deal with its new amount and version, and its lines", body = DealLines),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A line names no product of the workspace, or its figures do not add up", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/deals/{id}/lines")]
pub async fn replace_lines(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<DealLinesInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.0);
    let found = state
        .db(move |conn| {
            Ok(crm_app::deals::lines::replace(
                conn,
                &caller,
                id,
                if_match.expected(),
                body,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(found.deal.version))
        .json(found))
}
