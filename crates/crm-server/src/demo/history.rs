//! The demo's order history: the products, then each written customer's
//! orders and lines from its plan (one random stream per customer, so a
//! history does not depend on the others), written in groups of
//! [`ORDER_FLUSH`] (or a quarter of the customers' orders, if fewer) with
//! their change-log entries, beside the generator and
//! on two connections where given ([`super::writers`]), and the table
//! statistics kept current as it grows; their keys checked per row or, where
//! PostgreSQL allows, once afterwards, on both connections
//! ([`crm_db::key_checks`]).

use chrono::NaiveDate;
use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

use std::sync::Mutex;

use crm_db::orders::{LineRow, OrderRow};

use super::buffers::Growth;
use super::writers::{piece_size, write_beside};
use super::{SEED, Written, created, orders};
use crate::progress::{Progress, Unit};

/// Orders per statement group: bounded memory at every size.
const ORDER_FLUSH: usize = 20_000;

pub(super) fn insert_orders(
    conn: &mut AnyConnection,
    mut helper: Option<&mut AnyConnection>,
    ws: Uuid,
    admin: Uuid,
    customers: &[Written],
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let mut products = Vec::new();
    for fields in orders::products() {
        products.push(crm_db::products::insert(conn, ws, Some(admin), fields)?);
    }
    let changes: Vec<BatchChange> = products.iter().map(|p| created(p.id.0)).collect();
    crm_db::batch::record_changes(conn, ws, crm_db::change_log::PRODUCT, None, "cli", &changes)?;
    // The orders' keys are the ids written just before: checked once per
    // key after the load where PostgreSQL allows it (a superuser), instead
    // of by a trigger per row (half of this phase at 50,000 customers).
    let keys = crm_db::key_checks::KeyChecks::for_bulk_load(conn);
    let growth = Mutex::new(Growth::default());
    let write = |conn: &mut AnyConnection, (rows, lines): Group| -> anyhow::Result<()> {
        crm_db::change_log::transaction(conn, |conn| -> crm_db::DbResult<()> {
            keys.skip_in_transaction(conn)?;
            crm_db::orders::insert_new(conn, &rows, &lines)?;
            let changes: Vec<BatchChange> = rows.iter().map(|r| created(r.id.0)).collect();
            crm_db::batch::record_changes(
                conn,
                ws,
                crm_db::change_log::ORDER,
                None,
                "cli",
                &changes,
            )
        })?;
        growth
            .lock()
            .map_err(|_| anyhow::anyhow!("a demo writer panicked"))?
            .add(conn, "orders", rows.len())
    };
    // Generated here, written beside on one or two connections.
    let total = write_beside(conn, helper.as_deref_mut(), write, |send| {
        let (mut rows, mut lines, mut serial, mut total) = (Vec::new(), Vec::new(), 0, 0);
        // A piece ends at ORDER_FLUSH orders or a quarter of the customers.
        let (piece, mut buyers) = (piece_size(customers.len(), usize::MAX), 0);
        // Counted by customer: how many orders each gets is only known as it goes.
        let mut progress = Progress::new("orders of customers", Unit::Rows);
        progress.set_total(customers.len() as u64);
        for (n, c) in customers.iter().enumerate() {
            progress.set(n as u64 + 1);
            // One stream per customer: the history does not depend on the others.
            let mut rng =
                StdRng::seed_from_u64(SEED ^ (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let buyer = orders::Buyer {
                customer_id: c.id,
                owner_id: c.owner_id,
                team_id: c.team_id,
            };
            let (o, l) =
                orders::orders_of(&mut rng, ws, &buyer, &c.plan, &products, today, &mut serial);
            rows.extend(o);
            lines.extend(l);
            buyers += 1;
            if rows.len() >= ORDER_FLUSH || buyers >= piece || n + 1 == customers.len() {
                buyers = 0;
                if !rows.is_empty() {
                    total += rows.len();
                    send((std::mem::take(&mut rows), std::mem::take(&mut lines)))?;
                }
            }
        }
        progress.finish();
        Ok(total)
    })?;
    let started = std::time::Instant::now();
    keys.verify_on_two(conn, helper, ws, &["orders", "order_lines", "change_log"])?;
    if keys.deferred() {
        tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            "the orders' keys checked"
        );
    }
    Ok(total)
}

/// A group of orders and their lines, written in one transaction.
type Group = (Vec<OrderRow>, Vec<LineRow>);
