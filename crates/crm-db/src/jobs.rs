//! The durable job queue (`jobs`): enqueue in the caller's transaction,
//! claim under a lease, extend it while running, complete or fail (back to
//! `queued` at a later `run_at`, or `dead` once `max_attempts` claims have
//! been used), list, retry a dead job, cancel a queued one.
//!
//! A claim takes one job that is `queued` and due, or `running` with an
//! expired lease (its worker died), and counts the attempt. PostgreSQL
//! claims with `SELECT … FOR UPDATE SKIP LOCKED` and an update in one
//! transaction, so concurrent workers skip each other's rows; SQLite, which
//! has one writer at a time, picks a candidate and takes it with an
//! `UPDATE` guarded by the same claimable condition (zero rows: someone
//! else was faster, try the next). Every write after the claim is guarded
//! by `locked_by`, so a worker whose lease was taken over cannot complete
//! or fail the new holder's attempt.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::jobs;
use crate::time::now;
use crate::types::{Id, Json};

/// The statuses of a job (`queued` → `running` → `done`; a failure goes back
/// to `queued` or, out of attempts, to `dead`; a queued job may be `cancelled`).
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const DEAD: &str = "dead";
    pub const CANCELLED: &str = "cancelled";
    pub const ALL: [&str; 5] = [QUEUED, RUNNING, DONE, DEAD, CANCELLED];
}

/// Attempts a job gets unless its enqueuer says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub workspace_id: Id,
    pub id: Id,
    pub kind: String,
    pub payload: Json,
    pub unique_key: Option<String>,
    pub status: String,
    pub priority: i32,
    pub run_at: NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// A job to enqueue; [`NewJob::new`] fills the defaults.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub workspace_id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Higher runs first among due jobs.
    pub priority: i32,
    pub max_attempts: i32,
    /// Not before this time (default: now).
    pub run_at: Option<NaiveDateTime>,
    /// At most one queued or running job of this kind per workspace has it.
    pub unique_key: Option<String>,
}

impl NewJob {
    pub fn new(workspace_id: Uuid, kind: &str, payload: serde_json::Value) -> Self {
        Self {
            workspace_id,
            kind: kind.to_owned(),
            payload,
            priority: 0,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            run_at: None,
            unique_key: None,
        }
    }

