//! `GET /analytics/clv`: the predicted 12-month value and P(alive) of the
//! buyers a filter selects, in total and per RFM segment. Every buyer is
//! predicted exactly as their profile is (the workspace's BG/NBD +
//! Gamma-Gamma fit, or the run-rate estimate when too few repeat buyers
//! exist to fit one), then summed in memory: one read of the buyers'
//! metrics rows, no per-customer query.

use std::collections::BTreeMap;

use actix_web::{get, web};
use chrono::Utc;
use crm_api_types::Problem;
use crm_api_types::analytics::{ClvGroup, ClvMethod, ClvQuery, ClvSummary};
use crm_db::clv::BuyerSummary;
use crm_domain::access::{Action, ObjectType};
use crm_domain::analytics::{OrderHistory, RfmSegment};

use crate::caller::Caller;
use crate::customers::filter_of;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Sums of one group while buyers are added.
#[derive(Default)]
struct Sums {
    buyers: i64,
    historical: i64,
    predicted: i64,
    p_alive: f64,
    orders: f64,
    lost: i64,
}

impl Sums {
    fn add(&mut self, historical: i64, predicted: i64, alive: Option<(f64, f64)>, lost: bool) {
        self.buyers += 1;
        self.historical += historical;
        self.predicted += predicted;
        if let Some((p, orders)) = alive {
            self.p_alive += p;
            self.orders += orders;
        }
        self.lost += i64::from(lost);
    }

    fn group(&self, segment: Option<RfmSegment>, model: bool) -> ClvGroup {
        let n = self.buyers.max(1);
        ClvGroup {
            segment,
            buyers: self.buyers,
            historical_minor: self.historical,
            predicted_12m_minor: self.predicted,
            average_predicted_12m_minor: (self.predicted as f64 / n as f64).round() as i64,
            average_p_alive: (model && self.buyers > 0).then(|| self.p_alive / n as f64),
            expected_orders_12m: model.then_some(self.orders),
            likely_lost: self.lost,
        }
    }
}

/// Predicted customer value of the buyers the filters select.
///
/// Each buyer's 12-month prediction is the one their
/// `/customers/{id}/profile` shows; the answer sums them in total and per
/// RFM segment (largest predicted value first), with mean P(alive) and the
/// buyers more likely gone than not.
#[utoipa::path(
    tag = "analytics",
    params(ClvQuery),
    responses(
        (status = 200, body = ClvSummary),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/clv")]
pub async fn clv_summary(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ClvQuery>,
) -> Result<web::Json<ClvSummary>, ApiError> {
    let filter = filter_of(&query.0.customer_filters())?;
    let today = Utc::now().date_naive();
    let freshness = state.rfm_freshness();
    let wake = state.jobs.clone();
    let (settings, models, buyers) = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            let filter = super::prepare_filter(conn, vis.workspace_id, filter, &freshness)?;
            crm_app::analytics::rfm::current(conn, vis.workspace_id, &freshness)?;
            let settings = crm_db::metrics::settings(conn, vis.workspace_id)?;
            let buyers = crm_db::rfm::buyers(conn, &vis, &filter)?;
            let models = if buyers.is_empty() {
                super::clv::Models::default()
            } else {
                let (models, queued) = super::clv::current(conn, vis.workspace_id, today)?;
                if queued {
                    wake.wake();
                }
                models
            };
            Ok((settings, models, buyers))
        })
        .await?;
    let model = models.orders.is_some() && models.value.is_some();
    let mut total = Sums::default();
    let mut by_segment: BTreeMap<RfmSegment, Sums> = BTreeMap::new();
    for b in &buyers {
        let summary = BuyerSummary {
            order_count: b.order_count,
            revenue_minor: b.revenue_minor,
            first_order_on: b.first_order_on,
            last_order_on: b.last_order_on,
        };
        let (predicted, alive, lost) = match super::clv::predict(&models, &summary, today) {
            Some((p_alive, orders, clv)) => (clv, Some((p_alive, orders)), p_alive < 0.5),
            None => {
                let history = OrderHistory {
                    order_count: b.order_count,
                    first_order_on: b.first_order_on,
                    last_order_on: b.last_order_on,
                    longest_gap_days: b.longest_gap_days,
                };
                let (risk, clv) = super::profile::run_rate(
                    &history,
                    b.revenue_minor,
                    today,
                    settings.churn_after_days,
                );
                (clv, None, risk >= 0.5)
            }
        };
        total.add(b.revenue_minor, predicted, alive, lost);
        if let Some(segment) = b
            .rfm_segment
            .as_deref()
            .and_then(|s| RfmSegment::parse(s).ok())
        {
            by_segment
                .entry(segment)
                .or_default()
                .add(b.revenue_minor, predicted, alive, lost);
        }
    }
    let mut segments: Vec<ClvGroup> = by_segment
        .iter()
        .map(|(segment, sums)| sums.group(Some(*segment), model))
        .collect();
    segments.sort_by_key(|g| std::cmp::Reverse(g.predicted_12m_minor));
    Ok(web::Json(ClvSummary {
        as_of: today,
        currency: settings.base_currency,
        method: (!buyers.is_empty()).then_some(if model {
            ClvMethod::BgNbdGammaGamma
        } else {
            ClvMethod::RunRate
        }),
        total: total.group(None, model),
        segments,
    }))
}
