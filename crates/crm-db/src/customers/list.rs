//! The customer list's filters, sorts and keyset pages: `CustomerFilter`
//! (fields, order metrics and a saved segment's rules) as conditions on a
//! boxed query. Its text twin for the analytics SQL is
//! `crate::analytics::push_filter`; the segment tests check they agree.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use uuid::Uuid;

use super::CustomerRow;
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DbResult;
use crate::keyset_page;
use crate::paging::{Keyset, SortValue, contains};
use crate::schema::{customer_metrics, customer_tags, customers};
use crate::types::Id;
use crate::visibility::{Predicate, Visibility};

mod by_metric;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerSort {
    CreatedAt,
    UpdatedAt,
    Name,
    /// Order metrics (`customer_metrics`, paged by `by_metric` from its
    /// indexes); customers without orders sort as zero orders, zero revenue
    /// and no last order.
    OrderCount,
    Revenue,
    LastOrderOn,
}

/// The last-order sort key of a customer without orders (before any real date).
pub const NO_LAST_ORDER: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// Which column a region filter matches, by the code's level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionMatch {
    Country(String),
    Province(String),
    City(String),
    District(String),
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Already lower-cased; matched as a substring of name, e-mail, phone, external id.
    pub q: Option<String>,
    pub kind: Option<String>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub source: Option<String>,
    pub region: Option<RegionMatch>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub tag_id: Option<Uuid>,
    /// Buying customers in this RFM segment (`customer_metrics`).
    pub rfm_segment: Option<String>,
    pub external_id: Option<String>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub updated_from: Option<NaiveDateTime>,
    pub updated_to: Option<NaiveDateTime>,
    /// Customers with at least / at most this many orders (`customer_metrics`;
    /// customers without orders count 0).
    pub min_orders: Option<i32>,
    pub max_orders: Option<i32>,
    /// Revenue in the base currency, minor units (no orders counts 0).
    pub min_revenue_minor: Option<i64>,
    pub max_revenue_minor: Option<i64>,
    /// Buyers whose last order falls on or after / on or before this day.
    pub last_order_from: Option<NaiveDate>,
    pub last_order_to: Option<NaiveDate>,
    /// A saved segment to apply as well; `segment` holds its rules once the
    /// caller has loaded them (`segment_id` alone filters nothing here).
    pub segment_id: Option<Uuid>,
    pub segment: Option<Box<CustomerFilter>>,
}

type Boxed = customers::BoxedQuery<'static, MultiBackend>;

/// `customer_metrics.customer_id` of the workspace where `$condition` holds.
macro_rules! metric_members {
    ($workspace_id:expr, $condition:expr) => {
        customer_metrics::table
            .filter(
                customer_metrics::workspace_id
                    .eq(Id($workspace_id))
                    .and($condition),
            )
            .select(customer_metrics::customer_id)
    };
}

/// Customers without orders or whose `column` is at most `n`. NOT EXISTS,
/// not NOT IN: a NOT IN list too large to hash (most buyers of a big
/// workspace) is scanned once for every customer.
fn no_metric_above(column: &'static str, n: i64) -> Predicate<customers::table> {
    Box::new(
        diesel::dsl::sql::<Bool>(&format!(
            "NOT EXISTS (SELECT 1 FROM customer_metrics mx \
             WHERE mx.workspace_id = customers.workspace_id \
             AND mx.customer_id = customers.id AND mx.{column} > "
        ))
        .bind::<BigInt, _>(n)
        .sql(")"),
    )
}

