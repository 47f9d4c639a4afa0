//! Fair turns for SQLite's writers within one process.
//!
//! SQLite lets one connection write at a time; the others wait in its busy
//! handler, which sleeps and retries (up to 100 ms between tries). A writer
//! that commits and begins again at once — an import's batches, one after
//! another — wins nearly every retry, so a user's write (cancelling that
//! import, saving a customer) could wait its whole busy timeout. Every write
//! transaction on SQLite therefore first takes a turn at the database's
//! gate: waiters queue in order, and a finishing writer hands the gate to
//! the longest-waiting one. PostgreSQL orders its writers itself and takes
//! no turn.
//!
//! A turn is re-entrant on its thread (a transaction nested in another).
//! A writer that waited as long as SQLite's busy timeout goes ahead without
//! a turn, so a turn can never wait longer than SQLite itself would.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use parking_lot::{ReentrantMutex, ReentrantMutexGuard};

use crate::connection::AnyConnection;

/// As long as SQLite's `busy_timeout` (`connection::SqlitePragmas`).
const WAIT: Duration = Duration::from_secs(10);

type Gate = ReentrantMutex<()>;

/// One gate per database file, for the life of the process.
static GATES: LazyLock<Mutex<HashMap<String, &'static Gate>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A writer's turn; the next waiter's when dropped.
pub(crate) struct Turn(Option<ReentrantMutexGuard<'static, ()>>);

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(guard) = self.0.take() {
            ReentrantMutexGuard::unlock_fair(guard);
        }
    }
}

#[derive(QueryableByName)]
struct DatabaseFile {
    #[diesel(sql_type = Text)]
    file: String,
}

/// Waits for this connection's database's turn (SQLite), or returns at
/// once (PostgreSQL, an in-memory database, or a file whose name SQLite
/// does not tell).
pub(crate) fn take(conn: &mut AnyConnection) -> Turn {
    let AnyConnection::Sqlite(c) = conn else {
        return Turn(None);
    };
    let file = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result::<DatabaseFile>(c)
        .map(|d| d.file)
        .unwrap_or_default();
    if file.is_empty() {
        return Turn(None);
    }
    let Some(gate) = gate(&file) else {
        return Turn(None);
    };
    Turn(gate.try_lock_for(WAIT))
}

fn gate(file: &str) -> Option<&'static Gate> {
    let mut gates = GATES.lock().ok()?;
    let gate = gates
        .entry(file.to_owned())
        .or_insert_with(|| Box::leak(Box::new(Gate::new(()))));
    Some(*gate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    #[test]
    fn one_gate_per_file() {
        let a = gate("/tmp/a.db").expect("gate");
        let b = gate("/tmp/b.db").expect("gate");
        assert!(std::ptr::eq(a, gate("/tmp/a.db").expect("gate")));
        assert!(!std::ptr::eq(a, b));
    }

    #[test]
    fn a_turn_is_reentrant_on_its_thread() {
        let g = gate("/tmp/reentrant.db").expect("gate");
        let outer = g.try_lock_for(WAIT).expect("outer");
        let inner = g.try_lock_for(Duration::from_millis(10));
        assert!(inner.is_some(), "a nested transaction takes the turn again");
        drop(inner);
        drop(outer);
    }

    /// A writer that releases and re-takes the gate in a loop lets a waiter
    /// in at its next release instead of starving it.
    #[test]
    fn a_waiter_gets_the_next_turn() {
        let g = gate("/tmp/fair.db").expect("gate");
        let waited = Arc::new(AtomicUsize::new(0));
        let held = g.lock();
        let w = Arc::clone(&waited);
        let waiter = thread::spawn(move || {
            let t = Turn(g.try_lock_for(WAIT));
            assert!(t.0.is_some());
            w.store(1, Ordering::SeqCst);
        });
        thread::sleep(Duration::from_millis(50));
        ReentrantMutexGuard::unlock_fair(held);
        // The busy writer comes straight back; the waiter was handed the gate first.
        let mut rounds = 0;
        while waited.load(Ordering::SeqCst) == 0 && rounds < 100 {
            let again = Turn(g.try_lock_for(WAIT));
            rounds += 1;
            drop(again);
        }
        waiter.join().expect("waiter");
        assert!(
            rounds <= 1,
            "the waiter went after at most one more turn: {rounds}"
        );
    }
}
