//! The import job: a durable `import` job (see `crate::jobs`) that reads
//! the file one batch of 500 rows at a time, turns each row into the
//! entity's merge-patch body, and writes the batch through the same code as
//! `POST /{entity}/batch`, as the user who uploaded the file (their role and
//! visibility). A real run commits each batch's writes, its refused rows
//! and the counters in one transaction; a dry run writes the batch, notes
//! what happened and rolls it back. A cancel is seen at the next batch. A
//! worker that dies mid-run loses its lease; the job is claimed again and
//! resumes after the last committed batch.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::jobs::{JobContext, JobError, Wake};
use chrono::NaiveDateTime;
use crm_api_types::batch::RecordStatus;
use crm_api_types::contacts::ContactPatch;
use crm_api_types::customers::CustomerPatch;
use crm_api_types::imports::ImportEntity;
use crm_api_types::orders::OrderPatch;
use crm_api_types::products::ProductPatch;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::imports::{ImportErrorRow, ImportRow, Progress, status};
use crm_db::types::Json;
use crm_db::{AnyConnection, DbError};
use crm_domain::FieldErrors;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::batch::{self as batches, Outcome, RecordError};
use crate::imports::fields::{self, Field};
use crate::imports::plan::{Plan, plan};
use crate::imports::source::{self, Rows};
pub use crate::imports::{KIND, Payload};
use crate::{Actor, AppError, Via};

/// Rows per transaction.
pub const BATCH: usize = 500;

/// The `import` handler. A failure the next attempt may get past (the
/// database unreachable) is retried from the last committed batch; any
/// other, or one on the last attempt, fails the import.
pub fn handle(ctx: &JobContext<'_>, import_dir: &Path) -> Result<(), JobError> {
    let payload: Payload = ctx.payload()?;
    let (ws, id) = (ctx.workspace_id(), payload.import_id);
    let Err(e) = run(ctx, import_dir, ws, id, payload.pass) else {
        return Ok(());
    };
    let transient = matches!(e, AppError::Unavailable(_) | AppError::Internal(_));
    if transient && !ctx.last_attempt() {
        return Err(JobError::retry(e));
    }
    tracing::error!(import = %id, error = %e, "import job failed");
    let failure = match &e {
        AppError::Validation(errors) => format!("{errors:?}"),
        other => other.to_string(),
    };
    let recorded = ctx.pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
        let row = crm_db::imports::find(&mut c, ws, id).map_err(|e| e.to_string())?;
        crm_db::imports::finish(&mut c, ws, id, &row.status, status::FAILED, Some(&failure))
            .map_err(|e| e.to_string())
    });
    if let Err(e) = recorded {
        tracing::error!(import = %id, error = %e, "could not record the failure");
        return Err(JobError::retry(e));
    }
    Err(JobError::permanent(failure))
}

/// Why a batch's transaction ended early.
enum Stop {
    Failed(AppError),
    /// A dry run's batch: what happened, then rolled back.
    RolledBack(Tally),
    Cancelled,
}

impl From<DbError> for Stop {
    fn from(e: DbError) -> Self {
        Stop::Failed(e.into())
    }
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Stop::Failed(e)
    }
}

/// One batch's outcome.
#[derive(Default)]
struct Tally {
    progress: Progress,
    errors: Vec<ImportErrorRow>,
}

