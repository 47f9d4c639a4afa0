//! Rep performance (销售人员绩效) of a month or quarter for a rep, a team
//! (and the teams below it) or everyone the caller may see: per owner the
//! deals won and lost with win rate, average deal size and sales cycle,
//! activities by kind, new customers and the accuracy of the previous
//! period's commit; and per stage the conversion to the next one and the
//! time spent in it. Each figure comes from the records the caller may read
//! of its object (deals, activities, customers).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use crm_api_types::performance::{
    KindCount, Performance, PerformanceFigures, PerformanceQuery, RepPerformance, StageConversion,
};
use crm_db::AnyConnection;
use crm_db::performance::{Committed, Outcome, OwnerCount, StageFlow};
use crm_domain::access::{Action, ObjectType};
use crm_domain::forecast::{Period, PeriodKind, month_of, months_between};
use crm_domain::performance::{average, commit_accuracy, win_rate};
use crm_domain::validation::sane_date;
use uuid::Uuid;

use crate::error::bad_param as bad;
use crate::{Actor, AppError};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// What the queries found.
struct Found {
    period: Period,
    currency: String,
    outcomes: Vec<Outcome>,
    last_outcomes: Vec<Outcome>,
    committed: Vec<Committed>,
    activities: Vec<OwnerCount>,
    customers: Vec<OwnerCount>,
    stages: Vec<StageFlow>,
    names: BTreeMap<Uuid, String>,
}

/// The performance report of the period holding `q.date` (default today).
pub fn report(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: &PerformanceQuery,
    today: NaiveDate,
) -> Result<Performance, AppError> {
    let day = q.date.unwrap_or(today);
    sane_date(day).map_err(|m| bad("date", &m))?;
    let period = Period::containing(q.period.unwrap_or(PeriodKind::Quarter), day);
    if months_between(month_of(today), period.start) > 0 {
        return Err(bad("date", "the period must have begun"));
    }
    let ws = actor.workspace_id;
    let deals = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    let activities = actor.visibility_or_none(conn, ObjectType::Activities, Action::Read)?;
    let customers = actor.visibility_or_none(conn, ObjectType::Customers, Action::Read)?;
    let owners = crate::forecast::owners(conn, ws, q.owner_id, q.team_id)?;
    let span = (period.start, period.end);
    let last = period.previous();
    let last_span = (last.start, last.end);
    let mut found = Found {
        period,
        currency: crm_db::metrics::settings(conn, ws)?.base_currency,
        outcomes: crm_db::performance::outcomes(conn, &deals, &owners, span)?,
        last_outcomes: crm_db::performance::outcomes(conn, &deals, &owners, last_span)?,
        committed: crm_db::performance::committed_at_start(conn, &deals, &owners, last_span)?,
        activities: crm_db::performance::activities(conn, &activities, &owners, span)?,
        customers: crm_db::performance::new_customers(conn, &customers, &owners, span)?,
        stages: crm_db::performance::stage_flow(conn, &deals, &owners, span)?,
        names: BTreeMap::new(),
    };
    let ids: Vec<Uuid> = found.owner_ids().into_iter().flatten().collect();
    found.names = crm_db::users::names(conn, ws, &ids)?
        .into_iter()
        .map(|(id, name)| (id.0, name))
        .collect();
    Ok(compute(found))
}

