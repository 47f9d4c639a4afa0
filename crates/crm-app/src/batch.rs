//! What every batch write shares: reading the records one by one (a
//! malformed record fails alone), naming each record's target, the
//! per-record error, and the answer (every record's result, or a
//! validation error naming `records[i].field` when `all_or_none` refuses
//! the batch). The entity modules do the work with multi-row statements;
//! their single-record use cases run the same code with one record, and
//! imports run it on each chunk of a file.

use crm_api_types::batch::{BatchMode, BatchResponse, MAX_RECORDS, RecordResult, RecordStatus};
use crm_db::AnyConnection;
use crm_domain::FieldErrors;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::AppError;

/// Which record a write is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A new record.
    New,
    /// An existing record by id.
    Id(Uuid),
    /// By external id: updated when it exists, else created (upsert), or
    /// required to exist (update).
    Key(String),
}

/// One parsed record of a batch.
#[derive(Debug, Clone)]
pub struct Record<P> {
    pub index: usize,
    pub target: Target,
    pub body: P,
}

/// Why one record was refused; a single-record endpoint answers it with
/// the matching status, a batch reports it in the record's result.
#[derive(Debug, Clone)]
pub enum RecordError {
    /// 404: no such record, or not visible to the caller (`field` names how it was sought).
    NotFound(&'static str),
    /// 403: the role may not do this with this record.
    Forbidden(String),
    /// 409: a unique field is taken.
    Conflict { field: String, detail: String },
    /// 412: `If-Match` names another version.
    Stale,
    /// 422: field errors.
    Invalid(FieldErrors),
}

impl RecordError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::single(field, message))
    }

    /// The refusal of one record as a single-record use case answers it.
    pub fn into_app(self) -> AppError {
        match self {
            Self::NotFound(_) => AppError::NotFound,
            Self::Forbidden(m) => AppError::Forbidden(m),
            Self::Conflict { field, detail } => AppError::Conflict { field, detail },
            Self::Stale => AppError::Stale,
            Self::Invalid(errors) => AppError::Validation(errors),
        }
    }

    pub fn into_fields(self) -> FieldErrors {
        match self {
            Self::NotFound(field) => {
                FieldErrors::single(field, "no such record, or not visible to you")
            }
            Self::Forbidden(m) => FieldErrors::single("record", m),
            Self::Conflict { field, detail } => FieldErrors::single(field, detail),
            Self::Stale => FieldErrors::single("version", "changed by someone else"),
            Self::Invalid(errors) => errors,
        }
    }
}

impl From<AppError> for RecordError {
    /// A single-record refusal as a batch reports it (the inverse of `into_app`).
    fn from(e: AppError) -> Self {
        match e {
            AppError::Validation(errors) => Self::Invalid(errors),
            AppError::Forbidden(m) => Self::Forbidden(m),
            AppError::Conflict { field, detail } => Self::Conflict { field, detail },
            AppError::NotFound => Self::NotFound("id"),
            AppError::Stale => Self::Stale,
            other => Self::invalid("record", other.to_string()),
        }
    }
}

/// What happened to one record: its status and row, or why it failed.
pub type Outcome<R> = Result<(RecordStatus, R), RecordError>;

/// The records that parsed, and the refusals of those that did not.
pub type Parsed<P> = (Vec<Record<P>>, Vec<(usize, RecordError)>);

/// Checks the record count and parses each record as `P`. In `update` mode
/// a record names its target by `id` (taken out before parsing) or by
/// `key_field`; in `upsert` mode by `key_field`, which is required.
pub fn parse<P: DeserializeOwned>(
    mode: BatchMode,
    records: Vec<Value>,
    key_of: impl Fn(&P) -> Option<String>,
) -> Result<Parsed<P>, AppError> {
    if records.is_empty() || records.len() > MAX_RECORDS {
        return Err(AppError::validation(
            "records",
            format!("must hold 1 to {MAX_RECORDS} records"),
        ));
    }
    let mut parsed = Vec::with_capacity(records.len());
    let mut failed = Vec::new();
    for (index, value) in records.into_iter().enumerate() {
        match parse_one(mode, value, &key_of) {
            Ok((target, body)) => parsed.push(Record {
                index,
                target,
                body,
            }),
            Err(e) => failed.push((index, e)),
        }
    }
    Ok((parsed, failed))
}

fn parse_one<P: DeserializeOwned>(
    mode: BatchMode,
    value: Value,
    key_of: &impl Fn(&P) -> Option<String>,
) -> Result<(Target, P), RecordError> {
    let Value::Object(mut object) = value else {
        return Err(RecordError::invalid("record", "must be a JSON object"));
    };
    let id = match object.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if mode == BatchMode::Update => Some(
            s.parse::<Uuid>()
                .map_err(|_| RecordError::invalid("id", "must be a UUID"))?,
        ),
        Some(_) if mode == BatchMode::Update => {
            return Err(RecordError::invalid("id", "must be a UUID"));
        }
        Some(_) => {
            return Err(RecordError::invalid(
                "id",
                format!("is only accepted in update mode (this batch is {mode})"),
            ));
        }
    };
    let body: P = parse_body(Value::Object(object))?;
    let key = key_of(&body);
    let target = match (mode, id, key) {
        (BatchMode::Create, _, _) => Target::New,
        (BatchMode::Update, Some(id), _) => Target::Id(id),
        (BatchMode::Update, None, Some(key)) | (BatchMode::Upsert, _, Some(key)) => {
            Target::Key(key)
        }
        (BatchMode::Update, None, None) => {
            return Err(RecordError::invalid(
                "id",
                "update mode needs `id` or `external_id` in every record",
            ));
        }
        (BatchMode::Upsert, _, None) => {
            return Err(RecordError::invalid(
                "external_id",
                "is required in upsert mode",
            ));
        }
    };
    Ok((target, body))
}

