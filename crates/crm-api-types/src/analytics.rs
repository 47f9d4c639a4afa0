//! Customer analytics on the wire: the distribution map (dimension ×
//! measure over a time window, with the previous window for comparison),
//! customer profiles, the RFM summary and acquisition cohorts.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::analytics::{DerivedLifecycle, Dimension, Measure, RegionLevel, RfmSegment};
use crm_domain::customer::{CustomerKind, Industry, LifecycleStage, SizeBand, Source};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::customers::CustomerQuery;

/// A query struct with the analytics parameters given plus the customer
/// list's filters (a flattened struct cannot be parsed from a query string
/// with field-level errors, hence a macro).
macro_rules! filtered_query {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Case-insensitive substring of name, e-mail, phone or external id.
            pub q: Option<String>,
            pub kind: Option<CustomerKind>,
            pub industry: Option<Industry>,
            pub size_band: Option<SizeBand>,
            pub lifecycle_stage: Option<LifecycleStage>,
            pub source: Option<Source>,
            /// A country, province, city or district code: customers inside it.
            #[param(schema_with = crate::patterns::region)]
            pub region: Option<String>,
            pub owner_id: Option<Uuid>,
            pub team_id: Option<Uuid>,
            pub tag_id: Option<Uuid>,
            /// Buying customers in this RFM segment.
            pub rfm_segment: Option<RfmSegment>,
            /// Customers with at least this many orders.
            pub min_orders: Option<i32>,
            /// Customers with at most this many orders (no orders counts 0).
            pub max_orders: Option<i32>,
            /// Revenue at least this much (base currency, minor units).
            pub min_revenue_minor: Option<i64>,
            /// Revenue at most this much (no orders counts 0).
            pub max_revenue_minor: Option<i64>,
            /// Buyers whose last order is on or after this day.
            pub last_order_from: Option<NaiveDate>,
            /// Buyers whose last order is on or before this day.
            pub last_order_to: Option<NaiveDate>,
            /// Members of this saved segment (`/segments`), on top of the other filters.
            pub segment_id: Option<Uuid>,
        }

        impl $name {
            /// The customer-list filters this query carries.
            pub fn customer_filters(&self) -> CustomerQuery {
                CustomerQuery {
                    q: self.q.clone(),
                    kind: self.kind,
                    industry: self.industry,
                    size_band: self.size_band,
                    lifecycle_stage: self.lifecycle_stage,
                    source: self.source,
                    region: self.region.clone(),
                    owner_id: self.owner_id,
                    team_id: self.team_id,
                    tag_id: self.tag_id,
                    rfm_segment: self.rfm_segment,
                    min_orders: self.min_orders,
                    max_orders: self.max_orders,
                    min_revenue_minor: self.min_revenue_minor,
                    max_revenue_minor: self.max_revenue_minor,
                    last_order_from: self.last_order_from,
                    last_order_to: self.last_order_to,
                    segment_id: self.segment_id,
                    ..Default::default()
                }
            }
        }
    };
}

filtered_query! {
    /// `GET /api/v1/analytics/distribution`: what to group by and measure,
    /// the window, and the same filters as the customer list.
    DistributionQuery {
        /// What to group customers by.
        // Required; an Option so that the handler answers its absence with a
        // 400 naming it.
        #[param(required = true)]
        dimension: Option<Dimension>,
        /// For `dimension=region`: `country`, `province` (default), `city` or `district`.
        level: Option<RegionLevel>,
        /// For `dimension=region`: only regions inside this code (drill-down),
        /// e.g. `level=city&parent=440000` for the cities of 广东.
        #[param(schema_with = crate::patterns::region)]
        parent: Option<String>,
        /// A second dimension for a crosstab (each group then has `key2`); not the same as `dimension`.
        by: Option<Dimension>,
        /// Level of `by` when it is `region` (default `province`).
        by_level: Option<RegionLevel>,
        /// Default `customers`.
        measure: Option<Measure>,
        /// First day of the window (default: 364 days before `to`).
        from: Option<NaiveDate>,
        /// Last day of the window, inclusive (default: today, UTC).
        to: Option<NaiveDate>,
        /// Also compute the window of the same length just before (default false).
        compare: Option<bool>,
    }
}

