//! The deal export table: the deals a list with the same filters shows,
//! within the actor's `export` scope, oldest first on the `created_at`
//! keyset index (paging and file formats in [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::deals::{DealFilter, DealRow, DealSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::{PAGE, Table, id_text, time_text};
use crate::{Actor, AppError};

const HEADER: [&str; 18] = [
    "id",
    "external_id",
    "name",
    "customer_id",
    "pipeline_id",
    "stage_id",
    "amount_minor",
    "currency",
    "probability",
    "expected_close_date",
    "owner_id",
    "team_id",
    "lost_reason",
    "closed_at",
    "stage_changed_at",
    "forecast_category",
    "created_at",
    "updated_at",
];

/// The deals a list with these filters shows, for the `export` scope.
#[derive(Clone)]
pub struct Deals {
    actor: Actor,
    filter: DealFilter,
}

/// The export of these deals; `Forbidden` when the role may not export deals.
pub fn table(actor: &Actor, filter: DealFilter) -> Result<Deals, AppError> {
    actor.require(ObjectType::Deals, Action::Export)?;
    Ok(Deals {
        actor: actor.clone(),
        filter,
    })
}

impl Table for Deals {
    type Row = DealRow;
    const NAME: &'static str = "deals";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<DealRow>, AppError> {
        let vis = self
            .actor
            .visibility(conn, ObjectType::Deals, Action::Export)?;
        let keyset = Keyset {
            field: DealSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::deals::list(conn, &vis, &self.filter, &keyset)?.0)
    }

    fn key(row: &DealRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &DealRow) -> Vec<String> {
        let f = &r.fields;
        vec![
            r.id.to_string(),
            f.external_id.clone().unwrap_or_default(),
            f.name.clone(),
            f.customer_id.to_string(),
            f.pipeline_id.to_string(),
            f.stage_id.to_string(),
            f.amount_minor.to_string(),
            f.currency.clone(),
            f.probability.to_string(),
            f.expected_close_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            id_text(f.owner_id),
            id_text(f.team_id),
            f.lost_reason.clone().unwrap_or_default(),
            f.closed_at.map(time_text).unwrap_or_default(),
            time_text(f.stage_changed_at),
            f.forecast_category.clone().unwrap_or_default(),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}
