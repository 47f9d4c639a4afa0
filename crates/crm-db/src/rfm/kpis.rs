//! The customer KPIs' counts and revenue over a window. A window that ends
//! after every buyer's last order (the default: the last 365 days up to
//! today) is answered from the buyers' metrics rows alone, since who
//! ordered once, twice or lately inside it is then a comparison of their
//! last and second-to-last order days; its revenue comes from the sales
//! rollups when they can answer the filter (owner, team and at most one
//! kept dimension's value; see `rollups::sum_sales`). Any other window
//! reads the orders of the window, as before.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::analytics::{Groups, push_customers, push_revenue_orders};
use crate::connection::AnyConnection;
use crate::customers::CustomerFilter;
use crate::error::DbResult;
use crate::sql::Sql;
use crate::visibility::Visibility;

#[derive(Debug, Clone, QueryableByName)]
pub struct KpiRow {
    /// Buyers with a revenue order before the window's end.
    #[diesel(sql_type = BigInt)]
    pub buyers: i64,
    /// … of whom ordered inside the window.
    #[diesel(sql_type = BigInt)]
    pub active: i64,
    /// … of whom ordered at least twice inside the window.
    #[diesel(sql_type = BigInt)]
    pub repeat_buyers: i64,
    /// Buyers whose first order was before the window.
    #[diesel(sql_type = BigInt)]
    pub prior: i64,
    /// … of whom ordered again inside the window.
    #[diesel(sql_type = BigInt)]
    pub retained: i64,
    /// Buyers whose first order fell inside the window.
    #[diesel(sql_type = BigInt)]
    pub new_buyers: i64,
    /// Revenue inside the window.
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
    /// Buyers who ordered in the `churn_since`–end stretch.
    #[diesel(sql_type = BigInt)]
    pub recent: i64,
}

/// The KPI counts of the buyers the caller may see and the filter selects,
/// for the window `[from, end)`; `churn_since` starts the stretch in which
/// a buyer who ordered counts as not churned. `currency` is the base
/// currency the metrics rows count.
pub fn kpis(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    currency: &str,
    window: (NaiveDate, NaiveDate),
    churn_since: NaiveDate,
) -> DbResult<Vec<KpiRow>> {
    if !crate::analytics::all_orders_before(conn, vis.workspace_id, window.1)? {
        return from_orders(conn, vis, filter, currency, window, churn_since);
    }
    let mut rows = from_metrics(conn, vis, filter, window, churn_since)?;
    let revenue = window_revenue(conn, vis, filter, currency, window)?;
    for row in &mut rows {
        row.revenue = revenue;
    }
    Ok(rows)
}