fn run(
    ctx: &JobContext<'_>,
    import_dir: &Path,
    workspace_id: Uuid,
    id: Uuid,
    started: NaiveDateTime,
) -> Result<(), AppError> {
    let mut conn = ctx
        .pool
        .get()
        .map_err(|e| AppError::Unavailable(e.to_string()))?;
    let row = match crm_db::imports::find(&mut conn, workspace_id, id) {
        // Deleted since: nothing to do.
        Err(DbError::NotFound) => return Ok(()),
        other => other?,
    };
    let pass = row.status.clone();
    if (pass != status::CHECKING && pass != status::RUNNING) || row.started_at != Some(started) {
        return Ok(());
    }
    let dry_run = pass == status::CHECKING;
    // What an import writes is recorded as coming through the import.
    let caller = Actor::load(
        &mut conn,
        workspace_id,
        row.created_by.0,
        row.role_id.map(|r| r.0),
        Via::Import,
    )
    .map_err(|e| match e {
        AppError::NotFound => {
            AppError::Forbidden("the user who started the import is no longer active".into())
        }
        other => other,
    })?;
    let plan = plan(&mut conn, &row)?;
    let bytes = Arc::new(AtomicU64::new(0));
    let path = source::path_of(import_dir, id);
    let mut rows = Rows::open(
        &path,
        source::encoding_of(&row.encoding),
        row.delimiter.bytes().next().unwrap_or(b','),
        bytes.clone(),
    )?;
    // The header, then the rows a previous run of this pass already committed.
    let mut read: i64 = -1;
    while read < row.rows_read {
        if rows.next_record().is_none() {
            break;
        }
        read += 1;
    }
    // An order's lines are consecutive rows with its number: a batch never splits them.
    let key_column = plan.key_column;
    let mut pending = None;
    let mut written = 0_usize;
    loop {
        let mut batch: Vec<(i64, Result<Vec<String>, String>)> = Vec::with_capacity(BATCH + 1);
        loop {
            let next = pending.take().or_else(|| {
                rows.next_record().map(|record| {
                    read += 1;
                    // The spreadsheet row: the header is row 1.
                    (read + 1, record)
                })
            });
            let Some(next) = next else {
                break;
            };
            if batch.len() >= BATCH && !same_key(key_column, batch.last(), &next) {
                pending = Some(next);
                break;
            }
            batch.push(next);
        }
        if batch.is_empty() {
            break;
        }
        let position = i64::try_from(bytes.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        let done = if dry_run {
            check_batch(&mut conn, ctx, &caller, &plan, &row, &batch, position)?
        } else {
            write_batch(&mut conn, ctx, &caller, &plan, &row, &batch, position)?
        };
        if !done {
            return Ok(());
        }
        if !dry_run {
            let before = written;
            written += batch.len();
            // A table loaded from empty is planned as empty until its
            // statistics catch up (autovacuum may be minutes away, or off):
            // refresh them as the import passes each power of ten.
            if [1_000, 10_000, 100_000, 1_000_000]
                .iter()
                .any(|&mark| before < mark && written >= mark)
            {
                crm_db::batch::analyze(&mut conn, tables_of(plan.entity))?;
            }
        }
    }
    let end = if dry_run {
        status::CHECKED
    } else {
        status::COMPLETED
    };
    let position = i64::try_from(bytes.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    crm_db::imports::advance(
        &mut conn,
        workspace_id,
        id,
        &pass,
        Progress {
            bytes_read: position,
            ..Progress::default()
        },
    )?;
    crm_db::imports::finish(&mut conn, workspace_id, id, &pass, end, None)?;
    if !dry_run {
        // An import that updated existing rows leaves their old versions
        // behind; the vacuum job frees them (the import is done either way).
        let checked = crate::batch::refresh_statistics(&mut conn, workspace_id, &Wake::default());
        if let Err(e) = checked {
            tracing::warn!(import = %id, error = %e, "could not check the imported tables' upkeep");
        }
    }
    Ok(())
}

/// A row's non-blank value in `column`.
fn key_cell(column: Option<usize>, row: &(i64, Result<Vec<String>, String>)) -> Option<String> {
    column
        .and_then(|c| row.1.as_ref().ok().and_then(|cells| cells.get(c)))
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
}

/// The tables an import of `entity` fills.
fn tables_of(entity: ImportEntity) -> &'static [&'static str] {
    match entity {
        ImportEntity::Customers => &["customers"],
        ImportEntity::Contacts => &["contacts"],
        ImportEntity::Products => &["products"],
        ImportEntity::Orders => &["orders", "order_lines"],
        ImportEntity::Deals => &["deals"],
    }
}

/// Whether two rows carry the same non-blank value in `column`.
fn same_key(
    column: Option<usize>,
    last: Option<&(i64, Result<Vec<String>, String>)>,
    next: &(i64, Result<Vec<String>, String>),
) -> bool {
    match (
        last.and_then(|l| key_cell(column, l)),
        key_cell(column, next),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Writes and commits a batch. `false`: the import was cancelled, or this
/// worker lost the job to another.
fn write_batch(
    conn: &mut AnyConnection,
    ctx: &JobContext<'_>,
    caller: &Actor,
    plan: &Plan,
    row: &ImportRow,
    batch: &[(i64, Result<Vec<String>, String>)],
    position: i64,
) -> Result<bool, AppError> {
    let (ws, id) = (row.workspace_id.0, row.id.0);
    let result = transaction(conn, |conn| {
        lock_workspace(conn, ws)?;
        let mut tally = apply(conn, caller, plan, batch)?;
        tally.progress.bytes_read = position;
        crm_db::imports::add_errors(conn, ws, id, &tally.errors)?;
        if ctx.holds(conn)?
            && crm_db::imports::advance(conn, ws, id, status::RUNNING, tally.progress)?
        {
            Ok(())
        } else {
            Err(Stop::Cancelled)
        }
    });
    match result {
        Ok(()) => Ok(true),
        Err(Stop::Cancelled) => Ok(false),
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::RolledBack(_)) => Err(AppError::internal("a real run rolled back")),
    }
}

/// Writes a batch, notes the outcome and rolls the writes back; then
/// commits the notes. `false`: the dry run was cancelled, or this worker
/// lost the job to another.
fn check_batch(
    conn: &mut AnyConnection,
    ctx: &JobContext<'_>,
    caller: &Actor,
    plan: &Plan,
    row: &ImportRow,
    batch: &[(i64, Result<Vec<String>, String>)],
    position: i64,
) -> Result<bool, AppError> {
    let (ws, id) = (row.workspace_id.0, row.id.0);
    let attempt: Result<(), Stop> = transaction(conn, |conn| {
        lock_workspace(conn, ws)?;
        Err(Stop::RolledBack(apply(conn, caller, plan, batch)?))
    });
    let mut tally = match attempt {
        Err(Stop::RolledBack(tally)) => tally,
        Err(Stop::Failed(e)) => return Err(e),
        Ok(()) | Err(Stop::Cancelled) => return Ok(false),
    };
    tally.progress.bytes_read = position;
    let kept = transaction(conn, |conn| {
        crm_db::imports::add_errors(conn, ws, id, &tally.errors)?;
        if ctx.holds(conn)?
            && crm_db::imports::advance(conn, ws, id, status::CHECKING, tally.progress)?
        {
            Ok(())
        } else {
            Err(Stop::Cancelled)
        }
    });
    match kept {
        Ok(()) => Ok(true),
        Err(Stop::Cancelled) => Ok(false),
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::RolledBack(_)) => Err(AppError::internal("unexpected rollback")),
    }
}

/// Converts and writes one batch; returns the counts and the refused rows.
fn apply(
    conn: &mut AnyConnection,
    caller: &Actor,
    plan: &Plan,
    batch: &[(i64, Result<Vec<String>, String>)],
) -> Result<Tally, Stop> {
    let mut tally = Tally::default();
    let columns: Vec<(usize, &Field)> = plan
        .mapped
        .iter()
        .filter_map(|(i, name)| {
            plan.fields
                .iter()
                .find(|f| &f.name == name)
                .map(|f| (*i, f))
        })
        .collect();
    let mut converted = Vec::with_capacity(batch.len());
    for (_, record) in batch {
        tally.progress.rows += 1;
        converted.push(match record {
            Ok(cells) => fields::record(cells, &columns, &plan.headers, &plan.ctx),
            Err(message) => Err(BTreeMap::from([("file".to_owned(), vec![message.clone()])])),
        });
    }
    // The records, and the rows of `batch` each came from.
    let (mut bodies, origins, refused) = if plan.entity == ImportEntity::Orders {
        let keys: Vec<Option<String>> = batch
            .iter()
            .map(|row| key_cell(plan.key_column, row))
            .collect();
        crate::imports::orders::group(
            converted,
            &keys,
            &plan.ctx.base_currency,
            plan.currency_mapped,
        )
    } else {
        let (mut bodies, mut origins, mut refused) = (Vec::new(), Vec::new(), Vec::new());
        for (at, c) in converted.into_iter().enumerate() {
            match c {
                Ok(body) => {
                    bodies.push(body);
                    origins.push(vec![at]);
                }
                Err(errors) => refused.push((at, errors)),
            }
        }
        (bodies, origins, refused)
    };
    for (at, errors) in refused {
        refuse(&mut tally, batch, at, errors);
    }
    if bodies.is_empty() {
        return Ok(tally);
    }
    if plan.default_kind {
        default_kind(conn, caller.workspace_id, &mut bodies)?;
    }
    let results = write_records(conn, caller, plan, bodies)?;
    for (index, outcome) in results {
        let rows = &origins[index];
        match outcome {
            Ok(RecordStatus::Created) => tally.progress.created += 1,
            Ok(RecordStatus::Updated) => tally.progress.updated += 1,
            Ok(_) => tally.progress.unchanged += 1,
            Err(errors) => {
                let by_row =
                    crate::imports::orders::spread(errors, rows, batch, |f| plan.column_for(f));
                for (at, errors) in by_row {
                    refuse(&mut tally, batch, at, errors);
                }
            }
        }
    }
    Ok(tally)
}

fn refuse(
    tally: &mut Tally,
    batch: &[(i64, Result<Vec<String>, String>)],
    at: usize,
    errors: BTreeMap<String, Vec<String>>,
) {
    let (row_number, record) = &batch[at];
    tally.progress.failed += 1;
    tally.errors.push(ImportErrorRow {
        row_number: *row_number,
        errors: Json(json!(errors)),
        cells: Json(json!(record.as_ref().ok())),
    });
}

/// Per record of a batch (by index): its status, or its field errors.
type Results = Vec<(usize, Result<RecordStatus, FieldErrors>)>;

/// The records through the entity's batch write.
fn write_records(
    conn: &mut AnyConnection,
    caller: &Actor,
    plan: &Plan,
    bodies: Vec<Value>,
) -> Result<Results, AppError> {
    fn flatten<R>(
        outcomes: Vec<(usize, Outcome<R>)>,
        failed: Vec<(usize, RecordError)>,
    ) -> Results {
        outcomes
            .into_iter()
            .chain(failed.into_iter().map(|(i, e)| (i, Err(e))))
            .map(|(i, o)| (i, o.map(|(s, _)| s).map_err(RecordError::into_fields)))
            .collect()
    }
    Ok(match plan.entity {
        ImportEntity::Customers => {
            let (records, failed) = batches::parse::<CustomerPatch>(plan.mode, bodies, |p| {
                p.external_id.clone().flatten()
            })?;
            let outcomes = crate::customers::batch::write(conn, caller, plan.mode, records)?;
            flatten(outcomes, failed)
        }
        ImportEntity::Contacts => {
            let (records, failed) = batches::parse::<ContactPatch>(plan.mode, bodies, |p| {
                p.external_id.clone().flatten()
            })?;
            let outcomes = crate::contacts::batch::write(conn, caller, plan.mode, records)?;
            flatten(outcomes, failed)
        }
        ImportEntity::Deals => {
            let (records, failed) = batches::parse::<Value>(plan.mode, bodies, |v| {
                v.get("external_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })?;
            let outcomes = crate::deals::batch::write(conn, caller, plan.mode, records)?;
            flatten(outcomes, failed)
        }
        ImportEntity::Orders => {
            let (records, failed) = batches::parse::<OrderPatch>(plan.mode, bodies, |p| {
                p.external_id.clone().flatten()
            })?;
            let outcomes = crate::orders::write::write(conn, caller, plan.mode, records, None)?;
            flatten(outcomes, failed)
        }
        ImportEntity::Products => {
            let (records, failed) = batches::parse::<ProductPatch>(plan.mode, bodies, |p| {
                p.external_id.clone().flatten()
            })?;
            let outcomes = crate::products::write::write(conn, caller, plan.mode, records, None)?;
            flatten(outcomes, failed)
        }
    })
}

/// Sets `kind: organization` on the bodies that will create a customer.
fn default_kind(conn: &mut AnyConnection, ws: Uuid, bodies: &mut [Value]) -> Result<(), AppError> {
    let keys: Vec<String> = bodies
        .iter()
        .filter_map(|b| {
            b.get("external_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    let existing: std::collections::HashSet<String> =
        crm_db::customers::find_many(conn, ws, None, &[], &keys)?
            .into_iter()
            .filter_map(|r| r.fields.external_id)
            .collect();
    for body in bodies.iter_mut() {
        let known = body
            .get("external_id")
            .and_then(Value::as_str)
            .is_some_and(|k| existing.contains(k));
        if !known && let Value::Object(map) = body {
            map.entry("kind").or_insert_with(|| json!("organization"));
        }
    }
    Ok(())
}
