//! `POST /tickets/batch`: up to 1,000 tickets created, updated or upserted
//! by external id in one transaction (the engine is
//! `crm_app::tickets::batch`), retry-safe with an `Idempotency-Key`.

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

/// Create, update or upsert up to 1,000 tickets in one request.
///
/// Records are `NewTicket` bodies for new tickets (a customer by
/// `customer_id` or `customer_external_id`, `subject`, `ticket_type`) and
/// `TicketPatch` bodies for existing ones (`id` added in `update` mode;
/// `external_id` names the ticket in `upsert` mode). Each record is
/// written as the single-ticket endpoints write it — routed by the
/// assignment rules, SLA clocks set — and a refused record writes
/// nothing. Send an `Idempotency-Key` to retry safely.
#[utoipa::path(
    tag = "tickets",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-record results", body = BatchResponse),
        (status = 422, description = "Malformed batch, or `all_or_none` with failures (`records[i].field`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<BatchRequest, { batches::BODY_LIMIT }>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Tickets, Action::Read)?;
    idempotency::batch(
        &state,
        caller,
        key,
        "/api/v1/tickets/batch",
        body.0,
        |conn, caller, body: BatchRequest| Ok(crm_app::tickets::batch::run_in(conn, caller, body)?),
    )
    .await
}
