//! `/admin/jobs`: an administrator lists the background jobs of their own
//! workspace (filtered by status and kind, newest first, keyset-paged),
//! retries a dead one and cancels a queued one. [`registry`] gathers the
//! handlers of every job kind this server runs, including those whose code
//! still lives in this crate (imports, backups).

use std::path::PathBuf;

use actix_web::{HttpResponse, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_api_types::Problem;
use crm_api_types::jobs::{Job, JobList, JobQuery, JobStatus};
use crm_app::jobs::Registry;
use crm_db::jobs::JobRow;
use crm_domain::FieldErrors;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::utc;

/// Every job kind this server runs, with its handler.
pub fn registry(import_dir: PathBuf) -> Registry {
    let mut registry = Registry::new();
    crm_app::jobs::register_builtin(&mut registry);
    let dir = import_dir.clone();
    registry.register(crate::imports::job::KIND, move |ctx| {
        crate::imports::job::handle(ctx, &dir)
    });
    registry.register(crate::backups::JOB, move |ctx| {
        crate::backups::handle(ctx, &import_dir)
    });
    registry
}

fn view(row: JobRow) -> Result<Job, ApiError> {
    Ok(Job {
        id: row.id.0,
        status: JobStatus::parse(&row.status)
            .map_err(|e| ApiError::Internal(format!("job {}: {e}", row.id.0)))?,
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

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        detail: format!("invalid query parameter {field}"),
        errors: FieldErrors::single(field, message),
    }
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// The workspace's background jobs, newest first (admins only).
#[utoipa::path(tag = "jobs", params(JobQuery), responses(
    (status = 200, body = JobList),
    (status = 400, description = "Bad filter or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/admin/jobs")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<JobQuery>,
) -> Result<web::Json<JobList>, ApiError> {
    caller.actor().require_admin("see the workspace's jobs")?;
    let query = query.0;
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
    let kind = query.kind.filter(|k| !k.trim().is_empty());
    let status = query.status.map(JobStatus::as_str);
    let ws = caller.workspace_id;
    let mut rows = state
        .db(move |conn| {
            Ok(crm_db::jobs::list(
                conn,
                ws,
                status,
                kind.as_deref(),
                before,
                limit + 1,
            )?)
        })
        .await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| URL_SAFE_NO_PAD.encode(r.id.0.as_bytes()))
        })
        .flatten();
    let items = rows.into_iter().map(view).collect::<Result<_, _>>()?;
    Ok(web::Json(JobList { items, next_cursor }))
}

/// Queue a dead job again with fresh attempts (admins only).
#[utoipa::path(tag = "jobs", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "Queued again", body = Job),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The job is not dead", body = Problem, content_type = "application/problem+json")))]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Job>, ApiError> {
    caller.actor().require_admin("retry jobs")?;
    let (ws, id) = (caller.workspace_id, id.into_inner());
    let row = state
        .db(move |conn| {
            let row = crm_db::jobs::find(conn, ws, id)?;
            if !crm_db::jobs::retry(conn, ws, id)? {
                return Err(ApiError::Conflict {
                    field: "status".into(),
                    detail: format!("only a dead job can be retried; this one is {}", row.status),
                });
            }
            Ok(crm_db::jobs::find(conn, ws, id)?)
        })
        .await?;
    state.jobs.wake();
    Ok(web::Json(view(row)?))
}

/// Cancel a queued job before it runs (admins only).
#[utoipa::path(tag = "jobs", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "Cancelled", body = Job),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The job is not queued", body = Problem, content_type = "application/problem+json")))]
#[post("/admin/jobs/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.actor().require_admin("cancel jobs")?;
    let (ws, id) = (caller.workspace_id, id.into_inner());
    let row = state
        .db(move |conn| {
            let row = crm_db::jobs::find(conn, ws, id)?;
            if !crm_db::jobs::cancel(conn, ws, id)? {
                return Err(ApiError::Conflict {
                    field: "status".into(),
                    detail: format!(
                        "only a queued job can be cancelled; this one is {}",
                        row.status
                    ),
                });
            }
            Ok(crm_db::jobs::find(conn, ws, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(row)?))
}
