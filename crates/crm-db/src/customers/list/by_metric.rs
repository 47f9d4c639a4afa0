//! The customer list sorted by an order metric (revenue, order count, last
//! order) without computing and sorting every visible customer's key.
//!
//! Buyers come from `customer_metrics` in the order of its `(workspace,
//! metric, customer)` index; customers without orders (key 0, or
//! [`NO_LAST_ORDER`]) come from the customers' primary key; the two sorted
//! runs are merged by `(key, id)`, the list's keyset order.
//!
//! Buyers are read through a window: the first `k` metrics rows after the
//! cursor in the page's order, then narrowed by the filter and the caller's
//! visibility. When the window yields a full page that page is exact, since
//! every buyer outside the window sorts after every buyer in it; otherwise
//! the window grows sixteen-fold (a narrow filter or a small scope), and
//! the last attempt has no window at all.

use std::cmp::Ordering;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date};
use uuid::Uuid;

use super::{CustomerFilter, CustomerSort, NO_LAST_ORDER, filtered};
use crate::connection::AnyConnection;
use crate::customers::CustomerRow;
use crate::error::DbResult;
use crate::paging::{Direction, Keyset, SortValue};
use crate::schema::customers;
use crate::types::Id;
use crate::visibility::Visibility;

/// Customers without a metrics row: no order counts as revenue.
const NO_ORDERS: &str = "NOT EXISTS (SELECT 1 FROM customer_metrics m \
     WHERE m.workspace_id = customers.workspace_id AND m.customer_id = customers.id)";

/// The sizes of the buyers' window before the last, unwindowed attempt, as
/// multiples of the page (plus one row): growing four-fold, the attempts
/// that come up short cost a third of the one that fills the page.
const WINDOWS: [i64; 5] = [8, 32, 128, 512, 2048];

/// A buyer's metric as a loadable key: a lookup by primary key, only run
/// for the customers inside the window. Counts are widened to `BIGINT`
/// (`order_count` is an `INTEGER`); a date stays as it is (SQLite would
/// make a number of `CAST(… AS DATE)`).
fn key<T: diesel::sql_types::SingleValue>(column: &str) -> diesel::expression::SqlLiteral<T> {
    let value = if column == "last_order_on" {
        format!("m.{column}")
    } else {
        format!("CAST(m.{column} AS BIGINT)")
    };
    sql::<T>(&format!(
        "(SELECT {value} FROM customer_metrics m \
         WHERE m.workspace_id = customers.workspace_id AND m.customer_id = customers.id)"
    ))
}

/// A sort key as an SQL literal (formatted from a typed value, never from
/// the caller's text; the same text on both backends).
trait Literal {
    fn literal(&self) -> String;
}

impl Literal for i64 {
    fn literal(&self) -> String {
        self.to_string()
    }
}

impl Literal for NaiveDate {
    fn literal(&self) -> String {
        format!("'{}'", self.format("%Y-%m-%d"))
    }
}

/// The filter's bounds on order metrics (and its segment's), which every
/// listed buyer meets: inside the window they let the index start at the
/// bound instead of walking past every buyer outside it (the top buyers
/// when a list sorted by revenue asks for revenue below some amount).
fn metric_bounds(filter: &CustomerFilter) -> Vec<String> {
    let mut bounds = Vec::new();
    let ints = [
        ("order_count >=", filter.min_orders.map(i64::from)),
        ("order_count <=", filter.max_orders.map(i64::from)),
        ("revenue_minor >=", filter.min_revenue_minor),
        ("revenue_minor <=", filter.max_revenue_minor),
    ];
    for (condition, value) in ints {
        if let Some(v) = value {
            bounds.push(format!("{condition} {}", v.literal()));
        }
    }
    let days = [
        ("last_order_on >=", filter.last_order_from),
        ("last_order_on <=", filter.last_order_to),
    ];
    for (condition, value) in days {
        if let Some(d) = value {
            bounds.push(format!("{condition} {}", d.literal()));
        }
    }
    if let Some(rules) = &filter.segment {
        bounds.extend(metric_bounds(rules));
    }
    bounds
}

