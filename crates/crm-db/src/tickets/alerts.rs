//! SLA alerts: which warnings and escalations were sent, once per ticket,
//! clock, kind and due time; and the open tickets whose clocks the sweep
//! looks at.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::TicketRow;
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DbResult;
use crate::schema::{sla_alerts, tickets};
use crate::time::now;
use crate::types::{Id, Json};

/// The most tickets one sweep looks at.
pub const SWEEP_LIMIT: i64 = 2000;

/// The workspace's live tickets whose clocks run: not paused, not yet
/// resolved or closed.
fn clocks_running(workspace_id: Uuid) -> tickets::BoxedQuery<'static, MultiBackend> {
    tickets::table
        .filter(tickets::workspace_id.eq(Id(workspace_id)))
        .filter(tickets::deleted_at.is_null())
        .filter(tickets::paused_at.is_null())
        .filter(tickets::status.ne_all(["resolved", "closed"]))
        .into_boxed()
}

/// Open, running (not paused) tickets with a clock not met that falls due
/// between `since` and `until`, soonest first.
pub fn running(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> DbResult<Vec<TicketRow>> {
    let first = tickets::first_responded_at
        .is_null()
        .and(tickets::first_response_due_at.ge(since))
        .and(tickets::first_response_due_at.le(until));
    let resolution = tickets::resolved_at
        .is_null()
        .and(tickets::resolution_due_at.ge(since))
        .and(tickets::resolution_due_at.le(until));
    Ok(clocks_running(workspace_id)
        .filter(first.or(resolution))
        .order((tickets::resolution_due_at.asc(), tickets::id.asc()))
        .limit(SWEEP_LIMIT)
        .select(TicketRow::as_select())
        .load(conn)?)
}

/// Whether an open, running ticket has a clock not met that falls due
/// after `after` (so a sweep should come again).
pub fn any_running(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    after: NaiveDateTime,
) -> DbResult<bool> {
    let first = tickets::first_responded_at
        .is_null()
        .and(tickets::first_response_due_at.gt(after));
    let resolution = tickets::resolved_at
        .is_null()
        .and(tickets::resolution_due_at.gt(after));
    Ok(clocks_running(workspace_id)
        .filter(first.or(resolution))
        .select(tickets::id)
        .first::<Id>(conn)
        .optional()?
        .is_some())
}

/// Whether the alert was already recorded.
pub fn sent(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    clock: &str,
    kind: &str,
    due_at: NaiveDateTime,
) -> DbResult<bool> {
    let n: i64 = sla_alerts::table
        .filter(sla_alerts::workspace_id.eq(Id(workspace_id)))
        .filter(sla_alerts::ticket_id.eq(Id(ticket_id)))
        .filter(sla_alerts::clock.eq(clock))
        .filter(sla_alerts::kind.eq(kind))
        .filter(sla_alerts::due_at.eq(due_at))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Records an alert and whom it goes to.
pub fn record(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    clock: &str,
    kind: &str,
    due_at: NaiveDateTime,
    notified: &[Uuid],
) -> DbResult<()> {
    diesel::insert_into(sla_alerts::table)
        .values((
            sla_alerts::workspace_id.eq(Id(workspace_id)),
            sla_alerts::id.eq(Id(Uuid::now_v7())),
            sla_alerts::ticket_id.eq(Id(ticket_id)),
            sla_alerts::clock.eq(clock),
            sla_alerts::kind.eq(kind),
            sla_alerts::due_at.eq(due_at),
            sla_alerts::notified.eq(Json(serde_json::json!(notified))),
            sla_alerts::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many alerts of `kind` a ticket has had (for tests and reports).
pub fn count(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    kind: &str,
) -> DbResult<i64> {
    Ok(sla_alerts::table
        .filter(sla_alerts::workspace_id.eq(Id(workspace_id)))
        .filter(sla_alerts::ticket_id.eq(Id(ticket_id)))
        .filter(sla_alerts::kind.eq(kind))
        .count()
        .get_result(conn)?)
}
