//! The demo's order history: the products, then each written customer's
//! orders and lines from its plan (one random stream per customer, so a
//! history does not depend on the others), written in groups of
//! [`ORDER_FLUSH`] with their change-log entries and the table statistics
//! kept current as it grows; their keys checked per row or, where
//! PostgreSQL allows, once afterwards ([`crm_db::key_checks`]).

use chrono::NaiveDate;
use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::buffers::Growth;
use super::{SEED, Written, created, orders};
use crate::progress::{Progress, Unit};

/// Orders per statement group: bounded memory at every size.
const ORDER_FLUSH: usize = 20_000;

pub(super) fn insert_orders(
    conn: &mut AnyConnection,
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
    let (mut rows, mut lines, mut serial, mut total) = (Vec::new(), Vec::new(), 0, 0);
    let mut growth = Growth::default();
    // The orders' keys are the ids written just before: checked once per
    // key after the load where PostgreSQL allows it (a superuser), instead
    // of by a trigger per row (half of this phase at 50,000 customers).
    let keys = crm_db::key_checks::KeyChecks::for_bulk_load(conn);
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
        if rows.len() >= ORDER_FLUSH || n + 1 == customers.len() {
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
            growth.add(conn, "orders", rows.len())?;
            total += rows.len();
            rows.clear();
            lines.clear();
        }
    }
    progress.finish();
    let started = std::time::Instant::now();
    keys.verify(conn, ws, &["orders", "order_lines", "change_log"])?;
    if keys.deferred() {
        tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            "the orders' keys checked"
        );
    }
    Ok(total)
}
