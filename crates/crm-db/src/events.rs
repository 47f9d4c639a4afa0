//! The change log as an event outbox: each consumer's position per
//! workspace (`event_cursors`), and the signal that wakes consumers after
//! a commit — PostgreSQL `NOTIFY` (every node listening on the database
//! hears it) and an in-process notifier (this process's consumers, and the
//! only signal on SQLite). A signal only wakes; the cursor is the truth, so
//! a lost signal delays an entry until the next poll, never loses it.

use std::cell::Cell;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{event_cursors, workspaces};
use crate::time::now;
use crate::types::Id;

/// The PostgreSQL channel a committed change is announced on.
pub const CHANNEL: &str = "crm_changes";

/// Locks the consumer's cursor row for the rest of the transaction
/// (creating it at 0) and returns its position: two deliverers of one
/// consumer, on any node, take turns. On SQLite the update makes the
/// transaction the writer from its first statement.
pub fn lock_cursor(conn: &mut AnyConnection, workspace_id: Uuid, consumer: &str) -> DbResult<i64> {
    let row = (
        event_cursors::workspace_id.eq(Id(workspace_id)),
        event_cursors::id.eq(Id(Uuid::now_v7())),
        event_cursors::consumer.eq(consumer),
        event_cursors::position.eq(0_i64),
        event_cursors::updated_at.eq(now()),
    );
    crate::each_backend!(&mut *conn, |c| diesel::insert_into(event_cursors::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    let mine = event_cursors::workspace_id
        .eq(Id(workspace_id))
        .and(event_cursors::consumer.eq(consumer));
    diesel::update(event_cursors::table.filter(mine))
        .set(event_cursors::position.eq(event_cursors::position))
        .execute(conn)?;
    Ok(event_cursors::table
        .filter(mine)
        .select(event_cursors::position)
        .first(conn)?)
}

/// Moves the consumer's cursor to `position` (in the handling transaction).
pub fn advance(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    consumer: &str,
    position: i64,
) -> DbResult<()> {
    diesel::update(
        event_cursors::table.filter(
            event_cursors::workspace_id
                .eq(Id(workspace_id))
                .and(event_cursors::consumer.eq(consumer)),
        ),
    )
    .set((
        event_cursors::position.eq(position),
        event_cursors::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(())
}

/// The consumer's position in a workspace (0 before its first delivery).
pub fn position(conn: &mut AnyConnection, workspace_id: Uuid, consumer: &str) -> DbResult<i64> {
    Ok(event_cursors::table
        .filter(
            event_cursors::workspace_id
                .eq(Id(workspace_id))
                .and(event_cursors::consumer.eq(consumer)),
        )
        .select(event_cursors::position)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The workspaces whose log has entries after the consumer's cursor.
pub fn behind(conn: &mut AnyConnection, consumer: &str) -> DbResult<Vec<Uuid>> {
    let ids: Vec<Id> = workspaces::table
        .left_join(
            event_cursors::table.on(event_cursors::workspace_id
                .eq(workspaces::id)
                .and(event_cursors::consumer.eq(consumer))),
        )
        .filter(
            workspaces::change_seq.gt(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "COALESCE(event_cursors.position, 0)",
            )),
        )
        .select(workspaces::id)
        .load(conn)?;
    Ok(ids.into_iter().map(|id| id.0).collect())
}

/// Each workspace's last change-log sequence number (what a watcher that
/// keeps no cursor compares with what it saw before).
pub fn heads(conn: &mut AnyConnection) -> DbResult<Vec<(Uuid, i64)>> {
    let rows: Vec<(Id, i64)> = workspaces::table
        .select((workspaces::id, workspaces::change_seq))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, seq)| (id.0, seq)).collect())
}

/// The kinds of records (`order`, `deal`…) the workspace's log holds
/// after `since`.
pub fn entities_since(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    since: i64,
) -> DbResult<Vec<String>> {
    use crate::schema::change_log;
    Ok(change_log::table
        .filter(change_log::workspace_id.eq(Id(workspace_id)))
        .filter(change_log::seq.gt(since))
        .select(change_log::entity)
        .distinct()
        .load(conn)?)
}

thread_local! {
    /// Whether this thread appended to the change log since its last signal.
    static PENDING: Cell<bool> = const { Cell::new(false) };
    /// How many signals this thread has sent.
    static SENT: Cell<u64> = const { Cell::new(0) };
}

/// Marks that the current transaction appended to the change log.
pub(crate) fn pending() {
    PENDING.with(|p| p.set(true));
}

/// Inside the transaction, just before it commits: announces the change on
/// PostgreSQL (delivered to listeners at commit, dropped on rollback).
pub(crate) fn announce(conn: &mut AnyConnection) -> DbResult<()> {
    if PENDING.with(Cell::get)
        && let AnyConnection::Postgresql(c) = conn
    {
        c.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
    }
    Ok(())
}

/// After the transaction: wakes this process's consumers if it committed
/// a change; clears the mark either way.
pub(crate) fn settle(committed: bool) {
    if PENDING.with(|p| p.replace(false)) && committed {
        signal();
    }
}

static LOCAL: (Mutex<u64>, Condvar) = (Mutex::new(0), Condvar::new());

/// Wakes every [`Listener`] of this process.
pub fn signal() {
    SENT.with(|n| n.set(n.get() + 1));
    let (count, wake) = &LOCAL;
    if let Ok(mut n) = count.lock() {
        *n = n.wrapping_add(1);
    }
    wake.notify_all();
}

/// How many signals the calling thread has sent: what a commit on this
/// thread did, whatever other threads do meanwhile (for diagnostics and
/// tests).
pub fn signals_sent_here() -> u64 {
    SENT.with(Cell::get)
}

fn local_count() -> u64 {
    LOCAL.0.lock().map(|n| *n).unwrap_or(0)
}

/// Waits for changes: this process's signals and, on PostgreSQL, the
/// notifications of every node (on its own connection, outside the pool).
pub struct Listener {
    pg: Option<PgConnection>,
    seen: u64,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("postgres", &self.pg.is_some())
            .finish()
    }
}

/// How often a PostgreSQL listener looks at its socket while it waits.
const PG_POLL: Duration = Duration::from_millis(50);

impl Listener {
    /// Listens on the database `url` names (PostgreSQL), or in-process only.
    pub fn connect(url: &str) -> DbResult<Listener> {
        let pg = match crate::connection::DatabaseUrl::parse(url) {
            Ok(crate::connection::DatabaseUrl::Postgres(url)) => {
                let mut conn = PgConnection::establish(&url)
                    .map_err(|e| crate::DbError::Pool(e.to_string()))?;
                conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
                Some(conn)
            }
            _ => None,
        };
        Ok(Listener {
            pg,
            seen: local_count(),
        })
    }

    /// Returns `true` as soon as a change was signalled since the last
    /// call, `false` when `timeout` passed without one.
    pub fn wait(&mut self, timeout: Duration) -> DbResult<bool> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.heard()? {
                return Ok(true);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            let slice = if self.pg.is_some() {
                left.min(PG_POLL)
            } else {
                left
            };
            let (count, wake) = &LOCAL;
            if let Ok(n) = count.lock()
                && *n == self.seen
            {
                let _unused = wake.wait_timeout(n, slice);
            }
        }
    }

    fn heard(&mut self) -> DbResult<bool> {
        let mut heard = false;
        let now = local_count();
        if now != self.seen {
            self.seen = now;
            heard = true;
        }
        if let Some(pg) = self.pg.as_mut() {
            for notification in pg.notifications_iter() {
                notification?;
                heard = true;
            }
        }
        Ok(heard)
    }
}
