//! What an administrator does with the workspace's background jobs: list
//! them (by status and kind, newest first, keyset-paged), queue a dead one
//! again with fresh attempts, cancel a queued one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_api_types::jobs::{Job, JobList, JobQuery, JobStatus};
use crm_db::AnyConnection;
use crm_db::jobs::JobRow;
use uuid::Uuid;

use crate::error::bad_param as bad;
use crate::views::utc;
use crate::{Actor, AppError};

fn view(row: JobRow) -> Result<Job, AppError> {
    Ok(Job {
        id: row.id.0,
        status: JobStatus::parse(&row.status)
            .map_err(|e| AppError::Internal(format!("job {}: {e}", row.id.0)))?,
        kind: row.kind,
        payload: row.payload.0,
        priority: row.priority,
        run_at: utc(row.run_at),
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        last_error: row.last_error,
        locked_by: row.locked_by,
        locked_until: row.locked_until.map(utc),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        finished_at: row.finished_at.map(utc),
    })
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// The workspace's jobs, newest first.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &JobQuery,
) -> Result<JobList, AppError> {
    actor.require_admin("see the workspace's jobs")?;
    let limit = query.limit.unwrap_or(25);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "must be between 1 and 200"));
    }
    let before = match query.cursor.as_deref() {
        Some(c) => Some(
            decode_cursor(c)
                .ok_or_else(|| bad("cursor", "is not a cursor returned by this list"))?,
        ),
        None => None,
    };
    let kind = query.kind.as_deref().filter(|k| !k.trim().is_empty());
    let status = query.status.map(JobStatus::as_str);
    let mut rows = crm_db::jobs::list(conn, actor.workspace_id, status, kind, before, limit + 1)?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| URL_SAFE_NO_PAD.encode(r.id.0.as_bytes()))
        })
        .flatten();
    let items = rows.into_iter().map(view).collect::<Result<_, _>>()?;
    Ok(JobList { items, next_cursor })
}

/// Queues a dead job again with fresh attempts (`Conflict` otherwise); the
/// caller wakes the workers.
pub fn retry(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Job, AppError> {
    actor.require_admin("retry jobs")?;
    let ws = actor.workspace_id;
    let row = crm_db::jobs::find(conn, ws, id)?;
    if !crm_db::jobs::retry(conn, ws, id)? {
        return Err(AppError::Conflict {
            field: "status".into(),
            detail: format!("only a dead job can be retried; this one is {}", row.status),
        });
    }
    view(crm_db::jobs::find(conn, ws, id)?)
}

/// Cancels a queued job before it runs (`Conflict` otherwise).
pub fn cancel(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Job, AppError> {
    actor.require_admin("cancel jobs")?;
    let ws = actor.workspace_id;
    let row = crm_db::jobs::find(conn, ws, id)?;
    if !crm_db::jobs::cancel(conn, ws, id)? {
        return Err(AppError::Conflict {
            field: "status".into(),
            detail: format!(
                "only a queued job can be cancelled; this one is {}",
                row.status
            ),
        });
    }
    view(crm_db::jobs::find(conn, ws, id)?)
}
