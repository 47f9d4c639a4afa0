//! Tickets as the API shows them: with their tags (read in one query for
//! a page) and the state of their SLA clocks at the time of reading; and
//! replies with the files sent with them.

use chrono::{DateTime, Utc};
use crm_api_types::tickets::{Reply, Ticket};
use crm_db::AnyConnection;
use crm_db::tags::TagRow;
use crm_db::tickets::TicketRow;
use crm_db::tickets::attachments::AttachmentRow;
use crm_db::tickets::replies::ReplyRow;
use crm_domain::service::{Channel, TicketPriority, TicketStatus, sla};
use uuid::Uuid;

use crate::AppError;

/// A ticket as the API shows it, with its tags and its SLA states at `now`.
pub fn view(row: TicketRow, tags: Vec<TagRow>, now: DateTime<Utc>) -> Ticket {
    let f = row.fields;
    let created = row.created_at.and_utc();
    let utc = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc());
    let status = TicketStatus::parse(&f.status).unwrap_or(TicketStatus::New);
    let first_response_state = utc(f.first_response_due_at)
        .map(|due| sla::state(created, due, utc(f.first_responded_at), false, now));
    let resolution_state = utc(f.resolution_due_at).map(|due| {
        sla::state(
            created,
            due,
            utc(f.resolved_at),
            f.paused_at.is_some() && status == TicketStatus::Pending,
            now,
        )
    });
    Ticket {
        id: row.id.0,
        number: row.number,
        customer_id: f.customer_id.0,
        contact_id: f.contact_id.map(Uuid::from),
        subject: f.subject,
        description: f.description,
        ticket_type: f.ticket_type,
        priority: TicketPriority::parse(&f.priority).unwrap_or(TicketPriority::Normal),
        channel: Channel::parse(&f.channel).unwrap_or(Channel::Api),
        status,
        assignee_id: f.assignee_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        assignment_rule: f.assignment_rule,
        external_id: f.external_id,
        first_response_due_at: utc(f.first_response_due_at),
        first_response_state,
        resolution_due_at: utc(f.resolution_due_at),
        resolution_state,
        first_responded_at: utc(f.first_responded_at),
        resolved_at: utc(f.resolved_at),
        closed_at: utc(f.closed_at),
        tags: tags.into_iter().map(crate::tags::reference).collect(),
        custom_fields: match f.custom_fields.0 {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        },
        version: row.version,
        created_at: created,
        updated_at: row.updated_at.and_utc(),
    }
}

/// Tickets as the API shows them, their tags read in one query.
pub fn views(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    rows: Vec<TicketRow>,
    now: DateTime<Utc>,
) -> Result<Vec<Ticket>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let mut tags = crm_db::tickets::tags::of_tickets(conn, workspace_id, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = tags.remove(&row.id.0).unwrap_or_default();
            view(row, own, now)
        })
        .collect())
}

/// One ticket as the API shows it (see [`views`]).
pub(super) fn view_one(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    row: TicketRow,
    now: DateTime<Utc>,
) -> Result<Ticket, AppError> {
    let mut all = views(conn, workspace_id, vec![row], now)?;
    all.pop()
        .ok_or_else(|| AppError::internal("a ticket's view went missing"))
}

/// A reply with the files sent with it (of `files`, the ticket's).
pub(super) fn reply_view(r: ReplyRow, files: &[AttachmentRow]) -> Reply {
    let attachments = files
        .iter()
        .filter(|f| f.reply_id == Some(r.id))
        .cloned()
        .map(super::attachments::view)
        .collect();
    Reply {
        id: r.id.0,
        ticket_id: r.ticket_id.0,
        internal: r.internal,
        body: r.body,
        author_id: r.author_id.map(Uuid::from),
        created_at: r.created_at.and_utc(),
        attachments,
    }
}