impl Found {
    fn owner_ids(&self) -> Vec<Option<Uuid>> {
        let mut ids: Vec<Option<Uuid>> = self
            .outcomes
            .iter()
            .map(|o| o.owner_id)
            .chain(self.last_outcomes.iter().map(|o| o.owner_id))
            .chain(self.committed.iter().map(|c| c.owner_id))
            .chain(self.activities.iter().map(|a| a.owner_id))
            .chain(self.customers.iter().map(|c| c.owner_id))
            .map(|id| id.map(|i| i.0))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Running sums of one owner before the ratios are taken.
#[derive(Default)]
struct Sums {
    figures: PerformanceFigures,
    cycle_seconds: i64,
    kinds: BTreeMap<String, i64>,
}

impl Sums {
    fn finish(mut self) -> PerformanceFigures {
        let f = &mut self.figures;
        f.win_rate = win_rate(f.deals_won, f.deals_lost);
        f.average_deal_minor =
            average(f.won_revenue_minor as f64, f.deals_won).map(|v| v.round() as i64);
        f.average_cycle_days = average(self.cycle_seconds as f64 / SECONDS_PER_DAY, f.deals_won)
            .map(|d| (d * 10.0).round() / 10.0);
        f.commit_accuracy = commit_accuracy(f.last_commit_minor, f.last_won_minor);
        let mut kinds: Vec<KindCount> = self
            .kinds
            .into_iter()
            .map(|(kind, count)| KindCount { kind, count })
            .collect();
        kinds.sort_by(|a, b| b.count.cmp(&a.count).then(a.kind.cmp(&b.kind)));
        f.activities_by_kind = kinds;
        self.figures
    }
}

fn compute(found: Found) -> Performance {
    let mut total = Sums::default();
    let mut reps: BTreeMap<Option<Uuid>, Sums> = BTreeMap::new();
    let mut other_currency_deals = 0;
    let key = |id: Option<crm_db::types::Id>| id.map(|i| i.0);
    for o in &found.outcomes {
        let same = o.currency == found.currency;
        other_currency_deals += i64::from(!same) * o.deals;
        for s in [&mut total, reps.entry(key(o.owner_id)).or_default()] {
            if o.kind == "won" {
                s.figures.deals_won += o.deals;
                if same {
                    s.figures.won_revenue_minor += o.amount_minor;
                }
                s.cycle_seconds += o.cycle_seconds;
            } else {
                s.figures.deals_lost += o.deals;
            }
        }
    }
    for o in found.last_outcomes.iter().filter(|o| o.kind == "won") {
        if o.currency == found.currency {
            for s in [&mut total, reps.entry(key(o.owner_id)).or_default()] {
                s.figures.last_won_minor += o.amount_minor;
            }
        }
    }
    for c in found
        .committed
        .iter()
        .filter(|c| c.currency == found.currency)
    {
        for s in [&mut total, reps.entry(key(c.owner_id)).or_default()] {
            s.figures.last_commit_minor += c.amount_minor;
        }
    }
    for a in &found.activities {
        for s in [&mut total, reps.entry(key(a.owner_id)).or_default()] {
            s.figures.activities += a.count;
            *s.kinds.entry(a.kind.clone()).or_default() += a.count;
        }
    }
    for c in &found.customers {
        for s in [&mut total, reps.entry(key(c.owner_id)).or_default()] {
            s.figures.new_customers += c.count;
        }
    }
    let mut reps: Vec<RepPerformance> = reps
        .into_iter()
        .map(|(owner_id, sums)| RepPerformance {
            rank: 0,
            owner_id,
            owner_name: owner_id.and_then(|o| found.names.get(&o).cloned()),
            figures: sums.finish(),
        })
        .collect();
    reps.sort_by(|a, b| {
        (b.figures.won_revenue_minor, b.figures.deals_won)
            .cmp(&(a.figures.won_revenue_minor, a.figures.deals_won))
            .then(a.owner_name.cmp(&b.owner_name))
    });
    for (i, r) in reps.iter_mut().enumerate() {
        r.rank = i as i64 + 1;
    }
    let period = found.period;
    Performance {
        period: period.kind,
        label: period.label(),
        starts_on: period.start,
        ends_on: period.end - Duration::days(1),
        previous_label: period.previous().label(),
        currency: found.currency,
        total: total.finish(),
        reps,
        stages: found.stages.into_iter().map(conversion).collect(),
        other_currency_deals,
    }
}

fn conversion(s: StageFlow) -> StageConversion {
    let open = s.kind == "open";
    StageConversion {
        pipeline_id: s.pipeline_id.0,
        pipeline_name: s.pipeline_name,
        stage_id: s.stage_id.0,
        stage_name: s.stage_name,
        position: s.position,
        conversion: if open && s.entered > 0 {
            Some(s.advanced as f64 / s.entered as f64)
        } else {
            None
        },
        average_days_in_stage: average(s.seconds_in_stage as f64 / SECONDS_PER_DAY, s.exited)
            .map(|d| (d * 10.0).round() / 10.0),
        kind: s.kind,
        entered: s.entered,
        advanced: s.advanced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_db::types::Id;

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).expect("date")
    }

    fn outcome(
        owner: u128,
        kind: &str,
        currency: &str,
        deals: i64,
        amount: i64,
        days: i64,
    ) -> Outcome {
        Outcome {
            owner_id: Some(Id(Uuid::from_u128(owner))),
            kind: kind.into(),
            currency: currency.into(),
            deals,
            amount_minor: amount,
            cycle_seconds: days * 86_400,
        }
    }

    fn count(owner: u128, kind: &str, count: i64) -> OwnerCount {
        OwnerCount {
            owner_id: Some(Id(Uuid::from_u128(owner))),
            kind: kind.into(),
            count,
        }
    }

    fn found() -> Found {
        Found {
            period: Period::containing(PeriodKind::Quarter, d(2026, 11)),
            currency: "CNY".into(),
            outcomes: vec![
                outcome(1, "won", "CNY", 2, 3_000, 50),
                outcome(1, "lost", "CNY", 2, 9_000, 0),
                outcome(2, "won", "CNY", 1, 5_000, 10),
                outcome(2, "won", "USD", 1, 7_000, 20),
            ],
            last_outcomes: vec![outcome(1, "won", "CNY", 1, 800, 5)],
            committed: vec![Committed {
                owner_id: Some(Id(Uuid::from_u128(1))),
                currency: "CNY".into(),
                amount_minor: 1_000,
            }],
            activities: vec![
                count(1, "call", 3),
                count(1, "visit", 5),
                count(2, "call", 1),
            ],
            customers: vec![count(2, "", 4)],
            stages: vec![],
            names: BTreeMap::new(),
        }
    }

    #[test]
    fn figures_per_rep_ranked_by_won_revenue_with_ratios() {
        let p = compute(found());
        assert_eq!(p.label, "2026-Q4");
        assert_eq!(p.previous_label, "2026-Q3");
        let [first, second] = &p.reps[..] else {
            panic!("two reps: {:?}", p.reps);
        };
        assert_eq!((first.rank, first.owner_id), (1, Some(Uuid::from_u128(2))));
        assert_eq!(first.figures.won_revenue_minor, 5_000);
        assert_eq!(first.figures.deals_won, 2, "the USD deal counts as won");
        assert_eq!(first.figures.new_customers, 4);
        assert_eq!(first.figures.average_cycle_days, Some(15.0));
        let f = &second.figures;
        assert_eq!(second.rank, 2);
        assert_eq!(f.win_rate, Some(0.5));
        assert_eq!(f.average_deal_minor, Some(1_500));
        assert_eq!(f.average_cycle_days, Some(25.0));
        assert_eq!(f.activities, 8);
        assert_eq!(f.activities_by_kind[0].kind, "visit");
        assert_eq!(f.commit_accuracy, Some(0.8));
        assert_eq!(p.total.won_revenue_minor, 8_000);
        assert_eq!(p.total.deals_won, 4);
        assert_eq!(p.total.activities, 9);
        assert_eq!(p.other_currency_deals, 1);
    }

    #[test]
    fn conversion_only_for_open_stages() {
        let flow = |kind: &str| StageFlow {
            pipeline_id: Id(Uuid::from_u128(9)),
            pipeline_name: "p".into(),
            stage_id: Id(Uuid::from_u128(8)),
            stage_name: "s".into(),
            position: 1,
            kind: kind.into(),
            entered: 4,
            advanced: 3,
            exited: 2,
            seconds_in_stage: 3 * 86_400,
        };
        let open = conversion(flow("open"));
        assert_eq!(open.conversion, Some(0.75));
        assert_eq!(open.average_days_in_stage, Some(1.5));
        assert_eq!(conversion(flow("won")).conversion, None);
    }
}