/// The ids of the workspace's first `size` buyers (all of them without a
/// size) meeting the filter's metric bounds after the cursor, in the page's
/// order of `column`.
fn window(
    workspace_id: Uuid,
    filter: &CustomerFilter,
    column: &str,
    after: Option<(String, Uuid)>,
    direction: Direction,
    size: Option<i64>,
) -> String {
    let (op, way) = match direction {
        Direction::Asc => (">", "ASC"),
        Direction::Desc => ("<", "DESC"),
    };
    let mut sql =
        format!("SELECT customer_id FROM customer_metrics WHERE workspace_id = '{workspace_id}'");
    for bound in metric_bounds(filter) {
        sql.push_str(&format!(" AND {bound}"));
    }
    if let Some((value, last_id)) = after {
        // The bound on the key alone lets the index start at the cursor.
        sql.push_str(&format!(
            " AND {column} {op}= {value} AND ({column} {op} {value} OR customer_id {op} '{last_id}')"
        ));
    }
    sql.push_str(&format!(" ORDER BY {column} {way}, customer_id {way}"));
    if let Some(size) = size {
        sql.push_str(&format!(" LIMIT {size}"));
    }
    sql
}

/// `(row, key)` of the first `limit + 1` visible, matching buyers after the
/// cursor, in the page's order.
macro_rules! buyers {
    ($conn:expr, $vis:expr, $filter:expr, $page:expr, $after:expr, $column:expr, $key:expr) => {{
        let after = $after.map(|(value, id)| (Literal::literal(&value), id));
        let limit = $page.limit + 1;
        let mut found = Vec::new();
        for size in WINDOWS.iter().map(|w| Some(w * limit)).chain([None]) {
            let ids = window(
                $vis.workspace_id,
                $filter,
                $column,
                after.clone(),
                $page.direction,
                size,
            );
            let query = filtered(
                customers::table.filter($vis.customers()).into_boxed(),
                $vis.workspace_id,
                $filter,
            )
            .filter(sql::<Bool>(&format!("customers.id IN ({ids})")));
            let query = match $page.direction {
                Direction::Asc => query.order(($key.asc(), customers::id.asc())),
                Direction::Desc => query.order(($key.desc(), customers::id.desc())),
            };
            found = query
                .limit(limit)
                .select((CustomerRow::as_select(), $key))
                .load($conn)?;
            if found.len() as i64 == limit {
                break;
            }
            // A window that was not full held every buyer after the cursor.
            if let Some(size) = size {
                let held: i64 =
                    diesel::select(sql::<BigInt>(&format!("(SELECT COUNT(*) FROM ({ids}) w)")))
                        .get_result($conn)?;
                if held < size {
                    break;
                }
            }
        }
        DbResult::Ok(found)
    }};
}

/// One page of customers sorted by `page.field`, an order metric.
pub(super) fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    page: &Keyset<CustomerSort>,
) -> DbResult<Vec<CustomerRow>> {
    let after = page.after.clone();
    match page.field {
        CustomerSort::Revenue | CustomerSort::OrderCount => {
            let column = if page.field == CustomerSort::Revenue {
                "revenue_minor"
            } else {
                "order_count"
            };
            let after = SortValue::into_int(after);
            let buyers = buyers!(
                conn,
                vis,
                filter,
                page,
                after,
                column,
                key::<BigInt>(column)
            )?;
            merged(conn, vis, filter, page, after, buyers, 0)
        }
        CustomerSort::LastOrderOn => {
            let after = SortValue::into_date(after);
            let buyers = buyers!(
                conn,
                vis,
                filter,
                page,
                after,
                "last_order_on",
                key::<Date>("last_order_on")
            )?;
            merged(conn, vis, filter, page, after, buyers, NO_LAST_ORDER)
        }
        // Sorted by a column of customers: `super::list` pages those itself.
        CustomerSort::CreatedAt | CustomerSort::UpdatedAt | CustomerSort::Name => Ok(Vec::new()),
    }
}

