//! `POST /deals/batch`: up to 1,000 deals created, updated or upserted by
//! external id in one transaction (`crm_app::deals::batch`), retry-safe
//! with an `Idempotency-Key`.

use actix_web::{HttpResponse, post, web};
use crm_api_types::Problem;
use crm_api_types::batch::{BatchRequest, BatchResponse};
use crm_domain::access::{Action, ObjectType};

use crate::batch as batches;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

/// Create, update or upsert up to 1,000 deals in one request.
///
/// A record that creates a deal is a `NewDeal` body (`name`, `amount`, a
/// customer by `customer_id` or `customer_external_id`); one that changes a
/// deal is a `DealPatch` (`id` added in `update` mode). A new stage is
/// recorded in the stage history. One transaction, multi-row statements;
/// unchanged records write and log nothing. Send an `Idempotency-Key` to
/// retry safely.
#[utoipa::path(
    tag = "deals",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-record results", body = BatchResponse),
        (status = 422, description = "Malformed batch, or `all_or_none` with failures (`records[i].field`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/deals/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<BatchRequest, { batches::BODY_LIMIT }>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Deals, Action::Read)?;
    idempotency::batch(
        &state,
        caller,
        key,
        "/api/v1/deals/batch",
        body.0,
        |conn, caller, body: BatchRequest| Ok(crm_app::deals::batch::run(conn, caller, body)?),
    )
    .await
}
