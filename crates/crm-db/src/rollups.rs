//! `sales_rollups`: revenue and order counts per day, currency and customer
//! dimension (country, province, city, industry, size, lifecycle stage,
//! source, kind, gender), with the customer's owner and team on every row
//! so visibility needs no join. The distribution map reads them instead of
//! every order of its window ([`sum_sales`]).
//!
//! They are kept exact by the writes, in the writer's transaction: an order
//! write takes the orders' old contributions out before it writes and puts
//! the new ones in after ([`remove_orders`], [`add_orders`]); a customer
//! write does the same for all the customer's orders ([`remove_customers`],
//! [`add_customers`]), since a new province or owner moves them. Both
//! statements add signed sums onto the existing rows (`ON CONFLICT … DO
//! UPDATE`), so a row whose orders all went away stays with zeros, which
//! every reader skips. [`rebuild`] recomputes a workspace (bulk loads), and
//! [`rebuild_on_two`] the same on two connections at once.
//!
//! Which orders count is the revenue rule of `metrics` (live, not draft,
//! cancelled or refunded) for live customers; every currency is kept, so a
//! change of base currency needs no rebuild. Ids are inlined as literals:
//! they are `Uuid`s formatted by us, never caller text.
//!
//! [`orders`] keeps revenue per day by the order's own owner and team (the
//! sales forecast's), and [`products`] the order lines' sums per day and
//! product by the same owner and team, through the same order hooks and
//! rebuilds.
//!
//! [`cohorts`] keeps the cohort matrix's buyers and revenue the same way,
//! per customer rather than per order, and [`counts`] the live customers
//! per dimension value; the customer hooks here call both, and [`rebuild`]
//! recomputes both.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::customers::CustomerFields;
use crate::error::DbResult;
use crate::keyed::Keyed;
use crate::metrics::{literal, non_revenue_statuses};

pub mod cohorts;
pub mod counts;
pub mod orders;
pub mod products;
mod read;

pub use read::{SalesSums, sum_sales};
pub(crate) use read::{
    owner_and_team_only, owner_team_and_segment_only, push_owner_and_team, rollup_id_key,
};

/// The dimensions kept, each with the customer column it groups by and,
/// for regions, the column of the level above (its drill-down parent).
pub const DIMENSIONS: &[(&str, &str, Option<&str>)] = &[
    ("country", "country_code", None),
    ("province", "province_code", Some("country_code")),
    ("city", "city_code", Some("province_code")),
    ("industry", "industry", None),
    ("size", "size_band", None),
    ("lifecycle_stage", "lifecycle_stage", None),
    ("source", "source", None),
    ("kind", "kind", None),
    ("gender", "gender", None),
];

/// The dimension whose rows hold every order once: totals and the owner and
/// team groupings read it.
pub const ANY_DIMENSION: &str = "country";

/// Stands for "no owner" and "no team" in the key.
pub const NONE_ID: Uuid = Uuid::nil();

/// Takes these orders' current contributions out (before they change), of
/// the sales rollups and of the [`orders`] and [`products`] rollups.
pub fn remove_orders(conn: &mut AnyConnection, workspace_id: Uuid, ids: &[Uuid]) -> DbResult<()> {
    by_orders(conn, workspace_id, ids, "-")
}

/// Puts these orders' current contributions in (after they changed).
pub fn add_orders(conn: &mut AnyConnection, workspace_id: Uuid, ids: &[Uuid]) -> DbResult<()> {
    by_orders(conn, workspace_id, ids, "")
}

fn by_orders(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
    sign: &str,
) -> DbResult<()> {
    for k in Keyed::chunks(conn, workspace_id, ids) {
        let which = k.among("o.id");
        contribute(conn, &k, &which, sign)?;
        orders::contribute(conn, &k, &which, sign)?;
        products::contribute(conn, &k, &which, sign)?;
    }
    Ok(())
}

/// Takes the contributions of these customers' orders out (before the
/// customers change).
pub fn remove_customers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> DbResult<()> {
    cohorts::remove(conn, workspace_id, ids)?;
    counts::remove(conn, workspace_id, ids, counts::Part::All)?;
    by_chunks(conn, workspace_id, ids, "o.customer_id", "-")
}