/// Merges the buyers with the customers without orders (all sorting as
/// `none`), when those can fall inside the page.
fn merged<T: Ord + Clone>(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    page: &Keyset<CustomerSort>,
    after: Option<(T, Uuid)>,
    buyers: Vec<(CustomerRow, T)>,
    none: T,
) -> DbResult<Vec<CustomerRow>> {
    let limit = page.limit + 1;
    let full_before_none = buyers.len() as i64 == limit
        && buyers
            .last()
            .is_some_and(|(_, k)| order(page.direction, k, &none) == Ordering::Less);
    let mut rows: Vec<(T, CustomerRow)> = buyers.into_iter().map(|(r, k)| (k, r)).collect();
    if !full_before_none {
        let others = without_orders(conn, vis, filter, page, after, &none)?;
        rows.extend(others.into_iter().map(|r| (none.clone(), r)));
        rows.sort_by(|(a, x), (b, y)| {
            order(page.direction, a, b).then_with(|| order(page.direction, &x.id, &y.id))
        });
        rows.truncate(limit as usize);
    }
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

/// `a` against `b` in the page's direction.
fn order<T: Ord>(direction: Direction, a: &T, b: &T) -> Ordering {
    match direction {
        Direction::Asc => a.cmp(b),
        Direction::Desc => b.cmp(a),
    }
}

/// The first `limit + 1` visible, matching customers without orders after
/// the cursor (their key is `none`), in id order.
fn without_orders<T: Ord>(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    page: &Keyset<CustomerSort>,
    after: Option<(T, Uuid)>,
    none: &T,
) -> DbResult<Vec<CustomerRow>> {
    let mut query = filtered(
        customers::table.filter(vis.customers()).into_boxed(),
        vis.workspace_id,
        filter,
    )
    .filter(sql::<Bool>(NO_ORDERS));
    if let Some((value, last_id)) = after {
        match order(page.direction, none, &value) {
            Ordering::Less => return Ok(Vec::new()),
            Ordering::Equal => {
                query = match page.direction {
                    Direction::Asc => query.filter(customers::id.gt(Id(last_id))),
                    Direction::Desc => query.filter(customers::id.lt(Id(last_id))),
                }
            }
            Ordering::Greater => {}
        }
    }
    let query = match page.direction {
        Direction::Asc => query.order(customers::id.asc()),
        Direction::Desc => query.order(customers::id.desc()),
    };
    Ok(query
        .limit(page.limit + 1)
        .select(CustomerRow::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_bounds_include_the_segments() {
        let segment = CustomerFilter {
            last_order_from: NaiveDate::from_ymd_opt(2026, 1, 31),
            ..CustomerFilter::default()
        };
        let filter = CustomerFilter {
            max_revenue_minor: Some(100),
            min_orders: Some(2),
            q: Some("x".into()),
            segment: Some(Box::new(segment)),
            ..CustomerFilter::default()
        };
        assert_eq!(
            metric_bounds(&filter),
            [
                "order_count >= 2",
                "revenue_minor <= 100",
                "last_order_on >= '2026-01-31'"
            ]
        );
        assert!(metric_bounds(&CustomerFilter::default()).is_empty());
    }

    #[test]
    fn order_follows_the_direction() {
        assert_eq!(order(Direction::Asc, &1, &2), Ordering::Less);
        assert_eq!(order(Direction::Desc, &1, &2), Ordering::Greater);
        assert_eq!(order(Direction::Desc, &2, &2), Ordering::Equal);
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
        assert_eq!(
            order(Direction::Desc, &NO_LAST_ORDER, &day),
            Ordering::Greater
        );
    }
}
