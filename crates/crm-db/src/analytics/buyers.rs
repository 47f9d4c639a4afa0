//! The buyers' all-time sums per group, read from their `customer_metrics`
//! rows (one a buyer) instead of from every order they ever placed: the
//! map's customer lifetime value and churn rate. A metrics row holds every
//! revenue order of its customer in the base currency, so these sums equal
//! [`super::sum_orders`] over every order before a window's end exactly
//! when no revenue order is dated on or after that end ([`all_orders_before`]
//! tells); the caller reads the orders otherwise. Grouped and filtered by
//! what each row carries (every dimension but tags, see [`super::rows`]),
//! the rows answer alone; a tag, a search or a record date joins them with
//! their customers.

use chrono::NaiveDate;
use crm_domain::analytics::Dimension;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{Groups, customer_conditions, group_by, rows, select_keys, uses};
use crate::connection::AnyConnection;
use crate::customers::CustomerFilter;
use crate::error::DbResult;
use crate::sql::Sql;
use crate::visibility::Visibility;

#[derive(Debug, Clone, QueryableByName)]
pub struct BuyerSums {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub key2: Option<String>,
    /// Every revenue order of the group's buyers.
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
    #[diesel(sql_type = BigInt)]
    pub buyers: i64,
    /// Those of them whose last order is on or after `since`.
    #[diesel(sql_type = BigInt)]
    pub recent: i64,
}

/// Per group of the buyers the caller may see and the filter selects: the
/// revenue of all their revenue orders, how many they are, and how many of
/// them last ordered on or after `since`.
pub fn sum_buyers(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    groups: &Groups,
    since: NaiveDate,
) -> DbResult<Vec<BuyerSums>> {
    let mut sql = Sql::new(conn);
    if rows::answer(filter, groups) {
        // What each row carries answers: no join with the customers.
        rows::select_keys(&mut sql, groups);
        push_sums(&mut sql, since);
        rows::push_from(&mut sql, vis, filter, groups);
        group_by(&mut sql, groups);
        return sql.load(conn);
    }
    select_keys(&mut sql, groups);
    push_sums(&mut sql, since);
    sql.push(
        " FROM customer_metrics m JOIN customers c \
         ON c.workspace_id = m.workspace_id AND c.id = m.customer_id",
    );
    // The metrics are joined already (value tiers and RFM segments read `m`).
    if uses(groups, Dimension::Tag) {
        sql.push(
            " LEFT JOIN customer_tags ct ON ct.workspace_id = c.workspace_id AND ct.customer_id = c.id",
        );
    }
    sql.push(" WHERE m.workspace_id = ")
        .id(vis.workspace_id)
        .push(" AND ");
    customer_conditions(&mut sql, vis, filter, groups);
    group_by(&mut sql, groups);
    sql.load(conn)
}

fn push_sums(sql: &mut Sql, since: NaiveDate) {
    sql.push(
        "CAST(COALESCE(SUM(m.revenue_minor), 0) AS BIGINT) AS revenue, \
         CAST(COUNT(*) AS BIGINT) AS buyers, \
         CAST(COALESCE(SUM(CASE WHEN m.last_order_on >= ",
    )
    .date(since)
    .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS recent");
}

/// Whether every revenue order of the workspace (in its base currency, what
/// the metrics rows hold) is dated before `end`: one read of the
/// `(workspace, last_order_on)` index.
pub fn all_orders_before(
    conn: &mut AnyConnection,
    workspace_id: uuid::Uuid,
    end: NaiveDate,
) -> DbResult<bool> {
    use crate::schema::customer_metrics;
    use crate::types::Id;
    use diesel::dsl::max;
    use diesel::prelude::*;
    let latest: Option<NaiveDate> = customer_metrics::table
        .filter(customer_metrics::workspace_id.eq(Id(workspace_id)))
        .select(max(customer_metrics::last_order_on))
        .first(conn)?;
    Ok(latest.is_none_or(|day| day < end))
}
