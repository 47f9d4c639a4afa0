//! RFM scores: when the workspace's snapshot is recomputed. Order writes
//! keep each customer's counts exact and only mark the scores stale (they
//! rank customers against the whole workspace). A read calls [`current`]:
//! - fresh, or stale but younger than the maximum age: used as it is;
//! - with a maximum age of zero ("always current", what the tests and small
//!   installs use): computed now when missing or stale;
//! - otherwise, missing or stale and older than the maximum age: an
//!   `rfm_refresh` job is queued (once: a queued or running one is not
//!   doubled) and the read uses the last snapshot with its `as_of`, or none
//!   (buyers unscored, `as_of` null) until the first one exists, so no
//!   request pays for a whole-workspace recomputation (the first scoring of
//!   a million customers took 32 s).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use crm_api_types::analytics::{RfmCell, RfmQuery, RfmSegmentSummary, RfmSummary};
use crm_db::AnyConnection;
use crm_db::jobs::NewJob;
use crm_domain::access::{Action, ObjectType};
use crm_domain::analytics::RfmSegment;
use uuid::Uuid;

use crate::customers::filter::{filter_of, prepare};
use crate::jobs::{JobContext, JobError, Wake};
use crate::{Actor, AppError};

/// The job kind that recomputes a workspace's scores.
pub const REFRESH_JOB: &str = "rfm_refresh";

/// How fresh a read wants the scores, and the process's job wake-up for
/// the refresh it may queue.
#[derive(Debug, Clone, Default)]
pub struct Freshness {
    /// Stale scores younger than this are served as they are; zero
    /// recomputes stale scores in the read.
    pub max_age: Duration,
    pub wake: Wake,
}

/// When the scores a read should use were computed (see the module doc);
/// `None` while a workspace has none yet and the first is being computed.
pub fn current(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    freshness: &Freshness,
) -> Result<Option<NaiveDateTime>, AppError> {
    let settings = crm_db::metrics::settings(conn, workspace_id)?;
    if let Some(at) = settings.rfm_refreshed_at {
        let age = (Utc::now().naive_utc() - at).to_std().unwrap_or_default();
        if !settings.rfm_stale || age < freshness.max_age {
            return Ok(Some(at));
        }
    }
    if freshness.max_age.is_zero() {
        return Ok(Some(crm_db::metrics::refresh_rfm_now(conn, workspace_id)?));
    }
    if !crm_db::jobs::pending(conn, workspace_id, REFRESH_JOB, REFRESH_JOB)? {
        let queued = crm_db::jobs::enqueue(
            conn,
            &NewJob::new(workspace_id, REFRESH_JOB, serde_json::json!({})).unique(REFRESH_JOB),
        )?;
        if queued.is_some() {
            freshness.wake.wake();
        }
    }
    Ok(settings.rfm_refreshed_at)
}

/// The `rfm_refresh` handler: recomputes the scores if an order changed
/// since they were computed (idempotent: a second run finds them current).
pub fn refresh_job(ctx: &JobContext<'_>) -> Result<(), JobError> {
    let mut conn = ctx.pool.get().map_err(JobError::retry)?;
    let workspace_id = ctx.workspace_id();
    let settings = crm_db::metrics::settings(&mut conn, workspace_id)?;
    if settings.rfm_stale || settings.rfm_refreshed_at.is_none() {
        crm_db::metrics::refresh_rfm_now(&mut conn, workspace_id)?;
        // The scores' rewrite (and the order writes before it) left dead
        // rows; free them here rather than wait for autovacuum.
        crm_db::batch::vacuum(&mut conn, &["customer_metrics"])?;
    }
    Ok(())
}

/// The RFM segments and the R × F grid of the customers the actor may read
/// and the query's filters select.
pub fn summary(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &RfmQuery,
    freshness: &Freshness,
) -> Result<RfmSummary, AppError> {
    let filter = filter_of(&query.customer_filters())?;
    let today = Utc::now().date_naive();
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let filter = prepare(conn, vis.workspace_id, filter, freshness)?;
    let as_of = current(conn, vis.workspace_id, freshness)?;
    let currency = crm_db::metrics::settings(conn, vis.workspace_id)?.base_currency;
    let groups = crm_db::rfm::groups(conn, &vis, &filter, today)?;
    let buyers: i64 = groups.iter().map(|g| g.customers).sum();
    // Segments and the grid are two folds of the same groups.
    let mut by_segment: BTreeMap<&str, [i64; 4]> = BTreeMap::new();
    let mut by_cell: BTreeMap<(i32, i32), [i64; 2]> = BTreeMap::new();
    for g in &groups {
        if let Some(segment) = g.segment.as_deref() {
            let sums = by_segment.entry(segment).or_default();
            sums[0] += g.customers;
            sums[1] += g.orders;
            sums[2] += g.revenue;
            sums[3] += g.recency_days;
        }
        let cell = by_cell.entry((g.r, g.f)).or_default();
        cell[0] += g.customers;
        cell[1] += g.revenue;
    }
    let mut segments: Vec<RfmSegmentSummary> = by_segment
        .into_iter()
        .filter_map(|(segment, [customers, orders, revenue, recency_days])| {
            let segment = RfmSegment::parse(segment).ok()?;
            let n = customers.max(1) as f64;
            Some(RfmSegmentSummary {
                segment,
                customers,
                share: if buyers > 0 {
                    customers as f64 / buyers as f64
                } else {
                    0.0
                },
                orders,
                revenue_minor: revenue,
                average_recency_days: recency_days as f64 / n,
                average_orders: orders as f64 / n,
                average_revenue_minor: revenue as f64 / n,
            })
        })
        .collect();
    segments.sort_by(|a, b| {
        b.customers
            .cmp(&a.customers)
            .then(a.segment.cmp(&b.segment))
    });
    let grid: Vec<RfmCell> = by_cell
        .into_iter()
        .map(|((r, f), [customers, revenue])| RfmCell {
            r,
            f,
            customers,
            revenue_minor: revenue,
        })
        .collect();
    Ok(RfmSummary {
        as_of: as_of.map(|at| at.and_utc()),
        currency,
        buyers,
        segments,
        grid,
    })
}
