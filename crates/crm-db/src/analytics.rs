//! Aggregate queries of the customer distribution: customers or orders
//! grouped by one or two customer dimensions, inside the caller's
//! visibility and the customer-list filters. Two query shapes cover every
//! measure — customer counts over `customers`, and revenue / order / buyer
//! sums over `orders ⋈ customers` — and the HTTP layer derives the rest
//! (average order value, CLV, churn rate, shares, changes). Revenue and
//! order sums by one kept dimension come from `rollups::sum_sales` instead
//! when it can answer, and the buyers' all-time sums (lifetime value, churn)
//! from their metrics rows ([`sum_buyers`]) when no order is dated after the
//! window.

use chrono::{NaiveDate, NaiveDateTime};
use crm_domain::access::Scope;
use crm_domain::analytics::{AGE_BANDS, Dimension, RegionLevel, born_on_or_before};
use crm_domain::sales::OrderStatus;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::customers::{CustomerFilter, RegionMatch};
use crate::error::DbResult;
use crate::paging::contains_pattern;
use crate::sql::{Bind, Sql};
use crate::visibility::Visibility;

mod buyers;
pub(crate) mod rows;

pub use buyers::{BuyerSums, all_orders_before, sum_buyers};

/// A dimension with, for regions, its level and the parent it drills into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    pub dimension: Dimension,
    pub level: RegionLevel,
    pub parent: Option<String>,
}

impl Grouping {
    pub fn new(dimension: Dimension) -> Self {
        Self {
            dimension,
            level: RegionLevel::Province,
            parent: None,
        }
    }
}

