//! Customer KPIs: repeat-purchase, retention and churn rates, revenue per
//! buyer and CAC over a window, from one aggregate query.

use chrono::{Duration, Utc};
use crm_api_types::analytics::{DateWindow, KpiQuery, Kpis};
use crm_db::AnyConnection;
use crm_domain::access::{Action, ObjectType};

use crate::analytics::rfm::Freshness;
use crate::customers::filter::{filter_of, prepare};
use crate::error::bad_param as bad;
use crate::{Actor, AppError};

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Repeat-purchase, retention and churn rates, revenue per buyer and CAC
/// over a window, from one aggregate query.
pub fn kpis(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &KpiQuery,
    freshness: &Freshness,
) -> Result<Kpis, AppError> {
    let filter = filter_of(&query.customer_filters())?;
    let to = query.to.unwrap_or_else(|| Utc::now().date_naive());
    let from = query.from.unwrap_or(to - Duration::days(364));
    if from > to {
        return Err(bad("from", "must not be after to"));
    }
    if query.acquisition_cost_minor.is_some_and(|c| c < 0) {
        return Err(bad("acquisition_cost_minor", "must not be negative"));
    }
    let end = to + Duration::days(1);
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let filter = prepare(conn, vis.workspace_id, filter, freshness)?;
    let settings = crm_db::metrics::settings(conn, vis.workspace_id)?;
    let since = end - Duration::days(i64::from(settings.churn_after_days));
    let rows = crm_db::rfm::kpis(
        conn,
        &vis,
        &filter,
        &settings.base_currency,
        (from, end),
        since,
    )?;
    let (currency, row) = (settings.base_currency, rows.into_iter().next());
    let r = row.ok_or_else(|| AppError::internal("the KPI query answered no row"))?;
    Ok(Kpis {
        window: DateWindow { from, to },
        currency,
        active_buyers: r.active,
        new_buyers: r.new_buyers,
        revenue_minor: r.revenue,
        repeat_purchase_rate: ratio(r.repeat_buyers, r.active),
        retention_rate: ratio(r.retained, r.prior),
        churn_rate: ratio(r.buyers - r.recent, r.buyers),
        revenue_per_buyer_minor: ratio(r.revenue, r.active).map(|v| v.round() as i64),
        cac_minor: query
            .acquisition_cost_minor
            .zip(ratio(1, r.new_buyers))
            .map(|(cost, per)| (cost as f64 * per).round() as i64),
    })
}
