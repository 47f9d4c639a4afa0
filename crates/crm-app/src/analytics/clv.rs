//! Predicted CLV: the workspace's BG/NBD + Gamma-Gamma fit (on a sample
//! of at most `SAMPLE` buyers), refitted by a `clv_fit` job — never inside
//! a request — and applied to one customer. A read uses the stored fit and
//! queues a refit when none is stored or it is from an earlier day. Time is
//! in weeks, order values in major units (the fit is better conditioned),
//! answers in minor units of the base currency.

use chrono::{NaiveDate, Utc};
use crm_db::AnyConnection;
use crm_db::clv::{BuyerSummary, ClvModelRow};
use crm_db::jobs::NewJob;
use crm_db::types::Id;
use crm_models::clv::{BgNbd, Frequency, GammaGamma, Spend};
use uuid::Uuid;

use crate::AppError;
use crate::jobs::{JobContext, JobError};

/// The job kind that refits a workspace's models.
pub const FIT_JOB: &str = "clv_fit";
/// Buyers a fit reads at most.
const SAMPLE: usize = 50_000;
const WEEKS_PER_YEAR: f64 = 52.0;

/// The fitted models; either may be missing (too few repeat buyers, or no fit yet).
#[derive(Debug, Clone, Copy, Default)]
pub struct Models {
    pub orders: Option<BgNbd>,
    pub value: Option<GammaGamma>,
}

fn weeks(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64 / 7.0
}

pub fn frequency(b: &BuyerSummary, today: NaiveDate) -> Frequency {
    Frequency {
        x: f64::from(b.order_count.max(1) - 1),
        t_x: weeks(b.first_order_on, b.last_order_on),
        t: weeks(b.first_order_on, today).max(weeks(b.first_order_on, b.last_order_on)),
        weight: 1.0,
    }
}

pub fn spend(b: &BuyerSummary) -> Spend {
    let orders = f64::from(b.order_count.max(1));
    Spend {
        orders,
        mean_value: b.revenue_minor as f64 / 100.0 / orders,
        weight: 1.0,
    }
}

/// Fits both models on the buyers.
pub fn fit(buyers: &[BuyerSummary], today: NaiveDate) -> Models {
    let frequencies: Vec<Frequency> = buyers.iter().map(|b| frequency(b, today)).collect();
    let spends: Vec<Spend> = buyers.iter().map(spend).collect();
    Models {
        orders: BgNbd::fit(&frequencies),
        value: GammaGamma::fit(&spends),
    }
}

fn from_row(row: &ClvModelRow) -> Models {
    let orders = match (row.bg_r, row.bg_alpha, row.bg_a, row.bg_b) {
        (Some(r), Some(alpha), Some(a), Some(b)) => Some(BgNbd { r, alpha, a, b }),
        _ => None,
    };
    let value = match (row.gg_p, row.gg_q, row.gg_gamma) {
        (Some(p), Some(q), Some(gamma)) => Some(GammaGamma { p, q, gamma }),
        _ => None,
    };
    Models { orders, value }
}

/// The workspace's stored models (empty when none is stored yet), and
/// whether this call queued a refit (none stored, or fitted before
/// `today`, and no refit already queued or running). Call the process's
/// job wake-up when it did.
pub fn current(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    today: NaiveDate,
) -> Result<(Models, bool), AppError> {
    let stored = crm_db::clv::model(conn, workspace_id)?;
    let models = stored.as_ref().map(from_row).unwrap_or_default();
    let fresh = stored.is_some_and(|row| row.fitted_at.date() >= today);
    if fresh || crm_db::jobs::pending(conn, workspace_id, FIT_JOB, FIT_JOB)? {
        return Ok((models, false));
    }
    let queued = crm_db::jobs::enqueue(
        conn,
        &NewJob::new(workspace_id, FIT_JOB, serde_json::json!({})).unique(FIT_JOB),
    )?;
    Ok((models, queued.is_some()))
}

/// Fits the workspace's models on a sample of its buyers and stores them.
pub fn refit(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    today: NaiveDate,
) -> Result<Models, AppError> {
    let (sample, _) = crm_db::clv::buyer_sample(conn, workspace_id, SAMPLE)?;
    let models = fit(&sample, today);
    let row = ClvModelRow {
        workspace_id: Id(workspace_id),
        fitted_at: Utc::now().naive_utc(),
        buyers: i64::try_from(sample.len()).unwrap_or(i64::MAX),
        bg_r: models.orders.map(|m| m.r),
        bg_alpha: models.orders.map(|m| m.alpha),
        bg_a: models.orders.map(|m| m.a),
        bg_b: models.orders.map(|m| m.b),
        gg_p: models.value.map(|m| m.p),
        gg_q: models.value.map(|m| m.q),
        gg_gamma: models.value.map(|m| m.gamma),
    };
    crm_db::clv::save(conn, &row)?;
    Ok(models)
}

/// The `clv_fit` handler: refits as of today (idempotent: a second run
/// stores the same day's fit again).
pub fn fit_job(ctx: &JobContext<'_>) -> Result<(), JobError> {
    let mut conn = ctx.pool.get().map_err(JobError::retry)?;
    refit(&mut conn, ctx.workspace_id(), Utc::now().date_naive())?;
    Ok(())
}

/// One buyer's prediction: P(alive), expected orders and revenue (minor
/// units) over the next 12 months; `None` when the models are missing.
pub fn predict(models: &Models, buyer: &BuyerSummary, today: NaiveDate) -> Option<(f64, f64, i64)> {
    let (orders, value) = (models.orders?, models.value?);
    let f = frequency(buyer, today);
    let expected = orders.expected_orders(&f, WEEKS_PER_YEAR);
    let per_order = value.expected_value(&spend(buyer)) * 100.0;
    let clv = (expected * per_order).round();
    clv.is_finite()
        .then_some((orders.p_alive(&f), expected, clv as i64))
}
