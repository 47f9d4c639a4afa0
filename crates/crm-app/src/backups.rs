//! Workspace backups: an administrator backs up their own workspace — never
//! the whole database, so no other tenant's rows leave — as the portable
//! archive of `crm export-workspace`, made by a durable `backup` job, then
//! downloaded. Archives are kept in `backups/` under the import directory.
//! A run whose worker stopped is taken over by another worker once its
//! lease runs out and written again from the start (a half-written archive
//! is useless; a new one is cheap).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crm_db::backups::{BackupRow, status};
use crm_db::jobs::NewJob;
use crm_db::{AnyConnection, DbPool};
use uuid::Uuid;

use crate::jobs::{JobContext, JobError};
use crate::{Actor, AppError};

/// The job kind.
pub const JOB: &str = "backup";

/// Where a run's archive is kept.
pub fn archive_path(import_dir: &Path, workspace_id: Uuid, id: Uuid) -> PathBuf {
    import_dir
        .join("backups")
        .join(format!("{workspace_id}-{id}.tar.gz"))
}

fn require_admin(actor: &Actor) -> Result<(), AppError> {
    actor.require_admin("back up the workspace")
}

/// Starts a backup of the actor's workspace: the run and its job commit
/// together (the caller wakes the workers).
pub fn start(conn: &mut AnyConnection, actor: &Actor) -> Result<BackupRow, AppError> {
    require_admin(actor)?;
    let ws = actor.workspace_id;
    let user = actor.user_id();
    crm_db::change_log::transaction(conn, |conn| {
        let row = crm_db::backups::insert(conn, ws, user)?;
        let payload = serde_json::json!({ "backup_id": row.id.0 });
        crm_db::jobs::enqueue(conn, &NewJob::new(ws, JOB, payload))?;
        Ok(row)
    })
}

/// One run of the actor's workspace.
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<BackupRow, AppError> {
    require_admin(actor)?;
    Ok(crm_db::backups::find(conn, actor.workspace_id, id)?)
}

/// The archive of a finished run (`Conflict` while it is not done).
pub fn archive(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    import_dir: &Path,
) -> Result<PathBuf, AppError> {
    let row = get(conn, actor, id)?;
    if row.status != status::DONE {
        return Err(AppError::Conflict {
            field: "status".into(),
            detail: format!("the backup is {}, not done", row.status),
        });
    }
    Ok(archive_path(import_dir, actor.workspace_id, id))
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
                return Err(AppError::Conflict {
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
            std::fs::rename(&part, &out).map_err(AppError::internal)
        })
        .map_err(|e| e.to_string())
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    written
}
