//! `/imports`: CSV import jobs over HTTP. Upload the file as the request
//! body (streamed to the import directory), read the suggested mapping,
//! start a dry run or the run, follow `GET /imports/{id}`, cancel, and
//! download the refused rows as a CSV. The use cases are `crm_app::imports`.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, delete, get, post, web};
use crm_api_types::Problem;
use crm_api_types::imports::{Import, ImportList, StartImport, UploadQuery};
use crm_app::imports::{self as use_case, Uploaded, source};
use futures_util::{StreamExt, stream};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Streams the request body into the import's file.
async fn save(
    mut body: web::Payload,
    path: &std::path::Path,
    limit: u64,
) -> Result<(u64, bool), ApiError> {
    let mut file = source::Upload::create(path, limit)?;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            detail: format!("the upload was interrupted: {e}"),
            errors: Default::default(),
        })?;
        file.feed(&chunk)?;
    }
    Ok(file.finish()?)
}

/// Upload a CSV file to import.
///
/// The body is the file itself (`curl --data-binary @customers.csv`), up to
/// the server's limit (`CRM_IMPORT_MAX_MB`, default 1024). UTF-8 with or
/// without a byte-order mark, GB18030 / GBK (what Excel saves in China) and
/// UTF-16 are read; `,` `;` tab or `|` separated. Nothing is imported yet:
/// the answer describes the file and suggests a mapping; start it with
/// `POST /imports/{id}/start`.
#[utoipa::path(
    tag = "imports",
    params(UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 201, description = "Uploaded", body = Import),
        (status = 413, description = "Larger than the server accepts", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a CSV file with a header row, or an unknown encoding", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports")]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::extract::ApiQuery<UploadQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    use_case::require_import(&caller, query.entity)?;
    let named = query
        .encoding
        .as_deref()
        .map(source::named_encoding)
        .transpose()?;
    std::fs::create_dir_all(&state.import_dir).map_err(ApiError::internal)?;
    let id = Uuid::now_v7();
    let path = source::path_of(&state.import_dir, id);
    let (size, utf8) = match save(body, &path, state.import_max_bytes).await {
        Ok(saved) => saved,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
    };
    let kept = path.clone();
    let key_role = caller.api_key.map(|_| caller.role.id.0);
    let file = Uploaded {
        id,
        path,
        entity: query.entity,
        file_name: query.file_name,
        encoding: named,
        size,
        utf8,
    };
    let created = state
        .db(move |conn| Ok(use_case::register(conn, &caller, key_role, file)?))
        .await;
    match created {
        Ok(import) => Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/imports/{}", import.id)))
            .json(import)),
        Err(e) => {
            let _ = std::fs::remove_file(&kept);
            Err(e)
        }
    }
}

/// The latest 100 imports the caller may see, newest first.
#[utoipa::path(tag = "imports", responses((status = 200, body = ImportList)))]
#[get("/imports")]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let items = state
        .db(move |conn| Ok(use_case::list(conn, &caller)?))
        .await?;
    Ok(HttpResponse::Ok().json(ImportList { items }))
}

/// An import: its file, mapping, status and progress.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Import),
        (status = 404, description = "No such import, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let import = state
        .db(move |conn| Ok(use_case::read(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(import))
}

/// Start a dry run (`dry_run: true`: every row checked and written, then
/// rolled back) or the run, with a column mapping.
///
/// Answers at once with the import `checking` or `running`; follow
/// `GET /imports/{id}`. A run commits every 500 rows with their counters,
/// so progress is exact, and the pass runs as a durable job: when its
/// worker stops, another takes it over where it stopped.
/// Rows that fail are counted and listed at `GET /imports/{id}/errors`;
/// the others are written.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path)),
    request_body = StartImport,
    responses(
        (status = 202, description = "Started", body = Import),
        (status = 404, description = "No such import", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pass is already in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad mapping (`mapping.<column>`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports/{id}/start")]
pub async fn start_import(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<StartImport>,
) -> Result<HttpResponse, ApiError> {
    let (id, start) = (id.into_inner(), body.0);
    let import = state
        .db(move |conn| Ok(use_case::start(conn, &caller, id, start)?))
        .await?;
    state.jobs.wake();
    Ok(HttpResponse::Accepted().json(import))
}

/// Cancel the pass in progress. The rows of batches already committed stay
/// written (each counts in `created` / `updated`); nothing after them is.
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Cancelled", body = Import),
        (status = 404, description = "No such import", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing in progress", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let import = state
        .db(move |conn| Ok(use_case::cancel(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(import))
}

/// Delete an import and its file (not while a pass is in progress).
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such import", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pass is in progress", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/imports/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let dir = state.import_dir.clone();
    state
        .db(move |conn| Ok(use_case::remove(conn, &caller, id, &dir)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The refused rows of the last pass as CSV: `row` (the spreadsheet row
/// number), `errors` (`column: reason`), then the row's own cells under the
/// file's header, so the file can be fixed and uploaded again. UTF-8 with a
/// byte-order mark (for Excel).
#[utoipa::path(
    tag = "imports",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv"),
        (status = 404, description = "No such import", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{id}/errors")]
pub async fn error_rows(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ws = caller.workspace_id;
    let header = state
        .db(move |conn| Ok(use_case::error_header(conn, &caller, id)?))
        .await?;
    let first = csv_chunk(&[header], true)?;
    let pages = stream::unfold(Some(0_i64), move |after| {
        let state = state.clone();
        async move {
            let after = after?;
            let page = state
                .db(move |conn| Ok(use_case::error_records(conn, ws, id, after, 1000)?))
                .await;
            let rows = match page {
                Ok(rows) if rows.is_empty() => return None,
                Ok(rows) => rows,
                Err(e) => return Some((Err(e), None)),
            };
            let last = rows.last().map(|(n, _)| *n);
            let records: Vec<Vec<String>> = rows.into_iter().map(|(_, r)| r).collect();
            Some((csv_chunk(&records, false), last))
        }
    });
    let body = stream::once(async move { Ok(first) }).chain(pages);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"import-errors.csv\"",
        ))
        .streaming(body))
}

/// Through the exports' writer, so the refused rows a user uploaded come back
/// safe to open in a spreadsheet (`=1+1` as `'=1+1`).
fn csv_chunk(records: &[Vec<String>], bom: bool) -> Result<Bytes, ApiError> {
    Ok(Bytes::from(crm_app::exports::csv_records(
        records.iter().cloned(),
        bom,
    )?))
}
