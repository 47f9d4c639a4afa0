//! The sums the sales forecast is made of: deals closing in a period by
//! owner, currency and forecast category (won deals by their close time,
//! open ones by their expected close date), and order revenue by month
//! (from `order_rollups`).
//! Both are scoped by the caller's visibility and an optional owner or
//! set of teams.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use uuid::Uuid;

use crate::analytics::{push_scope, push_visibility};
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::sql::{Bind, Sql};
use crate::types::{DbUuid, Id};
use crate::visibility::Visibility;

/// Whose records count: one owner, or the records of a set of teams.
#[derive(Debug, Clone, Default)]
pub struct Owners {
    pub owner_id: Option<Uuid>,
    /// `None`: any team; `Some`: only these (empty matches nothing).
    pub team_ids: Option<Vec<Uuid>>,
}

impl Owners {
    /// ` AND alias.owner_id = …` and ` AND alias.team_id IN (…)` as named.
    pub fn push(&self, sql: &mut Sql, alias: &str) {
        if let Some(owner) = self.owner_id {
            sql.push(&format!(" AND {alias}.owner_id = ")).id(owner);
        }
        if let Some(teams) = &self.team_ids {
            sql.push(&format!(" AND {alias}.team_id IN "))
                .id_list(teams);
        }
    }
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CategoryTotal {
    #[diesel(sql_type = Nullable<DbUuid>)]
    pub owner_id: Option<Id>,
    #[diesel(sql_type = Text)]
    pub currency: String,
    /// `closed` for won deals, `omitted` for lost ones, else the deal's
    /// override or its stage's category.
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub deals: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    /// Σ amount × probability / 100.
    #[diesel(sql_type = BigInt)]
    pub weighted_minor: i64,
}

/// Deals won in `[start, end)` and open deals expected to close then, per
/// owner, currency and category.
pub fn deal_totals(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owners: &Owners,
    (start, end): (NaiveDate, NaiveDate),
) -> DbResult<Vec<CategoryTotal>> {
    let midnight = |d: NaiveDate| -> NaiveDateTime { d.and_time(chrono::NaiveTime::MIN) };
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT d.owner_id AS owner_id, d.currency AS currency, \
         CASE WHEN s.kind = 'won' THEN 'closed' WHEN s.kind = 'lost' THEN 'omitted' \
         ELSE COALESCE(d.forecast_category, s.forecast_category) END AS category, \
         CAST(COUNT(*) AS BIGINT) AS deals, \
         CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS amount_minor, \
         CAST(COALESCE(SUM(d.amount_minor * d.probability), 0) / 100 AS BIGINT) AS weighted_minor \
         FROM deals d JOIN pipeline_stages s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id \
         WHERE ",
    );
    push_visibility(&mut sql, vis, "d");
    owners.push(&mut sql, "d");
    sql.push(" AND ((s.kind = 'won' AND d.closed_at >= ")
        .bind(Bind::Time(midnight(start)))
        .push(" AND d.closed_at < ")
        .bind(Bind::Time(midnight(end)))
        .push(") OR (s.kind = 'open' AND d.expected_close_date >= ")
        .date(start)
        .push(" AND d.expected_close_date < ")
        .date(end)
        .push(")) GROUP BY d.owner_id, d.currency, category");
    sql.load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MonthRevenue {
    /// `YYYY-MM`.
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = BigInt)]
    pub revenue_minor: i64,
}

/// Revenue of the orders in `currency` dated in `[from, to)`, per month,
/// of the orders the caller may see (by their own owner and team) and
/// `owners` names: read from `order_rollups` (a few rows a day, kept exact
/// by the order writes, `crate::rollups::orders`), which hold exactly those
/// orders' sums, instead of every order of the three years.
pub fn monthly_revenue(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owners: &Owners,
    currency: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> DbResult<Vec<MonthRevenue>> {
    let mut sql = Sql::new(conn);
    let month = if sql.is_postgres() {
        "to_char(r.order_date, 'YYYY-MM')"
    } else {
        "strftime('%Y-%m', r.order_date)"
    };
    sql.push(&format!(
        "SELECT {month} AS month, CAST(SUM(r.revenue_minor) AS BIGINT) AS revenue_minor \
         FROM order_rollups r WHERE r.workspace_id = "
    ))
    .id(vis.workspace_id)
    .push(" AND r.currency = ")
    .text(currency);
    push_scope(&mut sql, vis, "r");
    owners.push(&mut sql, "r");
    sql.push(" AND r.order_date >= ")
        .date(from)
        .push(" AND r.order_date < ")
        .date(to)
        // Days whose orders all went away hold zeros: no month for them.
        .push(" GROUP BY month HAVING SUM(r.orders) <> 0 ORDER BY month");
    sql.load(conn)
}