filtered_query! {
    /// `GET /api/v1/analytics/rfm`: the customer-list filters.
    RfmQuery {}
}

filtered_query! {
    /// `GET /api/v1/analytics/cohorts`: cohorts by month of first order.
    CohortQuery {
        /// First cohort month, `YYYY-MM` (default: 11 months before the current one).
        #[param(schema_with = crate::patterns::month)]
        from: Option<String>,
        /// Number of cohorts, 1–36 (default 12).
        #[param(minimum = 1, maximum = 36)]
        months: Option<u32>,
    }
}

/// What a measure's numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of customers or orders.
    Count,
    /// Minor units of `currency`.
    MoneyMinor,
    /// A share between 0 and 1.
    Ratio,
    /// An average score (CSAT: 1 to 5).
    Score,
}

/// A date range, both days inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DateWindow {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One figure, with the previous window's when comparing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figure {
    pub value: f64,
    pub previous: Option<f64>,
    /// `value − previous`.
    pub change: Option<f64>,
    /// `change ÷ previous` (absent when previous is 0).
    pub change_ratio: Option<f64>,
}

/// One group of the distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DistributionGroup {
    /// The dimension's value: a region code, an enum value, a user, team or
    /// tag id; `null` = not set.
    pub key: Option<String>,
    /// Display name for regions, owners, teams and tags.
    pub label: Option<String>,
    pub key2: Option<String>,
    pub label2: Option<String>,
    #[serde(flatten)]
    pub figure: Figure,
    /// Share of the total (0–1) for additive measures (customers, new
    /// customers, revenue, orders); absent for averages and rates.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Distribution {
    pub dimension: Dimension,
    pub level: Option<RegionLevel>,
    pub parent: Option<String>,
    pub by: Option<Dimension>,
    pub measure: Measure,
    pub unit: Unit,
    /// The currency of money figures (the workspace's base currency).
    pub currency: String,
    pub window: DateWindow,
    pub previous_window: Option<DateWindow>,
    /// The measure over every customer the filters and visibility select,
    /// within `parent` when one is given (a drill-down's total is its
    /// parent region's figure); not the sum of the groups when a customer
    /// can be in several, as with tags.
    pub total: Figure,
    /// Largest value first.
    pub groups: Vec<DistributionGroup>,
}

/// RFM scores (quintiles by rank, 5 = best) and the segment they name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RfmScores {
    pub r: i16,
    pub f: i16,
    pub m: i16,
    pub segment: RfmSegment,
}

/// `GET /api/v1/customers/{id}/profile`: a customer's order metrics and models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerProfile {
    pub customer_id: Uuid,
    /// Revenue orders (base currency; cancelled, refunded and draft orders excluded).
    pub order_count: i32,
    pub revenue_minor: i64,
    pub currency: String,
    pub first_order_on: Option<NaiveDate>,
    pub last_order_on: Option<NaiveDate>,
    pub days_since_last_order: Option<i64>,
    pub average_order_value_minor: Option<i64>,
    /// Absent until the customer has ordered.
    pub rfm: Option<RfmScores>,
    /// Derived from orders, beside the manually kept `lifecycle_stage`.
    pub lifecycle: DerivedLifecycle,
    /// 0–1; absent without orders.
    pub churn_risk: Option<f64>,
    /// Revenue so far.
    pub clv_historical_minor: i64,
    /// Expected revenue of the next 12 months: expected orders (BG/NBD) ×
    /// expected order value (Gamma-Gamma); see `clv_method`.
    pub clv_predicted_12m_minor: Option<i64>,
    /// Expected orders in the next 12 months (BG/NBD).
    pub expected_orders_12m: Option<f64>,
    /// Probability that the customer is still buying (BG/NBD), 0–1.
    pub p_alive: Option<f64>,
    /// How the prediction was made; absent without orders.
    pub clv_method: Option<ClvMethod>,
    /// When the RFM scores were computed; null while the workspace's first
    /// scores are being computed.
    pub as_of: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RfmSegmentSummary {
    pub segment: RfmSegment,
    pub customers: i64,
    /// Share of buying customers (0–1).
    pub share: f64,
    pub orders: i64,
    pub revenue_minor: i64,
    pub average_recency_days: f64,
    pub average_orders: f64,
    pub average_revenue_minor: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RfmCell {
    pub r: i32,
    pub f: i32,
    pub customers: i64,
    pub revenue_minor: i64,
}

/// `GET /api/v1/analytics/rfm`: segments (largest first) and the R × F grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RfmSummary {
    /// When the scores were computed; null while the workspace's first
    /// scores are being computed (its buyers then have no segment yet).
    pub as_of: Option<DateTime<Utc>>,
    pub currency: String,
    pub buyers: i64,
    pub segments: Vec<RfmSegmentSummary>,
    pub grid: Vec<RfmCell>,
}

