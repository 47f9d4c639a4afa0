//! CSV imports: register an uploaded file (its encoding, separator, header
//! and sample decided), read the suggested mapping, start a dry run or the
//! run as a durable job, cancel, delete, and read the refused rows. An
//! import is visible to whoever uploaded it and to roles that may write
//! every record of its entity; others get `NotFound`. The file's bytes
//! arrive through the transport, which feeds them to [`source::Upload`].

pub mod catalogue;
pub mod fields;
pub mod job;
pub mod orders;
pub mod pipelines;
pub mod plan;
pub mod source;
pub mod suggest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use crm_api_types::batch::BatchMode;
use crm_api_types::imports::{Import, ImportEntity, ImportStatus, StartImport};
use crm_db::AnyConnection;
use crm_db::imports::{ImportRow, NewImport, status};
use crm_db::jobs::NewJob;
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Scope};
use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Actor, AppError};

/// The job kind of an import pass.
pub const KIND: &str = "import";

/// An `import` job's payload: the import and the pass it runs (the pass's
/// `started_at`), so a job left from an earlier pass does nothing.
#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub import_id: Uuid,
    pub pass: NaiveDateTime,
}

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
pub fn require_import(actor: &Actor, entity: ImportEntity) -> Result<(), AppError> {
    let object = object_of(entity);
    if actor.scope(object, Action::Create) == Scope::None
        && actor.scope(object, Action::Update) == Scope::None
    {
        return Err(AppError::Forbidden(format!(
            "your role may not create or update {object}"
        )));
    }
    Ok(())
}

/// Whether the caller sees this import: its uploader, or a role that may update every record.
fn sees(actor: &Actor, row: &ImportRow) -> bool {
    row.created_by.0 == actor.user_id()
        || ImportEntity::parse(&row.entity)
            .is_ok_and(|e| actor.scope(object_of(e), Action::Update) == Scope::All)
}

/// An import the actor sees.
pub fn find(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<ImportRow, AppError> {
    let row = crm_db::imports::find(conn, actor.workspace_id, id)?;
    if sees(actor, &row) {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

/// An import as the API shows it.
pub fn view(conn: &mut AnyConnection, row: ImportRow) -> Result<Import, AppError> {
    let broken = |e: String| AppError::Internal(format!("import {} is unreadable: {e}", row.id.0));
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
        created_at: row.created_at.and_utc(),
        started_at: row.started_at.map(|t| t.and_utc()),
        finished_at: row.finished_at.map(|t| t.and_utc()),
    })
}

/// Where an import's file lives, and the uploaded file.
pub struct Uploaded {
    pub id: Uuid,
    pub path: PathBuf,
    pub entity: ImportEntity,
    pub file_name: Option<String>,
    /// The encoding the uploader named, if any (else it is detected).
    pub encoding: Option<&'static Encoding>,
    pub size: u64,
    /// Whether the whole file is valid UTF-8.
    pub utf8: bool,
}

/// The name an uploaded file is kept under: trimmed, at most 200 characters.
pub fn file_name(name: Option<String>) -> String {
    name.map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "import.csv".to_owned())
}

/// Registers an uploaded file as an import: its encoding, separator, header
/// and sample decided. `key_role` is the API key's role the upload came
/// through, so the job acts with it later.
pub fn register(
    conn: &mut AnyConnection,
    actor: &Actor,
    key_role: Option<Uuid>,
    file: Uploaded,
) -> Result<Import, AppError> {
    require_import(actor, file.entity)?;
    let encoding = match file.encoding {
        Some(e) => e,
        None => source::detect(&file.path, file.utf8)?,
    };
    let d = source::describe(&file.path, file.size, encoding)?;
    let row = crm_db::imports::insert(
        conn,
        &NewImport {
            id: file.id,
            workspace_id: actor.workspace_id,
            entity: file.entity.as_str().to_owned(),
            file_name: file_name(file.file_name),
            file_size: d.size,
            encoding: source::encoding_name(d.encoding),
            delimiter: char::from(d.delimiter).to_string(),
            header: Json(serde_json::json!(d.columns)),
            sample: Json(serde_json::json!(d.sample)),
            created_by: actor.user_id(),
            role_id: key_role,
        },
    )?;
    view(conn, row)
}

