//! Demo quotas, so 预算达成 has figures at `make run`: for this quarter and
//! the one before, every rep gets an order-revenue target 10 % above what
//! they booked in the quarter before it, ten logged activities and two
//! deals won; every team the sum of its reps' revenue targets.

use chrono::NaiveDate;
use crm_db::AnyConnection;
use crm_db::forecast::Owners;
use crm_db::quotas::QuotaRow;
use crm_db::types::Id;
use crm_domain::forecast::{Period, PeriodKind, QuotaMetric};
use uuid::Uuid;

/// Writes the quotas; returns how many.
pub fn seed(
    conn: &mut AnyConnection,
    ws: Uuid,
    admin: Uuid,
    reps: &[(Uuid, Option<Uuid>)],
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let currency = crm_db::metrics::settings(conn, ws)?.base_currency;
    let this = Period::containing(PeriodKind::Quarter, today);
    let mut written = 0;
    for period in [this.previous(), this] {
        let before = period.previous();
        let mut teams: Vec<(Uuid, i64)> = Vec::new();
        for &(rep, team) in reps {
            let owners = Owners {
                owner_id: Some(rep),
                team_ids: None,
            };
            let booked = crm_db::quotas::actual(
                conn,
                ws,
                QuotaMetric::OrderRevenue.as_str(),
                &owners,
                &currency,
                (before.start, before.end),
            )?;
            // Whole hundreds of yuan.
            let revenue = (booked as f64 * 1.1 / 10_000.0).round() as i64 * 10_000;
            for (metric, target) in [
                (QuotaMetric::OrderRevenue, revenue),
                (QuotaMetric::Activities, 10),
                (QuotaMetric::DealsWon, 2),
            ] {
                written += write(conn, ws, admin, (Some(rep), None), metric, period, target)?;
            }
            if let Some(team) = team {
                match teams.iter_mut().find(|(t, _)| *t == team) {
                    Some((_, sum)) => *sum += revenue,
                    None => teams.push((team, revenue)),
                }
            }
        }
        for (team, target) in teams {
            written += write(
                conn,
                ws,
                admin,
                (None, Some(team)),
                QuotaMetric::OrderRevenue,
                period,
                target,
            )?;
        }
    }
    Ok(written)
}

fn write(
    conn: &mut AnyConnection,
    ws: Uuid,
    admin: Uuid,
    (user, team): (Option<Uuid>, Option<Uuid>),
    metric: QuotaMetric,
    period: Period,
    target: i64,
) -> anyhow::Result<usize> {
    let at = crm_db::time::now();
    crm_db::quotas::set(
        conn,
        &QuotaRow {
            workspace_id: Id(ws),
            id: Id::new(),
            user_id: user.map(Id),
            team_id: team.map(Id),
            metric: metric.as_str().to_owned(),
            period: period.kind.as_str().to_owned(),
            starts_on: period.start,
            target,
            created_by: Some(Id(admin)),
            created_at: at,
            updated_at: at,
        },
    )?;
    Ok(1)
}