/// Puts the contributions of these customers' orders in (after the
/// customers changed).
pub fn add_customers(conn: &mut AnyConnection, workspace_id: Uuid, ids: &[Uuid]) -> DbResult<()> {
    cohorts::add(conn, workspace_id, ids)?;
    counts::add(conn, workspace_id, ids, counts::Part::All)?;
    by_chunks(conn, workspace_id, ids, "o.customer_id", "")
}

/// Whether a customer's sales, counts or metrics row change when its fields
/// go from `before` to `after`: a new owner, team, birth date, district or
/// value of a kept dimension (the metrics row carries the district too).
pub fn moves(before: &CustomerFields, after: &CustomerFields) -> bool {
    let key = |f: &CustomerFields| {
        (
            f.owner_id,
            f.team_id,
            [
                &f.country_code,
                &f.province_code,
                &f.city_code,
                &f.district_code,
                &f.industry,
                &f.size_band,
                &f.lifecycle_stage,
                &f.source,
                &f.gender,
            ]
            .map(Clone::clone),
            f.kind.clone(),
            f.birth_date,
        )
    };
    key(before) != key(after)
}

/// Recomputes the workspace's rollups from its orders, one month at a time:
/// a month's groups fit in memory, where all of a million customers' orders
/// at once made PostgreSQL spill gigabytes to disk for over five minutes.
/// The caller refreshes the orders' statistics first (a month planned as
/// one order was read with a nested loop per dimension).
pub fn rebuild(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    use diesel::prelude::*;

    conn.transaction(|conn| {
        if matches!(conn, AnyConnection::Postgresql(_)) {
            // A month's groups (70,000 at `l`) fit in 64 MB, and hashing
            // them beats sorting the 4.7 million rows they come from, which
            // the planner otherwise picks (7 s a month against 23 s).
            diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn)?;
            diesel::sql_query("SET LOCAL enable_sort = off").execute(conn)?;
        }
        let k = Keyed::inline(conn, workspace_id);
        k.delete_all(conn, "sales_rollups")?;
        counts::rebuild(conn, workspace_id)?;
        orders::rebuild(conn, workspace_id)?;
        products::rebuild(conn, workspace_id)?;
        let (Some(first), Some(last)) = order_span(conn, workspace_id)? else {
            return cohorts::rebuild(conn, workspace_id);
        };
        for (from, to) in months(first, last) {
            let which = format!("o.order_date >= '{from}' AND o.order_date < '{to}'");
            contribute(conn, &k, &which, "")?;
        }
        if matches!(conn, AnyConnection::Postgresql(_)) {
            // Each customer's months are sorted to find its first.
            diesel::sql_query("SET LOCAL enable_sort = on").execute(conn)?;
        }
        cohorts::rebuild(conn, workspace_id)
    })
}

/// What [`rebuild_on_two`] hands out, one at a time, to whichever
/// connection is free.
#[derive(Debug, Clone, Copy)]
enum Piece {
    Counts,
    Cohorts,
    Orders,
    Products,
    Month(NaiveDate, NaiveDate),
}

/// [`rebuild`] on two PostgreSQL connections at once, for a bulk load: one
/// statement runs on one core, and each month's sums are a statement of
/// their own, so the cohorts and each month's sums are handed out one at a
/// time to whichever connection is free (the cohorts, the [`products`]
/// and the [`orders`] rollups first, then the latest months, which hold the
/// most orders).
/// `meanwhile` runs on `conn` first (the loader's metrics and RFM scores,
/// which read none of these tables), then `conn` computes the customer
/// counts, which count the RFM segments, and joins in. Each part commits
/// on its own, so unlike [`rebuild`] a reader may see the sums fill in:
/// this is for a loader whose workspace nobody reads yet (`crm demo`). On
/// SQLite, which writes one connection at a time, it is `meanwhile` and
/// then [`rebuild`].
pub fn rebuild_on_two(
    conn: &mut AnyConnection,
    other: &mut AnyConnection,
    workspace_id: Uuid,
    meanwhile: impl FnOnce(&mut AnyConnection) -> DbResult<()>,
) -> DbResult<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let postgres = |c: &AnyConnection| matches!(c, AnyConnection::Postgresql(_));
    if !postgres(conn) || !postgres(other) {
        meanwhile(conn)?;
        return rebuild(conn, workspace_id);
    }
    let mut parts = vec![Piece::Cohorts, Piece::Products, Piece::Orders];
    if let (Some(first), Some(last)) = order_span(conn, workspace_id)? {
        parts.extend(
            months(first, last)
                .into_iter()
                .rev()
                .map(|(from, to)| Piece::Month(from, to)),
        );
    }
    Keyed::inline(conn, workspace_id).delete_all(conn, "sales_rollups")?;
    let next = AtomicUsize::new(0);
    let work = |conn: &mut AnyConnection| -> DbResult<()> {
        while let Some(part) = parts.get(next.fetch_add(1, Ordering::Relaxed)) {
            build(conn, workspace_id, *part)?;
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| work(other));
        let mine = meanwhile(conn)
            .and_then(|()| build(conn, workspace_id, Piece::Counts))
            .and_then(|()| work(conn));
        let theirs = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        mine.and(theirs)
    })
}