/// The latest 100 imports the actor may see, newest first.
pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Import>, AppError> {
    let rows = crm_db::imports::list(conn, actor.workspace_id, None)?;
    rows.into_iter()
        .filter(|r| sees(actor, r))
        .map(|r| view(conn, r))
        .collect()
}

/// One import the actor sees.
pub fn read(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Import, AppError> {
    let row = find(conn, actor, id)?;
    view(conn, row)
}

/// Checks a mapping against the file's columns and the entity's fields.
fn check_mapping(
    import: &Import,
    start: &StartImport,
) -> Result<BTreeMap<String, String>, AppError> {
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
    errors.into_result().map_err(AppError::Validation)?;
    Ok(start.mapping.clone())
}

/// Starts a dry run or the run with a mapping: the pass and its job
/// commit together; `Conflict` on `status` while a pass is in progress.
pub fn start(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    start: StartImport,
) -> Result<Import, AppError> {
    let ws = actor.workspace_id;
    let row = find(conn, actor, id)?;
    let current = view(conn, row)?;
    require_import(actor, current.entity)?;
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
    let mapping = Json(serde_json::json!(mapping));
    crm_db::change_log::transaction(conn, |conn| {
        let begun =
            crm_db::imports::begin_pass(conn, ws, id, &idle, to, &mapping, start.mode.as_str())?;
        if !begun {
            return Err(AppError::Conflict {
                field: "status".into(),
                detail: "a pass of this import is in progress: wait for it or cancel it".into(),
            });
        }
        enqueue(conn, ws, id)
    })?;
    let row = crm_db::imports::find(conn, ws, id)?;
    view(conn, row)
}

/// Queues the job of the pass `begin_pass` just started; call it in the
/// same transaction.
pub fn enqueue(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> Result<(), AppError> {
    let row = crm_db::imports::find(conn, workspace_id, id)?;
    let pass = row
        .started_at
        .ok_or_else(|| AppError::internal("a started pass has no start time"))?;
    let payload = serde_json::to_value(Payload {
        import_id: id,
        pass,
    })
    .map_err(AppError::internal)?;
    crm_db::jobs::enqueue(conn, &NewJob::new(workspace_id, KIND, payload))?;
    Ok(())
}

/// Cancels the pass in progress; `Conflict` when none is.
/// It waits for the batch being written (the workspace's write lock), so
/// it lands between two batches.
pub fn cancel(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Import, AppError> {
    find(conn, actor, id)?;
    let ws = actor.workspace_id;
    let row = crm_db::change_log::transaction(conn, |conn| -> Result<_, AppError> {
        crm_db::change_log::lock_workspace(conn, ws)?;
        let row = crm_db::imports::find(conn, ws, id)?;
        let running = row.status == status::CHECKING || row.status == status::RUNNING;
        if !running || !crm_db::imports::finish(conn, ws, id, &row.status, status::CANCELLED, None)?
        {
            return Err(AppError::Conflict {
                field: "status".into(),
                detail: format!("nothing to cancel: the import is {}", row.status),
            });
        }
        Ok(crm_db::imports::find(conn, ws, id)?)
    })?;
    view(conn, row)
}

/// Deletes an import and its file (not while a pass is in progress).
pub fn remove(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    import_dir: &Path,
) -> Result<(), AppError> {
    let row = find(conn, actor, id)?;
    if row.status == status::CHECKING || row.status == status::RUNNING {
        return Err(AppError::Conflict {
            field: "status".into(),
            detail: "cancel the pass in progress first".into(),
        });
    }
    crm_db::imports::delete(conn, actor.workspace_id, id)?;
    let _ = std::fs::remove_file(source::path_of(import_dir, id));
    Ok(())
}

/// The header of the refused-rows file: `row`, `errors`, then the file's columns.
pub fn error_header(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<String>, AppError> {
    let row = find(conn, actor, id)?;
    let columns: Vec<String> = serde_json::from_value(row.header.0).map_err(AppError::internal)?;
    let mut header = vec!["row".to_owned(), "errors".to_owned()];
    header.extend(columns);
    Ok(header)
}

/// Up to `limit` refused rows after row number `after`, as records under
/// [`error_header`] (call that first: it checks the actor sees the import).
pub fn error_records(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Vec<String>)>, AppError> {
    let rows = crm_db::imports::errors_page(conn, workspace_id, id, after, limit)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.row_number, error_record(r)))
        .collect())
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
