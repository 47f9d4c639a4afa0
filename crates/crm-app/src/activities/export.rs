//! The activity export table: the activities a list with the same filters
//! shows, within the actor's `export` scope, newest `occurred_at` first like
//! the list (paging and file formats in [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::activities::{ActivityFilter, ActivityRow, ActivitySort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::{PAGE, Table, id_text, time_text};
use crate::{Actor, AppError};

const HEADER: [&str; 21] = [
    "id",
    "kind",
    "subject",
    "body",
    "customer_id",
    "contact_id",
    "lead_id",
    "deal_id",
    "occurred_at",
    "due_at",
    "done",
    "done_at",
    "remind_at",
    "priority",
    "location",
    "outcome",
    "next_step",
    "owner_id",
    "team_id",
    "created_at",
    "updated_at",
];

/// The activities a list with these filters shows, for the `export` scope.
#[derive(Clone)]
pub struct Activities {
    actor: Actor,
    filter: ActivityFilter,
}

/// The export of these activities; `Forbidden` when the role may not export them.
pub fn table(actor: &Actor, filter: ActivityFilter) -> Result<Activities, AppError> {
    actor.require(ObjectType::Activities, Action::Export)?;
    Ok(Activities {
        actor: actor.clone(),
        filter,
    })
}

impl Table for Activities {
    type Row = ActivityRow;
    const NAME: &'static str = "activities";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<ActivityRow>, AppError> {
        let vis = self
            .actor
            .visibility(conn, ObjectType::Activities, Action::Export)?;
        let keyset = Keyset {
            field: ActivitySort::OccurredAt,
            direction: Direction::Desc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::activities::list(conn, &vis, &self.filter, &keyset)?.0)
    }

    fn key(row: &ActivityRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.fields.occurred_at), row.id.0)
    }

    fn record(r: &ActivityRow) -> Vec<String> {
        let f = &r.fields;
        vec![
            r.id.to_string(),
            f.kind.clone(),
            f.subject.clone(),
            f.body.clone().unwrap_or_default(),
            id_text(f.customer_id),
            id_text(f.contact_id),
            id_text(f.lead_id),
            id_text(f.deal_id),
            time_text(f.occurred_at),
            f.due_at.map(time_text).unwrap_or_default(),
            f.done.to_string(),
            f.done_at.map(time_text).unwrap_or_default(),
            f.remind_at.map(time_text).unwrap_or_default(),
            f.priority.clone(),
            f.location.clone().unwrap_or_default(),
            f.outcome.clone().unwrap_or_default(),
            f.next_step.clone().unwrap_or_default(),
            id_text(f.owner_id),
            id_text(f.team_id),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}