/// The first and last order day of the workspace.
fn order_span(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
) -> DbResult<(Option<NaiveDate>, Option<NaiveDate>)> {
    use diesel::dsl::{max, min};
    use diesel::prelude::*;

    use crate::schema::orders;
    use crate::types::Id;

    Ok(orders::table
        .filter(orders::workspace_id.eq(Id(workspace_id)))
        .select((min(orders::order_date), max(orders::order_date)))
        .first(conn)?)
}

/// One part of [`rebuild_on_two`], in its own transaction.
fn build(conn: &mut AnyConnection, workspace_id: Uuid, part: Piece) -> DbResult<()> {
    use diesel::prelude::*;

    conn.transaction(|conn| match part {
        Piece::Counts => counts::rebuild(conn, workspace_id),
        Piece::Cohorts => cohorts::rebuild(conn, workspace_id),
        Piece::Orders => orders::rebuild(conn, workspace_id),
        Piece::Products => products::rebuild(conn, workspace_id),
        Piece::Month(from, to) => {
            // As in `rebuild`: a month's groups hashed in memory.
            diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn)?;
            diesel::sql_query("SET LOCAL enable_sort = off").execute(conn)?;
            let k = Keyed::inline(conn, workspace_id);
            let which = format!("o.order_date >= '{from}' AND o.order_date < '{to}'");
            contribute(conn, &k, &which, "")
        }
    })
}

/// `[first day, first day of the next month)` of every month from `first`'s
/// to `last`'s.
fn months(first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    use chrono::{Datelike, Months};
    let mut out = Vec::new();
    let mut month = first.with_day(1).unwrap_or(first);
    while month <= last {
        let next = month + Months::new(1);
        out.push((month, next));
        month = next;
    }
    out
}

fn by_chunks(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
    column: &str,
    sign: &str,
) -> DbResult<()> {
    for k in Keyed::chunks(conn, workspace_id, ids) {
        contribute(conn, &k, &k.among(column), sign)?;
    }
    Ok(())
}

/// Adds (`sign` "") or subtracts ("-") the sums of the revenue orders of
/// live customers where `which` holds.
fn contribute(conn: &mut AnyConnection, k: &Keyed, which: &str, sign: &str) -> DbResult<()> {
    k.execute(conn, &contribution_sql(&k.ws(), which, sign))?;
    Ok(())
}