/// One acquisition cohort: customers whose first order fell in `month`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cohort {
    /// `YYYY-MM`.
    pub month: String,
    pub customers: i64,
    /// Index k: customers of the cohort who ordered in month `month + k`
    /// (index 0 equals `customers`); up to the current month.
    pub active: Vec<i64>,
    /// `active[k] ÷ customers`.
    pub retention: Vec<f64>,
    /// Revenue of the cohort in month `month + k` (minor units).
    pub revenue_minor: Vec<i64>,
}

/// `GET /api/v1/analytics/cohorts`: retention and revenue matrices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CohortMatrix {
    pub currency: String,
    pub cohorts: Vec<Cohort>,
}

filtered_query! {
    /// `GET /api/v1/analytics/kmeans`: behavioural segments of buying customers.
    KmeansQuery {
        /// Number of clusters, 2–10; absent: tried 2–8 on a sample and the
        /// best silhouette chosen.
        #[param(minimum = 2, maximum = 10)]
        k: Option<u32>,
        /// Comma-separated features (default `recency,frequency,aov,longest_gap`):
        /// `recency`, `frequency`, `monetary`, `aov`, `tenure`, `longest_gap`.
        #[param(schema_with = crate::patterns::features)]
        features: Option<String>,
        /// Also list every clustered customer with their cluster (default false).
        include_members: Option<bool>,
    }
}

/// A candidate k with its fit (sum of squared distances) and silhouette.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KCandidate {
    pub k: u32,
    pub inertia: f64,
    pub silhouette: f64,
}

/// One cluster; `centroid` is the mean of its members' features in
/// natural units (days, orders per 30 days, minor units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KCluster {
    /// 0 = the largest cluster.
    pub cluster: u32,
    pub size: i64,
    pub share: f64,
    pub centroid: Vec<f64>,
}

/// A customer of the scatter sample or member list, with its features in
/// natural units (same order as `features`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KPoint {
    pub customer_id: Uuid,
    pub cluster: u32,
    pub values: Vec<f64>,
}

/// K-means over standardised `ln(1 + feature)` values of buying customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KmeansResult {
    pub k: u32,
    pub features: Vec<String>,
    /// Buying customers clustered.
    pub customers: i64,
    /// Mean silhouette (−1…1) on a sample; above 0.5 is a clear structure.
    pub silhouette: f64,
    /// The k tried when none was given.
    pub candidates: Vec<KCandidate>,
    /// Largest first.
    pub clusters: Vec<KCluster>,
    /// Up to 1,000 customers spread over the population, for a scatter plot.
    pub points: Vec<KPoint>,
    /// Every clustered customer, with `include_members=true`.
    pub members: Option<Vec<KPoint>>,
}

/// The workspace's analytics settings. Revenue figures count orders in
/// `base_currency` (ISO 4217, default CNY).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsSettings {
    /// Revenue figures count orders in this ISO 4217 currency (default CNY).
    #[schema(schema_with = crate::patterns::currency)]
    pub base_currency: String,
    /// A customer silent for longer than this many days has churned (7–3650, default 180).
    #[schema(minimum = 7, maximum = 3650)]
    pub churn_after_days: i32,
}

filtered_query! {
    /// `GET /api/v1/analytics/portrait`: the customers the filters select
    /// (add `rfm_segment` for a segment).
    PortraitQuery {}
}

/// One group of a portrait dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PortraitGroup {
    pub key: Option<String>,
    pub label: Option<String>,
    pub customers: i64,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PortraitDimension {
    pub dimension: Dimension,
    /// Largest first.
    pub groups: Vec<PortraitGroup>,
}

