//! The read side of per-customer metrics: one customer's row, the RFM
//! segment summary and R × F grid, the buyers' totals per value tier and
//! segment, monthly acquisition cohorts and the customer KPIs, over the
//! customers the caller may see and the list filters select. Scores
//! and segments come from `metrics::refresh_rfm_now` (called by
//! `crm_app::analytics::rfm::current`, which callers run first).

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use uuid::Uuid;

use crate::analytics::{Groups, VALUE_TIER, push_customers, push_revenue_orders};
use crate::connection::AnyConnection;
use crate::customers::CustomerFilter;
use crate::error::DbResult;
use crate::schema::customer_metrics;
use crate::sql::Sql;
use crate::types::Id;
use crate::visibility::Visibility;

mod kpis;

pub use kpis::{KpiRow, kpis};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customer_metrics)]
pub struct MetricsRow {
    pub order_count: i32,
    pub revenue_minor: i64,
    pub first_order_on: NaiveDate,
    pub last_order_on: NaiveDate,
    pub longest_gap_days: i32,
    pub rfm_r: Option<i16>,
    pub rfm_f: Option<i16>,
    pub rfm_m: Option<i16>,
    pub rfm_segment: Option<String>,
}

/// A customer's metrics; `None` before their first revenue order. The
/// caller has checked that the customer is visible.
pub fn of_customer(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customer_id: Uuid,
) -> DbResult<Option<MetricsRow>> {
    Ok(customer_metrics::table
        .find((Id(workspace_id), Id(customer_id)))
        .select(MetricsRow::as_select())
        .first(conn)
        .optional()?)
}

/// The metrics of these customers (those who have ordered), by id.
pub fn of_customers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> DbResult<std::collections::HashMap<Uuid, MetricsRow>> {
    let mut out = std::collections::HashMap::new();
    let ids: Vec<Id> = ids.iter().copied().map(Id).collect();
    for chunk in ids.chunks(crate::batch::chunk_rows(1)) {
        // On the backend's own connection, as `tags::of_customers`: every
        // list page reads it.
        let rows: Vec<(Id, MetricsRow)> = crate::each_backend!(&mut *conn, |c| {
            customer_metrics::table
                .filter(customer_metrics::workspace_id.eq(Id(workspace_id)))
                .filter(customer_metrics::customer_id.eq_any(chunk))
                .select((customer_metrics::customer_id, MetricsRow::as_select()))
                .load(c)
        })?;
        out.extend(rows.into_iter().map(|(id, m)| (id.0, m)));
    }
    Ok(out)
}

/// The buyers of one (R, F, segment) cell: the segment summary and the
/// R × F grid are both folds of these.
#[derive(Debug, Clone, QueryableByName)]
pub struct RfmGroup {
    /// R and F scores, 0 for a buyer not scored yet.
    #[diesel(sql_type = Integer)]
    pub r: i32,
    #[diesel(sql_type = Integer)]
    pub f: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub segment: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub customers: i64,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
    /// Sum over the group's customers of the days since their last order.
    #[diesel(sql_type = BigInt)]
    pub recency_days: i64,
}

/// Buying customers per (R, F, segment), with their orders, revenue and
/// summed recency on `today`: one pass over their metrics rows (a segment
/// is a function of the scores, so there are at most a few hundred groups).
pub fn groups(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    today: NaiveDate,
) -> DbResult<Vec<RfmGroup>> {
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT CAST(COALESCE(m.rfm_r, 0) AS INTEGER) AS r, CAST(COALESCE(m.rfm_f, 0) AS INTEGER) AS f, \
         m.rfm_segment AS segment, COUNT(*) AS customers, \
         CAST(SUM(m.order_count) AS BIGINT) AS orders, CAST(SUM(m.revenue_minor) AS BIGINT) AS revenue, ",
    );
    if sql.is_postgres() {
        sql.push("CAST(SUM(")
            .date(today)
            .push(" - m.last_order_on) AS BIGINT)");
    } else {
        sql.push("CAST(SUM(julianday(")
            .date(today)
            .push(") - julianday(m.last_order_on)) AS INTEGER)");
    }
    sql.push(" AS recency_days");
    from_metrics(&mut sql, vis, filter);
    sql.push(" GROUP BY r, f, segment");
    sql.load(conn)
}

/// The buyers of one value tier and RFM segment.
#[derive(Debug, Clone, QueryableByName)]
pub struct BuyerGroup {
    /// `top`, `high`, `mid`, `low`, or `none` while unscored.
    #[diesel(sql_type = Text)]
    pub tier: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub segment: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub buyers: i64,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
    /// Buyers whose last order is on or after the day asked about.
    #[diesel(sql_type = BigInt)]
    pub recent: i64,
}

