//! `/admin/backups`: an administrator backs up their own workspace — never
//! the whole database, so no other tenant's rows leave — as the portable
//! archive of `crm export-workspace`, made by a durable `backup` job (see
//! `crm_app::jobs`), polled, then downloaded. Archives are kept in
//! `backups/` under the import directory. A run whose worker stopped is
//! taken over by another worker once its lease runs out and written again
//! from the start (a half-written archive is useless; a new one is cheap).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use crm_api_types::Problem;
use crm_app::jobs::{JobContext, JobError};
use crm_db::DbPool;
use crm_db::backups::{BackupRow, status};
use crm_db::jobs::NewJob;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::utc;

/// A backup run of the caller's workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupRun {
    pub id: Uuid,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// The archive's size once done.
    pub size_bytes: Option<i64>,
    pub rows_done: i64,
    pub rows_total: i64,
    /// Rows per table in the archive, once done.
    pub row_counts: BTreeMap<String, i64>,
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Where to download the archive (a `.tar.gz`), once done.
    pub download_url: Option<String>,
}

fn view(row: BackupRow) -> BackupRun {
    let id = row.id.0;
    let done = row.status == status::DONE;
    BackupRun {
        id,
        status: row.status,
        size_bytes: row.size_bytes,
        rows_done: row.rows_done,
        rows_total: row.rows_total,
        row_counts: serde_json::from_value(row.row_counts.0).unwrap_or_default(),
        failure: row.failure,
        created_at: utc(row.created_at),
        started_at: row.started_at.map(utc),
        finished_at: row.finished_at.map(utc),
        download_url: done.then(|| format!("/api/v1/admin/backups/{id}/download")),
    }
}

fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only an administrator may back up the workspace".into(),
        ))
    }
}

/// The job kind.
pub const JOB: &str = "backup";

/// Where a run's archive is kept.
pub fn archive_path(import_dir: &Path, workspace_id: Uuid, id: Uuid) -> PathBuf {
    import_dir
        .join("backups")
        .join(format!("{workspace_id}-{id}.tar.gz"))
}

/// Start a backup of your workspace (admins only); poll the `Location`.
#[utoipa::path(tag = "backups", responses(
    (status = 202, description = "Started; poll the Location", body = BackupRun),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[post("/admin/backups")]
pub async fn start(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let ws = caller.workspace_id;
    let user = caller.user_id();
    // The run and its job commit together.
    let row = state
        .db(move |conn| {
            crm_db::change_log::transaction(conn, |conn| {
                let row = crm_db::backups::insert(conn, ws, user)?;
                let payload = serde_json::json!({ "backup_id": row.id.0 });
                crm_db::jobs::enqueue(conn, &NewJob::new(ws, JOB, payload))?;
                Ok(row)
            })
        })
        .await?;
    state.jobs.wake();
    let location = format!("/api/v1/admin/backups/{}", row.id);
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", location))
        .json(view(row)))
}

/// A backup run: its status, size and row counts.
#[utoipa::path(tag = "backups", params(("id" = Uuid, Path)), responses(
    (status = 200, body = BackupRun),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/admin/backups/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<BackupRun>, ApiError> {
    require_admin(&caller)?;
    let (ws, id) = (caller.workspace_id, id.into_inner());
    let row = state
        .db(move |conn| Ok(crm_db::backups::find(conn, ws, id)?))
        .await?;
    Ok(web::Json(view(row)))
}

/// Download a finished backup's archive (`crm import-workspace` loads it).
#[utoipa::path(tag = "backups", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "The archive", content_type = "application/gzip"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not done yet", body = Problem, content_type = "application/problem+json")))]
#[get("/admin/backups/{id}/download")]
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_admin(&caller)?;
    let (ws, id) = (caller.workspace_id, id.into_inner());
    let row = state
        .db(move |conn| Ok(crm_db::backups::find(conn, ws, id)?))
        .await?;
    if row.status != status::DONE {
        return Err(ApiError::Conflict {
            field: "status".into(),
            detail: format!("the backup is {}, not done", row.status),
        });
    }
    let path = archive_path(&state.import_dir, ws, id);
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await
        .map_err(ApiError::internal)?
        .map_err(|_| ApiError::NotFound)?
        .set_content_type("application/gzip".parse().map_err(ApiError::internal)?)
        .set_content_disposition(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "crm-backup-{id}.tar.gz"
            ))],
        });
    Ok(file.into_response(&req))
}

