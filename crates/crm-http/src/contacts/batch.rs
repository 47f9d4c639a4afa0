//! `POST /contacts/batch`: up to 1,000 contacts created, updated or upserted
//! by external id in one transaction (the engine is
//! `crm_app::contacts::batch`), retry-safe with an `Idempotency-Key`.

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

/// Create, update or upsert up to 1,000 contacts in one request.
///
/// Records are `ContactPatch` bodies (`id` added in `update` mode; `name`
/// and a customer — `customer_id` or `customer_external_id`, an
/// organisation you can see — for new contacts). One transaction,
/// multi-row statements; unchanged records write and log nothing. Send an
/// `Idempotency-Key` to retry safely.
#[utoipa::path(
    tag = "contacts",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-record results", body = BatchResponse),
        (status = 422, description = "Malformed batch, or `all_or_none` with failures (`records[i].field`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contacts/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<BatchRequest, { batches::BODY_LIMIT }>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Contacts, Action::Read)?;
    idempotency::batch(
        &state,
        caller,
        key,
        "/api/v1/contacts/batch",
        body.0,
        |conn, caller, body: BatchRequest| {
            Ok(crm_app::contacts::batch::run_in(conn, caller, body)?)
        },
    )
    .await
}