    pub fn unique(mut self, key: &str) -> Self {
        self.unique_key = Some(key.to_owned());
        self
    }

    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Adds a queued job. Call it inside the transaction of the write that
/// needs it, so both commit or neither does. `None`: a queued or running
/// job of the same kind and `unique_key` already exists in the workspace.
pub fn enqueue(conn: &mut AnyConnection, new: &NewJob) -> DbResult<Option<JobRow>> {
    let at = now();
    let row = JobRow {
        workspace_id: Id(new.workspace_id),
        id: Id::new(),
        kind: new.kind.clone(),
        payload: Json(new.payload.clone()),
        unique_key: new.unique_key.clone(),
        status: status::QUEUED.into(),
        priority: new.priority,
        run_at: new.run_at.unwrap_or(at),
        attempts: 0,
        max_attempts: new.max_attempts.max(1),
        locked_by: None,
        locked_until: None,
        last_error: None,
        created_at: at,
        updated_at: at,
        finished_at: None,
    };
    // ON CONFLICT DO NOTHING: a duplicate unique key must not abort the
    // caller's PostgreSQL transaction.
    let inserted = crate::each_backend!(&mut *conn, |c| diesel::insert_into(jobs::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok((inserted == 1).then_some(row))
}

/// The claimable condition: due and queued, or running on an expired lease.
macro_rules! claimable {
    ($at:expr) => {
        jobs::status
            .eq(status::QUEUED)
            .and(jobs::run_at.le($at))
            .or(jobs::status
                .eq(status::RUNNING)
                .and(jobs::locked_until.lt(Some($at))))
    };
}

/// Claims the next due job of one of `kinds` for `worker`, leased for
/// `lease`, counting the attempt. A job whose lease expired on its last
/// attempt is marked `dead` instead of being run again.
pub fn claim(
    conn: &mut AnyConnection,
    worker: &str,
    kinds: &[&str],
    lease: Duration,
) -> DbResult<Option<JobRow>> {
    loop {
        let at = now();
        let until = at + chrono_of(lease);
        // A plain read first: an idle worker polling an empty queue takes no
        // lock (on SQLite an UPDATE would take the write lock even when it
        // matches nothing).
        let any: Option<Id> = jobs::table
            .filter(claimable!(at))
            .filter(jobs::kind.eq_any(kinds))
            .select(jobs::id)
            .first(conn)
            .optional()?;
        if any.is_none() {
            return Ok(None);
        }
        let taken = match conn {
            AnyConnection::Postgresql(c) => c.transaction(|c| {
                let candidate: Option<(Id, Id, String, i32, i32)> = jobs::table
                    .filter(claimable!(at))
                    .filter(jobs::kind.eq_any(kinds))
                    .order((jobs::priority.desc(), jobs::run_at.asc()))
                    .select((
                        jobs::workspace_id,
                        jobs::id,
                        jobs::status,
                        jobs::attempts,
                        jobs::max_attempts,
                    ))
                    .for_update()
                    .skip_locked()
                    .first(c)
                    .optional()?;
                let Some((ws, id, was, attempts, max)) = candidate else {
                    return Ok::<_, diesel::result::Error>(Taken::Nothing);
                };
                let key = jobs::table
                    .filter(jobs::workspace_id.eq(ws))
                    .filter(jobs::id.eq(id));
                if was == status::RUNNING && attempts >= max {
                    diesel::update(key).set(expired_dead(at)).execute(c)?;
                    return Ok(Taken::Buried);
                }
                diesel::update(key)
                    .set(claimed(worker, at, until))
                    .execute(c)?;
                Ok(Taken::Job(ws.0, id.0))
            })?,
            AnyConnection::Sqlite(_) => {
                let candidate: Option<(Id, Id, String, i32, i32)> = jobs::table
                    .filter(claimable!(at))
                    .filter(jobs::kind.eq_any(kinds))
                    .order((jobs::priority.desc(), jobs::run_at.asc()))
                    .select((
                        jobs::workspace_id,
                        jobs::id,
                        jobs::status,
                        jobs::attempts,
                        jobs::max_attempts,
                    ))
                    .first(conn)
                    .optional()?;
                match candidate {
                    None => Taken::Nothing,
                    Some((ws, id, was, attempts, max)) => {
                        let guarded = jobs::table
                            .filter(jobs::workspace_id.eq(ws))
                            .filter(jobs::id.eq(id))
                            .filter(claimable!(at));
                        if was == status::RUNNING && attempts >= max {
                            diesel::update(guarded)
                                .set(expired_dead(at))
                                .execute(conn)?;
                            Taken::Buried
                        } else if diesel::update(guarded)
                            .set(claimed(worker, at, until))
                            .execute(conn)?
                            == 1
                        {
                            Taken::Job(ws.0, id.0)
                        } else {
                            Taken::Lost
                        }
                    }
                }
            }
        };
        match taken {
            Taken::Nothing => return Ok(None),
            Taken::Job(ws, id) => return find(conn, ws, id).map(Some),
            Taken::Buried | Taken::Lost => continue,
        }
    }
}

enum Taken {
    Nothing,
    Job(Uuid, Uuid),
    /// Marked dead (its last lease expired); look again.
    Buried,
    /// Another worker took it first (SQLite); look again.
    Lost,
}

#[expect(clippy::type_complexity)]
fn claimed(
    worker: &str,
    at: NaiveDateTime,
    until: NaiveDateTime,
) -> (
    diesel::dsl::Eq<jobs::status, &'static str>,
    diesel::dsl::Eq<jobs::locked_by, Option<&str>>,
    diesel::dsl::Eq<jobs::locked_until, Option<NaiveDateTime>>,
    diesel::dsl::Eq<jobs::attempts, diesel::dsl::Add<jobs::attempts, i32>>,
    diesel::dsl::Eq<jobs::updated_at, NaiveDateTime>,
) {
    (
        jobs::status.eq(status::RUNNING),
        jobs::locked_by.eq(Some(worker)),
        jobs::locked_until.eq(Some(until)),
        jobs::attempts.eq(jobs::attempts + 1),
        jobs::updated_at.eq(at),
    )
}

#[expect(clippy::type_complexity)]
fn expired_dead(
    at: NaiveDateTime,
) -> (
    diesel::dsl::Eq<jobs::status, &'static str>,
    diesel::dsl::Eq<jobs::locked_by, Option<String>>,
    diesel::dsl::Eq<jobs::locked_until, Option<NaiveDateTime>>,
    diesel::dsl::Eq<jobs::last_error, Option<&'static str>>,
    diesel::dsl::Eq<jobs::updated_at, NaiveDateTime>,
    diesel::dsl::Eq<jobs::finished_at, Option<NaiveDateTime>>,
) {
    (
        jobs::status.eq(status::DEAD),
        jobs::locked_by.eq(None::<String>),
        jobs::locked_until.eq(None::<NaiveDateTime>),
        jobs::last_error.eq(Some(
            "the worker stopped during the last attempt (its lease expired)",
        )),
        jobs::updated_at.eq(at),
        jobs::finished_at.eq(Some(at)),
    )
}

/// Pushes the lease of `worker`'s running job to now + `lease`. `false`:
/// the job is no longer this worker's (its lease expired and another
/// worker took it, or it was marked dead).
pub fn extend_lease(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    worker: &str,
    lease: Duration,
) -> DbResult<bool> {
    let at = now();
    let n = diesel::update(held(workspace_id, id, worker))
        .set((
            jobs::locked_until.eq(Some(at + chrono_of(lease))),
            jobs::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

#[expect(clippy::type_complexity)]
fn held(
    workspace_id: Uuid,
    id: Uuid,
    worker: &str,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            diesel::dsl::Filter<jobs::table, diesel::dsl::Eq<jobs::workspace_id, Id>>,
            diesel::dsl::Eq<jobs::id, Id>,
        >,
        diesel::dsl::Eq<jobs::status, &'static str>,
    >,
    diesel::dsl::Eq<jobs::locked_by, Option<String>>,
> {
    jobs::table
        .filter(jobs::workspace_id.eq(Id(workspace_id)))
        .filter(jobs::id.eq(Id(id)))
        .filter(jobs::status.eq(status::RUNNING))
        .filter(jobs::locked_by.eq(Some(worker.to_owned())))
}

/// Marks `worker`'s running job done. `false`: it was no longer theirs.
pub fn complete(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    worker: &str,
) -> DbResult<bool> {
    let at = now();
    let n = diesel::update(held(workspace_id, id, worker))
        .set((
            jobs::status.eq(status::DONE),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::updated_at.eq(at),
            jobs::finished_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt of `worker`'s running job, keeping `error`:
/// back to `queued` at now + `retry_in`, or `dead` when it has used its
/// attempts or `retry_in` is `None` (a failure retrying cannot fix).
/// Returns the job's new status, or `None` when it was no longer theirs.
pub fn fail(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    worker: &str,
    error: &str,
    retry_in: Option<Duration>,
) -> DbResult<Option<&'static str>> {
    let row = find(conn, workspace_id, id)?;
    if row.status != status::RUNNING || row.locked_by.as_deref() != Some(worker) {
        return Ok(None);
    }
    let at = now();
    let error: String = error.chars().take(4000).collect();
    let n = match retry_in.filter(|_| row.attempts < row.max_attempts) {
        Some(delay) => diesel::update(held(workspace_id, id, worker))
            .set((
                jobs::status.eq(status::QUEUED),
                jobs::run_at.eq(at + chrono_of(delay)),
                jobs::locked_by.eq(None::<String>),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::last_error.eq(Some(&error)),
                jobs::updated_at.eq(at),
            ))
            .execute(conn)
            .map(|n| (n, status::QUEUED))?,
        None => diesel::update(held(workspace_id, id, worker))
            .set((
                jobs::status.eq(status::DEAD),
                jobs::locked_by.eq(None::<String>),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::last_error.eq(Some(&error)),
                jobs::updated_at.eq(at),
                jobs::finished_at.eq(Some(at)),
            ))
            .execute(conn)
            .map(|n| (n, status::DEAD))?,
    };
    Ok((n.0 == 1).then_some(n.1))
}

/// The workspace's job, or `NotFound` (also for another workspace's).
pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<JobRow> {
    Ok(jobs::table
        .filter(jobs::workspace_id.eq(Id(workspace_id)))
        .filter(jobs::id.eq(Id(id)))
        .select(JobRow::as_select())
        .first(conn)?)
}

/// A page of the workspace's jobs, newest first, optionally of one status
/// and kind; `before`: the id of the previous page's last job.
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    status: Option<&str>,
    kind: Option<&str>,
    before: Option<Uuid>,
    limit: i64,
) -> DbResult<Vec<JobRow>> {
    let mut query = jobs::table
        .filter(jobs::workspace_id.eq(Id(workspace_id)))
        .into_boxed();
    if let Some(s) = status {
        query = query.filter(jobs::status.eq(s.to_owned()));
    }
    if let Some(k) = kind {
        query = query.filter(jobs::kind.eq(k.to_owned()));
    }
    if let Some(b) = before {
        query = query.filter(jobs::id.lt(Id(b)));
    }
    Ok(query
        .order(jobs::id.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?)
}

/// Queues a dead job again with fresh attempts (its last error kept).
/// `false`: it is not dead.
pub fn retry(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<bool> {
    let at = now();
    let n = diesel::update(
        jobs::table
            .filter(jobs::workspace_id.eq(Id(workspace_id)))
            .filter(jobs::id.eq(Id(id)))
            .filter(jobs::status.eq(status::DEAD)),
    )
    .set((
        jobs::status.eq(status::QUEUED),
        jobs::attempts.eq(0),
        jobs::run_at.eq(at),
        jobs::updated_at.eq(at),
        jobs::finished_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Cancels a queued job. `false`: it is not queued (running, finished or
/// already cancelled).
pub fn cancel(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<bool> {
    let at = now();
    let n = diesel::update(
        jobs::table
            .filter(jobs::workspace_id.eq(Id(workspace_id)))
            .filter(jobs::id.eq(Id(id)))
            .filter(jobs::status.eq(status::QUEUED)),
    )
    .set((
        jobs::status.eq(status::CANCELLED),
        jobs::updated_at.eq(at),
        jobs::finished_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Whether a queued or running job of `kind` with `unique_key` exists in the workspace.
pub fn pending(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    kind: &str,
    unique_key: &str,
) -> DbResult<bool> {
    let found: Option<Id> = jobs::table
        .filter(jobs::workspace_id.eq(Id(workspace_id)))
        .filter(jobs::kind.eq(kind))
        .filter(jobs::unique_key.eq(Some(unique_key)))
        .filter(jobs::status.eq_any([status::QUEUED, status::RUNNING]))
        .select(jobs::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}
