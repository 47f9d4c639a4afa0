//! `/imports`: CSV import jobs. Upload the file as the request body
//! (streamed to the import directory), read the suggested mapping, start a
//! dry run or the run, follow `GET /imports/{id}`, cancel, and download the
//! refused rows as a CSV that can be fixed and uploaded again. An import is
//! visible to whoever uploaded it and to roles that may write every record
//! of its entity; others get 404.

pub mod catalogue;
pub mod fields;
pub mod job;
pub mod orders;
pub mod pipelines;
pub mod plan;
pub mod source;
pub mod suggest;

use std::collections::BTreeMap;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, delete, get, post, web};
use crm_api_types::Problem;
use crm_api_types::batch::BatchMode;
use crm_api_types::imports::{
    Import, ImportEntity, ImportList, ImportStatus, StartImport, UploadQuery,
};
use crm_db::imports::{ImportRow, NewImport, status};
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Scope};
use futures_util::stream;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views::utc;

fn object_of(entity: ImportEntity) -> ObjectType {
    match entity {
        ImportEntity::Customers => ObjectType::Customers,
        ImportEntity::Products => ObjectType::Products,
        ImportEntity::Orders => ObjectType::Orders,
        ImportEntity::Contacts => ObjectType::Contacts,
        ImportEntity::Deals => ObjectType::Deals,
    }
}

/// The caller may import into the entity (create or update some of its records).
fn require_import(caller: &Caller, entity: ImportEntity) -> Result<(), ApiError> {
    let object = object_of(entity);
    if caller.scope(object, Action::Create) == Scope::None
        && caller.scope(object, Action::Update) == Scope::None
    {
        return Err(ApiError::Forbidden(format!(
            "your role may not create or update {object}"
        )));
    }
    Ok(())
}

/// Whether the caller sees this import: its uploader, or a role that may update every record.
fn sees(caller: &Caller, row: &ImportRow) -> bool {
    row.created_by.0 == caller.user_id()
        || ImportEntity::parse(&row.entity)
            .is_ok_and(|e| caller.scope(object_of(e), Action::Update) == Scope::All)
}

