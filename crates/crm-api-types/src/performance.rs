//! Rep performance (销售人员绩效) on the wire: for a month or quarter and a
//! rep, a team or everyone the caller may see, per owner the deals won and
//! lost, win rate, average deal size and sales cycle, activities by kind,
//! new customers and how last period's commit held up; and the stage flow
//! (conversion to the next stage, time in stage).

use chrono::NaiveDate;
use crm_domain::forecast::PeriodKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PerformanceQuery {
    /// `quarter` (default) or `month`.
    pub period: Option<PeriodKind>,
    /// Any day of the period (default: today, UTC); years 1900–2200.
    #[param(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub date: Option<NaiveDate>,
    /// Only this rep's records.
    pub owner_id: Option<Uuid>,
    /// Only the records of this team and the teams below it.
    pub team_id: Option<Uuid>,
}

/// Activities of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KindCount {
    /// `call`, `visit`, `meeting`, `email` or `note`.
    pub kind: String,
    pub count: i64,
}

/// One owner's (or everyone's) figures for the period; money in minor
/// units of the base currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PerformanceFigures {
    /// Σ amount of the deals won in the period.
    pub won_revenue_minor: i64,
    pub deals_won: i64,
    /// Deals lost in the period.
    pub deals_lost: i64,
    /// won / (won + lost); absent when none was decided.
    pub win_rate: Option<f64>,
    /// won revenue / deals won.
    pub average_deal_minor: Option<i64>,
    /// Mean days from a won deal's first stage (entering the pipeline) to
    /// its win.
    pub average_cycle_days: Option<f64>,
    /// Activities logged in the period (tasks excluded).
    pub activities: i64,
    /// The same, by kind, most first.
    pub activities_by_kind: Vec<KindCount>,
    /// Customers created in the period.
    pub new_customers: i64,
    /// The previous period's commit as it stood when that period began
    /// (open deals expected in it, in a commit stage then, by stage
    /// history; today's amounts and close dates).
    pub last_commit_minor: i64,
    /// What was won in the previous period.
    pub last_won_minor: i64,
    /// 1 − |last won − last commit| / last commit, at least 0; absent
    /// without a commit.
    pub commit_accuracy: Option<f64>,
}

/// One owner's row, ranked by won revenue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RepPerformance {
    /// 1 for the most won revenue.
    pub rank: i64,
    /// `null`: records without an owner.
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub figures: PerformanceFigures,
}

/// The deals that entered a stage in the period and what became of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageConversion {
    pub pipeline_id: Uuid,
    pub pipeline_name: String,
    pub stage_id: Uuid,
    pub stage_name: String,
    pub position: i32,
    /// `open`, `won` or `lost`.
    pub kind: String,
    pub entered: i64,
    /// Left for a later open stage or a won one.
    pub advanced: i64,
    /// advanced / entered (open stages only).
    pub conversion: Option<f64>,
    /// Mean days in the stage of the deals that have left it.
    pub average_days_in_stage: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Performance {
    pub period: PeriodKind,
    /// `2026-Q4` or `2026-12`.
    pub label: String,
    pub starts_on: NaiveDate,
    /// The period's last day.
    pub ends_on: NaiveDate,
    /// The previous period, whose commit `commit_accuracy` measures.
    pub previous_label: String,
    /// The base currency every money figure is in.
    pub currency: String,
    pub total: PerformanceFigures,
    /// Per owner, most won revenue first.
    pub reps: Vec<RepPerformance>,
    /// Per pipeline stage, in pipeline order.
    pub stages: Vec<StageConversion>,
    /// Deals won or lost in the period in another currency, left out of the
    /// money figures (counted in deals won and lost).
    pub other_currency_deals: i64,
}