/// Parses a record's body as `P`, naming the field a bad value is in.
pub fn parse_body<P: DeserializeOwned>(mut value: Value) -> Result<P, RecordError> {
    crate::input::integral_floats_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let (field, message) = crate::input::field_error(err.path(), &err.inner().to_string());
        RecordError::invalid(field, message)
    })
}

/// How a record names its target, for error messages.
pub fn target_field<P>(record: &Record<P>) -> &'static str {
    match record.target {
        Target::Id(_) => "id",
        _ => "external_id",
    }
}

/// Marks every record after the first that names the same target or the
/// same unique value (`key` returns it) as failed.
pub fn reject_repeats<P, K: Eq + std::hash::Hash>(
    records: Vec<Record<P>>,
    field: impl Fn(&Record<P>) -> &'static str,
    key: impl Fn(&Record<P>) -> Option<K>,
    failed: &mut Vec<(usize, RecordError)>,
) -> Vec<Record<P>> {
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::with_capacity(records.len());
    for record in records {
        let repeated = key(&record).is_some_and(|k| !seen.insert(k));
        if repeated {
            failed.push((
                record.index,
                RecordError::invalid(field(&record), "appears more than once in this batch"),
            ));
        } else {
            kept.push(record);
        }
    }
    kept
}

/// The answer to a batch: with `all_or_none` and any failure, the 422 that
/// rolls the transaction back; else every record's result in order.
pub fn answer<R>(
    all_or_none: bool,
    outcomes: Vec<(usize, Outcome<R>)>,
    id_of: impl Fn(&R) -> (Uuid, i32),
) -> Result<BatchResponse, AppError> {
    let mut outcomes = outcomes;
    outcomes.sort_by_key(|(index, _)| *index);
    if all_or_none && outcomes.iter().any(|(_, o)| o.is_err()) {
        let mut errors = FieldErrors::new();
        for (index, outcome) in outcomes {
            if let Err(e) = outcome {
                for (field, messages) in e.into_fields().0 {
                    for message in messages {
                        errors.add(format!("records[{index}].{field}"), message);
                    }
                }
            }
        }
        return Err(AppError::Validation(errors));
    }
    let results = outcomes
        .into_iter()
        .map(|(index, outcome)| match outcome {
            Ok((status, row)) => {
                let (id, version) = id_of(&row);
                RecordResult {
                    index,
                    status,
                    id: Some(id),
                    version: Some(version),
                    errors: Default::default(),
                }
            }
            Err(e) => RecordResult {
                index,
                status: RecordStatus::Failed,
                id: None,
                version: None,
                errors: e.into_fields().0,
            },
        })
        .collect();
    Ok(BatchResponse::new(results))
}

/// The job kind that vacuums the tables batches rewrite.
pub const VACUUM_JOB: &str = "vacuum";

/// After a batch has committed: refreshes the planner's statistics of the
/// tables batches fill once they have grown by half since the last
/// refresh (`crm_db::batch::refresh_statistics`), so the statements of the
/// next batches and reads are planned for the table's real size; and when
/// updates have left one of them with more dead row versions than half its
/// rows, queues a [`VACUUM_JOB`] (once: a queued or running one is not
/// doubled), so that no request waits on a vacuum and no table depends on
/// autovacuum to stop growing.
pub fn refresh_statistics(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    wake: &crate::jobs::Wake,
) -> Result<(), AppError> {
    let due = crm_db::batch::refresh_statistics(conn, crm_db::batch::BULK_TABLES)?;
    if due.is_empty() || crm_db::jobs::pending(conn, workspace_id, VACUUM_JOB, VACUUM_JOB)? {
        return Ok(());
    }
    let job = crm_db::jobs::NewJob::new(workspace_id, VACUUM_JOB, serde_json::json!({}))
        .unique(VACUUM_JOB);
    if crm_db::jobs::enqueue(conn, &job)?.is_some() {
        wake.wake();
    }
    Ok(())
}

/// The upkeep a batch triggers, for the writes that are not batches: a
/// workspace edited one record at a time rewrites rows of the rollups, the
/// counts and the metrics with every write, and with autovacuum off nothing
/// else would refresh their statistics or reclaim the dead row versions.
/// Refreshes the statistics of the tables that grew by half and vacuums
/// those holding more dead versions than half their rows (the rules of
/// [`refresh_statistics`]); a no-op on SQLite. The job runner's first
/// worker runs it every `RunnerConfig::upkeep` while idle.
pub fn upkeep(conn: &mut AnyConnection) -> Result<Vec<String>, AppError> {
    crm_db::batch::refresh_statistics(conn, crm_db::batch::BULK_TABLES)?;
    Ok(crm_db::batch::vacuum(conn, crm_db::batch::BULK_TABLES)?)
}

/// The [`VACUUM_JOB`] handler: vacuums those of the tables batches fill
/// that are still due (a second run finds nothing to do).
pub fn vacuum_job(ctx: &crate::jobs::JobContext<'_>) -> Result<(), crate::jobs::JobError> {
    let mut conn = ctx.pool.get().map_err(crate::jobs::JobError::retry)?;
    crm_db::batch::vacuum(&mut conn, crm_db::batch::BULK_TABLES)?;
    Ok(())
}