fn find(
    conn: &mut crm_db::AnyConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<ImportRow, ApiError> {
    let row = crm_db::imports::find(conn, caller.workspace_id, id)?;
    if sees(caller, &row) {
        Ok(row)
    } else {
        Err(ApiError::NotFound)
    }
}

fn view(conn: &mut crm_db::AnyConnection, row: ImportRow) -> Result<Import, ApiError> {
    let broken = |e: String| ApiError::Internal(format!("import {} is unreadable: {e}", row.id.0));
    let entity = ImportEntity::parse(&row.entity).map_err(broken)?;
    let columns: Vec<String> =
        serde_json::from_value(row.header.0.clone()).map_err(|e| broken(e.to_string()))?;
    let custom = plan::custom_fields(conn, row.workspace_id.0, entity)?;
    let catalogue = fields::fields_of(entity, &custom);
    let mapping = match &row.mapping {
        Some(m) => serde_json::from_value(m.0.clone()).map_err(|e| broken(e.to_string()))?,
        None => fields::suggest(&columns, &catalogue),
    };
    let status = ImportStatus::parse(&row.status).map_err(broken)?;
    let percent = match status {
        ImportStatus::Checked | ImportStatus::Completed => 100.0,
        _ if row.file_size > 0 => {
            (row.bytes_read as f64 / row.file_size as f64 * 100.0).clamp(0.0, 100.0)
        }
        _ => 0.0,
    };
    Ok(Import {
        id: row.id.0,
        entity,
        file_name: row.file_name,
        file_size: row.file_size,
        encoding: row.encoding,
        delimiter: row.delimiter,
        columns,
        sample: serde_json::from_value(row.sample.0).map_err(|e| broken(e.to_string()))?,
        fields: catalogue.iter().map(fields::describe).collect(),
        mapping,
        mode: BatchMode::parse(&row.mode).map_err(broken)?,
        status,
        dry_run: row.dry_run,
        rows_read: row.rows_read,
        percent: (percent * 10.0).round() / 10.0,
        created: row.created_count,
        updated: row.updated_count,
        unchanged: row.unchanged_count,
        failed: row.failed_count,
        failure: row.failure,
        created_by: row.created_by.0,
        created_at: utc(row.created_at),
        started_at: row.started_at.map(utc),
        finished_at: row.finished_at.map(utc),
    })
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
    require_import(&caller, query.entity)?;
    let named = query
        .encoding
        .as_deref()
        .map(source::named_encoding)
        .transpose()?;
    let file_name = query
        .file_name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "import.csv".to_owned());
    std::fs::create_dir_all(&state.import_dir).map_err(ApiError::internal)?;
    let id = Uuid::now_v7();
    let path = source::path_of(&state.import_dir, id);
    let saved = source::save(body, &path, state.import_max_bytes).await;
    let (size, utf8) = match saved {
        Ok(saved) => saved,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
    };
    let kept = path.clone();
    let created = state
        .db(move |conn| {
            let encoding = match named {
                Some(e) => e,
                None => source::detect(&path, utf8)?,
            };
            let d = source::describe(&path, size, encoding)?;
            let row = crm_db::imports::insert(
                conn,
                &NewImport {
                    id,
                    workspace_id: caller.workspace_id,
                    entity: query.entity.as_str().to_owned(),
                    file_name,
                    file_size: d.size,
                    encoding: source::encoding_name(d.encoding),
                    delimiter: char::from(d.delimiter).to_string(),
                    header: Json(serde_json::json!(d.columns)),
                    sample: Json(serde_json::json!(d.sample)),
                    created_by: caller.user_id(),
                    role_id: match caller.via {
                        crate::caller::AuthVia::ApiKey(_) => Some(caller.role.id.0),
                        crate::caller::AuthVia::Jwt => None,
                    },
                },
            )?;
            view(conn, row)
        })
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
        .db(move |conn| {
            let rows = crm_db::imports::list(conn, caller.workspace_id, None)?;
            rows.into_iter()
                .filter(|r| sees(&caller, r))
                .map(|r| view(conn, r))
                .collect::<Result<Vec<_>, _>>()
        })
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
        .db(move |conn| {
            let row = find(conn, &caller, id)?;
            view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(import))
}

/// Checks a mapping against the file's columns and the entity's fields.
fn check_mapping(
    import: &Import,
    start: &StartImport,
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut errors = FieldErrors::new();
    let mut used = BTreeMap::new();
    for (column, field) in &start.mapping {
        if !import.columns.contains(column) {
            errors.add(format!("mapping.{column}"), "the file has no such column");
        }
        if !import.fields.iter().any(|f| &f.name == field) {
            errors.add(
                format!("mapping.{column}"),
                format!("{field} is not a field of {}", import.entity),
            );
        }
        if let Some(other) = used.insert(field.clone(), column.clone()) {
            errors.add(
                format!("mapping.{column}"),
                format!("{field} is already filled from column {other}"),
            );
        }
    }
    if start.mode != BatchMode::Create && !used.contains_key("external_id") {
        errors.add(
            "mapping",
            format!(
                "{} mode matches rows by external_id: map a column to it (or use create mode)",
                start.mode
            ),
        );
    }
    if start.mode != BatchMode::Update {
        for f in import.fields.iter().filter(|f| f.required) {
            if !used.contains_key(&f.name) {
                errors.add(
                    "mapping",
                    format!("map a column to {} (new {} need it)", f.name, import.entity),
                );
            }
        }
    }
    if start.mapping.is_empty() {
        errors.add("mapping", "map at least one column");
    }
    errors.into_result().map_err(ApiError::Validation)?;
    Ok(start.mapping.clone())
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
    let ws = caller.workspace_id;
    let import = state
        .db(move |conn| {
            let row = find(conn, &caller, id)?;
            let current = view(conn, row)?;
            require_import(&caller, current.entity)?;
            let mapping = check_mapping(&current, &start)?;
            let to = if start.dry_run {
                status::CHECKING
            } else {
                status::RUNNING
            };
            let idle = [
                status::UPLOADED,
                status::CHECKED,
                status::COMPLETED,
                status::FAILED,
                status::CANCELLED,
            ];
            // The pass and its job commit together.
            let mapping = Json(serde_json::json!(mapping));
            crm_db::change_log::transaction(conn, |conn| {
                let begun = crm_db::imports::begin_pass(
                    conn,
                    ws,
                    id,
                    &idle,
                    to,
                    &mapping,
                    start.mode.as_str(),
                )?;
                if !begun {
                    return Err(ApiError::Conflict {
                        field: "status".into(),
                        detail: "a pass of this import is in progress: wait for it or cancel it"
                            .into(),
                    });
                }
                job::enqueue(conn, ws, id)
            })?;
            let row = crm_db::imports::find(conn, ws, id)?;
            view(conn, row)
        })
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
        .db(move |conn| {
            let row = find(conn, &caller, id)?;
            let ws = caller.workspace_id;
            let stopped = [status::CHECKING, status::RUNNING]
                .into_iter()
                .filter(|s| *s == row.status)
                .map(|s| crm_db::imports::finish(conn, ws, id, s, status::CANCELLED, None))
                .collect::<Result<Vec<bool>, _>>()?;
            if !stopped.contains(&true) {
                return Err(ApiError::Conflict {
                    field: "status".into(),
                    detail: format!("nothing to cancel: the import is {}", row.status),
                });
            }
            let row = crm_db::imports::find(conn, ws, id)?;
            view(conn, row)
        })
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
        .db(move |conn| {
            let row = find(conn, &caller, id)?;
            if row.status == status::CHECKING || row.status == status::RUNNING {
                return Err(ApiError::Conflict {
                    field: "status".into(),
                    detail: "cancel the pass in progress first".into(),
                });
            }
            crm_db::imports::delete(conn, caller.workspace_id, id)?;
            let _ = std::fs::remove_file(source::path_of(&dir, id));
            Ok(())
        })
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
    let columns: Vec<String> = state
        .db(move |conn| {
            let row = find(conn, &caller, id)?;
            serde_json::from_value(row.header.0).map_err(ApiError::internal)
        })
        .await?;
    let mut header = vec!["row".to_owned(), "errors".to_owned()];
    header.extend(columns);
    let first = csv_chunk(&[header], true)?;
    let pages = stream::unfold(Some(0_i64), move |after| {
        let state = state.clone();
        async move {
            let after = after?;
            let page = state
                .db(move |conn| Ok(crm_db::imports::errors_page(conn, ws, id, after, 1000)?))
                .await;
            let rows = match page {
                Ok(rows) if rows.is_empty() => return None,
                Ok(rows) => rows,
                Err(e) => return Some((Err(e), None)),
            };
            let last = rows.last().map(|r| r.row_number);
            let records: Vec<Vec<String>> = rows.into_iter().map(error_record).collect();
            Some((csv_chunk(&records, false), last))
        }
    });
    let body = futures_util::StreamExt::chain(stream::once(async move { Ok(first) }), pages);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"import-errors.csv\"",
        ))
        .streaming(body))
}

fn error_record(row: crm_db::imports::ImportErrorRow) -> Vec<String> {
    let errors: BTreeMap<String, Vec<String>> =
        serde_json::from_value(row.errors.0).unwrap_or_default();
    let text = errors
        .iter()
        .flat_map(|(column, messages)| messages.iter().map(move |m| format!("{column}: {m}")))
        .collect::<Vec<_>>()
        .join("; ");
    let cells: Vec<String> = serde_json::from_value(row.cells.0).unwrap_or_default();
    let mut record = vec![row.row_number.to_string(), text];
    record.extend(cells);
    record
}

/// Through the exports' writer, so the refused rows a user uploaded come back
/// safe to open in a spreadsheet (`=1+1` as `'=1+1`).
fn csv_chunk(records: &[Vec<String>], bom: bool) -> Result<Bytes, ApiError> {
    Ok(Bytes::from(crm_app::exports::csv_records(
        records.iter().cloned(),
        bom,
    )?))
}
