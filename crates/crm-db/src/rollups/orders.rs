//! `order_rollups`: revenue and order counts per day and currency, by the
//! order's own owner and team (not its customer's, as `sales_rollups`), of
//! every revenue order whatever became of its customer. That is what the
//! sales forecast's monthly revenue counts (`crate::forecast::
//! monthly_revenue` reads them), so it reads a few rows a day instead of
//! three years of orders.
//!
//! Kept exact by the order writes alone, in the writer's transaction,
//! through `rollups::remove_orders` and `add_orders` (an order's owner,
//! team, day, status and total are its own columns; no customer write
//! moves them); [`rebuild`] recomputes a workspace for bulk loads.

use uuid::Uuid;

use super::NONE_ID;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::keyed::Keyed;
use crate::metrics::{literal, non_revenue_statuses};

/// Adds (`sign` "") or subtracts ("-") the sums of the revenue orders where
/// `which` holds.
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
        "INSERT INTO order_rollups (workspace_id, currency, order_date, owner_id, team_id, \
         revenue_minor, orders) \
         SELECT o.workspace_id, o.currency, o.order_date, COALESCE(o.owner_id, {none}), \
         COALESCE(o.team_id, {none}), {sign}CAST(SUM(o.total_minor) AS BIGINT), {sign}COUNT(*) \
         FROM orders o \
         WHERE o.workspace_id = {ws} AND o.deleted_at IS NULL AND o.status NOT IN ({excluded}) \
         AND {which} \
         GROUP BY 1, 2, 3, 4, 5 \
         ON CONFLICT (workspace_id, currency, order_date, owner_id, team_id) DO UPDATE SET \
         revenue_minor = order_rollups.revenue_minor + excluded.revenue_minor, \
         orders = order_rollups.orders + excluded.orders",
        excluded = non_revenue_statuses(),
    )
}

/// Recomputes the workspace's rows from its orders, in one statement (a
/// workspace's groups are its days times its owners: they fit in memory).
pub fn rebuild(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    let k = Keyed::inline(conn, workspace_id);
    k.delete_all(conn, "order_rollups")?;
    contribute(conn, &k, "1 = 1", "")
}
