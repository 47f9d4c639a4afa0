//! A customer's timeline: its activities, the stage changes of its deals,
//! its orders, its tickets (at their opening) and the changes to its own
//! record, newest first, as one
//! keyset-paged stream. Each source is read with the page's cursor applied
//! (at most one page plus one row each, through its own index) and the
//! results are merged, so a page costs the same deep in the history.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::activities::ActivityRow;
use crate::change_log::{CUSTOMER, ChangeRow};
use crate::connection::AnyConnection;
use crate::deals::StageChangeRow;
use crate::error::DbResult;
use crate::orders::OrderRow;
use crate::schema::{activities, change_log, deal_stage_changes, deals, orders, tickets};
use crate::tickets::TicketRow;
use crate::types::Id;
use crate::visibility::Visibility;

/// Where an entry sorts: by time, then source, then id, all descending.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct TimelineKey {
    pub at: NaiveDateTime,
    pub rank: u8,
    pub id: String,
}

#[derive(Debug, Clone)]
pub enum TimelineRow {
    FieldChange(ChangeRow),
    Order(OrderRow),
    StageChange {
        change: StageChangeRow,
        deal_name: String,
    },
    Activity(ActivityRow),
    Ticket(TicketRow),
}

const FIELD_CHANGE: u8 = 0;
const ORDER: u8 = 1;
const STAGE_CHANGE: u8 = 2;
const ACTIVITY: u8 = 3;
const TICKET: u8 = 4;

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}

impl TimelineRow {
    pub fn key(&self) -> TimelineKey {
        match self {
            Self::FieldChange(c) => TimelineKey {
                at: c.at,
                rank: FIELD_CHANGE,
                id: format!("{:020}", c.seq),
            },
            Self::Order(o) => TimelineKey {
                at: midnight(o.fields.order_date),
                rank: ORDER,
                id: o.id.to_string(),
            },
            Self::StageChange { change, .. } => TimelineKey {
                at: change.at,
                rank: STAGE_CHANGE,
                id: change.id.to_string(),
            },
            Self::Activity(a) => TimelineKey {
                at: a.fields.occurred_at,
                rank: ACTIVITY,
                id: a.id.to_string(),
            },
            Self::Ticket(t) => TimelineKey {
                at: t.created_at,
                rank: TICKET,
                id: t.id.to_string(),
            },
        }
    }
}

/// How a source of rank `rank` relates to the cursor.
enum After {
    /// No cursor: everything.
    All,
    /// The source sorts below the cursor's: rows at or before its time.
    AtOrBefore(NaiveDateTime),
    /// The source sorts above: rows strictly before its time.
    Before(NaiveDateTime),
    /// Same source: before its time, or at it with a smaller id.
    Tie(NaiveDateTime, String),
}

fn after(cursor: Option<&TimelineKey>, rank: u8) -> After {
    match cursor {
        None => After::All,
        Some(c) if rank < c.rank => After::AtOrBefore(c.at),
        Some(c) if rank > c.rank => After::Before(c.at),
        Some(c) => After::Tie(c.at, c.id.clone()),
    }
}

