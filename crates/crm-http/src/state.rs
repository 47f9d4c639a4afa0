//! Shared application state and the helper that runs blocking database
//! work off the async workers.

use actix_web::web;
use crm_db::{AnyConnection, Backend, DbPool};

use crate::error::ApiError;
use crate::security::TokenKeys;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub backend: Backend,
    pub tokens: TokenKeys,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_proxy: bool,
    /// Sign-in, refresh-token and API-key failures allowed per account and address.
    pub throttles: crm_app::throttle::Throttles,
    /// The built web app (`frontend/dist`): served at `/` with deep links
    /// falling back to its `index.html`. `None`: a plain page links to the API docs.
    pub web_dir: Option<std::path::PathBuf>,
    /// How stale RFM scores may be served after an order write before an
    /// analytics read queues their refresh job (zero: the read recomputes
    /// them; see `crm_app::analytics::rfm`).
    pub rfm_max_age: std::time::Duration,
    /// Where uploaded import files are kept (several instances must share it).
    pub import_dir: std::path::PathBuf,
    /// The largest import file accepted, in bytes.
    pub import_max_bytes: u64,
    /// Where ticket attachments are kept (shared by every instance) and their size limit.
    pub attachments: crm_app::tickets::attachments::Store,
    /// Wakes this process's idle job workers after a request enqueued a job.
    pub jobs: crm_app::jobs::Wake,
    /// This process's authenticated principals, checked against the
    /// workspace's access counter on each request.
    pub principals: std::sync::Arc<crm_app::auth::Principals>,
    /// This process's open `/live` streams (fed by `crm_app::live::Live`).
    pub live: crate::live::Hub,
    /// Turns for aggregate reads (analytics, reports, dashboard widgets,
    /// forecasts): how many run at once in this process (see [`AppState::db_heavy`]).
    pub heavy: HeavyReads,
}

/// The turns of [`AppState::db_heavy`]: a fixed number of aggregate reads
/// run at once, the others wait for a turn without holding a thread or a
/// connection.
#[derive(Clone)]
pub struct HeavyReads(std::sync::Arc<tokio::sync::Semaphore>);

impl HeavyReads {
    /// `at_once` aggregate reads at a time (at least one).
    pub fn new(at_once: usize) -> Self {
        Self(std::sync::Arc::new(tokio::sync::Semaphore::new(
            at_once.max(1),
        )))
    }

    /// Half the cores this process may use, at least one: the rest of the
    /// machine stays with the interactive requests.
    pub fn half_the_cores() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores / 2)
    }

    /// Waits for a turn; the turn ends when the permit is dropped.
    pub async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.0.acquire().await.map_err(ApiError::internal)
    }

    /// Turns free now.
    pub fn free(&self) -> usize {
        self.0.available_permits()
    }
}

impl AppState {
    /// How fresh analytics reads want RFM scores, with this process's job wake-up.
    pub fn rfm_freshness(&self) -> crm_app::analytics::rfm::Freshness {
        crm_app::analytics::rfm::Freshness {
            max_age: self.rfm_max_age,
            wake: self.jobs.clone(),
        }
    }

    /// Runs `f` (a read, or work that is safe to repeat) with a pooled
    /// connection on the blocking thread pool, and once more on another
    /// connection when the first turned out to have been closed under it
    /// (the pool then tests its connections before handing them out).
    pub async fn db_retrying<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Fn(&mut AnyConnection) -> Result<T, crm_app::AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let attempt = || {
                let mut conn = pool
                    .get()
                    .map_err(|e| crm_app::AppError::Unavailable(e.to_string()))?;
                f(&mut conn)
            };
            match attempt() {
                Err(crm_app::AppError::Unavailable(_)) => attempt(),
                other => other,
            }
            .map_err(ApiError::from)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs an aggregate read (an analytics endpoint, a report, a dashboard
    /// widget, a forecast) like [`AppState::db`], when one of the process's
    /// turns for them is free. Such a read takes hundreds of milliseconds of
    /// database CPU; a burst of them used to take every core, and the record
    /// and list reads queued behind them (a 100-person load test: reads p99
    /// 4 ms without analytics, 100 ms with 5 % of requests being analytics).
    /// Waiting for a turn holds no thread and no connection.
    pub async fn db_heavy<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let _turn = self.heavy.turn().await?;
        self.db(f).await
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool
                .get()
                .map_err(|e| ApiError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }
}
