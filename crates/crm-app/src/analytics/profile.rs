//! One customer's order metrics, RFM scores, derived lifecycle, churn risk
//! and customer value (run-rate, or the fitted BG/NBD and Gamma-Gamma models).

use chrono::{NaiveDate, Utc};
use crm_api_types::analytics::{ClvMethod, CustomerMetrics, CustomerProfile, RfmScores};
use crm_db::AnyConnection;
use crm_db::clv::BuyerSummary;
use crm_db::metrics::Settings;
use crm_db::rfm::MetricsRow;
use crm_domain::access::{Action, ObjectType};
use crm_domain::analytics::{OrderHistory, RfmSegment, churn_risk, derived_lifecycle, rfm_segment};
use uuid::Uuid;

use crate::analytics::clv;
use crate::analytics::rfm::Freshness;
use crate::jobs::Wake;
use crate::{Actor, AppError};

/// A customer's order metrics and models: revenue counts the workspace's
/// base-currency orders that are not draft, cancelled or refunded; RFM
/// scores rank the customer against every buying customer of the
/// workspace; a fitted CLV model replaces the run-rate estimate (a stale
/// model queues its refit, and `wake` tells the workers).
pub fn profile(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    freshness: &Freshness,
    wake: &Wake,
    today: NaiveDate,
) -> Result<CustomerProfile, AppError> {
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    crm_db::customers::find(conn, &vis, id)?;
    let as_of = crate::analytics::rfm::current(conn, vis.workspace_id, freshness)?;
    let metrics = crm_db::rfm::of_customer(conn, vis.workspace_id, id)?;
    let settings = crm_db::metrics::settings(conn, vis.workspace_id)?;
    let models = match metrics {
        Some(_) => {
            let (models, queued) = clv::current(conn, vis.workspace_id, today)?;
            if queued {
                wake.wake();
            }
            models
        }
        None => clv::Models::default(),
    };
    let mut profile = build(
        id,
        metrics.as_ref(),
        &settings,
        today,
        as_of.map(|at| at.and_utc()),
    );
    let predicted = metrics.as_ref().and_then(|m| {
        let buyer = BuyerSummary {
            order_count: m.order_count,
            revenue_minor: m.revenue_minor,
            first_order_on: m.first_order_on,
            last_order_on: m.last_order_on,
        };
        clv::predict(&models, &buyer, today)
    });
    if let Some((p_alive, orders, clv)) = predicted {
        profile.p_alive = Some(p_alive);
        profile.expected_orders_12m = Some(orders);
        profile.clv_predicted_12m_minor = Some(clv);
        profile.clv_method = Some(ClvMethod::BgNbdGammaGamma);
    }
    Ok(profile)
}

/// The profile of a customer from their metrics row (`None`: no orders
/// yet), with the run-rate CLV that a fitted model then replaces.
pub fn build(
    id: Uuid,
    metrics: Option<&MetricsRow>,
    settings: &Settings,
    today: NaiveDate,
    as_of: Option<chrono::DateTime<Utc>>,
) -> CustomerProfile {
    let churn_days = settings.churn_after_days;
    let history = metrics.map(|m| OrderHistory {
        order_count: m.order_count,
        first_order_on: m.first_order_on,
        last_order_on: m.last_order_on,
        longest_gap_days: m.longest_gap_days,
    });
    let revenue = metrics.map_or(0, |m| m.revenue_minor);
    let estimate = history
        .as_ref()
        .map(|h| run_rate(h, revenue, today, churn_days));
    let risk = estimate.map(|(risk, _)| risk);
    let predicted = estimate.map(|(_, clv)| clv);
    let rfm = metrics.and_then(|m| match (m.rfm_r, m.rfm_f, m.rfm_m) {
        (Some(r), Some(f), Some(mm)) => Some(RfmScores {
            r,
            f,
            m: mm,
            segment: m
                .rfm_segment
                .as_deref()
                .and_then(|s| RfmSegment::parse(s).ok())
                .unwrap_or_else(|| rfm_segment(r, f, mm)),
        }),
        _ => None,
    });
    CustomerProfile {
        customer_id: id,
        order_count: metrics.map_or(0, |m| m.order_count),
        revenue_minor: revenue,
        currency: settings.base_currency.clone(),
        first_order_on: metrics.map(|m| m.first_order_on),
        last_order_on: metrics.map(|m| m.last_order_on),
        days_since_last_order: history.as_ref().map(|h| h.days_since_last(today)),
        average_order_value_minor: metrics
            .filter(|m| m.order_count > 0)
            .map(|m| (m.revenue_minor as f64 / f64::from(m.order_count)).round() as i64),
        rfm,
        lifecycle: derived_lifecycle(history.as_ref(), today, churn_days),
        churn_risk: risk,
        clv_historical_minor: revenue,
        clv_predicted_12m_minor: predicted,
        expected_orders_12m: None,
        p_alive: None,
        clv_method: predicted.map(|_| ClvMethod::RunRate),
        as_of,
    }
}

/// The run-rate estimate when no model is fitted: the churn risk, and the
/// orders per year over the tenure (at least 90 days, so a brand-new
/// customer's first order does not read as a daily habit) × the average
/// order value × (1 − churn risk), in minor units.
pub fn run_rate(
    h: &OrderHistory,
    revenue_minor: i64,
    today: NaiveDate,
    churn_days: i32,
) -> (f64, i64) {
    let risk = churn_risk(h, today, churn_days);
    let tenure_days = ((today - h.first_order_on).num_days() as f64).max(90.0);
    let per_year = f64::from(h.order_count) * 365.0 / tenure_days;
    let average = revenue_minor as f64 / f64::from(h.order_count.max(1));
    (risk, (per_year * average * (1.0 - risk)).round() as i64)
}

/// The metrics the customer resource carries.
pub fn summary(m: &MetricsRow) -> CustomerMetrics {
    CustomerMetrics {
        order_count: m.order_count,
        revenue_minor: m.revenue_minor,
        first_order_on: m.first_order_on,
        last_order_on: m.last_order_on,
        rfm_segment: m
            .rfm_segment
            .as_deref()
            .and_then(|s| RfmSegment::parse(s).ok()),
    }
}
