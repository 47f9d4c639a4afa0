//! The sales forecast (销售预测) of a month or quarter for a rep, a team (and
//! the teams below it) or everything the caller may see: deals by forecast
//! category and stage-weighted, per owner, from the deals the caller may
//! read; and the statistical forecast of order revenue (Holt-Winters,
//! `crm_domain::forecast::series`) with its rolling-origin backtest, from
//! the orders the caller may read.
//!
//! [`read`] runs the two aggregate queries on the connection; [`compute`]
//! fits the model on the blocking pool after the connection went back.

use std::collections::BTreeMap;

use chrono::{Duration, Months, NaiveDate};
use crm_api_types::forecast::{
    Backtest, Forecast, ForecastFigures, ForecastQuery, RepForecast, RevenueForecast, RevenueMonth,
};
use crm_db::AnyConnection;
use crm_db::forecast::{CategoryTotal, MonthRevenue, Owners};
use crm_domain::access::{Action, ObjectType};
use crm_domain::forecast::series;
use crm_domain::forecast::{ForecastCategory, Period, PeriodKind, month_of, months_between};
use crm_domain::validation::sane_date;
use uuid::Uuid;

use crate::error::bad_param as bad;
use crate::{Actor, AppError};

/// Complete months of order history the model sees at most.
const HISTORY_MONTHS: u32 = 60;
/// Months shown before the current one.
const SHOWN_MONTHS: u32 = 24;
/// How far ahead a period may end.
const AHEAD_MONTHS: i32 = 12;
/// Months forecast from each backtest origin: a quarter.
const BACKTEST_HORIZON: usize = 3;

/// What the queries found, for [`compute`].
pub struct Request {
    period: Period,
    current_month: NaiveDate,
    currency: String,
    totals: Vec<CategoryTotal>,
    names: BTreeMap<Uuid, String>,
    revenue: Vec<MonthRevenue>,
    history_from: NaiveDate,
}

/// Whose deals and orders a query names: one owner, or a team's subtree.
pub fn owners(
    conn: &mut AnyConnection,
    ws: Uuid,
    owner_id: Option<Uuid>,
    team_id: Option<Uuid>,
) -> Result<Owners, AppError> {
    let team_ids = match team_id {
        None => None,
        Some(team) => {
            let all = crm_db::teams::list(conn, ws)?;
            if !all.iter().any(|t| t.id.0 == team) {
                return Err(bad("team_id", "no such team"));
            }
            Some(crm_db::teams::descendants(&all, &[team]))
        }
    };
    Ok(Owners { owner_id, team_ids })
}

/// Reads the deal sums of the period and the monthly order revenue.
pub fn read(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: &ForecastQuery,
    today: NaiveDate,
) -> Result<Request, AppError> {
    let day = q.date.unwrap_or(today);
    sane_date(day).map_err(|m| bad("date", &m))?;
    let period = Period::containing(q.period.unwrap_or(PeriodKind::Quarter), day);
    let current_month = month_of(today);
    let last = period.end - Duration::days(1);
    if months_between(current_month, last) >= AHEAD_MONTHS {
        return Err(bad("date", "the period must end within 12 months from now"));
    }
    let deals = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    let orders = actor.visibility_or_none(conn, ObjectType::Orders, Action::Read)?;
    let ws = actor.workspace_id;
    let owners = owners(conn, ws, q.owner_id, q.team_id)?;
    let currency = crm_db::metrics::settings(conn, ws)?.base_currency;
    let totals = crm_db::forecast::deal_totals(conn, &deals, &owners, (period.start, period.end))?;
    let ids: Vec<Uuid> = totals
        .iter()
        .filter_map(|t| t.owner_id.map(|o| o.0))
        .collect();
    let names = crm_db::users::names(conn, ws, &ids)?
        .into_iter()
        .map(|(id, name)| (id.0, name))
        .collect();
    let history_from = (current_month - Months::new(HISTORY_MONTHS)).min(period.start);
    let until = period.end.max(current_month + Months::new(1));
    let revenue = crm_db::forecast::monthly_revenue(
        conn,
        &orders,
        &owners,
        &currency,
        (history_from, until),
    )?;
    Ok(Request {
        period,
        current_month,
        currency,
        totals,
        names,
        revenue,
        history_from,
    })
}