fn contribution_sql(ws: &str, which: &str, sign: &str) -> String {
    let mut parent = String::from("CASE d.dimension");
    let mut code = String::from("CASE d.dimension");
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for (name, column, above) in DIMENSIONS {
        if let Some(above) = above {
            parent.push_str(&format!(" WHEN '{name}' THEN s.{above}"));
        }
        code.push_str(&format!(" WHEN '{name}' THEN s.{column}"));
        names.push(format!("SELECT '{name}' AS dimension"));
        columns.push(format!("c.{column} AS {column}"));
    }
    parent.push_str(" END");
    code.push_str(" END");
    let none = literal(&NONE_ID.to_string());
    // The orders are read once into `s`, then counted once per dimension:
    // joined with the dimensions directly, PostgreSQL read them once per
    // dimension (nine bitmap scans of a month's orders at `l`).
    format!(
        "WITH s AS MATERIALIZED (SELECT o.workspace_id AS workspace_id, o.currency AS currency, \
         o.order_date AS order_date, o.total_minor AS total_minor, \
         COALESCE(c.owner_id, {none}) AS owner_id, COALESCE(c.team_id, {none}) AS team_id, \
         {columns} \
         FROM orders o \
         JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id \
         WHERE o.workspace_id = {ws} AND o.deleted_at IS NULL AND o.status NOT IN ({excluded}) \
         AND c.deleted_at IS NULL AND {which}) \
         INSERT INTO sales_rollups (workspace_id, currency, dimension, parent_code, order_date, \
         code, owner_id, team_id, revenue_minor, orders) \
         SELECT s.workspace_id, s.currency, d.dimension, COALESCE({parent}, ''), s.order_date, \
         COALESCE({code}, ''), s.owner_id, s.team_id, \
         {sign}CAST(SUM(s.total_minor) AS BIGINT), {sign}COUNT(*) \
         FROM s CROSS JOIN ({dimensions}) d WHERE 1 = 1 \
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 \
         ON CONFLICT (workspace_id, currency, dimension, parent_code, order_date, code, owner_id, \
         team_id) DO UPDATE SET revenue_minor = sales_rollups.revenue_minor + \
         excluded.revenue_minor, orders = sales_rollups.orders + excluded.orders",
        columns = columns.join(", "),
        dimensions = names.join(" UNION ALL "),
        excluded = non_revenue_statuses(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dimension_is_summed_once_per_order_and_region_rows_carry_their_parent() {
        let sql = contribution_sql("'w'", "1 = 1", "-");
        for (name, _, _) in DIMENSIONS {
            assert_eq!(
                sql.matches(&format!("SELECT '{name}' AS dimension"))
                    .count(),
                1
            );
        }
        assert!(sql.contains("WHEN 'city' THEN s.province_code"));
        assert!(sql.contains("-CAST(SUM(s.total_minor) AS BIGINT), -COUNT(*)"));
        assert!(sql.contains("NOT IN ('draft', 'cancelled', 'refunded')"));
        assert!(DIMENSIONS.iter().any(|(name, _, _)| *name == ANY_DIMENSION));
    }

    #[test]
    fn a_rebuild_covers_every_month_from_the_first_order_to_the_last() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("day");
        let spans = months(day(2025, 11, 17), day(2026, 2, 1));
        assert_eq!(
            spans,
            [
                (day(2025, 11, 1), day(2025, 12, 1)),
                (day(2025, 12, 1), day(2026, 1, 1)),
                (day(2026, 1, 1), day(2026, 2, 1)),
                (day(2026, 2, 1), day(2026, 3, 1)),
            ]
        );
        assert_eq!(months(day(2026, 2, 3), day(2026, 2, 3)).len(), 1);
    }

    fn fields() -> CustomerFields {
        CustomerFields {
            kind: "organization".into(),
            name: "甲".into(),
            external_id: None,
            owner_id: None,
            team_id: None,
            industry: None,
            size_band: None,
            employee_count: None,
            annual_revenue_minor: None,
            annual_revenue_currency: None,
            email: None,
            phone: None,
            website: None,
            country_code: Some("CN".into()),
            province_code: None,
            city_code: None,
            district_code: None,
            address: None,
            gender: None,
            birth_date: None,
            source: None,
            lifecycle_stage: None,
            custom_fields: crate::types::Json(serde_json::json!({})),
            search_text: String::new(),
        }
    }

    #[test]
    fn a_customer_moves_its_sales_when_a_kept_dimension_or_its_owner_changes() {
        let before = fields();
        let changed: [fn(&mut CustomerFields); 13] = [
            |f| f.owner_id = Some(crate::types::Id(Uuid::from_u128(1))),
            |f| f.team_id = Some(crate::types::Id(Uuid::from_u128(2))),
            |f| f.country_code = None,
            |f| f.province_code = Some("440000".into()),
            |f| f.city_code = Some("440300".into()),
            |f| f.industry = Some("retail".into()),
            |f| f.size_band = Some("small".into()),
            |f| f.lifecycle_stage = Some("customer".into()),
            |f| f.source = Some("website".into()),
            |f| f.kind = "person".into(),
            |f| f.gender = Some("female".into()),
            // Counted (`counts`), not summed.
            |f| f.birth_date = NaiveDate::from_ymd_opt(1990, 1, 2),
            // Carried on the metrics row (`metrics::CARRIED`), not summed.
            |f| f.district_code = Some("440305".into()),
        ];
        // One change per kept dimension, plus owner, team, birth date and
        // district.
        assert_eq!(changed.len(), DIMENSIONS.len() + 4);
        for change in changed {
            let mut after = fields();
            change(&mut after);
            assert!(moves(&before, &after), "{after:?}");
        }
        let mut renamed = fields();
        renamed.name = "乙".into();
        renamed.phone = Some("13800138000".into());
        assert!(!moves(&before, &renamed));
    }
}
