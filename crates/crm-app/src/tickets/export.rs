//! The ticket export table: the tickets a list with the same filters (and
//! queue) shows, within the actor's `export` scope, oldest first on the
//! `created_at` keyset index (paging and file formats in
//! [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_db::tickets::{TicketFilter, TicketRow, TicketSort};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::{PAGE, Table, id_text, time_text};
use crate::{Actor, AppError};

const HEADER: [&str; 22] = [
    "id",
    "number",
    "external_id",
    "customer_id",
    "contact_id",
    "subject",
    "description",
    "ticket_type",
    "priority",
    "channel",
    "status",
    "assignee_id",
    "team_id",
    "assignment_rule",
    "first_response_due_at",
    "first_responded_at",
    "resolution_due_at",
    "resolved_at",
    "closed_at",
    "custom_fields",
    "created_at",
    "updated_at",
];

/// The tickets a list with these filters shows, for the `export` scope.
#[derive(Clone)]
pub struct Tickets {
    actor: Actor,
    filter: TicketFilter,
}

/// The export of these tickets; `Forbidden` when the role may not export tickets.
pub fn table(actor: &Actor, filter: TicketFilter) -> Result<Tickets, AppError> {
    actor.require(ObjectType::Tickets, Action::Export)?;
    Ok(Tickets {
        actor: actor.clone(),
        filter,
    })
}

/// The custom field values as a JSON object, empty when there are none.
fn custom_text(values: &crm_db::types::Json) -> String {
    match &values.0 {
        serde_json::Value::Object(map) if !map.is_empty() => values.0.to_string(),
        _ => String::new(),
    }
}

fn time(at: Option<chrono::NaiveDateTime>) -> String {
    at.map(time_text).unwrap_or_default()
}

impl Table for Tickets {
    type Row = TicketRow;
    const NAME: &'static str = "tickets";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<TicketRow>, AppError> {
        let vis = self
            .actor
            .visibility(conn, ObjectType::Tickets, Action::Export)?;
        let keyset = Keyset {
            field: TicketSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::tickets::list(conn, &vis, &self.filter, &keyset)?)
    }

    fn key(row: &TicketRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &TicketRow) -> Vec<String> {
        let f = &r.fields;
        vec![
            r.id.to_string(),
            r.number.to_string(),
            f.external_id.clone().unwrap_or_default(),
            f.customer_id.to_string(),
            id_text(f.contact_id),
            f.subject.clone(),
            f.description.clone().unwrap_or_default(),
            f.ticket_type.clone(),
            f.priority.clone(),
            f.channel.clone(),
            f.status.clone(),
            id_text(f.assignee_id),
            id_text(f.team_id),
            f.assignment_rule.clone().unwrap_or_default(),
            time(f.first_response_due_at),
            time(f.first_responded_at),
            time(f.resolution_due_at),
            time(f.resolved_at),
            time(f.closed_at),
            custom_text(&f.custom_fields),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_a_cell() {
        let row = TicketRow {
            id: crm_db::types::Id::new(),
            workspace_id: crm_db::types::Id::new(),
            number: 7,
            fields: crm_db::tickets::TicketFields {
                customer_id: crm_db::types::Id::new(),
                contact_id: None,
                subject: "=1+1".into(),
                description: None,
                ticket_type: "inquiry".into(),
                priority: "high".into(),
                channel: "phone".into(),
                status: "new".into(),
                assignee_id: None,
                team_id: None,
                external_id: Some("CC-1".into()),
                first_response_due_at: None,
                resolution_due_at: None,
                first_responded_at: None,
                resolved_at: None,
                closed_at: None,
                paused_at: None,
                assignment_rule: None,
                custom_fields: crm_db::types::Json(serde_json::json!({"level": "金卡"})),
                search_text: String::new(),
            },
            version: 1,
            created_by: None,
            updated_by: None,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        };
        let cells = Tickets::record(&row);
        assert_eq!(cells.len(), HEADER.len());
        assert_eq!(cells[1], "7");
        assert_eq!(cells[2], "CC-1");
        assert_eq!(cells[19], r#"{"level":"金卡"}"#);
    }
}