/// The filter's conditions (and its segment's, ANDed) on a boxed customer query.
fn filtered(mut query: Boxed, workspace_id: Uuid, filter: &CustomerFilter) -> Boxed {
    if let Some(q) = &filter.q {
        query = query.filter(contains("customers.search_text", q));
    }
    if let Some(v) = &filter.kind {
        query = query.filter(customers::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.industry {
        query = query.filter(customers::industry.eq(v.clone()));
    }
    if let Some(v) = &filter.size_band {
        query = query.filter(customers::size_band.eq(v.clone()));
    }
    if let Some(v) = &filter.lifecycle_stage {
        query = query.filter(customers::lifecycle_stage.eq(v.clone()));
    }
    if let Some(v) = &filter.source {
        query = query.filter(customers::source.eq(v.clone()));
    }
    query = match filter.region.clone() {
        Some(RegionMatch::Country(c)) => query.filter(customers::country_code.eq(c)),
        Some(RegionMatch::Province(c)) => query.filter(customers::province_code.eq(c)),
        Some(RegionMatch::City(c)) => query.filter(customers::city_code.eq(c)),
        Some(RegionMatch::District(c)) => query.filter(customers::district_code.eq(c)),
        None => query,
    };
    if let Some(v) = filter.owner_id {
        query = query.filter(customers::owner_id.eq(Id(v)));
    }
    if let Some(v) = filter.team_id {
        query = query.filter(customers::team_id.eq(Id(v)));
    }
    if let Some(v) = &filter.external_id {
        query = query.filter(customers::external_id.eq(v.clone()));
    }
    if let Some(tag) = filter.tag_id {
        let tagged = customer_tags::table
            .filter(
                customer_tags::workspace_id
                    .eq(Id(workspace_id))
                    .and(customer_tags::tag_id.eq(Id(tag))),
            )
            .select(customer_tags::customer_id);
        query = query.filter(customers::id.eq_any(tagged));
    }
    if let Some(segment) = &filter.rfm_segment {
        let members = customer_metrics::table
            .filter(
                customer_metrics::workspace_id
                    .eq(Id(workspace_id))
                    .and(customer_metrics::rfm_segment.eq(segment.clone())),
            )
            .select(customer_metrics::customer_id);
        query = query.filter(customers::id.eq_any(members));
    }
    if let Some(v) = filter.created_from {
        query = query.filter(customers::created_at.ge(v));
    }
    if let Some(v) = filter.created_to {
        query = query.filter(customers::created_at.lt(v));
    }
    if let Some(v) = filter.updated_from {
        query = query.filter(customers::updated_at.ge(v));
    }
    if let Some(v) = filter.updated_to {
        query = query.filter(customers::updated_at.lt(v));
    }
    if let Some(n) = filter.min_orders {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::order_count.ge(n)
        )));
    }
    if let Some(n) = filter.max_orders {
        query = query.filter(no_metric_above("order_count", i64::from(n)));
    }
    if let Some(n) = filter.min_revenue_minor {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::revenue_minor.ge(n)
        )));
    }
    if let Some(n) = filter.max_revenue_minor {
        query = query.filter(no_metric_above("revenue_minor", n));
    }
    if let Some(d) = filter.last_order_from {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::last_order_on.ge(d)
        )));
    }
    if let Some(d) = filter.last_order_to {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::last_order_on.le(d)
        )));
    }
    if let Some(rules) = &filter.segment {
        query = filtered(query, workspace_id, rules);
    }
    query
}

/// One page (plus one row, to tell whether another page exists), and the
/// workspace's access counter as the page's statement saw it
/// (`crate::auth::access_version`; `None` for an empty page and the pages
/// sorted by an order metric, whose statements do not carry it).
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    page: &Keyset<CustomerSort>,
) -> DbResult<(Vec<CustomerRow>, Option<i64>)> {
    let query = filtered(
        customers::table.filter(vis.customers()).into_boxed(),
        vis.workspace_id,
        filter,
    );
    let after = page.after.clone();
    let query = match page.field {
        CustomerSort::CreatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(
                query,
                customers::created_at,
                customers::id,
                page.direction,
                after
            )
        }
        CustomerSort::UpdatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(
                query,
                customers::updated_at,
                customers::id,
                page.direction,
                after
            )
        }
        CustomerSort::Name => {
            let after = SortValue::into_text(after);
            keyset_page!(query, customers::name, customers::id, page.direction, after)
        }
        CustomerSort::OrderCount | CustomerSort::Revenue | CustomerSort::LastOrderOn => {
            return Ok((by_metric::list(conn, vis, filter, page)?, None));
        }
    };
    let rows: Vec<(CustomerRow, Option<i64>)> = query
        .limit(page.limit + 1)
        .select((
            CustomerRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .load(conn)?;
    Ok(crate::auth::split_page(rows))
}
