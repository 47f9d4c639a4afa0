//! Batch writes of tickets (`POST /tickets/batch`): up to 1,000 created,
//! updated or upserted by external id in one transaction, for a call
//! centre pushing its tickets. Unlike the customer master's batches, each
//! record runs the single-write use case — customer by id or external id,
//! routing and queue filling, SLA clocks, change log — inside its own
//! savepoint: a refused record writes nothing and the others go on
//! (`all_or_none` rolls the whole batch back on any refusal). A ticket's
//! write is bound by its routing, not by its statements, so per-record
//! writes cost little here and keep one set of rules.

use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::tickets::{NewTicket, Ticket, TicketPatch};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_domain::access::{Action, ObjectType};
use serde_json::Value;

use super::{create_in, find_for_update, update_in};
use crate::batch::{self as batches, Outcome, RecordError, Target, parse_body, reject_repeats};
use crate::{Actor, AppError, Expected};

/// Runs the batch in one transaction (the workspace locked).
pub fn run(
    conn: &mut AnyConnection,
    actor: &Actor,
    request: BatchRequest,
) -> Result<BatchResponse, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        run_in(conn, actor, request)
    })
}

/// [`run`] inside the caller's transaction, the workspace locked.
pub fn run_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    request: BatchRequest,
) -> Result<BatchResponse, AppError> {
    actor.require(ObjectType::Tickets, Action::Read)?;
    let mode = request.mode;
    let (records, mut failed) =
        batches::parse::<serde_json::Map<String, Value>>(mode, request.records, |body| {
            body.get("external_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })?;
    let records = reject_repeats(
        records,
        batches::target_field,
        |r| match &r.target {
            Target::New => r
                .body
                .get("external_id")
                .and_then(Value::as_str)
                .map(|k| Target::Key(k.to_owned())),
            t => Some(t.clone()),
        },
        &mut failed,
    );
    let mut outcomes: Vec<(usize, Outcome<Ticket>)> =
        failed.into_iter().map(|(i, e)| (i, Err(e))).collect();
    for record in records {
        let body = Value::Object(record.body);
        // A savepoint per record: a refusal undoes that record only.
        let outcome = match transaction(conn, |conn| one(conn, actor, mode, &record.target, body)) {
            Ok(written) => Ok(written),
            Err(e) => Err(refusal(e)?),
        };
        outcomes.push((record.index, outcome));
    }
    batches::answer(request.all_or_none, outcomes, |t: &Ticket| {
        (t.id, t.version)
    })
}

/// A record's refusal, or the error that fails the whole batch (the
/// database or the server, not the record).
fn refusal(e: AppError) -> Result<RecordError, AppError> {
    match e {
        AppError::Validation(_)
        | AppError::Forbidden(_)
        | AppError::Conflict { .. }
        | AppError::NotFound
        | AppError::Stale => Ok(e.into()),
        other => Err(other),
    }
}

/// Writes one record: a new ticket, or a merge patch of the one named.
fn one(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    target: &Target,
    body: Value,
) -> Result<(RecordStatus, Ticket), AppError> {
    let existing = match target {
        Target::New => None,
        Target::Id(id) => Some(*id),
        Target::Key(key) => crm_db::tickets::id_by_external_id(conn, actor.workspace_id, key)?,
    };
    match (existing, target) {
        (Some(id), _) => {
            // A ticket the actor may not see is not found, before its body is read.
            let before = find_for_update(conn, actor, id)?.version;
            let patch: TicketPatch = parse_body(body).map_err(RecordError::into_app)?;
            let ticket = update_in(conn, actor, id, Expected(None), patch)?;
            let status = if ticket.version == before {
                RecordStatus::Unchanged
            } else {
                RecordStatus::Updated
            };
            Ok((status, ticket))
        }
        (None, Target::Id(_)) => Err(AppError::NotFound),
        (None, Target::Key(_)) if mode == BatchMode::Update => Err(AppError::Validation(
            RecordError::NotFound("external_id").into_fields(),
        )),
        (None, _) => {
            let new: NewTicket = parse_body(body).map_err(RecordError::into_app)?;
            Ok((RecordStatus::Created, create_in(conn, actor, new)?))
        }
    }
}
