//! `/admin/backups`: the HTTP side of `crm_app::backups` — an administrator
//! starts a backup of their own workspace, polls the run, then downloads
//! the archive.

use std::collections::BTreeMap;

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use crm_api_types::Problem;
use crm_db::backups::{BackupRow, status};
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

/// Start a backup of your workspace (admins only); poll the `Location`.
#[utoipa::path(tag = "backups", responses(
    (status = 202, description = "Started; poll the Location", body = BackupRun),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[post("/admin/backups")]
pub async fn start(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let row = state
        .db(move |conn| Ok(crm_app::backups::start(conn, &caller)?))
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
    let id = id.into_inner();
    let row = state
        .db(move |conn| Ok(crm_app::backups::get(conn, &caller, id)?))
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
    let id = id.into_inner();
    let dir = state.import_dir.clone();
    let path = state
        .db(move |conn| Ok(crm_app::backups::archive(conn, &caller, id, &dir)?))
        .await?;
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
