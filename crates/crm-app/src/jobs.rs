//! Durable jobs: the registry of handlers by kind, the context a handler
//! runs with, and the runner ([`Runner`]) whose workers claim jobs from
//! `crm_db::jobs`, run them under a lease they keep extending, and record
//! the outcome. Enqueue with `crm_db::jobs::enqueue` inside the write's
//! transaction, then [`Wake::wake`] this process's idle workers.
//!
//! Handlers must be idempotent: a job whose worker died (its lease ran
//! out) is run again from the start of its handler, which must pick up
//! from whatever the previous attempt committed.

pub mod admin;
pub mod backoff;
mod runner;

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crm_db::jobs::JobRow;
use crm_db::{DbError, DbPool};
use uuid::Uuid;

use crate::AppError;

pub use runner::{Runner, RunnerConfig, Worker};

/// Why a handler's attempt failed, and whether another attempt may help.
#[derive(Debug, Clone)]
pub struct JobError {
    pub message: String,
    /// `false`: the job goes dead at once (retrying cannot fix it).
    pub retry: bool,
}

impl JobError {
    pub fn retry(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            retry: true,
        }
    }

    pub fn permanent(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            retry: false,
        }
    }
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unavailable(_) | AppError::Internal(_) | AppError::Stale => {
                JobError::retry(e)
            }
            AppError::Validation(errors) => JobError::permanent(format!("{errors:?}")),
            other => JobError::permanent(other),
        }
    }
}

impl From<DbError> for JobError {
    fn from(e: DbError) -> Self {
        AppError::from(e).into()
    }
}

/// What a handler gets: the pool (take connections as needed; a long job
/// should not hold one between its steps), the claimed job, and the lease
/// it holds.
pub struct JobContext<'a> {
    pub pool: &'a DbPool,
    pub job: &'a JobRow,
    /// The worker holding the lease (`jobs.locked_by`).
    pub worker: &'a str,
    pub lease: Duration,
}

impl JobContext<'_> {
    /// The fence of a step's transaction: renews the lease in it and says
    /// whether this worker still holds the job. Call it inside each step's
    /// transaction and roll back on `false`: a worker whose lease ran out
    /// (its heartbeat starved) must not commit beside the one that took the
    /// job over. On PostgreSQL the renewal also locks the job's row until
    /// commit, so a claim cannot slip in between.
    pub fn holds(&self, conn: &mut crm_db::AnyConnection) -> Result<bool, DbError> {
        crm_db::jobs::extend_lease(
            conn,
            self.job.workspace_id.0,
            self.job.id.0,
            self.worker,
            self.lease,
        )
    }

    pub fn workspace_id(&self) -> Uuid {
        self.job.workspace_id.0
    }

    /// Whether a failure of this attempt makes the job dead.
    pub fn last_attempt(&self) -> bool {
        self.job.attempts >= self.job.max_attempts
    }

    /// The payload as `T`; a payload that does not parse is a permanent failure.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.job.payload.0.clone()).map_err(|e| {
            JobError::permanent(format!("{} job with a bad payload: {e}", self.job.kind))
        })
    }
}

/// A job kind's handler.
pub type Handler = Arc<dyn Fn(&JobContext<'_>) -> Result<(), JobError> + Send + Sync>;

/// Handlers by job kind. Workers claim only kinds that have one.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: BTreeMap<String, Handler>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) the handler of `kind`.
    pub fn register(
        &mut self,
        kind: &str,
        handler: impl Fn(&JobContext<'_>) -> Result<(), JobError> + Send + Sync + 'static,
    ) -> &mut Self {
        self.handlers.insert(kind.to_owned(), Arc::new(handler));
        self
    }

    pub fn kinds(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }

    pub fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.get(kind)
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.handlers.keys()).finish()
    }
}

/// Wakes this process's idle workers after a job was enqueued here (other
/// processes find it at their next poll).
#[derive(Clone, Default)]
pub struct Wake(Arc<(Mutex<u64>, Condvar)>);

impl Wake {
    pub fn wake(&self) {
        let (count, changed) = &*self.0;
        *count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        changed.notify_all();
    }

    fn seen(&self) -> u64 {
        *self.0.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits up to `timeout` for a wake after `seen`.
    fn wait(&self, seen: u64, timeout: Duration) {
        let (count, changed) = &*self.0;
        let guard = count.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = changed
            .wait_timeout_while(guard, timeout, |n| *n == seen)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

impl std::fmt::Debug for Wake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wake")
    }
}

/// Every job kind this server runs, with its handler; imports and backups
/// keep their files under `import_dir`; deliveries mail through `mailer`.
pub fn registry(import_dir: &std::path::Path, mailer: &crate::mail::Mailer) -> Registry {
    let mut registry = Registry::new();
    registry.register(
        crate::analytics::clv::FIT_JOB,
        crate::analytics::clv::fit_job,
    );
    registry.register(
        crate::analytics::rfm::REFRESH_JOB,
        crate::analytics::rfm::refresh_job,
    );
    registry.register(crate::batch::VACUUM_JOB, crate::batch::vacuum_job);
    let dir = import_dir.to_path_buf();
    registry.register(crate::imports::job::KIND, move |ctx| {
        crate::imports::job::handle(ctx, &dir)
    });
    let dir = import_dir.to_path_buf();
    registry.register(crate::backups::JOB, move |ctx| {
        crate::backups::handle(ctx, &dir)
    });
    registry.register(crate::deliveries::job::RUN_JOB, crate::deliveries::job::run);
    let mails = mailer.configured();
    registry.register(crate::tickets::sla_alerts::SWEEP_JOB, move |ctx| {
        crate::tickets::sla_alerts::sweep(ctx, mails)
    });
    let survey_mailer = mailer.clone();
    registry.register(crate::tickets::surveys::MAIL_JOB, move |ctx| {
        crate::tickets::surveys::mail(ctx, &survey_mailer)
    });
    let sla_mailer = mailer.clone();
    registry.register(crate::tickets::sla_alerts::MAIL_JOB, move |ctx| {
        crate::tickets::sla_alerts::mail(ctx, &sla_mailer)
    });
    let mailer = mailer.clone();
    registry.register(crate::deliveries::job::SEND_JOB, move |ctx| {
        crate::deliveries::job::send(ctx, &mailer)
    });
    registry
}
