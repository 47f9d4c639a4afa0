//! RFM scores: when the workspace's snapshot is recomputed. Order writes
//! keep each customer's counts exact and only mark the scores stale (they
//! rank customers against the whole workspace). A read calls [`current`]:
//! - no snapshot yet: computed now, in the request (there is nothing to show);
//! - fresh, or stale but younger than the maximum age: used as it is;
//! - stale and older than the maximum age: with a maximum age of zero
//!   ("always current", what the tests and small installs use) computed now;
//!   otherwise an `rfm_refresh` job is queued (once: a queued or running one
//!   is not doubled) and the read uses the last snapshot with its `as_of`,
//!   so no request pays for a whole-workspace recomputation.

use std::time::Duration;

use chrono::NaiveDateTime;
use crm_db::AnyConnection;
use crm_db::jobs::NewJob;
use uuid::Uuid;

use crate::AppError;
use crate::jobs::{JobContext, JobError, Wake};

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

/// When the scores a read should use were computed (see the module doc).
pub fn current(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    freshness: &Freshness,
) -> Result<NaiveDateTime, AppError> {
    let settings = crm_db::metrics::settings(conn, workspace_id)?;
    let Some(at) = settings.rfm_refreshed_at else {
        return Ok(crm_db::metrics::refresh_rfm_now(conn, workspace_id)?);
    };
    let age = (chrono::Utc::now().naive_utc() - at)
        .to_std()
        .unwrap_or_default();
    if !settings.rfm_stale || age < freshness.max_age {
        return Ok(at);
    }
    if freshness.max_age.is_zero() {
        return Ok(crm_db::metrics::refresh_rfm_now(conn, workspace_id)?);
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
    Ok(at)
}

/// The `rfm_refresh` handler: recomputes the scores if an order changed
/// since they were computed (idempotent: a second run finds them current).
pub fn refresh_job(ctx: &JobContext<'_>) -> Result<(), JobError> {
    let mut conn = ctx.pool.get().map_err(JobError::retry)?;
    let workspace_id = ctx.workspace_id();
    let settings = crm_db::metrics::settings(&mut conn, workspace_id)?;
    if settings.rfm_stale || settings.rfm_refreshed_at.is_none() {
        crm_db::metrics::refresh_rfm_now(&mut conn, workspace_id)?;
    }
    Ok(())
}
