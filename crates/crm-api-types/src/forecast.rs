//! The sales forecast (销售预测) on the wire: for a month or quarter and a
//! rep, a team or the whole visible company, deals by forecast category
//! with the stage-weighted pipeline, per rep; and the statistical forecast
//! of order revenue with its backtest against seasonal-naive; quotas
//! (预算) and their attainment.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::forecast::{PeriodKind, QuotaMetric};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// `quarter` (default) or `month`.
    pub period: Option<PeriodKind>,
    /// Any day of the period (default: today, UTC); years 1900–2200.
    #[param(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub date: Option<NaiveDate>,
    /// Only this rep's deals and orders.
    pub owner_id: Option<Uuid>,
    /// Only the deals and orders of this team and the teams below it.
    pub team_id: Option<Uuid>,
}

/// Deals of a period by forecast category, in minor units of the base
/// currency. Salesforce's roll-ups: commit = closed won + commit, best case
/// = commit + best case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ForecastFigures {
    /// Won in the period.
    pub closed_won_minor: i64,
    pub closed_won_deals: i64,
    /// Open, expected to close in the period, in `commit`.
    pub commit_minor: i64,
    pub commit_deals: i64,
    /// Open, expected in the period, in `best_case`.
    pub best_case_minor: i64,
    pub best_case_deals: i64,
    /// Open, expected in the period, in `pipeline`.
    pub pipeline_minor: i64,
    pub pipeline_deals: i64,
    /// Closed won plus every open deal expected in the period (omitted ones
    /// excepted), each weighted by its probability.
    pub weighted_minor: i64,
}

/// One owner's row of the forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RepForecast {
    /// `null`: deals without an owner.
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub figures: ForecastFigures,
}

/// Order revenue of one month: what was booked, and what the model and
/// seasonal-naive expected (for months not yet complete, or for the chart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RevenueMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Booked so far; absent for months still to come.
    pub actual_minor: Option<i64>,
    /// Holt-Winters' forecast from the last complete month; absent for
    /// complete months.
    pub forecast_minor: Option<i64>,
}

/// How the model did on the history: rolling-origin MASE (mean absolute
/// error scaled by seasonal-naive's in-sample error), the model's and
/// seasonal-naive's over the same forecasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Backtest {
    /// Forecast origins tried (each month from the 25th on).
    pub origins: i64,
    /// Months forecast from each origin.
    pub horizon: i64,
    pub mase: f64,
    pub mase_seasonal_naive: f64,
    /// 1 − mase / mase_seasonal_naive: 0.2 is a fifth less error.
    pub improvement: f64,
}

/// The statistical forecast of order revenue for the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RevenueForecast {
    /// `holt_winters`: exponential smoothing with a damped trend and a
    /// yearly season, fitted on the complete months before this one.
    pub method: String,
    /// Revenue booked in the period so far.
    pub actual_to_date_minor: i64,
    /// Booked in the period's complete months plus the forecast of the
    /// others; absent when there are fewer than 24 complete months of orders.
    pub expected_minor: Option<i64>,
    /// The last 24 complete months, then the months up to the period's end.
    pub months: Vec<RevenueMonth>,
    /// Absent with fewer than 25 complete months.
    pub backtest: Option<Backtest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Forecast {
    pub period: PeriodKind,
    /// `2026-Q4` or `2026-12`.
    pub label: String,
    pub starts_on: NaiveDate,
    /// The period's last day.
    pub ends_on: NaiveDate,
    /// The base currency every figure is in.
    pub currency: String,
    pub total: ForecastFigures,
    /// Per owner, most closed won first.
    pub reps: Vec<RepForecast>,
    /// Deals of the period in another currency, left out of the figures.
    pub other_currency_deals: i64,
    pub revenue: RevenueForecast,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuotaQuery {
    /// `quarter` (default) or `month`.
    pub period: Option<PeriodKind>,
    /// Any day of the period (default: today, UTC); years 1900–2200.
    #[param(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub date: Option<NaiveDate>,
    /// Only this user's quotas.
    pub user_id: Option<Uuid>,
    /// Only this team's quotas.
    pub team_id: Option<Uuid>,
}

/// Sets a quota: the target of one user or one team (covering the teams
/// below it) on one metric for the month or quarter holding `date`. A quota
/// that exists for that holder, metric and period gets the new target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": "0190c0de-0000-7000-8000-000000000001",
    "metric": "won_revenue", "period": "quarter", "date": "2026-10-01", "target": 50_000_000}))]
pub struct NewQuota {
    /// Exactly one of `user_id` and `team_id`.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    #[serde(default)]
    pub team_id: Option<Uuid>,
    pub metric: QuotaMetric,
    pub period: PeriodKind,
    /// Any day of the period; years 1900–2200.
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub date: NaiveDate,
    /// Minor units of the base currency for revenue metrics, a count otherwise.
    #[schema(minimum = 0)]
    pub target: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quota {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub metric: QuotaMetric,
    pub period: PeriodKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub target: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A quota with where it stands today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attainment {
    pub quota: Quota,
    /// The user's or team's name.
    pub holder_name: String,
    /// The metric so far in the period: the user's records, or those of the
    /// team and the teams below it.
    pub actual: i64,
    /// actual / target; absent for a zero target.
    pub attainment: Option<f64>,
    /// Share of the period elapsed, today included (0–1).
    pub pace: f64,
    /// What the target calls for by today: target × pace.
    pub expected_to_date: i64,
    pub on_pace: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quotas {
    pub period: PeriodKind,
    /// `2026-Q4` or `2026-12`.
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The currency of revenue targets and actuals.
    pub currency: String,
    /// The quotas the caller may see: their own, and those of the users and
    /// teams their deal scope covers.
    pub items: Vec<Attainment>,
}
