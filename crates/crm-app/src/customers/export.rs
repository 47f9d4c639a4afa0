//! The customer export table: the customers a list with a filter shows,
//! for the actor's `export` scope, oldest first on the `created_at` keyset
//! index, one row of cells per customer (the files: [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::customers::{CustomerFilter, CustomerRow, CustomerSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::{PAGE, Table};
use crate::{Actor, AppError};

const HEADER: [&str; 18] = [
    "id",
    "external_id",
    "kind",
    "name",
    "owner_id",
    "team_id",
    "industry",
    "size_band",
    "email",
    "phone",
    "country_code",
    "province_code",
    "city_code",
    "district_code",
    "lifecycle_stage",
    "source",
    "created_at",
    "updated_at",
];

fn record(r: &CustomerRow) -> [String; 18] {
    let f = &r.fields;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.id.to_string(),
        text(&f.external_id),
        f.kind.clone(),
        f.name.clone(),
        f.owner_id.map(|i| i.to_string()).unwrap_or_default(),
        f.team_id.map(|i| i.to_string()).unwrap_or_default(),
        text(&f.industry),
        text(&f.size_band),
        text(&f.email),
        text(&f.phone),
        text(&f.country_code),
        text(&f.province_code),
        text(&f.city_code),
        text(&f.district_code),
        text(&f.lifecycle_stage),
        text(&f.source),
        r.created_at.and_utc().to_rfc3339(),
        r.updated_at.and_utc().to_rfc3339(),
    ]
}

/// The customers a list with this filter shows, for the actor's `export` scope.
#[derive(Clone)]
pub struct Customers {
    actor: Actor,
    filter: CustomerFilter,
    freshness: crate::analytics::rfm::Freshness,
}

impl Customers {
    /// The table, when the actor may export customers.
    pub fn new(
        actor: Actor,
        filter: CustomerFilter,
        freshness: crate::analytics::rfm::Freshness,
    ) -> Result<Self, AppError> {
        actor.require(ObjectType::Customers, Action::Export)?;
        Ok(Self {
            actor,
            filter,
            freshness,
        })
    }
}

impl Table for Customers {
    type Row = CustomerRow;
    const NAME: &'static str = "customers";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<CustomerRow>, AppError> {
        let vis = self
            .actor
            .visibility(conn, ObjectType::Customers, Action::Export)?;
        let keyset = Keyset {
            field: CustomerSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        let filter =
            super::filter::prepare(conn, vis.workspace_id, self.filter.clone(), &self.freshness)?;
        Ok(crm_db::customers::list(conn, &vis, &filter, &keyset)?.0)
    }

    fn key(row: &CustomerRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(row: &CustomerRow) -> Vec<String> {
        record(row).to_vec()
    }
}