fn ones(sql: &mut Sql, condition: &str, day: NaiveDate, alias: &str) {
    sql.push(&format!("CAST(COALESCE(SUM(CASE WHEN {condition} "))
        .date(day)
        .push(&format!(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS {alias}, "));
}

/// Every order of the buyers is before `end`: ordering in the window is
/// `last_order_on >= from`, twice is `previous_order_on >= from`, lately is
/// `last_order_on >= churn_since`. Revenue is left at zero.
fn from_metrics(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    (from, end): (NaiveDate, NaiveDate),
    churn_since: NaiveDate,
) -> DbResult<Vec<KpiRow>> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS buyers, ");
    ones(&mut sql, "m.last_order_on >=", from, "active");
    ones(&mut sql, "m.previous_order_on >=", from, "repeat_buyers");
    ones(&mut sql, "m.last_order_on >=", churn_since, "recent");
    ones(&mut sql, "m.first_order_on <", from, "prior");
    sql.push("CAST(COALESCE(SUM(CASE WHEN m.first_order_on < ")
        .date(from)
        .push(" AND m.last_order_on >= ")
        .date(from)
        .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS retained, ");
    ones(&mut sql, "m.first_order_on >=", from, "new_buyers");
    sql.push("CAST(0 AS BIGINT) AS revenue");
    super::from_metrics(&mut sql, vis, filter);
    sql.push(" AND m.first_order_on < ").date(end);
    sql.load(conn)
}

/// The revenue of the window: from the sales rollups when they can answer
/// (owner, team and at most one kept dimension's value), else from the
/// window's orders.
fn window_revenue(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    currency: &str,
    (from, end): (NaiveDate, NaiveDate),
) -> DbResult<i64> {
    let totals = Groups {
        first: None,
        second: None,
        today: None,
    };
    let dates = (Some(from), end);
    if let Some(sums) = crate::rollups::sum_sales(conn, vis, filter, &totals, currency, dates)? {
        return Ok(sums.iter().map(|s| s.revenue).sum());
    }
    #[derive(QueryableByName)]
    struct Revenue {
        #[diesel(sql_type = BigInt)]
        revenue: i64,
    }
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT CAST(COALESCE(SUM(o.total_minor), 0) AS BIGINT) AS revenue \
         FROM orders o JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id \
         WHERE ",
    );
    push_revenue_orders(&mut sql, vis.workspace_id, currency);
    sql.push(" AND o.order_date >= ")
        .date(from)
        .push(" AND o.order_date < ")
        .date(end)
        .push(" AND ");
    push_customers(&mut sql, vis, filter);
    let rows: Vec<Revenue> = sql.load(conn)?;
    Ok(rows.iter().map(|r| r.revenue).sum())
}

/// Per-buyer facts up to `end` from the orders of the window and of the
/// churn stretch, folded into the KPI counts in one query (a window some
/// buyer has ordered after). Who had bought before the window comes from
/// each buyer's first order on their metrics row.
fn from_orders(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    currency: &str,
    (from, end): (NaiveDate, NaiveDate),
    churn_since: NaiveDate,
) -> DbResult<Vec<KpiRow>> {
    let mut sql = Sql::new(conn);
    let ones = |condition: &str, alias: &str| {
        format!(
            "CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT) AS {alias}, "
        )
    };
    sql.push("SELECT CAST(COUNT(*) AS BIGINT) AS buyers, ")
        .push(&ones("t.in_window >= 1", "active"))
        .push(&ones("t.in_window >= 2", "repeat_buyers"))
        .push(&ones("t.recent >= 1", "recent"))
        .push("CAST(COALESCE(SUM(CASE WHEN m.first_order_on < ")
        .date(from)
        .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS prior, ")
        .push("CAST(COALESCE(SUM(CASE WHEN m.first_order_on < ")
        .date(from)
        .push(" AND t.in_window >= 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS retained, ")
        .push("CAST(COALESCE(SUM(CASE WHEN m.first_order_on >= ")
        .date(from)
        .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS new_buyers, ");
    sql.push(
        "CAST(COALESCE(SUM(t.revenue), 0) AS BIGINT) AS revenue \
         FROM customer_metrics m JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id \
         LEFT JOIN (SELECT o.customer_id AS customer_id, SUM(CASE WHEN o.order_date >= ",
    )
    .date(from)
    .push(" THEN 1 ELSE 0 END) AS in_window, SUM(CASE WHEN o.order_date >= ")
    .date(from)
    .push(" THEN o.total_minor ELSE 0 END) AS revenue, SUM(CASE WHEN o.order_date >= ")
    .date(churn_since)
    .push(" THEN 1 ELSE 0 END) AS recent FROM orders o WHERE ");
    push_revenue_orders(&mut sql, vis.workspace_id, currency);
    sql.push(" AND o.order_date >= ")
        .date(from.min(churn_since))
        .push(" AND o.order_date < ")
        .date(end)
        .push(" GROUP BY o.customer_id) t ON t.customer_id = m.customer_id WHERE m.workspace_id = ")
        .id(vis.workspace_id)
        .push(" AND m.first_order_on < ")
        .date(end)
        .push(" AND ");
    push_customers(&mut sql, vis, filter);
    sql.load(conn)
}
