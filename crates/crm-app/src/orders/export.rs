//! The order export table: the orders a list with the same filters shows,
//! one row per order with its totals, within the actor's `export` scope,
//! oldest first on the `created_at` keyset index (paging and file formats
//! in [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::orders::{OrderFilter, OrderRow, OrderSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::PAGE;
use crate::exports::Table;
use crate::{Actor, AppError};

const HEADER: [&str; 14] = [
    "id",
    "external_id",
    "customer_id",
    "order_date",
    "status",
    "currency",
    "subtotal_minor",
    "discount_minor",
    "total_minor",
    "owner_id",
    "team_id",
    "note",
    "created_at",
    "updated_at",
];

/// The orders a list with these filters shows, for the `export` scope.
#[derive(Clone)]
pub struct Orders {
    actor: Actor,
    filter: OrderFilter,
}

/// The export of these orders; `Forbidden` when the role may not export orders.
pub fn table(actor: &Actor, filter: OrderFilter) -> Result<Orders, AppError> {
    actor.require(ObjectType::Orders, Action::Export)?;
    Ok(Orders {
        actor: actor.clone(),
        filter,
    })
}

impl Table for Orders {
    type Row = OrderRow;
    const NAME: &'static str = "orders";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<OrderRow>, AppError> {
        let vis = self
            .actor
            .visibility(conn, ObjectType::Orders, Action::Export)?;
        let keyset = Keyset {
            field: OrderSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::orders::list(conn, &vis, &self.filter, &keyset)?.0)
    }

    fn key(row: &OrderRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &OrderRow) -> Vec<String> {
        let f = &r.fields;
        let id = |v: Option<crm_db::types::Id>| v.map(|i| i.to_string()).unwrap_or_default();
        vec![
            r.id.to_string(),
            f.external_id.clone().unwrap_or_default(),
            f.customer_id.to_string(),
            f.order_date.to_string(),
            f.status.clone(),
            f.currency.clone(),
            f.subtotal_minor.to_string(),
            f.discount_minor.to_string(),
            f.total_minor.to_string(),
            id(f.owner_id),
            id(f.team_id),
            f.note.clone().unwrap_or_default(),
            r.created_at.and_utc().to_rfc3339(),
            r.updated_at.and_utc().to_rfc3339(),
        ]
    }
}
