//! The lead export table: the leads a list with the same filters shows,
//! within the actor's `export` scope, oldest first on the `created_at`
//! keyset index (paging and file formats in [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::leads::{LeadFilter, LeadRow, LeadSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::{PAGE, Table, id_text, time_text};
use crate::{Actor, AppError};

const HEADER: [&str; 20] = [
    "id",
    "external_id",
    "status",
    "source",
    "company_name",
    "person_name",
    "title",
    "email",
    "phone",
    "province_code",
    "city_code",
    "owner_id",
    "team_id",
    "disqualified_reason",
    "converted_customer_id",
    "converted_deal_id",
    "converted_at",
    "note",
    "created_at",
    "updated_at",
];

/// The leads a list with these filters shows, for the `export` scope.
#[derive(Clone)]
pub struct Leads {
    actor: Actor,
    filter: LeadFilter,
}

/// The export of these leads; `Forbidden` when the role may not export leads.
pub fn table(actor: &Actor, filter: LeadFilter) -> Result<Leads, AppError> {
    actor.require(ObjectType::Leads, Action::Export)?;
    Ok(Leads {
        actor: actor.clone(),
        filter,
    })
}

impl Table for Leads {
    type Row = LeadRow;
    const NAME: &'static str = "leads";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<LeadRow>, AppError> {
        let vis = self
            .actor
            .visibility(conn, ObjectType::Leads, Action::Export)?;
        let keyset = Keyset {
            field: LeadSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::leads::list(conn, &vis, &self.filter, &keyset)?.0)
    }

    fn key(row: &LeadRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &LeadRow) -> Vec<String> {
        let f = &r.fields;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            r.id.to_string(),
            text(&f.external_id),
            f.status.clone(),
            text(&f.source),
            text(&f.company_name),
            f.person_name.clone(),
            text(&f.title),
            text(&f.email),
            text(&f.phone),
            text(&f.province_code),
            text(&f.city_code),
            id_text(f.owner_id),
            id_text(f.team_id),
            text(&f.disqualified_reason),
            id_text(f.converted_customer_id),
            id_text(f.converted_deal_id),
            f.converted_at.map(time_text).unwrap_or_default(),
            text(&f.note),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}
