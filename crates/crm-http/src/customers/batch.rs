//! `POST /customers/batch`: up to 1,000 customers created, updated or
//! upserted by external id in one transaction (the engine is
//! `crm_app::customers::batch`), retry-safe with an `Idempotency-Key`.

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

/// Create, update or upsert up to 1,000 customers in one request.
///
/// Records are `CustomerPatch` bodies (`id` added in `update` mode; the
/// create body's required fields for new records). Written with multi-row
/// statements in one transaction; unchanged records write nothing and log
/// nothing. Send an `Idempotency-Key` to retry safely.
#[utoipa::path(
    tag = "customers",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-record results", body = BatchResponse),
        (status = 422, description = "Malformed batch, or `all_or_none` with failures (`records[i].field`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<BatchRequest, { batches::BODY_LIMIT }>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Customers, Action::Read)?;
    idempotency::batch(
        &state,
        caller,
        key,
        "/api/v1/customers/batch",
        body.0,
        |conn, caller, body: BatchRequest| {
            Ok(crm_app::customers::batch::run_in(conn, caller, body)?)
        },
    )
    .await
}
