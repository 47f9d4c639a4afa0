//! Background jobs as an administrator sees them (`/admin/jobs`): what ran
//! or will run in the workspace, its attempts and last error; retry a dead
//! job, cancel a queued one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

crm_domain::string_enum! {
    /// Where a job stands: `queued` (waiting for `run_at`, also between
    /// retries), `running` (a worker holds its lease), `done`, `dead` (out of
    /// attempts, or a failure retrying cannot fix) or `cancelled`.
    JobStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Dead = "dead",
        Cancelled = "cancelled",
    }
}

/// One job.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub id: Uuid,
    /// What it does: `import`, `backup`, `clv_fit`, `rfm_refresh`, `vacuum`
    /// (frees the row versions batch updates left behind), `delivery.run`,
    /// `delivery.send`, `survey.mail`, `ticket.sla_sweep`, `ticket.sla_mail`
    pub kind: String,
    pub status: JobStatus,
    /// Its input (for an import: the import's id).
    pub payload: serde_json::Value,
    pub priority: i32,
    /// Not before this time (the next attempt's time after a failure).
    pub run_at: DateTime<Utc>,
    /// Attempts started so far.
    pub attempts: i32,
    pub max_attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The worker holding it while running.
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobList {
    pub items: Vec<Job>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// `GET /admin/jobs` filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    pub kind: Option<String>,
    /// 1–200, default 25.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