/// What is grouped: one or two dimensions (a crosstab), or none (totals).
#[derive(Debug, Clone, Default)]
pub struct Groups {
    pub first: Option<Grouping>,
    pub second: Option<Grouping>,
    /// "Today" for age bands.
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CustomerCount {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub key2: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub customers: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct OrderSums {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub key2: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    #[diesel(sql_type = BigInt)]
    pub buyers: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct SurveyScores {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub key2: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub score_sum: i64,
    #[diesel(sql_type = BigInt)]
    pub answers: i64,
}

/// The CSAT answers of the customers in scope per group, answered in
/// `[from, to)`: the sum of their scores and how many there are.
pub fn csat_scores(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    groups: &Groups,
    answered: (NaiveDateTime, NaiveDateTime),
) -> DbResult<Vec<SurveyScores>> {
    let mut sql = Sql::new(conn);
    select_keys(&mut sql, groups);
    sql.push(
        "CAST(COALESCE(SUM(v.score), 0) AS BIGINT) AS score_sum, COUNT(*) AS answers \
         FROM surveys v JOIN customers c ON c.workspace_id = v.workspace_id AND c.id = v.customer_id",
    );
    joins(&mut sql, groups);
    sql.push(" WHERE v.workspace_id = ")
        .id(vis.workspace_id)
        .push(" AND v.kind = 'csat' AND v.score IS NOT NULL AND v.answered_at >= ")
        .bind(Bind::Time(answered.0))
        .push(" AND v.answered_at < ")
        .bind(Bind::Time(answered.1))
        .push(" AND ");
    customer_conditions(&mut sql, vis, filter, groups);
    group_by(&mut sql, groups);
    sql.load(conn)
}

/// Customers per group, created in `[from, to)` (`from` open when `None`).
pub fn count_customers(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    groups: &Groups,
    created: (Option<NaiveDateTime>, NaiveDateTime),
) -> DbResult<Vec<CustomerCount>> {
    let mut sql = Sql::new(conn);
    select_keys(&mut sql, groups);
    sql.push("COUNT(*) AS customers FROM customers c");
    joins(&mut sql, groups);
    sql.push(" WHERE ");
    customer_conditions(&mut sql, vis, filter, groups);
    if let Some(from) = created.0 {
        sql.push(" AND c.created_at >= ").bind(Bind::Time(from));
    }
    // "Created before the end" is every customer when the end is still to
    // come; leaving it out lets PostgreSQL answer from an index alone.
    if created.1 <= crate::time::now() {
        sql.push(" AND c.created_at < ").bind(Bind::Time(created.1));
    }
    group_by(&mut sql, groups);
    sql.load(conn)
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many customers the caller may see match the filter (a segment's
/// member count).
pub fn count_members(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
) -> DbResult<i64> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT COUNT(*) AS n FROM customers c WHERE ");
    push_customers(&mut sql, vis, filter);
    Ok(sql.load::<Total>(conn)?.first().map_or(0, |t| t.n))
}

/// Revenue orders in `currency` dated in `[from, to)` per group of their
/// customers: total, count and distinct buyers.
pub fn sum_orders(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    groups: &Groups,
    currency: &str,
    dates: (Option<NaiveDate>, NaiveDate),
) -> DbResult<Vec<OrderSums>> {
    let mut sql = Sql::new(conn);
    select_keys(&mut sql, groups);
    sql.push(
        "CAST(COALESCE(SUM(o.total_minor), 0) AS BIGINT) AS revenue, COUNT(*) AS orders, \
         COUNT(DISTINCT o.customer_id) AS buyers \
         FROM orders o JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id",
    );
    joins(&mut sql, groups);
    sql.push(" WHERE ");
    push_revenue_orders(&mut sql, vis.workspace_id, currency);
    if let Some(from) = dates.0 {
        sql.push(" AND o.order_date >= ").date(from);
    }
    sql.push(" AND o.order_date < ").date(dates.1).push(" AND ");
    customer_conditions(&mut sql, vis, filter, groups);
    group_by(&mut sql, groups);
    sql.load(conn)
}

/// Live orders of the workspace that count as revenue in `currency`, over `o`
/// (the same rule `metrics` aggregates by).
pub fn push_revenue_orders(sql: &mut Sql, workspace_id: Uuid, currency: &str) {
    sql.push("o.workspace_id = ")
        .id(workspace_id)
        .push(" AND o.deleted_at IS NULL AND o.currency = ")
        .text(currency)
        .push(" AND o.status NOT IN ");
    let excluded: Vec<&str> = OrderStatus::ALL
        .iter()
        .filter(|s| !s.is_revenue())
        .map(|s| s.as_str())
        .collect();
    sql.text_list(&excluded);
}

fn select_keys(sql: &mut Sql, groups: &Groups) {
    select_keys_on(sql, groups, "c");
}

/// `SELECT` the group keys, the customer's columns read from `on` (`c`, the
/// customers, or `m`, the metrics rows that carry them).
fn select_keys_on(sql: &mut Sql, groups: &Groups, on: &str) {
    sql.push("SELECT ");
    for (grouping, alias) in [(&groups.first, "key"), (&groups.second, "key2")] {
        match grouping {
            Some(g) => {
                key_expr(sql, g, groups.today, on);
                sql.push(&format!(" AS {alias}, "));
            }
            None => {
                sql.push(&format!("CAST(NULL AS TEXT) AS {alias}, "));
            }
        }
    }
}

fn group_by(sql: &mut Sql, groups: &Groups) {
    let mut keys = Vec::new();
    if groups.first.is_some() {
        keys.push("key");
    }
    if groups.second.is_some() {
        keys.push("key2");
    }
    if !keys.is_empty() {
        // Both backends accept output-column names in GROUP BY.
        sql.push(&format!(" GROUP BY {}", keys.join(", ")));
    }
}

fn uses(groups: &Groups, dimension: Dimension) -> bool {
    [&groups.first, &groups.second]
        .iter()
        .any(|g| g.as_ref().is_some_and(|g| g.dimension == dimension))
}

fn joins(sql: &mut Sql, groups: &Groups) {
    if uses(groups, Dimension::ValueTier) || uses(groups, Dimension::RfmSegment) {
        sql.push(
            " LEFT JOIN customer_metrics m ON m.workspace_id = c.workspace_id AND m.customer_id = c.id",
        );
    }
    if uses(groups, Dimension::Tag) {
        sql.push(
            " LEFT JOIN customer_tags ct ON ct.workspace_id = c.workspace_id AND ct.customer_id = c.id",
        );
    }
}

/// A customer's value tier from the monetary score of `m`, their
/// `customer_metrics` row ('none' without a score).
pub(crate) const VALUE_TIER: &str = "CASE WHEN m.rfm_m IS NULL THEN 'none' WHEN m.rfm_m >= 5 THEN 'top' \
     WHEN m.rfm_m = 4 THEN 'high' WHEN m.rfm_m = 3 THEN 'mid' ELSE 'low' END";

pub(crate) fn id_as_text(sql: &Sql, column: &str) -> String {
    if sql.is_postgres() {
        format!("CAST({column} AS TEXT)")
    } else {
        column.to_owned()
    }
}

/// A grouping's key over the customer's columns of `on` (`c` or `m`).
fn key_expr(sql: &mut Sql, g: &Grouping, today: Option<NaiveDate>, on: &str) {
    let column = match g.dimension {
        Dimension::Region => format!("{on}.{}", region_column(g.level)),
        Dimension::Industry => format!("{on}.industry"),
        Dimension::Size => format!("{on}.size_band"),
        Dimension::LifecycleStage => format!("{on}.lifecycle_stage"),
        Dimension::Source => format!("{on}.source"),
        Dimension::Kind => format!("{on}.kind"),
        Dimension::Gender => format!("{on}.gender"),
        Dimension::Owner => id_as_text(sql, &format!("{on}.owner_id")),
        Dimension::Team => id_as_text(sql, &format!("{on}.team_id")),
        Dimension::Tag => id_as_text(sql, "ct.tag_id"),
        Dimension::RfmSegment => "m.rfm_segment".to_owned(),
        Dimension::ValueTier => VALUE_TIER.to_owned(),
        Dimension::AgeBand => {
            let today = today.unwrap_or_else(|| crate::time::now().date());
            sql.push(&format!("CASE WHEN {on}.birth_date IS NULL THEN NULL"));
            for (name, age) in AGE_BANDS.iter().rev() {
                sql.push(&format!(" WHEN {on}.birth_date <= "))
                    .date(born_on_or_before(today, *age))
                    .push(&format!(" THEN '{name}'"));
            }
            sql.push(" ELSE 'under_25' END");
            return;
        }
    };
    sql.push(&column);
}

fn region_column(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Country => "country_code",
        RegionLevel::Province => "province_code",
        RegionLevel::City => "city_code",
        RegionLevel::District => "district_code",
    }
}

/// Visibility, the list filters and a region drill-down's parent, over `c`.
fn customer_conditions(sql: &mut Sql, vis: &Visibility, filter: &CustomerFilter, groups: &Groups) {
    push_customers(sql, vis, filter);
    push_parents(sql, groups, "c");
}

/// A region grouping's parent (the province whose cities are asked for…),
/// over the customer's columns of `on`.
fn push_parents(sql: &mut Sql, groups: &Groups, on: &str) {
    for g in [&groups.first, &groups.second].into_iter().flatten() {
        if g.dimension != Dimension::Region {
            continue;
        }
        let parent_column = match g.level {
            RegionLevel::Country => None,
            RegionLevel::Province => Some("country_code"),
            RegionLevel::City => Some("province_code"),
            RegionLevel::District => Some("city_code"),
        };
        if let (Some(column), Some(parent)) = (parent_column, &g.parent) {
            sql.push(&format!(" AND {on}.{column} = ")).text(parent);
        }
    }
}

/// Customers over `c` the caller may see and the list filters select.
pub fn push_customers(sql: &mut Sql, vis: &Visibility, filter: &CustomerFilter) {
    push_visibility(sql, vis, "c");
    push_filter(sql, vis.workspace_id, filter);
}

/// The text twin of `Visibility::customers()` (same scopes, same columns).
pub fn push_visibility(sql: &mut Sql, vis: &Visibility, alias: &str) {
    sql.push(&format!("{alias}.workspace_id = "))
        .id(vis.workspace_id)
        .push(&format!(" AND {alias}.deleted_at IS NULL"));
    push_scope(sql, vis, alias);
}

/// The role's scope over the `owner_id` and `team_id` of `alias`.
pub(crate) fn push_scope(sql: &mut Sql, vis: &Visibility, alias: &str) {
    let me = vis.principal.user_id;
    let own = |sql: &mut Sql| {
        sql.push(&format!(" AND ({alias}.owner_id = ")).id(me);
    };
    match vis.scope {
        Scope::None => {
            sql.push(" AND 1 = 0");
        }
        Scope::All => {}
        Scope::Own => {
            own(sql);
            sql.push(")");
        }
        Scope::Team => {
            own(sql);
            if let Some(t) = vis.principal.team_id {
                sql.push(&format!(" OR {alias}.team_id = ")).id(t);
            }
            sql.push(")");
        }
        Scope::Subtree => {
            own(sql);
            if !vis.principal.subtree_team_ids.is_empty() {
                sql.push(&format!(" OR {alias}.team_id IN "))
                    .id_list(&vis.principal.subtree_team_ids);
            }
            sql.push(")");
        }
    }
}

/// The text twin of the customer list's filters, over `c`.
pub fn push_filter(sql: &mut Sql, workspace_id: Uuid, f: &CustomerFilter) {
    if let Some(q) = &f.q {
        sql.push(" AND c.search_text LIKE ")
            .text(&contains_pattern(q))
            .push(" ESCAPE '\\'");
    }
    push_dimensions(sql, f, "c");
    if let Some(v) = &f.external_id {
        sql.push(" AND c.external_id = ").text(v);
    }
    if let Some(v) = f.owner_id {
        sql.push(" AND c.owner_id = ").id(v);
    }
    if let Some(v) = f.team_id {
        sql.push(" AND c.team_id = ").id(v);
    }
    if let Some(tag) = f.tag_id {
        sql.push(" AND c.id IN (SELECT customer_id FROM customer_tags WHERE workspace_id = ")
            .id(workspace_id)
            .push(" AND tag_id = ")
            .id(tag)
            .push(")");
    }
    if let Some(segment) = &f.rfm_segment {
        sql.push(" AND c.id IN (SELECT customer_id FROM customer_metrics WHERE workspace_id = ")
            .id(workspace_id)
            .push(" AND rfm_segment = ")
            .text(segment)
            .push(")");
    }
    push_metric_filters(sql, workspace_id, f);
    let times = [
        ("c.created_at >= ", f.created_from),
        ("c.created_at < ", f.created_to),
        ("c.updated_at >= ", f.updated_from),
        ("c.updated_at < ", f.updated_to),
    ];
    for (condition, value) in times {
        if let Some(v) = value {
            sql.push(&format!(" AND {condition}")).bind(Bind::Time(v));
        }
    }
}

/// The filter's values of the map's dimensions (kind, industry, size,
/// lifecycle stage, source, a region), over the customer's columns of `on`
/// (`c`, or `m`: the metrics rows carry them).
fn push_dimensions(sql: &mut Sql, f: &CustomerFilter, on: &str) {
    let equal = [
        ("kind", &f.kind),
        ("industry", &f.industry),
        ("size_band", &f.size_band),
        ("lifecycle_stage", &f.lifecycle_stage),
        ("source", &f.source),
    ];
    for (column, value) in equal {
        if let Some(v) = value {
            sql.push(&format!(" AND {on}.{column} = ")).text(v);
        }
    }
    if let Some(region) = &f.region {
        let (column, code) = match region {
            RegionMatch::Country(c) => ("country_code", c),
            RegionMatch::Province(c) => ("province_code", c),
            RegionMatch::City(c) => ("city_code", c),
            RegionMatch::District(c) => ("district_code", c),
        };
        sql.push(&format!(" AND {on}.{column} = ")).text(code);
    }
}

/// Conditions on `customer_metrics` (customers without orders count zero
/// orders and zero revenue), then the saved segment's rules.
fn push_metric_filters(sql: &mut Sql, workspace_id: Uuid, f: &CustomerFilter) {
    let at_least = [
        ("order_count >= ", f.min_orders.map(i64::from)),
        ("revenue_minor >= ", f.min_revenue_minor),
    ];
    for (condition, value) in at_least {
        if let Some(v) = value {
            sql.push(
                " AND c.id IN (SELECT customer_id FROM customer_metrics WHERE workspace_id = ",
            )
            .id(workspace_id)
            .push(&format!(" AND {condition}"))
            .bind(Bind::Int(v))
            .push(")");
        }
    }
    // NOT EXISTS, not NOT IN: a NOT IN list too large to hash (most buyers
    // of a big workspace) is scanned once for every customer.
    let at_most = [
        ("order_count > ", f.max_orders.map(i64::from)),
        ("revenue_minor > ", f.max_revenue_minor),
    ];
    for (condition, value) in at_most {
        if let Some(v) = value {
            sql.push(&format!(
                " AND NOT EXISTS (SELECT 1 FROM customer_metrics mx \
                 WHERE mx.workspace_id = c.workspace_id AND mx.customer_id = c.id AND mx.{condition}"
            ))
            .bind(Bind::Int(v))
            .push(")");
        }
    }
    let days = [
        ("last_order_on >= ", f.last_order_from),
        ("last_order_on <= ", f.last_order_to),
    ];
    for (condition, value) in days {
        if let Some(d) = value {
            sql.push(
                " AND c.id IN (SELECT customer_id FROM customer_metrics WHERE workspace_id = ",
            )
            .id(workspace_id)
            .push(&format!(" AND {condition}"))
            .bind(Bind::Date(d))
            .push(")");
        }
    }
    if let Some(rules) = &f.segment {
        push_filter(sql, workspace_id, rules);
    }
}