fn add(f: &mut ForecastFigures, t: &CategoryTotal) {
    match ForecastCategory::parse(&t.category).unwrap_or(ForecastCategory::Pipeline) {
        ForecastCategory::Closed => {
            f.closed_won_minor += t.amount_minor;
            f.closed_won_deals += t.deals;
        }
        ForecastCategory::Commit => {
            f.commit_minor += t.amount_minor;
            f.commit_deals += t.deals;
        }
        ForecastCategory::BestCase => {
            f.best_case_minor += t.amount_minor;
            f.best_case_deals += t.deals;
        }
        ForecastCategory::Pipeline => {
            f.pipeline_minor += t.amount_minor;
            f.pipeline_deals += t.deals;
        }
        ForecastCategory::Omitted => return,
    }
    f.weighted_minor += t.weighted_minor;
}

/// The monthly series from the first month with revenue to the last
/// complete one, gaps as zero.
fn series_of(revenue: &BTreeMap<NaiveDate, i64>, from: NaiveDate, current: NaiveDate) -> Vec<f64> {
    let first = revenue
        .iter()
        .find(|(m, v)| **m >= from && **v != 0)
        .map(|(m, _)| *m);
    let Some(mut month) = first else {
        return Vec::new();
    };
    let mut y = Vec::new();
    while month < current {
        y.push(revenue.get(&month).copied().unwrap_or(0) as f64);
        month = month + Months::new(1);
    }
    y
}

/// Sums the figures per owner and fits the revenue model.
pub fn compute(r: Request) -> Forecast {
    let mut total = ForecastFigures::default();
    let mut reps: BTreeMap<Option<Uuid>, ForecastFigures> = BTreeMap::new();
    let mut other_currency_deals = 0;
    for t in &r.totals {
        if t.currency != r.currency {
            if t.category != ForecastCategory::Omitted.as_str() {
                other_currency_deals += t.deals;
            }
            continue;
        }
        add(&mut total, t);
        add(reps.entry(t.owner_id.map(|o| o.0)).or_default(), t);
    }
    let mut reps: Vec<RepForecast> = reps
        .into_iter()
        .map(|(owner_id, figures)| RepForecast {
            owner_id,
            owner_name: owner_id.and_then(|o| r.names.get(&o).cloned()),
            figures,
        })
        .collect();
    reps.sort_by(|a, b| {
        (b.figures.closed_won_minor, b.figures.commit_minor)
            .cmp(&(a.figures.closed_won_minor, a.figures.commit_minor))
    });
    Forecast {
        period: r.period.kind,
        label: r.period.label(),
        starts_on: r.period.start,
        ends_on: r.period.end - Duration::days(1),
        currency: r.currency.clone(),
        total,
        reps,
        other_currency_deals,
        revenue: revenue(&r),
    }
}