/// The buyers among the customers in scope per value tier and RFM segment,
/// with the sum of their order counts and revenue, and how many last
/// ordered on or after `since`: one pass over their metrics rows, not over
/// their orders.
pub fn buyer_groups(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    since: NaiveDate,
) -> DbResult<Vec<BuyerGroup>> {
    let mut sql = Sql::new(conn);
    sql.push(&format!("SELECT {VALUE_TIER} AS tier, "))
        .push(
            "m.rfm_segment AS segment, COUNT(*) AS buyers, \
             CAST(COALESCE(SUM(m.order_count), 0) AS BIGINT) AS orders, \
             CAST(COALESCE(SUM(m.revenue_minor), 0) AS BIGINT) AS revenue, \
             CAST(COALESCE(SUM(CASE WHEN m.last_order_on >= ",
        )
        .date(since)
        .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS recent");
    from_metrics(&mut sql, vis, filter);
    sql.push(" GROUP BY tier, segment");
    sql.load(conn)
}

/// `FROM` the buyers' metrics rows the caller may see and the filter
/// selects: a filter by what the rows carry (owner, team, RFM segment, the
/// map's dimensions) reads them alone, with no join with the customers (a
/// million of them at `l`); any other filter joins them.
pub(super) fn from_metrics(sql: &mut Sql, vis: &Visibility, filter: &CustomerFilter) {
    if crate::analytics::rows::carried_only(filter) {
        crate::analytics::rows::push_from(sql, vis, filter, &Groups::default());
        return;
    }
    sql.push(
        " FROM customer_metrics m JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id \
         WHERE m.workspace_id = ",
    )
    .id(vis.workspace_id)
    .push(" AND ");
    push_customers(sql, vis, filter);
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CohortCell {
    /// `YYYY-MM` of the customers' first order.
    #[diesel(sql_type = Text)]
    pub cohort: String,
    /// `YYYY-MM` of the orders.
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = BigInt)]
    pub buyers: i64,
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
}

/// Buyers and revenue per (first-order month, order month) for customers
/// whose first order falls in `[from, to)` (first days of months): from
/// the cohort rollups when the filter is by owner and team only, else from
/// the cohorts' orders.
pub fn cohorts(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    currency: &str,
    first_order: (NaiveDate, NaiveDate),
) -> DbResult<Vec<CohortCell>> {
    let rolled = crate::rollups::cohorts::cohort_cells(conn, vis, filter, currency, first_order)?;
    if let Some(cells) = rolled {
        return Ok(cells);
    }
    let mut sql = Sql::new(conn);
    let month = |column: &str, postgres: bool| {
        if postgres {
            format!("to_char({column}, 'YYYY-MM')")
        } else {
            format!("strftime('%Y-%m', {column})")
        }
    };
    let pg = sql.is_postgres();
    sql.push(&format!(
        "SELECT {} AS cohort, {} AS month, COUNT(DISTINCT o.customer_id) AS buyers, \
         CAST(SUM(o.total_minor) AS BIGINT) AS revenue \
         FROM orders o JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id \
         JOIN customer_metrics m ON m.workspace_id = o.workspace_id AND m.customer_id = o.customer_id WHERE ",
        month("m.first_order_on", pg),
        month("o.order_date", pg),
    ));
    push_revenue_orders(&mut sql, vis.workspace_id, currency);
    // No order of these customers predates their cohort: bound the scan.
    sql.push(" AND o.order_date >= ")
        .date(first_order.0)
        .push(" AND m.first_order_on >= ")
        .date(first_order.0)
        .push(" AND m.first_order_on < ")
        .date(first_order.1)
        .push(" AND ");
    push_customers(&mut sql, vis, filter);
    sql.push(" GROUP BY cohort, month");
    sql.load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct BuyerRow {
    #[diesel(sql_type = crate::types::DbUuid)]
    pub customer_id: Id,
    #[diesel(sql_type = Integer)]
    pub order_count: i32,
    #[diesel(sql_type = BigInt)]
    pub revenue_minor: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub first_order_on: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub last_order_on: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub longest_gap_days: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub rfm_segment: Option<String>,
}

/// Every buying customer's metrics, by customer id (the rows K-means reads).
pub fn buyers(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
) -> DbResult<Vec<BuyerRow>> {
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT m.customer_id AS customer_id, m.order_count AS order_count, \
         m.revenue_minor AS revenue_minor, m.first_order_on AS first_order_on, \
         m.last_order_on AS last_order_on, m.longest_gap_days AS longest_gap_days, \
         m.rfm_segment AS rfm_segment",
    );
    from_metrics(&mut sql, vis, filter);
    sql.push(" ORDER BY m.customer_id");
    sql.load(conn)
}
