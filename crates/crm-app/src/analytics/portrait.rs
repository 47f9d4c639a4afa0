//! The "客户画像" portrait of any filter or RFM segment: headline figures
//! (customers, buyers, orders, revenue, average order, historical CLV,
//! churn rate) plus the members' spread over every dimension of the
//! distribution map.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use crm_api_types::analytics::{Portrait, PortraitDimension, PortraitGroup, PortraitQuery};
use crm_db::AnyConnection;
use crm_db::analytics::{Grouping, Groups, count_customers};
use crm_domain::access::{Action, ObjectType};
use crm_domain::analytics::Dimension;

use crate::analytics::distribution::{Key, Labels};
use crate::customers::filter::{filter_of, prepare};
use crate::{Actor, AppError};

/// Every dimension a portrait spreads members over (regions by province).
const DIMENSIONS: [Dimension; 13] = [
    Dimension::Region,
    Dimension::Industry,
    Dimension::Size,
    Dimension::LifecycleStage,
    Dimension::Source,
    Dimension::Kind,
    Dimension::Owner,
    Dimension::Team,
    Dimension::Tag,
    Dimension::Gender,
    Dimension::AgeBand,
    Dimension::ValueTier,
    Dimension::RfmSegment,
];

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The portrait of the customers the query's filters select, among those
/// the actor may read.
pub fn portrait(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &PortraitQuery,
    freshness: &crate::analytics::rfm::Freshness,
) -> Result<Portrait, AppError> {
    let filter = filter_of(&query.customer_filters())?;
    let today = Utc::now().date_naive();
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    crate::analytics::rfm::current(conn, vis.workspace_id, freshness)?;
    let filter = prepare(conn, vis.workspace_id, filter, freshness)?;
    let settings = crm_db::metrics::settings(conn, vis.workspace_id)?;
    let currency = settings.base_currency.clone();
    let end = today + Duration::days(1);
    let created_before = end.and_hms_opt(0, 0, 0).unwrap_or_default();
    // Every buyer's own figures (`customer_metrics`, kept exact by the
    // order writes) summed, rather than their orders scanned again; the
    // same pass spreads them over value tiers and RFM segments.
    let since = end - Duration::days(i64::from(settings.churn_after_days));
    let (mut revenue, mut orders, mut buyers, mut recent) = (0, 0, 0, 0);
    let mut tiers: HashMap<Key, f64> = HashMap::new();
    let mut segments: HashMap<Key, f64> = HashMap::new();
    for g in crm_db::rfm::buyer_groups(conn, &vis, &filter, since)? {
        revenue += g.revenue;
        orders += g.orders;
        buyers += g.buyers;
        recent += g.recent;
        *tiers.entry((Some(g.tier), None)).or_default() += g.buyers as f64;
        *segments.entry((g.segment, None)).or_default() += g.buyers as f64;
    }
    // The members per other dimension: from the customer counts (kept by
    // the customer, tag and metrics writes) when they can answer (a filter
    // by owner, team and RFM segment at most), else one count of the
    // customers per dimension (on PostgreSQL several are answered from an
    // index alone; one pass with GROUPING SETS hashed every row twelve
    // times and took longer than the counts together).
    let mut spread: HashMap<Dimension, HashMap<Key, f64>> = HashMap::new();
    for dimension in DIMENSIONS {
        if matches!(dimension, Dimension::ValueTier | Dimension::RfmSegment) {
            continue;
        }
        let grouping = Grouping::new(dimension);
        let rows =
            match crm_db::rollups::counts::member_counts(conn, &vis, &filter, &grouping, today)? {
                Some(rows) => rows,
                None => {
                    let groups = Groups {
                        first: Some(grouping),
                        second: None,
                        today: Some(today),
                    };
                    count_customers(conn, &vis, &filter, &groups, (None, created_before))?
                }
            };
        let counts = rows
            .into_iter()
            .map(|r| ((r.key, None), r.customers as f64))
            .collect();
        spread.insert(dimension, counts);
    }
    // Every member is in one region group; those who never bought have no
    // value tier ('none') and no segment.
    let customers = spread
        .get(&Dimension::Region)
        .map_or(0.0, |counts| counts.values().sum()) as i64;
    let never_bought = (customers - buyers) as f64;
    if never_bought > 0.0 {
        *tiers.entry((Some("none".to_owned()), None)).or_default() += never_bought;
        *segments.entry((None, None)).or_default() += never_bought;
    }
    spread.insert(Dimension::ValueTier, tiers);
    spread.insert(Dimension::RfmSegment, segments);
    let mut dimensions = Vec::new();
    for dimension in DIMENSIONS {
        let counts = spread.remove(&dimension).unwrap_or_default();
        let labels = Labels::load(conn, vis.workspace_id, &counts, Some(dimension), None)?;
        let mut groups: Vec<PortraitGroup> = counts
            .iter()
            .map(|((key, _), n)| PortraitGroup {
                label: labels.name(Some(dimension), key.as_deref()),
                key: key.clone(),
                customers: *n as i64,
                share: ratio(*n as i64, customers).unwrap_or(0.0),
            })
            .collect();
        groups.sort_by(|a, b| {
            b.customers
                .cmp(&a.customers)
                .then_with(|| a.key.cmp(&b.key))
        });
        dimensions.push(PortraitDimension { dimension, groups });
    }
    Ok(Portrait {
        customers,
        buyers,
        orders,
        revenue_minor: revenue,
        currency,
        average_order_value_minor: ratio(revenue, orders).map(|v| v.round() as i64),
        clv_historical_minor: ratio(revenue, buyers).map(|v| v.round() as i64),
        churn_rate: ratio(buyers - recent, buyers),
        dimensions,
    })
}
