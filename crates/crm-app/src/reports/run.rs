//! Running a report as its viewer: the definition checked, the object's
//! read visibility applied (a role that may not read the object sees an
//! empty report rather than an error, so a shared report or a dashboard
//! never fails for it), dates bucketed in the workspace's time zone (its
//! service calendar's), keys labelled, groups ordered and capped, each
//! statement stopped at the time limit (refused naming the period).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use crm_api_types::reports::{ReportData, ReportRow};
use crm_db::reports::run::{Cell, Context, MAX_CELLS};
use crm_db::{AnyConnection, DbError};
use crm_domain::access::{Action, ObjectType};
use crm_domain::reports::{
    Aggregate, ChartKind, DateGrain, MAX_GROUPS, ReportFieldKind, ReportObject, ReportPeriod,
    ReportSpec, bucket_label, field,
};

use crate::views::utc;
use crate::{Actor, AppError};
use crm_db::time::now;

/// The object type whose read grant a report object needs.
pub fn object_type(object: ReportObject) -> ObjectType {
    match object {
        ReportObject::Customers => ObjectType::Customers,
        ReportObject::Contacts => ObjectType::Contacts,
        ReportObject::Leads => ObjectType::Leads,
        ReportObject::Deals => ObjectType::Deals,
        ReportObject::Activities => ObjectType::Activities,
        ReportObject::Orders | ReportObject::OrderLines => ObjectType::Orders,
        ReportObject::Tickets => ObjectType::Tickets,
        ReportObject::Products => ObjectType::Products,
    }
}

/// Runs a definition over the records the actor may read.
pub fn run(
    conn: &mut AnyConnection,
    actor: &Actor,
    spec: ReportSpec,
) -> Result<ReportData, AppError> {
    let mut errors = match spec.check() {
        Ok(()) => crm_domain::FieldErrors::new(),
        Err(bad) => bad,
    };
    crate::reports::check_custom_fields(conn, actor.workspace_id, &spec, "", &mut errors)?;
    errors.into_result().map_err(AppError::Validation)?;
    run_checked(conn, actor, spec)
}

/// The spec with its period's days fixed for `today` (a relative period
/// resolved), and those days.
fn fixed(spec: &ReportSpec, today: NaiveDate) -> (ReportSpec, Option<(NaiveDate, NaiveDate)>) {
    let Some(period) = &spec.period else {
        return (spec.clone(), None);
    };
    let (from, to) = period.days(today);
    let fixed = ReportSpec {
        period: Some(ReportPeriod {
            from,
            to,
            relative: None,
            ..period.clone()
        }),
        ..spec.clone()
    };
    (fixed, from.zip(to))
}

/// How long one report statement may run, in milliseconds.
static TIME_LIMIT_MS: AtomicU64 = AtomicU64::new(30_000);

/// Sets how long one report statement may run (`crm serve` reads it from
/// `CRM_REPORT_TIME_LIMIT_SECONDS`); at least a millisecond.
pub fn set_time_limit(limit: Duration) {
    let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX).max(1);
    TIME_LIMIT_MS.store(ms, Ordering::Relaxed);
}

/// How long one report statement may run.
pub fn time_limit() -> Duration {
    Duration::from_millis(TIME_LIMIT_MS.load(Ordering::Relaxed))
}

/// A run stopped by the time limit is refused naming the period: a
/// shorter one, or more conditions, is what makes it fit.
fn stopped(err: DbError, limit: Duration) -> AppError {
    match err {
        DbError::TimedOut => {
            let mut errors = crm_domain::FieldErrors::new();
            errors.add(
                "period",
                format!(
                    "the report ran past its time limit of {} s: choose a shorter period or add conditions",
                    limit.as_secs_f64()
                ),
            );
            AppError::Validation(errors)
        }
        other => other.into(),
    }
}

/// Runs a definition already checked (or built from a checked one, as a
/// dashboard does with its filters).
pub fn run_checked(
    conn: &mut AnyConnection,
    actor: &Actor,
    spec: ReportSpec,
) -> Result<ReportData, AppError> {
    run_within(conn, actor, spec, time_limit())
}

