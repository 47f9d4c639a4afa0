//! The "客户画像" portrait of any filter or RFM segment: headline figures
//! (customers, buyers, orders, revenue, average order, historical CLV,
//! churn rate) plus the members' spread over every dimension of the
//! distribution map.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use crm_api_types::analytics::{Portrait, PortraitDimension, PortraitGroup, PortraitQuery};
use crm_db::AnyConnection;
use crm_db::analytics::{Grouping, Groups, count_customers, sum_orders};
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
    let everyone = Groups {
        today: Some(today),
        ..Groups::default()
    };
    let customers: i64 = count_customers(conn, &vis, &filter, &everyone, (None, created_before))?
        .iter()
        .map(|r| r.customers)
        .sum();
    let all = sum_orders(conn, &vis, &filter, &everyone, &currency, (None, end))?;
    let (revenue, orders, buyers) = all.iter().fold((0, 0, 0), |acc, r| {
        (acc.0 + r.revenue, acc.1 + r.orders, acc.2 + r.buyers)
    });
    let since = end - Duration::days(i64::from(settings.churn_after_days));
    let recent: i64 = sum_orders(
        conn,
        &vis,
        &filter,
        &everyone,
        &currency,
        (Some(since), end),
    )?
    .iter()
    .map(|r| r.buyers)
    .sum();
    let mut dimensions = Vec::new();
    for dimension in DIMENSIONS {
        let groups = Groups {
            first: Some(Grouping::new(dimension)),
            second: None,
            today: Some(today),
        };
        let counts: HashMap<Key, f64> =
            count_customers(conn, &vis, &filter, &groups, (None, created_before))?
                .into_iter()
                .map(|r| ((r.key, None), r.customers as f64))
                .collect();
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