/// One page (plus one entry) of the customer's timeline after `cursor`.
/// The customer's own visibility is the caller's to check; activities,
/// deals, orders and tickets are filtered by their own.
pub fn page(
    conn: &mut AnyConnection,
    customer_id: Uuid,
    scopes: (&Visibility, &Visibility, &Visibility, &Visibility),
    cursor: Option<&TimelineKey>,
    limit: i64,
) -> DbResult<Vec<TimelineRow>> {
    let (activity_vis, deal_vis, order_vis, ticket_vis) = scopes;
    let ws = Id(activity_vis.workspace_id);
    let customer = Id(customer_id);
    let take = limit + 1;
    let mut rows: Vec<TimelineRow> = Vec::new();

    // Activities.
    let mut q = activities::table
        .filter(activity_vis.activities())
        .filter(activities::customer_id.eq(customer))
        .into_boxed();
    q = match after(cursor, ACTIVITY) {
        After::All => q,
        After::AtOrBefore(t) => q.filter(activities::occurred_at.le(t)),
        After::Before(t) => q.filter(activities::occurred_at.lt(t)),
        After::Tie(t, id) => {
            let id = Id(id.parse().unwrap_or_default());
            q.filter(
                activities::occurred_at
                    .lt(t)
                    .or(activities::occurred_at.eq(t).and(activities::id.lt(id))),
            )
        }
    };
    rows.extend(
        q.order((activities::occurred_at.desc(), activities::id.desc()))
            .limit(take)
            .select(ActivityRow::as_select())
            .load(conn)?
            .into_iter()
            .map(TimelineRow::Activity),
    );

    // Tickets, at their opening.
    let mut q = tickets::table
        .filter(ticket_vis.tickets())
        .filter(tickets::customer_id.eq(customer))
        .into_boxed();
    q = match after(cursor, TICKET) {
        After::All => q,
        After::AtOrBefore(t) => q.filter(tickets::created_at.le(t)),
        After::Before(t) => q.filter(tickets::created_at.lt(t)),
        After::Tie(t, id) => {
            let id = Id(id.parse().unwrap_or_default());
            q.filter(
                tickets::created_at
                    .lt(t)
                    .or(tickets::created_at.eq(t).and(tickets::id.lt(id))),
            )
        }
    };
    rows.extend(
        q.order((tickets::created_at.desc(), tickets::id.desc()))
            .limit(take)
            .select(TicketRow::as_select())
            .load(conn)?
            .into_iter()
            .map(TimelineRow::Ticket),
    );

    // Stage changes of the customer's visible deals.
    let deal_names: Vec<(Id, String)> = deals::table
        .filter(deal_vis.deals())
        .filter(deals::customer_id.eq(customer))
        .select((deals::id, deals::name))
        .load(conn)?;
    if !deal_names.is_empty() {
        let ids: Vec<Id> = deal_names.iter().map(|(id, _)| *id).collect();
        let mut q = deal_stage_changes::table
            .filter(
                deal_stage_changes::workspace_id
                    .eq(ws)
                    .and(deal_stage_changes::deal_id.eq_any(ids)),
            )
            .into_boxed();
        q = match after(cursor, STAGE_CHANGE) {
            After::All => q,
            After::AtOrBefore(t) => q.filter(deal_stage_changes::at.le(t)),
            After::Before(t) => q.filter(deal_stage_changes::at.lt(t)),
            After::Tie(t, id) => {
                let id = Id(id.parse().unwrap_or_default());
                q.filter(
                    deal_stage_changes::at.lt(t).or(deal_stage_changes::at
                        .eq(t)
                        .and(deal_stage_changes::id.lt(id))),
                )
            }
        };
        let changes: Vec<StageChangeRow> = q
            .order((deal_stage_changes::at.desc(), deal_stage_changes::id.desc()))
            .limit(take)
            .select(StageChangeRow::as_select())
            .load(conn)?;
        for change in changes {
            let deal_name = deal_names
                .iter()
                .find(|(id, _)| *id == change.deal_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            rows.push(TimelineRow::StageChange { change, deal_name });
        }
    }

    // Orders, dated by their order date (midnight).
    let mut q = orders::table
        .filter(order_vis.orders())
        .filter(orders::customer_id.eq(customer))
        .into_boxed();
    let at_midnight = |t: NaiveDateTime| midnight(t.date()) == t;
    q = match after(cursor, ORDER) {
        After::All => q,
        After::AtOrBefore(t) => q.filter(orders::order_date.le(t.date())),
        After::Before(t) if at_midnight(t) => q.filter(orders::order_date.lt(t.date())),
        After::Before(t) => q.filter(orders::order_date.le(t.date())),
        After::Tie(t, id) if at_midnight(t) => {
            let id = Id(id.parse().unwrap_or_default());
            q.filter(
                orders::order_date
                    .lt(t.date())
                    .or(orders::order_date.eq(t.date()).and(orders::id.lt(id))),
            )
        }
        After::Tie(t, _) => q.filter(orders::order_date.le(t.date())),
    };
    rows.extend(
        q.order((orders::order_date.desc(), orders::id.desc()))
            .limit(take)
            .select(OrderRow::as_select())
            .load(conn)?
            .into_iter()
            .map(TimelineRow::Order),
    );

    // Changes to the customer record itself.
    let mut q = change_log::table
        .filter(
            change_log::workspace_id
                .eq(ws)
                .and(change_log::entity.eq(CUSTOMER))
                .and(change_log::entity_id.eq(customer)),
        )
        .into_boxed();
    q = match after(cursor, FIELD_CHANGE) {
        After::All => q,
        After::AtOrBefore(t) => q.filter(change_log::at.le(t)),
        After::Before(t) => q.filter(change_log::at.lt(t)),
        After::Tie(t, id) => {
            let seq: i64 = id.parse().unwrap_or_default();
            q.filter(
                change_log::at
                    .lt(t)
                    .or(change_log::at.eq(t).and(change_log::seq.lt(seq))),
            )
        }
    };
    rows.extend(
        q.order((change_log::at.desc(), change_log::seq.desc()))
            .limit(take)
            .select(ChangeRow::as_select())
            .load(conn)?
            .into_iter()
            .map(TimelineRow::FieldChange),
    );

    rows.sort_by_key(|r| std::cmp::Reverse(r.key()));
    rows.truncate(usize::try_from(take).unwrap_or(usize::MAX));
    Ok(rows)
}
