//! Per-customer order aggregates (`customer_metrics`) and the workspace's
//! analytics settings. Every order write calls [`refresh_customers`] in its
//! own transaction, so counts, revenue, first, second-to-last and last
//! order and the longest silence are exact at all times; the rows also
//! carry the customer's owner, team, liveness and values of the map's
//! dimensions ([`CARRIED`]), which the customer writes keep
//! ([`follow_customers`]). RFM scores rank customers against the
//! whole workspace, so order writes only mark them stale and
//! [`refresh_rfm_now`] recomputes them in one ranking pass (when, is
//! `crm_app::analytics::rfm`'s decision: a read with no scores yet, or the
//! `rfm_refresh` job, so a busy workspace serves slightly stale scores with
//! their `as_of` rather than recomputing on every read). Both move the
//! customer counts kept under each RFM segment (`rollups::counts`).
//!
//! These statements are plain SQL with the workspace and customer ids
//! inlined as literals: they are `Uuid`s formatted by us (hex and hyphens
//! only), never caller text, and the same text then runs on both backends.

use chrono::NaiveDateTime;
use crm_domain::analytics::rfm_segment_sql;
use crm_domain::sales::OrderStatus;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::keyed::Keyed;
use crate::rollups::counts::Part;
use crate::schema::analytics_settings;
use crate::time::now;
use crate::types::Id;

pub const DEFAULT_CURRENCY: &str = "CNY";

/// The customer's columns its metrics row carries under the same names,
/// besides owner and team: every dimension the distribution map groups by
/// but tags, so an aggregate over the buyers filtered or grouped by them
/// reads their rows alone (`analytics::rows`).
pub const CARRIED: [&str; 11] = [
    "kind",
    "industry",
    "size_band",
    "lifecycle_stage",
    "source",
    "country_code",
    "province_code",
    "city_code",
    "district_code",
    "gender",
    "birth_date",
];
pub const DEFAULT_CHURN_DAYS: i32 = 180;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = analytics_settings)]
pub struct Settings {
    pub base_currency: String,
    pub churn_after_days: i32,
    pub rfm_stale: bool,
    pub rfm_refreshed_at: Option<NaiveDateTime>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            base_currency: DEFAULT_CURRENCY.to_owned(),
            churn_after_days: DEFAULT_CHURN_DAYS,
            rfm_stale: true,
            rfm_refreshed_at: None,
        }
    }
}

