//! The vocabulary of the sales forecast (销售预测): forecast categories
//! (Salesforce's and HubSpot's closed / commit / best case / pipeline /
//! omitted) with the default a stage takes from its kind and probability,
//! and the month or quarter a forecast covers. The statistical forecast of
//! order revenue (Holt-Winters with its backtest) is in [`series`].

use chrono::{Datelike, Months, NaiveDate};

use crate::sales::StageKind;
use crate::string_enum;

pub mod series;

string_enum! {
    /// How a deal counts in the forecast. A stage carries one (set in the
    /// pipeline editor); a rep may override it on an open deal.
    ForecastCategory {
        /// Early: counted in the pipeline only.
        Pipeline = "pipeline",
        /// Might close this period if things go well.
        BestCase = "best_case",
        /// The rep commits to closing it this period.
        Commit = "commit",
        /// Won.
        Closed = "closed",
        /// Lost, or left out of the forecast.
        Omitted = "omitted",
    }
}

impl ForecastCategory {
    /// A stage's category when none was chosen: won is closed, lost is
    /// omitted, an open stage commits from 70 %, is best case from 40 %.
    pub fn default_for(kind: StageKind, probability: i32) -> Self {
        match kind {
            StageKind::Won => Self::Closed,
            StageKind::Lost => Self::Omitted,
            StageKind::Open if probability >= 70 => Self::Commit,
            StageKind::Open if probability >= 40 => Self::BestCase,
            StageKind::Open => Self::Pipeline,
        }
    }

    /// Whether a stage of `kind` may carry this category: `closed` is for
    /// won stages only, and a won or lost stage takes nothing else.
    pub fn fits(self, kind: StageKind) -> bool {
        match kind {
            StageKind::Won => self == Self::Closed,
            StageKind::Lost => self == Self::Omitted,
            StageKind::Open => self != Self::Closed,
        }
    }
}

string_enum! {
    /// The categories a rep may put an open deal in, overriding its stage's
    /// (`closed` comes only from a won stage).
    ForecastOverride {
        Pipeline = "pipeline",
        BestCase = "best_case",
        Commit = "commit",
        Omitted = "omitted",
    }
}

impl ForecastOverride {
    pub fn category(self) -> ForecastCategory {
        match self {
            Self::Pipeline => ForecastCategory::Pipeline,
            Self::BestCase => ForecastCategory::BestCase,
            Self::Commit => ForecastCategory::Commit,
            Self::Omitted => ForecastCategory::Omitted,
        }
    }
}

string_enum! {
    /// What a quota (预算) counts over its period.
    QuotaMetric {
        /// Amount of deals won (base currency, minor units).
        WonRevenue = "won_revenue",
        /// Revenue of orders (base currency, minor units).
        OrderRevenue = "order_revenue",
        /// Customers created.
        NewCustomers = "new_customers",
        /// Deals won.
        DealsWon = "deals_won",
        /// Calls, visits, meetings, e-mails and notes logged (tasks not).
        Activities = "activities",
    }
}

impl QuotaMetric {
    /// Whether the target and actual are money (minor units of the base currency).
    pub fn is_money(self) -> bool {
        matches!(self, Self::WonRevenue | Self::OrderRevenue)
    }
}

/// Where a quota stands: actual over target, and the share of the target
/// that the elapsed part of the period calls for (the pace).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attainment {
    /// actual / target; `None` for a zero target.
    pub ratio: Option<f64>,
    /// What the target calls for by today: target × elapsed share.
    pub expected_to_date: i64,
    pub on_pace: bool,
}

impl Attainment {
    pub fn of(actual: i64, target: i64, elapsed: f64) -> Self {
        let expected_to_date = (target as f64 * elapsed).round() as i64;
        Self {
            ratio: (target > 0).then(|| actual as f64 / target as f64),
            expected_to_date,
            on_pace: actual >= expected_to_date,
        }
    }
}

string_enum! {
    /// The length of a forecast or quota period.
    PeriodKind {
        Month = "month",
        Quarter = "quarter",
    }
}

