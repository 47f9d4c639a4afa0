//! Events: the change log read as an outbox. A [`Consumer`] is handed the
//! entries after its cursor, per workspace, in commit order; its handling
//! and the cursor's advance commit in one transaction, so a database effect
//! happens once per entry even when a node dies mid-batch or two nodes run
//! the same consumer (they take turns on the cursor row). [`Events`] is
//! the thread that keeps consumers caught up: woken by `NOTIFY` on
//! PostgreSQL (any node's commits) or the in-process signal, and by a
//! periodic poll in case a signal was missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crm_db::change_log::{ChangeRow, transaction};
use crm_db::events::Listener;
use crm_db::{AnyConnection, DbPool};
use uuid::Uuid;

use crate::AppError;

/// One reader of the change log with its own cursor.
pub trait Consumer: Send + Sync {
    /// The cursor's name; stable across releases.
    fn name(&self) -> &'static str;
    /// Handles entries of one workspace, oldest first, inside the
    /// transaction that advances the cursor past them. An error rolls both
    /// back: the entries come again on the next delivery.
    fn handle(
        &self,
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        entries: &[ChangeRow],
    ) -> Result<(), AppError>;
}

/// Hands the consumer the next `batch` entries after its cursor in one
/// workspace and advances the cursor; returns how many it handled.
pub fn deliver(
    conn: &mut AnyConnection,
    consumer: &dyn Consumer,
    workspace_id: Uuid,
    batch: i64,
) -> Result<usize, AppError> {
    transaction(conn, |conn| {
        let position = crm_db::events::lock_cursor(conn, workspace_id, consumer.name())?;
        let entries = crm_db::change_log::since(conn, workspace_id, position, batch)?;
        let Some(last) = entries.last().map(|e| e.seq) else {
            return Ok(0);
        };
        consumer.handle(conn, workspace_id, &entries)?;
        crm_db::events::advance(conn, workspace_id, consumer.name(), last)?;
        Ok(entries.len())
    })
}

/// Delivers until every consumer has read every workspace's log to its
/// end; returns how many entries were handled.
pub fn catch_up(
    conn: &mut AnyConnection,
    consumers: &[Arc<dyn Consumer>],
    batch: i64,
) -> Result<usize, AppError> {
    let mut handled = 0;
    for consumer in consumers {
        for workspace_id in crm_db::events::behind(conn, consumer.name())? {
            loop {
                let n = deliver(conn, consumer.as_ref(), workspace_id, batch)?;
                handled += n;
                if n == 0 {
                    break;
                }
            }
        }
    }
    Ok(handled)
}

/// How the event thread runs.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// Entries per delivery transaction.
    pub batch: i64,
    /// The longest wait between two looks at the log when no signal comes.
    pub poll: Duration,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            batch: 500,
            poll: Duration::from_secs(2),
        }
    }
}

/// The running event thread; stops (and is joined) on drop.
pub struct Events {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

impl Events {
    /// Starts keeping `consumers` caught up over the pool; `url` is the
    /// database's, for the PostgreSQL listener connection.
    pub fn start(
        pool: DbPool,
        url: &str,
        consumers: Vec<Arc<dyn Consumer>>,
        config: EventsConfig,
    ) -> Result<Events, AppError> {
        let mut listener = Some(Listener::connect(url)?);
        let url = url.to_owned();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("events".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    match pool.get() {
                        Ok(mut conn) => {
                            if let Err(e) = catch_up(&mut conn, &consumers, config.batch) {
                                tracing::warn!(error = %e, "event delivery failed; retrying");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "no connection for event delivery"),
                    }
                    // A listener that failed (its connection dropped) is
                    // opened again; meanwhile the poll keeps delivery going.
                    let waited = match listener.as_mut() {
                        Some(l) => l.wait(config.poll),
                        None => Listener::connect(&url).map(|l| {
                            listener = Some(l);
                            true
                        }),
                    };
                    if let Err(e) = waited {
                        tracing::warn!(error = %e, "event listener failed; polling");
                        listener = None;
                        std::thread::sleep(config.poll);
                    }
                }
            })
            .map_err(AppError::internal)?;
        Ok(Events {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        crm_db::events::signal();
        if let Some(thread) = self.thread.take() {
            let _joined = thread.join();
        }
    }
}