/// Writes the run's progress to its row at most every second.
struct RowProgress {
    pool: DbPool,
    workspace_id: Uuid,
    id: Uuid,
    done: u64,
    total: u64,
    written: Instant,
}

impl RowProgress {
    fn write(&mut self) {
        self.written = Instant::now();
        let (done, total) = (self.done as i64, self.total as i64);
        if let Ok(mut conn) = self.pool.get()
            && let Err(e) =
                crm_db::backups::progress(&mut conn, self.workspace_id, self.id, done, total)
        {
            tracing::warn!(backup = %self.id, error = %e, "could not record progress");
        }
    }
}

impl crm_db::portable::Progress for RowProgress {
    fn total(&mut self, rows: u64) {
        self.total = rows;
        self.write();
    }

    fn advance(&mut self, _table: &str, rows: u64) {
        self.done += rows;
        if self.written.elapsed() >= Duration::from_secs(1) {
            self.write();
        }
    }
}

#[derive(serde::Deserialize)]
struct Payload {
    backup_id: Uuid,
}

/// The `backup` handler: writes the archive (again, from the start, when
/// an earlier attempt stopped); on the last attempt a failure fails the run.
pub fn handle(ctx: &JobContext<'_>, import_dir: &Path) -> Result<(), JobError> {
    let Payload { backup_id: id } = ctx.payload()?;
    let ws = ctx.workspace_id();
    let Err(e) = run(ctx, import_dir, ws, id) else {
        return Ok(());
    };
    tracing::error!(backup = %id, error = %e, "backup failed");
    let _ = std::fs::remove_file(archive_path(import_dir, ws, id));
    if !ctx.last_attempt() {
        return Err(JobError::retry(e));
    }
    let recorded = ctx
        .pool
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut c| crm_db::backups::fail(&mut c, ws, id, &e).map_err(|e| e.to_string()));
    if let Err(e) = recorded {
        tracing::error!(backup = %id, error = %e, "could not record the failure");
    }
    Err(JobError::permanent(e))
}

/// Writes the archive to a file of this attempt's own, then, if this worker
/// still holds the job, records the run done and moves the file in place
/// (a worker that lost its lease never clobbers the archive of the one that
/// took over).
fn run(
    ctx: &JobContext<'_>,
    import_dir: &Path,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<(), String> {
    let mut conn = ctx.pool.get().map_err(|e| e.to_string())?;
    let row = match crm_db::backups::find(&mut conn, workspace_id, id) {
        Err(crm_db::DbError::NotFound) => return Ok(()),
        other => other.map_err(|e| e.to_string())?,
    };
    if row.status == status::DONE || row.status == status::FAILED {
        return Ok(());
    }
    crm_db::backups::start(&mut conn, workspace_id, id).map_err(|e| e.to_string())?;
    let out = archive_path(import_dir, workspace_id, id);
    let part = out.with_extension(format!("{}-{}.part", ctx.job.attempts, ctx.worker));
    let mut progress = RowProgress {
        pool: ctx.pool.clone(),
        workspace_id,
        id,
        done: 0,
        total: 0,
        written: Instant::now(),
    };
    let written = crm_db::portable::archive::write(
        &mut conn,
        workspace_id,
        &part,
        Some(import_dir),
        &mut progress,
    )
    .map_err(|e| e.to_string())
    .and_then(|manifest| {
        let size = std::fs::metadata(&part).map_err(|e| e.to_string())?.len();
        let counts: BTreeMap<String, u64> = manifest
            .tables
            .iter()
            .map(|t| (t.name.clone(), t.rows))
            .collect();
        let counts = serde_json::to_value(counts).map_err(|e| e.to_string())?;
        crm_db::change_log::transaction(&mut conn, |conn| {
            if !ctx.holds(conn)? {
                return Err(ApiError::Conflict {
                    field: "lease".into(),
                    detail: "another worker took the backup over".into(),
                });
            }
            crm_db::backups::finish(
                conn,
                workspace_id,
                id,
                i64::try_from(size).unwrap_or(i64::MAX),
                counts,
            )?;
            std::fs::rename(&part, &out).map_err(ApiError::internal)
        })
        .map_err(|e| e.to_string())
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    written
}
