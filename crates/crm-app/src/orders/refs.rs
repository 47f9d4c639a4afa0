//! What the order records of one write refer to — their current rows and
//! lines, customers, products, owners — fetched in a few queries up front.

use std::collections::HashMap;

use crm_api_types::orders::{NewOrderLine, OrderPatch};
use crm_db::AnyConnection;
use crm_db::customers::CustomerRow;
use crm_db::orders::{LineRow, OrderRow};
use crm_db::products::ProductRow;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::batch::{Record, Target};
use crate::lookups::Lookups;
use crate::{Actor, AppError};

#[derive(Default)]
pub struct Refs {
    pub orders_by_id: HashMap<Uuid, OrderRow>,
    pub orders_by_key: HashMap<String, OrderRow>,
    pub lines: HashMap<Uuid, Vec<LineRow>>,
    pub customers_by_id: HashMap<Uuid, CustomerRow>,
    pub customers_by_key: HashMap<String, CustomerRow>,
    pub products_by_id: HashMap<Uuid, ProductRow>,
    pub products_by_key: HashMap<String, ProductRow>,
    pub products_by_sku: HashMap<String, ProductRow>,
    pub lookups: Lookups,
}

fn all_lines(records: &[Record<OrderPatch>]) -> impl Iterator<Item = &NewOrderLine> + Clone {
    records
        .iter()
        .filter_map(|r| r.body.lines.as_ref())
        .flatten()
}

impl Refs {
    /// Reads the products the lines name, by id, external id and SKU.
    pub fn load_products<'a>(
        &mut self,
        conn: &mut AnyConnection,
        ws: Uuid,
        lines: impl Iterator<Item = &'a NewOrderLine> + Clone,
    ) -> Result<(), AppError> {
        let product_ids: Vec<Uuid> = lines.clone().filter_map(|l| l.product_id).collect();
        let product_keys: Vec<String> = lines
            .clone()
            .filter_map(|l| l.product_external_id.clone())
            .collect();
        let skus: Vec<String> = lines.filter_map(|l| l.sku.clone()).collect();
        for row in crm_db::products::find_many(conn, ws, &product_ids)? {
            self.products_by_id.insert(row.id.0, row);
        }
        for row in crm_db::products::find_by_external_ids(conn, ws, &product_keys)? {
            if let Some(k) = row.fields.external_id.clone() {
                self.products_by_key.insert(k, row);
            }
        }
        for row in crm_db::products::find_by_skus(conn, ws, &skus)? {
            self.products_by_sku.insert(row.fields.sku.clone(), row);
        }
        Ok(())
    }

    pub fn load(
        conn: &mut AnyConnection,
        actor: &Actor,
        records: &[Record<OrderPatch>],
    ) -> Result<Self, AppError> {
        let ws = actor.workspace_id;
        let mut refs = Refs::default();
        let order_ids: Vec<Uuid> = records
            .iter()
            .filter_map(|r| match r.target {
                Target::Id(id) => Some(id),
                _ => None,
            })
            .collect();
        let mut order_keys: Vec<String> = records
            .iter()
            .filter_map(|r| match &r.target {
                Target::Key(k) => Some(k.clone()),
                _ => None,
            })
            .collect();
        order_keys.extend(
            records
                .iter()
                .filter_map(|r| r.body.external_id.clone().flatten()),
        );
        for row in crm_db::orders::find_many(conn, ws, &order_ids)? {
            refs.orders_by_id.insert(row.id.0, row);
        }
        for row in crm_db::orders::find_by_external_ids(conn, ws, &order_keys)? {
            if let Some(k) = row.fields.external_id.clone() {
                refs.orders_by_key.insert(k, row);
            }
        }
        // Current lines of the orders whose lines a record replaces (to tell
        // a real change from a resend).
        let relined: Vec<Uuid> = records
            .iter()
            .filter(|r| r.body.lines.is_some())
            .filter_map(|r| match &r.target {
                Target::Id(id) => Some(*id),
                Target::Key(k) => refs.orders_by_key.get(k).map(|o| o.id.0),
                Target::New => None,
            })
            .collect();
        refs.lines = crm_db::orders::lines_of(conn, ws, &relined)?;

        // Customers the actor may read, by id and by external id.
        let vis = actor.visibility_or_none(conn, ObjectType::Customers, Action::Read)?;
        let customer_ids: Vec<Uuid> = records.iter().filter_map(|r| r.body.customer_id).collect();
        let customer_keys: Vec<String> = records
            .iter()
            .filter_map(|r| r.body.customer_external_id.clone())
            .collect();
        for row in
            crm_db::customers::find_many(conn, ws, Some(&vis), &customer_ids, &customer_keys)?
        {
            if let Some(k) = row.fields.external_id.clone() {
                refs.customers_by_key.insert(k, row.clone());
            }
            refs.customers_by_id.insert(row.id.0, row);
        }

        refs.load_products(conn, ws, all_lines(records))?;
        if records.len() > 1 {
            refs.lookups.load_people(conn, ws)?;
        }
        Ok(refs)
    }
}