/// [`run_checked`] with each statement stopped after `limit`.
pub fn run_within(
    conn: &mut AnyConnection,
    actor: &Actor,
    spec: ReportSpec,
    limit: Duration,
) -> Result<ReportData, AppError> {
    let ws = actor.workspace_id;
    let vis = actor.visibility_or_none(conn, object_type(spec.object), Action::Read)?;
    let currency = crm_db::metrics::settings(conn, ws)?.base_currency;
    let (settings, _) = crate::tickets::settings::load(conn, ws)?;
    let at = now();
    let offset = settings.calendar.utc_offset_minutes(at);
    let ctx = Context {
        vis: &vis,
        currency: &currency,
        utc_offset_minutes: offset,
        time_limit: limit,
    };
    let cells_of = |conn: &mut AnyConnection, spec: &ReportSpec| {
        crm_db::reports::run::cells(conn, &ctx, spec).map_err(|e| stopped(e, limit))
    };
    let today = (at + chrono::Duration::minutes(i64::from(offset))).date();
    let (resolved, days) = fixed(&spec, today);
    let previous = match (spec.chart, days) {
        (ChartKind::Number, Some((from, to))) => {
            let (from, to) = crm_domain::reports::period::previous(from, to);
            let before = ReportSpec {
                group_by: Vec::new(),
                period: resolved.period.clone().map(|p| ReportPeriod {
                    from: Some(from),
                    to: Some(to),
                    ..p
                }),
                ..resolved.clone()
            };
            let cells = cells_of(conn, &before)?;
            Some(cells.first().and_then(|c| c.value).unwrap_or(0.0))
        }
        _ => None,
    };
    let cells = cells_of(conn, &resolved)?;
    let capped = cells.len() as i64 >= MAX_CELLS;
    let additive = matches!(spec.measure.aggregate, Aggregate::Count | Aggregate::Sum);
    // A customer with several tags is in several groups: the whole is run
    // on its own, not summed.
    let by_tag = spec.group_by.iter().any(|g| g.field == "tag");
    let (total, records) = if spec.group_by.is_empty() || (additive && !capped && !by_tag) {
        (
            additive
                .then(|| cells.iter().filter_map(|c| c.value).fold(0.0, |a, b| a + b))
                .or_else(|| cells.first().and_then(|c| c.value)),
            cells.iter().map(|c| c.records).sum(),
        )
    } else {
        let whole = ReportSpec {
            group_by: Vec::new(),
            ..resolved.clone()
        };
        let all = cells_of(conn, &whole)?;
        (
            all.first().and_then(|c| c.value),
            all.first().map_or(0, |c| c.records),
        )
    };
    let kinds: Vec<ReportFieldKind> = spec
        .group_by
        .iter()
        .map(|g| field(spec.object, &g.field).map_or(ReportFieldKind::Text, |f| f.kind))
        .collect();
    let names = labels(conn, ws, &kinds, &cells)?;
    let grains: Vec<Option<DateGrain>> = spec
        .group_by
        .iter()
        .zip(&kinds)
        .map(|(g, k)| (*k == ReportFieldKind::Date).then(|| g.grain.unwrap_or(DateGrain::Month)))
        .collect();
    let rows: Vec<ReportRow> = cells
        .into_iter()
        .map(|c| {
            let keys: Vec<Option<String>> =
                [c.key1, c.key2].into_iter().take(kinds.len()).collect();
            let labels = keys
                .iter()
                .enumerate()
                .map(|(i, key)| label(key.as_deref(), grains[i], names.get(&i)))
                .collect();
            ReportRow {
                keys,
                labels,
                value: c.value,
                records: c.records,
            }
        })
        .collect();
    let first_is_date = grains.first().is_some_and(Option::is_some);
    let (rows, truncated) = arrange(rows, first_is_date);
    let money = spec.measure.aggregate != Aggregate::CountDistinct
        && spec
            .measure
            .field
            .as_deref()
            .and_then(|f| field(spec.object, f))
            .is_some_and(|f| f.kind == ReportFieldKind::Money);
    Ok(ReportData {
        spec,
        kinds,
        currency: money.then_some(currency),
        rows,
        total,
        records,
        truncated: truncated || capped,
        from: days.map(|d| d.0),
        to: days.map(|d| d.1),
        previous,
        computed_at: utc(at),
    })
}

/// The names of the keys, per grouping.
fn labels(
    conn: &mut AnyConnection,
    ws: uuid::Uuid,
    kinds: &[ReportFieldKind],
    cells: &[Cell],
) -> Result<HashMap<usize, HashMap<String, String>>, AppError> {
    let mut out = HashMap::new();
    for (i, kind) in kinds.iter().enumerate() {
        let mut keys: Vec<String> = cells
            .iter()
            .filter_map(|c| {
                if i == 0 {
                    c.key1.clone()
                } else {
                    c.key2.clone()
                }
            })
            .collect();
        keys.sort();
        keys.dedup();
        let found = crm_db::reports::labels(conn, ws, *kind, &keys)?;
        out.insert(i, found.into_iter().map(|l| (l.key, l.label)).collect());
    }
    Ok(out)
}