fn revenue(r: &Request) -> RevenueForecast {
    let booked: BTreeMap<NaiveDate, i64> = r
        .revenue
        .iter()
        .filter_map(|m| {
            NaiveDate::parse_from_str(&format!("{}-01", m.month), "%Y-%m-%d")
                .ok()
                .map(|d| (d, m.revenue_minor))
        })
        .collect();
    let y = series_of(&booked, r.history_from, r.current_month);
    let fitted = series::fit(&y);
    let ahead = months_between(r.current_month, r.period.end - Duration::days(1)) + 1;
    let forecast = fitted
        .as_ref()
        .map(|f| f.forecast(usize::try_from(ahead.max(0)).unwrap_or(0)));
    let predicted = |month: NaiveDate| -> Option<i64> {
        let h = usize::try_from(months_between(r.current_month, month)).ok()?;
        forecast.as_ref()?.get(h).map(|v| v.round() as i64)
    };
    let mut months = Vec::new();
    let mut month = r.current_month - Months::new(SHOWN_MONTHS);
    let last = month_of(r.period.end - Duration::days(1)).max(r.current_month);
    while month <= last {
        let complete = month < r.current_month;
        months.push(RevenueMonth {
            month: month.format("%Y-%m").to_string(),
            actual_minor: (month <= r.current_month)
                .then(|| booked.get(&month).copied().unwrap_or(0)),
            forecast_minor: if complete { None } else { predicted(month) },
        });
        month = month + Months::new(1);
    }
    let in_period = r.period.months();
    let actual_to_date_minor = in_period
        .iter()
        .map(|m| booked.get(m).copied().unwrap_or(0))
        .sum();
    let expected_minor = fitted.as_ref().map(|_| {
        in_period
            .iter()
            .map(|m| {
                if *m < r.current_month {
                    booked.get(m).copied().unwrap_or(0)
                } else {
                    predicted(*m).unwrap_or(0)
                }
            })
            .sum()
    });
    let backtest = series::backtest(&y, BACKTEST_HORIZON).map(|b| Backtest {
        origins: b.origins as i64,
        horizon: b.horizon as i64,
        mase: b.mase,
        mase_seasonal_naive: b.mase_seasonal_naive,
        improvement: b.improvement(),
    });
    RevenueForecast {
        method: "holt_winters".to_owned(),
        actual_to_date_minor,
        expected_minor,
        months,
        backtest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).expect("date")
    }

    fn total(owner: u128, currency: &str, category: &str, amount: i64, p: i64) -> CategoryTotal {
        CategoryTotal {
            owner_id: Some(crm_db::types::Id(Uuid::from_u128(owner))),
            currency: currency.into(),
            category: category.into(),
            deals: 1,
            amount_minor: amount,
            weighted_minor: amount * p / 100,
        }
    }

    fn request(totals: Vec<CategoryTotal>, revenue: Vec<(NaiveDate, i64)>) -> Request {
        Request {
            period: Period::containing(PeriodKind::Quarter, d(2026, 12)),
            current_month: d(2026, 12),
            currency: "CNY".into(),
            totals,
            names: BTreeMap::new(),
            revenue: revenue
                .into_iter()
                .map(|(m, v)| MonthRevenue {
                    month: m.format("%Y-%m").to_string(),
                    revenue_minor: v,
                })
                .collect(),
            history_from: d(2021, 12),
        }
    }

    #[test]
    fn categories_add_up_per_rep_and_omitted_and_foreign_deals_stay_out() {
        let f = compute(request(
            vec![
                total(1, "CNY", "closed", 1_000, 100),
                total(1, "CNY", "commit", 500, 80),
                total(2, "CNY", "best_case", 300, 50),
                total(2, "CNY", "pipeline", 200, 10),
                total(2, "CNY", "omitted", 9_000, 50),
                total(2, "USD", "commit", 7_000, 80),
            ],
            vec![],
        ));
        assert_eq!(f.total.closed_won_minor, 1_000);
        assert_eq!(f.total.commit_minor, 500);
        assert_eq!(f.total.best_case_minor, 300);
        assert_eq!(f.total.pipeline_minor, 200);
        assert_eq!(f.total.weighted_minor, 1_000 + 400 + 150 + 20);
        assert_eq!(f.other_currency_deals, 1);
        assert_eq!(f.reps.len(), 2);
        assert_eq!(
            f.reps[0].owner_id,
            Some(Uuid::from_u128(1)),
            "most won first"
        );
        assert_eq!(f.label, "2026-Q4");
        assert_eq!(
            f.ends_on,
            NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")
        );
    }

    #[test]
    fn revenue_expected_is_booked_months_plus_the_forecast_of_the_rest() {
        // Three years of a steady 100 a month, plus 10 in December so far.
        let mut revenue: Vec<(NaiveDate, i64)> = (0..36)
            .map(|i| (d(2023, 12) + Months::new(i), 100))
            .collect();
        revenue.push((d(2026, 12), 10));
        let f = compute(request(vec![], revenue));
        let r = f.revenue;
        assert_eq!(r.actual_to_date_minor, 210);
        let expected = r.expected_minor.expect("three years fit");
        assert!((290..=310).contains(&expected), "{expected}");
        let last = r.months.last().expect("months");
        assert_eq!(last.month, "2026-12");
        assert_eq!(last.actual_minor, Some(10));
        assert!(last.forecast_minor.is_some());
        assert_eq!(r.months.len(), 25);
        assert!(r.months[..24].iter().all(|m| m.forecast_minor.is_none()));
    }

    #[test]
    fn a_short_history_has_no_statistical_forecast() {
        let revenue = (0..10)
            .map(|i| (d(2026, 2) + Months::new(i), 100))
            .collect();
        let r = compute(request(vec![], revenue)).revenue;
        assert_eq!(r.expected_minor, None);
        assert_eq!(r.backtest, None);
        assert_eq!(r.actual_to_date_minor, 200);
    }
}