/// The workspace's settings, or the defaults when none were saved.
pub fn settings(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Settings> {
    Ok(analytics_settings::table
        .find(Id(workspace_id))
        .select(Settings::as_select())
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// Saves the settings; a new base currency recomputes every customer.
pub fn save_settings(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    base_currency: &str,
    churn_after_days: i32,
) -> DbResult<Settings> {
    let before = settings(conn, workspace_id)?;
    upsert_settings(conn, workspace_id, base_currency, churn_after_days, true)?;
    if before.base_currency != base_currency {
        refresh_all(conn, workspace_id)?;
        crate::clv::forget(conn, workspace_id)?;
    }
    settings(conn, workspace_id)
}

fn upsert_settings(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    base_currency: &str,
    churn_after_days: i32,
    stale: bool,
) -> DbResult<()> {
    crate::each_backend!(&mut *conn, |c| diesel::insert_into(
        analytics_settings::table
    )
    .values((
        analytics_settings::workspace_id.eq(Id(workspace_id)),
        analytics_settings::base_currency.eq(base_currency),
        analytics_settings::churn_after_days.eq(churn_after_days),
        analytics_settings::rfm_stale.eq(stale),
    ))
    .on_conflict(analytics_settings::workspace_id)
    .do_update()
    .set((
        analytics_settings::base_currency.eq(base_currency),
        analytics_settings::churn_after_days.eq(churn_after_days),
        analytics_settings::rfm_stale.eq(stale),
    ))
    .execute(c))?;
    Ok(())
}

fn mark_stale(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    let saved: Option<Settings> = analytics_settings::table
        .find(Id(workspace_id))
        .select(Settings::as_select())
        .first(conn)
        .optional()?;
    if saved.as_ref().is_some_and(|s| s.rfm_stale) {
        return Ok(());
    }
    let current = saved.unwrap_or_default();
    upsert_settings(
        conn,
        workspace_id,
        &current.base_currency,
        current.churn_after_days,
        true,
    )
}

/// `'…'`: an SQL string literal.
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// These ids, sorted and without repeats, as SQL lists of at most 500
/// literals (`'…', '…'`), for statements that inline them.
pub(crate) fn id_lists(ids: &[Uuid]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    ids.chunks(500)
        .map(|chunk| {
            let list: Vec<String> = chunk.iter().map(|id| literal(&id.to_string())).collect();
            list.join(", ")
        })
        .collect()
}

/// The statuses that keep an order out of revenue, as SQL literals
/// (`'draft', 'cancelled', 'refunded'`), for `status NOT IN (…)`.
pub(crate) fn non_revenue_statuses() -> String {
    let excluded: Vec<String> = OrderStatus::ALL
        .iter()
        .filter(|s| !s.is_revenue())
        .map(|s| literal(s.as_str()))
        .collect();
    excluded.join(", ")
}

/// The `WHERE` conditions that make an order count as revenue (`ws`: the
/// workspace in SQL).
fn revenue_orders(ws: &str, currency: &str) -> String {
    format!(
        "workspace_id = {ws} AND deleted_at IS NULL AND currency = {cur} AND status NOT IN ({st})",
        cur = literal(currency),
        st = non_revenue_statuses(),
    )
}

/// Recomputes the aggregates of these customers from their orders.
pub fn refresh_customers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customer_ids: &[Uuid],
) -> DbResult<()> {
    for k in Keyed::chunks(conn, workspace_id, customer_ids) {
        refresh_where(conn, &k, &k.among("customer_id"))?;
    }
    if !customer_ids.is_empty() {
        mark_stale(conn, workspace_id)?;
    }
    Ok(())
}

/// Recomputes every customer of the workspace (after a bulk load or a
/// change of base currency).
pub fn refresh_all(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    let k = Keyed::inline(conn, workspace_id);
    refresh_where(conn, &k, "1 = 1")?;
    mark_stale(conn, workspace_id)
}

/// `customers`: a condition on `customer_id`, written with `k`'s names.
fn refresh_where(conn: &mut AnyConnection, k: &Keyed, customers: &str) -> DbResult<()> {
    let ws = k.ws();
    let currency = settings(conn, k.workspace_id())?.base_currency;
    let previous = "LAG(order_date) OVER (PARTITION BY customer_id ORDER BY order_date)";
    let gap = match conn {
        AnyConnection::Postgresql(_) => format!("order_date - {previous}"),
        AnyConnection::Sqlite(_) => {
            format!("CAST(julianday(order_date) - julianday({previous}) AS INTEGER)")
        }
    };
    // Their segments go with their rows (the next scoring gives them
    // back), and so do their counts under those segments.
    let segmented = format!(
        "c.id IN (SELECT customer_id FROM customer_metrics WHERE workspace_id = {ws} \
         AND rfm_segment IS NOT NULL AND {customers})"
    );
    crate::rollups::counts::by_condition(conn, k, &segmented, Part::Segments, "-")?;
    k.execute(
        conn,
        &format!("DELETE FROM customer_metrics WHERE workspace_id = {ws} AND {customers}"),
    )?;
    let carried = CARRIED.join(", ");
    let from_customer = CARRIED.map(|column| format!("c.{column}")).join(", ");
    k.execute(
        conn,
        &format!(
        "INSERT INTO customer_metrics (workspace_id, customer_id, order_count, revenue_minor, \
         first_order_on, last_order_on, longest_gap_days, previous_order_on, owner_id, team_id, \
         live, {carried}) \
         SELECT a.workspace_id, a.customer_id, a.order_count, a.revenue_minor, a.first_order_on, \
         a.last_order_on, a.longest_gap_days, a.previous_order_on, c.owner_id, c.team_id, \
         c.deleted_at IS NULL, {from_customer} \
         FROM (SELECT workspace_id, customer_id, COUNT(*) AS order_count, \
               CAST(SUM(total_minor) AS BIGINT) AS revenue_minor, MIN(order_date) AS first_order_on, \
               MAX(order_date) AS last_order_on, \
               CAST(COALESCE(MAX(gap), 0) AS INTEGER) AS longest_gap_days, \
               MAX(previous) AS previous_order_on \
               FROM (SELECT workspace_id, customer_id, total_minor, order_date, {gap} AS gap, \
                     {previous} AS previous \
                     FROM orders WHERE {orders} AND {customers}) o \
               GROUP BY workspace_id, customer_id) a \
         JOIN customers c ON c.workspace_id = a.workspace_id AND c.id = a.customer_id",
            orders = revenue_orders(&ws, &currency),
        ),
    )?;
    Ok(())
}

/// Copies these customers' owner, team, liveness and [`CARRIED`] values
/// onto their metrics rows, after a customer write that may have changed
/// them (the rows carry them so analytics need no join with the customers).
pub fn follow_customers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customer_ids: &[Uuid],
) -> DbResult<()> {
    let carried = CARRIED
        .map(|column| format!("{column} = c.{column}"))
        .join(", ");
    for k in Keyed::chunks(conn, workspace_id, customer_ids) {
        let (ws, these) = (k.ws(), k.among("customer_metrics.customer_id"));
        k.execute(
            conn,
            &format!(
                "UPDATE customer_metrics SET owner_id = c.owner_id, team_id = c.team_id, \
                 live = c.deleted_at IS NULL, {carried} FROM customers c \
                 WHERE customer_metrics.workspace_id = {ws} AND {these} \
                 AND c.workspace_id = customer_metrics.workspace_id \
                 AND c.id = customer_metrics.customer_id"
            ),
        )?;
    }
    Ok(())
}

/// Recomputes the RFM scores and segments of the whole workspace now, under
/// the workspace lock; returns when they were computed. When to call it
/// (a read finding no scores, or stale ones past their maximum age, or the
/// `rfm_refresh` job) is `crm_app::analytics::rfm`'s decision.
pub fn refresh_rfm_now(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<NaiveDateTime> {
    Ok(refresh_rfm_counted(conn, workspace_id)?.0)
}

/// [`refresh_rfm_now`], and how many buyers' rows it rewrote (those whose
/// scores or segment changed).
pub fn refresh_rfm_counted(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
) -> DbResult<(NaiveDateTime, usize)> {
    let (at, rewritten) = crate::change_log::transaction(conn, |conn| {
        crate::change_log::lock_workspace(conn, workspace_id)?;
        refresh_rfm(conn, workspace_id)
    })?;
    crate::batch::analyze_if_changed(conn, "customer_metrics", rewritten)?;
    Ok((at, rewritten))
}

/// Scores are quintiles by rank: `1 + 5 × (rank − 1) ÷ n`, so ties share a
/// score; R ranks by last order date, F by order count, M by revenue. Only
/// rows whose scores or segment change are written: a refresh after a few
/// orders rewrites a few rows, not every buyer's, which without autovacuum
/// left the table twice its size after each refresh and every read of it
/// slower (k-means at `l`: 2.1 s → 3.3 s). The changed rows are computed
/// once into a temporary table, so the buyers whose segment changes move
/// their segment's customer counts (out before, in after).
fn refresh_rfm(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<(NaiveDateTime, usize)> {
    let ws = literal(&workspace_id.to_string());
    let score = |column: &str| {
        format!("1 + (5 * (RANK() OVER (ORDER BY {column}) - 1)) / COUNT(*) OVER ()")
    };
    if let AnyConnection::Postgresql(_) = conn {
        // Three sorts of every buyer: with the default 4 MB each spilled
        // to disk, and the scoring of 793,511 buyers took 7.8 s instead
        // of 3.7 s. For this transaction only.
        diesel::sql_query("SET LOCAL work_mem = '128MB'").execute(conn)?;
    }
    diesel::sql_query(format!(
        "CREATE TEMPORARY TABLE rfm_changes AS \
         SELECT s.customer_id AS customer_id, s.r AS r, s.f AS f, s.m AS m, \
                {segment} AS segment, s.rfm_segment AS was \
         FROM (SELECT customer_id, rfm_r, rfm_f, rfm_m, rfm_segment, {r} AS r, {f} AS f, {m} AS m \
               FROM customer_metrics WHERE workspace_id = {ws}) s \
         WHERE s.rfm_r IS DISTINCT FROM s.r OR s.rfm_f IS DISTINCT FROM s.f \
            OR s.rfm_m IS DISTINCT FROM s.m OR s.rfm_segment IS DISTINCT FROM {segment}",
        segment = rfm_segment_sql("s.r", "s.f", "s.m"),
        r = score("last_order_on"),
        f = score("order_count"),
        m = score("revenue_minor"),
    ))
    .execute(conn)?;
    if let AnyConnection::Postgresql(_) = conn {
        diesel::sql_query("ANALYZE rfm_changes").execute(conn)?;
    }
    let moved = "c.id IN (SELECT customer_id FROM rfm_changes WHERE was IS DISTINCT FROM segment)";
    let k = Keyed::workspace(conn, workspace_id);
    crate::rollups::counts::by_condition(conn, &k, moved, Part::Segments, "-")?;
    let rewritten = diesel::sql_query(format!(
        "UPDATE customer_metrics SET rfm_r = s.r, rfm_f = s.f, rfm_m = s.m, rfm_segment = s.segment \
         FROM rfm_changes s \
         WHERE customer_metrics.workspace_id = {ws} AND customer_metrics.customer_id = s.customer_id"
    ))
    .execute(conn)?;
    crate::rollups::counts::by_condition(conn, &k, moved, Part::Segments, "")?;
    diesel::sql_query("DROP TABLE rfm_changes").execute(conn)?;
    let current = settings(conn, workspace_id)?;
    let at = now();
    upsert_settings(
        conn,
        workspace_id,
        &current.base_currency,
        current.churn_after_days,
        false,
    )?;
    diesel::update(analytics_settings::table.find(Id(workspace_id)))
        .set(analytics_settings::rfm_refreshed_at.eq(Some(at)))
        .execute(conn)?;
    Ok((at, rewritten))
}
