//! The product export table: the catalogue a list with the same filters
//! shows (for a role that may export products), oldest first on the
//! `created_at` keyset index (paging and file formats in [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_db::products::{ProductFilter, ProductRow, ProductSort};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::{PAGE, Table, time_text};
use crate::{Actor, AppError};

const HEADER: [&str; 12] = [
    "id",
    "sku",
    "name",
    "external_id",
    "category",
    "unit",
    "price_minor",
    "currency",
    "active",
    "description",
    "created_at",
    "updated_at",
];

/// The products a list with these filters shows, for the `export` scope.
#[derive(Clone)]
pub struct Products {
    actor: Actor,
    filter: ProductFilter,
}

/// The export of these products; `Forbidden` when the role may not export them.
pub fn table(actor: &Actor, filter: ProductFilter) -> Result<Products, AppError> {
    actor.require(ObjectType::Products, Action::Export)?;
    Ok(Products {
        actor: actor.clone(),
        filter,
    })
}

impl Table for Products {
    type Row = ProductRow;
    const NAME: &'static str = "products";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<ProductRow>, AppError> {
        self.actor.require(ObjectType::Products, Action::Export)?;
        let keyset = Keyset {
            field: ProductSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::products::list(
            conn,
            self.actor.workspace_id,
            &self.filter,
            &keyset,
        )?)
    }

    fn key(row: &ProductRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &ProductRow) -> Vec<String> {
        let f = &r.fields;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            r.id.to_string(),
            f.sku.clone(),
            f.name.clone(),
            text(&f.external_id),
            text(&f.category),
            text(&f.unit),
            f.price_minor.map(|p| p.to_string()).unwrap_or_default(),
            text(&f.currency),
            f.active.to_string(),
            text(&f.description),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}