/// The "客户画像" of a set of customers: headline figures and how they
/// spread over every dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Portrait {
    pub customers: i64,
    /// Customers with at least one revenue order.
    pub buyers: i64,
    pub orders: i64,
    pub revenue_minor: i64,
    pub currency: String,
    pub average_order_value_minor: Option<i64>,
    /// Revenue per buyer so far.
    pub clv_historical_minor: Option<i64>,
    /// Buyers silent for longer than the churn period, ÷ buyers.
    pub churn_rate: Option<f64>,
    /// Province, industry, size, stage, source, kind, owner, team, tag,
    /// gender, age band, value tier and RFM segment.
    pub dimensions: Vec<PortraitDimension>,
}

/// How a predicted CLV was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClvMethod {
    /// BG/NBD orders × Gamma-Gamma order value, fitted on the workspace's buyers.
    BgNbdGammaGamma,
    /// Too few repeat buyers to fit: order rate over the tenure × average
    /// order value × (1 − churn risk).
    RunRate,
}

/// A buying customer's order metrics as the customer resource carries them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerMetrics {
    pub order_count: i32,
    /// Base currency, minor units.
    pub revenue_minor: i64,
    pub first_order_on: NaiveDate,
    pub last_order_on: NaiveDate,
    pub rfm_segment: Option<RfmSegment>,
}

filtered_query! {
    /// `GET /api/v1/analytics/kpis`: customer KPIs over a window.
    KpiQuery {
        /// First day of the window (default: 364 days before `to`).
        from: Option<NaiveDate>,
        /// Last day, inclusive (default: today, UTC).
        to: Option<NaiveDate>,
        /// What acquiring customers cost in the window (minor units of the
        /// base currency), for CAC until campaign costs are recorded.
        #[param(minimum = 0)]
        acquisition_cost_minor: Option<i64>,
    }
}

/// Customer KPIs over a window; rates are 0–1 and absent when undefined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Kpis {
    pub window: DateWindow,
    pub currency: String,
    /// Buyers who ordered inside the window.
    pub active_buyers: i64,
    /// Buyers whose first order fell inside the window.
    pub new_buyers: i64,
    pub revenue_minor: i64,
    /// Active buyers who ordered at least twice inside the window ÷ active buyers.
    pub repeat_purchase_rate: Option<f64>,
    /// Buyers from before the window who ordered again inside it ÷ buyers from before.
    pub retention_rate: Option<f64>,
    /// Buyers silent for longer than the churn period at the window's end ÷ buyers.
    pub churn_rate: Option<f64>,
    /// Revenue ÷ active buyers.
    pub revenue_per_buyer_minor: Option<i64>,
    /// `acquisition_cost_minor` ÷ new buyers (absent without a cost).
    pub cac_minor: Option<i64>,
}

filtered_query! {
    /// `GET /api/v1/analytics/clv`: the customer-list filters.
    ClvQuery {}
}

/// Predicted value of a group of buyers (one RFM segment, or all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClvGroup {
    /// The RFM segment (absent for the total).
    pub segment: Option<RfmSegment>,
    pub buyers: i64,
    /// Revenue so far (historical CLV), minor units.
    pub historical_minor: i64,
    /// Predicted revenue over the next 12 months, summed, minor units.
    pub predicted_12m_minor: i64,
    pub average_predicted_12m_minor: i64,
    /// Mean probability of still being a customer (BG/NBD only).
    pub average_p_alive: Option<f64>,
    /// Expected orders over the next 12 months, summed (BG/NBD only).
    pub expected_orders_12m: Option<f64>,
    /// Buyers more likely gone than not: P(alive) below 0.5 (BG/NBD) or
    /// churn risk of 0.5 and more (run rate).
    pub likely_lost: i64,
}

/// `GET /api/v1/analytics/clv`: predicted 12-month value and P(alive) of
/// the buyers the filters select, in total and per RFM segment; each
/// buyer counted exactly as their profile predicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClvSummary {
    pub as_of: NaiveDate,
    pub currency: String,
    /// How the predictions were made (absent when there are no buyers).
    pub method: Option<ClvMethod>,
    pub total: ClvGroup,
    /// Largest predicted value first.
    pub segments: Vec<ClvGroup>,
}
