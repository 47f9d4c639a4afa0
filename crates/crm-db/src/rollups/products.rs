//! `product_rollups`: order lines' amounts, quantities and counts per day,
//! currency and product, by the order's own owner and team, of every
//! revenue order whatever became of its customer: the rows a report of
//! order lines by product, category, day, owner or team reads
//! (`crate::reports::rollup`) instead of every line there ever was, as the
//! built-in dashboard's revenue by product does.
//!
//! Kept exact by the order writes alone, in the writer's transaction,
//! through `rollups::remove_orders` and `add_orders`, like
//! [`super::orders`]: an order's lines are written with it, and its owner,
//! team, day, status and currency are its own columns. [`rebuild`]
//! recomputes a workspace for bulk loads.

use uuid::Uuid;

use super::NONE_ID;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::keyed::Keyed;
use crate::metrics::{literal, non_revenue_statuses};

/// Adds (`sign` "") or subtracts ("-") the sums of the lines of the
/// revenue orders where `which` holds.
pub(super) fn contribute(
    conn: &mut AnyConnection,
    k: &Keyed,
    which: &str,
    sign: &str,
) -> DbResult<()> {
    k.execute(conn, &contribution_sql(&k.ws(), which, sign))?;
    Ok(())
}

fn contribution_sql(ws: &str, which: &str, sign: &str) -> String {
    let none = literal(&NONE_ID.to_string());
    format!(
        "INSERT INTO product_rollups (workspace_id, currency, order_date, product_id, owner_id, \
         team_id, amount_minor, quantity_milli, lines) \
         SELECT o.workspace_id, o.currency, o.order_date, l.product_id, \
         COALESCE(o.owner_id, {none}), COALESCE(o.team_id, {none}), \
         {sign}CAST(SUM(l.amount_minor) AS BIGINT), {sign}CAST(SUM(l.quantity_milli) AS BIGINT), \
         {sign}COUNT(*) \
         FROM orders o \
         JOIN order_lines l ON l.workspace_id = o.workspace_id AND l.order_id = o.id \
         WHERE o.workspace_id = {ws} AND o.deleted_at IS NULL AND o.status NOT IN ({excluded}) \
         AND {which} \
         GROUP BY 1, 2, 3, 4, 5, 6 \
         ON CONFLICT (workspace_id, currency, order_date, product_id, owner_id, team_id) \
         DO UPDATE SET amount_minor = product_rollups.amount_minor + excluded.amount_minor, \
         quantity_milli = product_rollups.quantity_milli + excluded.quantity_milli, \
         lines = product_rollups.lines + excluded.lines",
        excluded = non_revenue_statuses(),
    )
}

/// Recomputes the workspace's rows from its orders' lines, in one
/// statement (a workspace's groups are its days times its owners times its
/// products sold: 78,000 at `l`, they fit in memory).
pub fn rebuild(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    let k = Keyed::inline(conn, workspace_id);
    k.delete_all(conn, "product_rollups")?;
    contribute(conn, &k, "1 = 1", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_summed_per_product_under_their_orders_own_keys() {
        let sql = contribution_sql("'w'", "o.id IN ('a')", "-");
        assert!(sql.contains("-CAST(SUM(l.amount_minor) AS BIGINT)"));
        assert!(sql.contains("-CAST(SUM(l.quantity_milli) AS BIGINT), -COUNT(*)"));
        assert!(sql.contains("COALESCE(o.owner_id, '00000000-0000-0000-0000-000000000000')"));
        assert!(sql.contains("NOT IN ('draft', 'cancelled', 'refunded') AND o.id IN ('a')"));
        assert!(!sql.contains("customers"));
    }
}
