//! Monthly acquisition cohorts (by month of first order) with their
//! retention and revenue month by month.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate, Utc};
use crm_api_types::analytics::{Cohort, CohortMatrix, CohortQuery};
use crm_db::AnyConnection;
use crm_domain::access::{Action, ObjectType};

use crate::analytics::rfm::Freshness;
use crate::customers::filter::{filter_of, prepare};
use crate::error::bad_param as bad;
use crate::{Actor, AppError};

const MAX_COHORTS: u32 = 36;

fn month_start(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()
}

fn month_key(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// Monthly acquisition cohorts (by month of first revenue order) with their
/// retention and revenue month by month.
pub fn cohorts(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &CohortQuery,
    freshness: &Freshness,
) -> Result<CohortMatrix, AppError> {
    let filter = filter_of(&query.customer_filters())?;
    let today = Utc::now().date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let count = query.months.unwrap_or(12);
    if !(1..=MAX_COHORTS).contains(&count) {
        return Err(bad("months", "must be between 1 and 36"));
    }
    let first = match query.from.as_deref() {
        Some(text) => month_start(text).ok_or_else(|| bad("from", "must be a month, YYYY-MM"))?,
        None => this_month - Months::new(count - 1),
    };
    let end = first + Months::new(count);
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let filter = prepare(conn, vis.workspace_id, filter, freshness)?;
    let currency = crm_db::metrics::settings(conn, vis.workspace_id)?.base_currency;
    let cells = crm_db::rfm::cohorts(conn, &vis, &filter, &currency, (first, end))?;
    let (currency, cells) = (currency, cells);
    let cells: HashMap<(String, String), (i64, i64)> = cells
        .into_iter()
        .map(|c| ((c.cohort, c.month), (c.buyers, c.revenue)))
        .collect();
    let mut cohorts = Vec::new();
    for i in 0..count {
        let start = first + Months::new(i);
        if start > this_month {
            break;
        }
        let key = month_key(start);
        let (mut active, mut revenue) = (Vec::new(), Vec::new());
        let mut month = start;
        while month <= this_month {
            let (buyers, spent) = cells
                .get(&(key.clone(), month_key(month)))
                .copied()
                .unwrap_or((0, 0));
            active.push(buyers);
            revenue.push(spent);
            month = month + Months::new(1);
        }
        let customers = active.first().copied().unwrap_or(0);
        let retention = active
            .iter()
            .map(|a| {
                if customers > 0 {
                    *a as f64 / customers as f64
                } else {
                    0.0
                }
            })
            .collect();
        cohorts.push(Cohort {
            month: key,
            customers,
            active,
            retention,
            revenue_minor: revenue,
        });
    }
    Ok(CohortMatrix { currency, cohorts })
}