fn label(
    key: Option<&str>,
    grain: Option<DateGrain>,
    names: Option<&HashMap<String, String>>,
) -> Option<String> {
    let key = key?;
    if let Some(grain) = grain {
        return Some(
            NaiveDate::parse_from_str(key, "%Y-%m-%d")
                .map_or_else(|_| key.to_owned(), |d| bucket_label(grain, d)),
        );
    }
    Some(
        names
            .and_then(|n| n.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_owned()),
    )
}

/// Orders the groups — by the first key when it is a date bucket (ISO
/// days sort as text), else by the first key's total, largest first, then
/// by value within it — and keeps the first [`MAX_GROUPS`] first keys.
pub fn arrange(rows: Vec<ReportRow>, by_date: bool) -> (Vec<ReportRow>, bool) {
    let first = |r: &ReportRow| r.keys.first().cloned().flatten();
    let mut totals: BTreeMap<Option<String>, f64> = BTreeMap::new();
    for r in &rows {
        *totals.entry(first(r)).or_default() += r.value.unwrap_or(0.0);
    }
    let mut order: Vec<(Option<String>, f64)> = totals.into_iter().collect();
    if by_date {
        // None (no date) last.
        order.sort_by(|a, b| (a.0.is_none(), &a.0).cmp(&(b.0.is_none(), &b.0)));
    } else {
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    let truncated = order.len() > MAX_GROUPS;
    let rank: HashMap<Option<String>, usize> = order
        .into_iter()
        .take(MAX_GROUPS)
        .enumerate()
        .map(|(i, (k, _))| (k, i))
        .collect();
    let mut kept: Vec<(usize, ReportRow)> = rows
        .into_iter()
        .filter_map(|r| rank.get(&first(&r)).map(|i| (*i, r)))
        .collect();
    kept.sort_by(|(a, ra), (b, rb)| {
        a.cmp(b)
            .then_with(|| rb.value.unwrap_or(0.0).total_cmp(&ra.value.unwrap_or(0.0)))
            .then_with(|| ra.keys.cmp(&rb.keys))
    });
    (kept.into_iter().map(|(_, r)| r).collect(), truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(a: Option<&str>, b: &str, value: f64) -> ReportRow {
        ReportRow {
            keys: vec![a.map(str::to_owned), Some(b.to_owned())],
            labels: vec![],
            value: Some(value),
            records: 1,
        }
    }

    fn keys(rows: &[ReportRow]) -> Vec<(Option<String>, Option<String>)> {
        rows.iter()
            .map(|r| (r.keys[0].clone(), r.keys[1].clone()))
            .collect()
    }

    #[test]
    fn dates_run_forward_and_other_keys_by_their_total() {
        let rows = vec![
            row(Some("2026-02-01"), "x", 1.0),
            row(None, "x", 9.0),
            row(Some("2026-01-01"), "y", 2.0),
            row(Some("2026-01-01"), "x", 5.0),
        ];
        let (by_date, _) = arrange(rows.clone(), true);
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            keys(&by_date),
            [
                (s("2026-01-01"), s("x")),
                (s("2026-01-01"), s("y")),
                (s("2026-02-01"), s("x")),
                (None, s("x")),
            ]
        );
        let (by_value, truncated) = arrange(rows, false);
        // None's 9 beats 2026-01-01's 7, which beats 2026-02-01's 1.
        assert_eq!(keys(&by_value)[0], (None, s("x")));
        assert_eq!(keys(&by_value)[1], (s("2026-01-01"), s("x")));
        assert!(!truncated);
    }

    #[test]
    fn only_the_largest_groups_are_kept() {
        let rows: Vec<ReportRow> = (0..MAX_GROUPS + 3)
            .map(|i| row(Some(&format!("k{i:04}")), "x", i as f64))
            .collect();
        let (kept, truncated) = arrange(rows, false);
        assert!(truncated);
        assert_eq!(kept.len(), MAX_GROUPS);
        assert_eq!(kept[0].value, Some((MAX_GROUPS + 2) as f64));
    }

    #[test]
    fn a_run_past_the_limit_is_refused_naming_the_period() {
        let AppError::Validation(errors) = stopped(DbError::TimedOut, Duration::from_secs(30))
        else {
            panic!("a refusal");
        };
        let text = format!("{errors:?}");
        assert!(text.contains("period") && text.contains("30 s"), "{text}");
        assert!(matches!(
            stopped(DbError::NotFound, Duration::from_secs(30)),
            AppError::NotFound
        ));
    }
}
