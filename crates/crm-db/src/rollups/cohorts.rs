//! `cohort_rollups`: buyers and revenue per currency, cohort month (the
//! month of the customer's first revenue order in that currency), order
//! month, and the customer's owner and team. The cohort matrix reads them
//! ([`cohort_cells`]) instead of every order of its cohorts.
//!
//! A customer's part depends on all its orders (an earlier order moves it
//! to another cohort), so every write takes the parts of the customers it
//! touches out before it writes and puts them back after ([`remove`],
//! [`add`]): an order write for the orders' customers, old and new, and a
//! customer write (through `rollups::remove_customers` and
//! `add_customers`) for the customers themselves. Signed sums are added
//! onto the existing rows, so a row whose buyers all went away stays with
//! zeros, which the reader skips. [`rebuild`] recomputes a workspace.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{NONE_ID, owner_and_team_only, push_owner_and_team};
use crate::connection::AnyConnection;
use crate::customers::CustomerFilter;
use crate::error::DbResult;
use crate::keyed::Keyed;
use crate::metrics::{literal, non_revenue_statuses};
use crate::rfm::CohortCell;
use crate::sql::Sql;
use crate::visibility::Visibility;

/// Takes these customers' current parts out (before their orders or they
/// change).
pub fn remove(conn: &mut AnyConnection, workspace_id: Uuid, customers: &[Uuid]) -> DbResult<()> {
    by_chunks(conn, workspace_id, customers, "-")
}

/// Puts these customers' current parts in (after their orders or they
/// changed).
pub fn add(conn: &mut AnyConnection, workspace_id: Uuid, customers: &[Uuid]) -> DbResult<()> {
    by_chunks(conn, workspace_id, customers, "")
}

/// Recomputes the workspace's cohort rollups from its orders (bulk loads);
/// the caller runs it in a transaction.
pub fn rebuild(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    let k = Keyed::inline(conn, workspace_id);
    k.delete_all(conn, "cohort_rollups")?;
    k.execute(
        conn,
        &contribution_sql(k.is_postgres(), &k.ws(), "1 = 1", ""),
    )?;
    Ok(())
}

fn by_chunks(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customers: &[Uuid],
    sign: &str,
) -> DbResult<()> {
    for k in Keyed::chunks(conn, workspace_id, customers) {
        let which = k.among("o.customer_id");
        k.execute(
            conn,
            &contribution_sql(k.is_postgres(), &k.ws(), &which, sign),
        )?;
    }
    Ok(())
}

/// The first day of `day`'s month, in each dialect.
fn month_of(postgres: bool, day: &str) -> String {
    if postgres {
        format!("CAST(date_trunc('month', {day}) AS DATE)")
    } else {
        format!("date({day}, 'start of month')")
    }
}

/// Adds (`sign` "") or subtracts ("-") the parts of the live customers
/// whose orders `which` selects: one buyer and the month's revenue per
/// (customer, currency, month with a revenue order).
fn contribution_sql(postgres: bool, ws: &str, which: &str, sign: &str) -> String {
    let none = literal(&NONE_ID.to_string());
    let month = month_of(postgres, "o.order_date");
    format!(
        "INSERT INTO cohort_rollups (workspace_id, currency, cohort_month, order_month, owner_id, \
         team_id, buyers, revenue_minor) \
         SELECT t.workspace_id, t.currency, t.cohort_month, t.order_month, t.owner_id, t.team_id, \
         {sign}COUNT(*), {sign}CAST(SUM(t.revenue) AS BIGINT) \
         FROM (SELECT o.workspace_id AS workspace_id, o.currency AS currency, \
               MIN({month}) OVER (PARTITION BY o.customer_id, o.currency) AS cohort_month, \
               {month} AS order_month, \
               COALESCE(c.owner_id, {none}) AS owner_id, COALESCE(c.team_id, {none}) AS team_id, \
               SUM(o.total_minor) AS revenue \
               FROM orders o \
               JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id \
               WHERE o.workspace_id = {ws} AND o.deleted_at IS NULL AND o.status NOT IN ({excluded}) \
               AND c.deleted_at IS NULL AND {which} \
               GROUP BY o.workspace_id, o.currency, o.customer_id, {month}, c.owner_id, c.team_id) t \
         WHERE 1 = 1 \
         GROUP BY t.workspace_id, t.currency, t.cohort_month, t.order_month, t.owner_id, t.team_id \
         ON CONFLICT (workspace_id, currency, cohort_month, order_month, owner_id, team_id) \
         DO UPDATE SET buyers = cohort_rollups.buyers + excluded.buyers, \
         revenue_minor = cohort_rollups.revenue_minor + excluded.revenue_minor",
        excluded = non_revenue_statuses(),
    )
}

/// The cohort matrix's cells for cohorts `[first, end)` (first days of
/// months) from the rollups, or `None` when they cannot answer (a customer
/// filter other than owner and team).
pub fn cohort_cells(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    currency: &str,
    (first, end): (NaiveDate, NaiveDate),
) -> DbResult<Option<Vec<CohortCell>>> {
    if !owner_and_team_only(filter) {
        return Ok(None);
    }
    let mut sql = Sql::new(conn);
    let key = |column: &str| match sql.is_postgres() {
        true => format!("to_char({column}, 'YYYY-MM')"),
        false => format!("strftime('%Y-%m', {column})"),
    };
    let select = format!(
        "SELECT {} AS cohort, {} AS month, CAST(SUM(r.buyers) AS BIGINT) AS buyers, \
         CAST(SUM(r.revenue_minor) AS BIGINT) AS revenue FROM cohort_rollups r WHERE r.workspace_id = ",
        key("r.cohort_month"),
        key("r.order_month"),
    );
    sql.push(&select)
        .id(vis.workspace_id)
        .push(" AND r.currency = ")
        .text(currency)
        .push(" AND r.cohort_month >= ")
        .date(first)
        .push(" AND r.cohort_month < ")
        .date(end);
    push_owner_and_team(&mut sql, vis, filter, "r");
    // Cells whose buyers all went away hold zeros: no cell for them.
    sql.push(" GROUP BY cohort, month HAVING SUM(r.buyers) <> 0");
    Ok(Some(sql.load(conn)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_counts_once_per_month_in_the_cohort_of_its_first_month() {
        let sql = contribution_sql(false, "'w'", "1 = 1", "-");
        // Grouped by customer and month first, then counted: one buyer per
        // customer and month, however many orders.
        assert!(sql.contains(
            "GROUP BY o.workspace_id, o.currency, o.customer_id, date(o.order_date, 'start of month')"
        ));
        assert!(sql.contains(
            "MIN(date(o.order_date, 'start of month')) OVER (PARTITION BY o.customer_id, o.currency)"
        ));
        assert!(sql.contains("-COUNT(*), -CAST(SUM(t.revenue) AS BIGINT)"));
        assert!(sql.contains("NOT IN ('draft', 'cancelled', 'refunded')"));
        let pg = contribution_sql(true, "'w'", "1 = 1", "");
        assert!(pg.contains("CAST(date_trunc('month', o.order_date) AS DATE) AS order_month"));
        assert!(pg.contains("COUNT(*), CAST(SUM(t.revenue) AS BIGINT)"));
    }
}
