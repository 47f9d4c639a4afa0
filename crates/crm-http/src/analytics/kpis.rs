//! `GET /analytics/kpis`: repeat-purchase, retention and churn rates,
//! revenue per buyer and CAC over a window, from one aggregate query.

use actix_web::{get, web};
use chrono::{Duration, Utc};
use crm_api_types::Problem;
use crm_api_types::analytics::{DateWindow, KpiQuery, Kpis};
use crm_domain::access::{Action, ObjectType};

use super::bad;
use crate::caller::Caller;
use crate::customers::filter_of;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Customer KPIs over a window.
#[utoipa::path(
    tag = "analytics",
    params(KpiQuery),
    responses(
        (status = 200, body = Kpis),
        (status = 400, description = "Bad window, cost or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/kpis")]
pub async fn kpis(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<KpiQuery>,
) -> Result<web::Json<Kpis>, ApiError> {
    let q = query.0;
    let filter = filter_of(&q.customer_filters())?;
    let to = q.to.unwrap_or_else(|| Utc::now().date_naive());
    let from = q.from.unwrap_or(to - Duration::days(364));
    if from > to {
        return Err(bad("from", "must not be after to"));
    }
    if q.acquisition_cost_minor.is_some_and(|c| c < 0) {
        return Err(bad("acquisition_cost_minor", "must not be negative"));
    }
    let end = to + Duration::days(1);
    let freshness = state.rfm_freshness();
    let (currency, row) = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            let filter = super::prepare_filter(conn, vis.workspace_id, filter, &freshness)?;
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
            Ok((settings.base_currency, rows.into_iter().next()))
        })
        .await?;
    let r = row.ok_or_else(|| ApiError::internal("the KPI query answered no row"))?;
    Ok(web::Json(Kpis {
        window: DateWindow { from, to },
        currency,
        active_buyers: r.active,
        new_buyers: r.new_buyers,
        revenue_minor: r.revenue,
        repeat_purchase_rate: ratio(r.repeat_buyers, r.active),
        retention_rate: ratio(r.retained, r.prior),
        churn_rate: ratio(r.buyers - r.recent, r.buyers),
        revenue_per_buyer_minor: ratio(r.revenue, r.active).map(|v| v.round() as i64),
        cac_minor: q
            .acquisition_cost_minor
            .zip(ratio(1, r.new_buyers))
            .map(|(cost, per)| (cost as f64 * per).round() as i64),
    }))
}
