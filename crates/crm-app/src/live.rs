//! Live updates: a thread that tells this process, within moments of a
//! commit on any node, which kinds of records changed in which workspace —
//! what an open dashboard needs to redraw only the widgets over them. It
//! wakes on the same signal as the event consumers (`NOTIFY` on
//! PostgreSQL, the in-process signal on SQLite, a poll in case one was
//! missed), compares each workspace's last change-log sequence number with
//! what it saw, and reads the kinds changed since. It keeps no cursor: a
//! process that starts later hears only what happens after it started.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crm_db::events::Listener;
use crm_db::{AnyConnection, DbPool};
use crm_domain::reports::ReportObject;
use uuid::Uuid;

use crate::AppError;

/// The report objects a change-log entity feeds (an order feeds both the
/// orders and their lines); none for records no report counts.
pub fn objects_of(entity: &str) -> &'static [ReportObject] {
    use crm_db::change_log as log;
    match entity {
        log::CUSTOMER => &[ReportObject::Customers],
        log::CONTACT => &[ReportObject::Contacts],
        log::LEAD => &[ReportObject::Leads],
        log::DEAL => &[ReportObject::Deals],
        log::ACTIVITY => &[ReportObject::Activities],
        log::ORDER => &[ReportObject::Orders, ReportObject::OrderLines],
        log::TICKET => &[ReportObject::Tickets],
        log::PRODUCT => &[ReportObject::Products],
        _ => &[],
    }
}

/// The report objects touched by `entities`, each once, in catalogue order.
pub fn objects_touched(entities: &[String]) -> Vec<ReportObject> {
    ReportObject::ALL
        .iter()
        .copied()
        .filter(|o| entities.iter().any(|e| objects_of(e).contains(o)))
        .collect()
}

/// Where the watcher hands what changed: a workspace and its report
/// objects (never empty).
pub type Notify = Box<dyn Fn(Uuid, Vec<ReportObject>) + Send>;

/// One pass: the workspaces whose log moved past `seen`, and what changed
/// in each; `seen` advances.
pub fn check(
    conn: &mut AnyConnection,
    seen: &mut HashMap<Uuid, i64>,
) -> Result<Vec<(Uuid, Vec<ReportObject>)>, AppError> {
    let mut out = Vec::new();
    for (ws, head) in crm_db::events::heads(conn)? {
        let before = *seen.entry(ws).or_insert(head);
        if head > before {
            let entities = crm_db::events::entities_since(conn, ws, before)?;
            let objects = objects_touched(&entities);
            if !objects.is_empty() {
                out.push((ws, objects));
            }
            seen.insert(ws, head);
        }
    }
    Ok(out)
}

/// The watcher thread; dropping it stops the thread.
pub struct Live {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl Live {
    /// Starts watching the database `url` names; `poll` is the longest a
    /// missed signal delays a notice.
    pub fn start(
        pool: DbPool,
        url: &str,
        poll: Duration,
        notify: Notify,
    ) -> Result<Live, AppError> {
        let mut listener = Some(Listener::connect(url)?);
        let mut seen = HashMap::new();
        check(&mut *pool.get().map_err(AppError::internal)?, &mut seen)?;
        let url = url.to_owned();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("live".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    let waited = match listener.as_mut() {
                        Some(l) => l.wait(poll),
                        None => Listener::connect(&url).map(|l| {
                            listener = Some(l);
                            true
                        }),
                    };
                    if let Err(e) = waited {
                        tracing::warn!(error = %e, "live listener failed; polling");
                        listener = None;
                        std::thread::sleep(poll);
                    }
                    if stopping.load(Ordering::Relaxed) {
                        break;
                    }
                    match pool.get() {
                        Ok(mut conn) => match check(&mut conn, &mut seen) {
                            Ok(changed) => {
                                for (ws, objects) in changed {
                                    notify(ws, objects);
                                }
                            }
                            Err(e) => tracing::warn!(error = %e, "live check failed"),
                        },
                        Err(e) => tracing::warn!(error = %e, "no connection for live updates"),
                    }
                }
            })
            .map_err(AppError::internal)?;
        Ok(Live {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        crm_db::events::signal();
        if let Some(thread) = self.thread.take() {
            let _joined = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_feeds_orders_and_their_lines_and_a_product_the_catalogue() {
        let touched = objects_touched(&["order".into(), "product".into(), "deal".into()]);
        assert_eq!(
            touched,
            [
                ReportObject::Deals,
                ReportObject::Orders,
                ReportObject::OrderLines,
                ReportObject::Products
            ]
        );
        assert!(objects_touched(&["article".into()]).is_empty());
    }
}
