//! A customer's timeline: its activities, the stage changes of its deals,
//! its orders (at their order date) and the changes to its record, newest
//! first, keyset-paged, with the tickets opened for it. Entries the actor
//! may not see (another rep's activity or deal, a ticket outside their
//! service scope) are left out.

use crm_api_types::activities::TimelineEntry;
use crm_api_types::changes::ChangeOp;
use crm_db::AnyConnection;
use crm_db::timeline::{TimelineKey, TimelineRow};
use crm_domain::access::{Action, ObjectType};
use crm_domain::money::Money;
use crm_domain::sales::OrderStatus;
use crm_domain::service::{TicketPriority, TicketStatus};
use uuid::Uuid;

use super::view;
use crate::{Actor, AppError};

/// Up to `limit + 1` entries of a visible customer's timeline after `cursor`
/// (the extra one says another page follows).
pub fn page(
    conn: &mut AnyConnection,
    actor: &Actor,
    customer_id: Uuid,
    cursor: Option<&TimelineKey>,
    limit: i64,
) -> Result<Vec<TimelineRow>, AppError> {
    let customers = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    crm_db::customers::find(conn, &customers, customer_id)?;
    let activities = actor.visibility_or_none(conn, ObjectType::Activities, Action::Read)?;
    let deals = actor.visibility_or_none(conn, ObjectType::Deals, Action::Read)?;
    let orders = actor.visibility_or_none(conn, ObjectType::Orders, Action::Read)?;
    let tickets = actor.visibility_or_none(conn, ObjectType::Tickets, Action::Read)?;
    Ok(crm_db::timeline::page(
        conn,
        customer_id,
        (&activities, &deals, &orders, &tickets),
        cursor,
        limit,
    )?)
}

/// A timeline row as the API shows it.
pub fn entry(row: TimelineRow) -> TimelineEntry {
    match row {
        TimelineRow::Activity(a) => TimelineEntry::Activity {
            at: a.fields.occurred_at.and_utc(),
            activity: view(a),
        },
        TimelineRow::StageChange { change, deal_name } => TimelineEntry::StageChange {
            at: change.at.and_utc(),
            deal_id: change.deal_id.0,
            deal_name,
            from_stage_id: change.from_stage_id.map(Uuid::from),
            to_stage_id: change.to_stage_id.0,
            actor_id: change.actor_id.map(Uuid::from),
        },
        TimelineRow::Order(o) => TimelineEntry::Order {
            at: o
                .fields
                .order_date
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc(),
            order_id: o.id.0,
            external_id: o.fields.external_id,
            status: OrderStatus::parse(&o.fields.status).unwrap_or(OrderStatus::Confirmed),
            total: Money {
                amount_minor: o.fields.total_minor,
                currency: o.fields.currency,
            },
        },
        TimelineRow::Ticket(t) => TimelineEntry::Ticket {
            at: t.created_at.and_utc(),
            ticket_id: t.id.0,
            number: t.number,
            subject: t.fields.subject,
            ticket_type: t.fields.ticket_type,
            priority: TicketPriority::parse(&t.fields.priority).unwrap_or(TicketPriority::Normal),
            status: TicketStatus::parse(&t.fields.status).unwrap_or(TicketStatus::New),
            assignee_id: t.fields.assignee_id.map(Uuid::from),
        },
        TimelineRow::FieldChange(c) => TimelineEntry::FieldChange {
            at: c.at.and_utc(),
            op: match c.op.as_str() {
                "create" => ChangeOp::Create,
                "delete" => ChangeOp::Delete,
                _ => ChangeOp::Update,
            },
            changed_fields: serde_json::from_value(c.changed_fields.0).unwrap_or_default(),
            actor_id: c.actor_id.map(Uuid::from),
        },
    }
}