/// One calendar month or quarter: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// The month or quarter holding `day`.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Self {
        let month0 = match kind {
            PeriodKind::Month => day.month0(),
            PeriodKind::Quarter => day.month0() / 3 * 3,
        };
        let start = NaiveDate::from_ymd_opt(day.year(), month0 + 1, 1).unwrap_or(day);
        let end = start + Months::new(kind.months());
        Self { kind, start, end }
    }

    /// The period just before this one.
    pub fn previous(self) -> Self {
        Self::containing(self.kind, self.start.pred_opt().unwrap_or(self.start))
    }

    /// The months of the period, by their first day.
    pub fn months(self) -> Vec<NaiveDate> {
        (0..self.kind.months())
            .map(|i| self.start + Months::new(i))
            .collect()
    }

    /// How far through the period `today` is, 0 to 1 (the pace a quota
    /// should be at): days elapsed, today included, over the period's days.
    pub fn elapsed(self, today: NaiveDate) -> f64 {
        let total = (self.end - self.start).num_days() as f64;
        let done = (today.min(self.end - chrono::Duration::days(1)) - self.start).num_days() + 1;
        (done.max(0) as f64 / total).clamp(0.0, 1.0)
    }

    /// `2026-12` or `2026-Q4`.
    pub fn label(self) -> String {
        match self.kind {
            PeriodKind::Month => self.start.format("%Y-%m").to_string(),
            PeriodKind::Quarter => {
                format!("{}-Q{}", self.start.year(), self.start.month0() / 3 + 1)
            }
        }
    }
}

impl PeriodKind {
    pub fn months(self) -> u32 {
        match self {
            Self::Month => 1,
            Self::Quarter => 3,
        }
    }
}

/// The first day of the month holding `day`.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Whole months from `from`'s month to `to`'s (negative when `to` is earlier).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn stage_defaults_follow_kind_and_probability() {
        use ForecastCategory::*;
        assert_eq!(ForecastCategory::default_for(StageKind::Won, 100), Closed);
        assert_eq!(ForecastCategory::default_for(StageKind::Lost, 0), Omitted);
        assert_eq!(ForecastCategory::default_for(StageKind::Open, 75), Commit);
        assert_eq!(ForecastCategory::default_for(StageKind::Open, 70), Commit);
        assert_eq!(ForecastCategory::default_for(StageKind::Open, 50), BestCase);
        assert_eq!(ForecastCategory::default_for(StageKind::Open, 25), Pipeline);
    }

    #[test]
    fn closed_and_omitted_belong_to_closing_stages() {
        use ForecastCategory::*;
        assert!(Closed.fits(StageKind::Won));
        assert!(!Commit.fits(StageKind::Won));
        assert!(Omitted.fits(StageKind::Lost));
        assert!(!Pipeline.fits(StageKind::Lost));
        assert!(!Closed.fits(StageKind::Open));
        assert!(Omitted.fits(StageKind::Open));
        assert!(Commit.fits(StageKind::Open));
    }

    #[test]
    fn periods_are_calendar_months_and_quarters() {
        let q = Period::containing(PeriodKind::Quarter, d(2026, 12, 3));
        assert_eq!((q.start, q.end), (d(2026, 10, 1), d(2027, 1, 1)));
        assert_eq!(q.label(), "2026-Q4");
        assert_eq!(q.previous().start, d(2026, 7, 1));
        assert_eq!(
            q.months(),
            vec![d(2026, 10, 1), d(2026, 11, 1), d(2026, 12, 1)]
        );
        let m = Period::containing(PeriodKind::Month, d(2026, 2, 28));
        assert_eq!((m.start, m.end), (d(2026, 2, 1), d(2026, 3, 1)));
        assert_eq!(m.label(), "2026-02");
        assert_eq!(m.previous().label(), "2026-01");
    }

    #[test]
    fn pace_counts_today_as_elapsed() {
        let m = Period::containing(PeriodKind::Month, d(2026, 4, 1));
        assert!((m.elapsed(d(2026, 4, 1)) - 1.0 / 30.0).abs() < 1e-9);
        assert!((m.elapsed(d(2026, 4, 15)) - 0.5).abs() < 1e-9);
        assert_eq!(m.elapsed(d(2026, 5, 20)), 1.0);
        assert_eq!(m.elapsed(d(2026, 3, 20)), 0.0);
    }

    #[test]
    fn attainment_is_actual_over_target_with_the_pace_of_the_period() {
        let a = Attainment::of(40, 100, 0.5);
        assert_eq!(a.ratio, Some(0.4));
        assert_eq!(a.expected_to_date, 50);
        assert!(!a.on_pace);
        assert!(Attainment::of(50, 100, 0.5).on_pace);
        assert_eq!(Attainment::of(3, 0, 0.9).ratio, None);
        assert!(Attainment::of(0, 0, 1.0).on_pace);
    }

    #[test]
    fn months_between_counts_calendar_months() {
        assert_eq!(months_between(d(2025, 11, 30), d(2026, 1, 1)), 2);
        assert_eq!(months_between(d(2026, 1, 1), d(2025, 12, 31)), -1);
        assert_eq!(month_of(d(2026, 12, 3)), d(2026, 12, 1));
    }
}
