//! The predicted 12-month value and P(alive) of the
//! buyers a filter selects, in total and per RFM segment. Every buyer is
//! predicted exactly as their profile is (the workspace's BG/NBD +
//! Gamma-Gamma fit, or the run-rate estimate when too few repeat buyers
//! exist to fit one), then summed in memory: one read of the buyers'
//! metrics rows, no per-customer query.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use crm_api_types::analytics::{ClvGroup, ClvMethod, ClvQuery, ClvSummary};
use crm_db::AnyConnection;
use crm_db::clv::BuyerSummary;
use crm_domain::access::{Action, ObjectType};
use crm_domain::analytics::{OrderHistory, RfmSegment};

use crate::analytics::clv;
use crate::analytics::rfm::Freshness;
use crate::customers::filter::{filter_of, prepare};
use crate::jobs::Wake;
use crate::{Actor, AppError};

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

/// What a value summary is computed from: read in one go, so that the
/// connection goes back to the pool before the (CPU-bound) predictions.
pub struct Buyers {
    settings: crm_db::metrics::Settings,
    models: clv::Models,
    buyers: Vec<crm_db::rfm::BuyerRow>,
    today: NaiveDate,
}

/// Reads the buyers the query's filters select among the customers the
/// actor may read, and the current CLV models (a stale model queues its
/// refit, and `wake` tells the workers).
pub fn buyers(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &ClvQuery,
    freshness: &Freshness,
    wake: &Wake,
) -> Result<Buyers, AppError> {
    let filter = filter_of(&query.customer_filters())?;
    let today = Utc::now().date_naive();
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let filter = prepare(conn, vis.workspace_id, filter, freshness)?;
    crate::analytics::rfm::current(conn, vis.workspace_id, freshness)?;
    let settings = crm_db::metrics::settings(conn, vis.workspace_id)?;
    let buyers = crm_db::rfm::buyers(conn, &vis, &filter)?;
    let models = if buyers.is_empty() {
        clv::Models::default()
    } else {
        let (models, queued) = clv::current(conn, vis.workspace_id, today)?;
        if queued {
            wake.wake();
        }
        models
    };
    Ok(Buyers {
        settings,
        models,
        buyers,
        today,
    })
}

/// The predicted 12-month value of the buyers, in total and per RFM
/// segment (largest predicted value first): each buyer predicted exactly
/// as their profile is, with mean P(alive) and the buyers more likely gone
/// than not.
pub fn summary(read: Buyers) -> ClvSummary {
    let Buyers {
        settings,
        models,
        buyers,
        today,
    } = read;
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
        let (predicted, alive, lost) = match clv::predict(&models, &summary, today) {
            Some((p_alive, orders, clv)) => (clv, Some((p_alive, orders)), p_alive < 0.5),
            None => {
                let history = OrderHistory {
                    order_count: b.order_count,
                    first_order_on: b.first_order_on,
                    last_order_on: b.last_order_on,
                    longest_gap_days: b.longest_gap_days,
                };
                let (risk, clv) = crate::analytics::profile::run_rate(
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
    ClvSummary {
        as_of: today,
        currency: settings.base_currency,
        method: (!buyers.is_empty()).then_some(if model {
            ClvMethod::BgNbdGammaGamma
        } else {
            ClvMethod::RunRate
        }),
        total: total.group(None, model),
        segments,
    }
}
