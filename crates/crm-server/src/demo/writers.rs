//! The demo loader's writers: what a generator produces is written on one
//! or two connections while the generator goes on, each piece in its own
//! transaction on whichever connection is free. Generating the rows
//! overlaps writing them, and on PostgreSQL, where a statement runs on one
//! core, two backends write at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use crm_db::AnyConnection;

/// Pieces generated but not yet taken by a writer: with the two being
/// written, at most three pieces beside the one being generated.
const WAITING: usize = 1;

/// Pieces of at most `most` items, and at least four pieces for `count`
/// items: a small load uses both writers too (and its tests see the pieces
/// interleave).
pub(super) fn piece_size(count: usize, most: usize) -> usize {
    count.div_ceil(4).clamp(1, most.max(1))
}

/// Runs `produce` on this thread, handing each piece it sends to `write` on
/// `first` or `second` (when given), whichever is free. The first error of a
/// writer stops the generator at its next piece and is the one returned;
/// the pieces already committed stay (the demo's caller removes a
/// half-loaded workspace).
pub(super) fn write_beside<T: Send, R>(
    first: &mut AnyConnection,
    second: Option<&mut AnyConnection>,
    write: impl Fn(&mut AnyConnection, T) -> anyhow::Result<()> + Sync,
    produce: impl FnOnce(&mut dyn FnMut(T) -> anyhow::Result<()>) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    let (sender, receiver) = mpsc::sync_channel::<T>(WAITING);
    let receiver = Mutex::new(receiver);
    let failed = AtomicBool::new(false);
    // A writer that failed keeps taking pieces (and drops them) until the
    // generator stops, so a generator never waits on a full channel.
    let writer = |conn: &mut AnyConnection| -> anyhow::Result<()> {
        let mut outcome = Ok(());
        loop {
            let next = receiver
                .lock()
                .map_err(|_| anyhow::anyhow!("a demo writer panicked"))?
                .recv();
            let Ok(piece) = next else {
                return outcome;
            };
            if outcome.is_ok()
                && let Err(err) = write(conn, piece)
            {
                failed.store(true, Ordering::SeqCst);
                outcome = Err(err);
            }
        }
    };
    std::thread::scope(|scope| {
        let one = scope.spawn(|| writer(first));
        let two = second.map(|conn| scope.spawn(|| writer(conn)));
        let produced = produce(&mut |piece| {
            if failed.load(Ordering::SeqCst) {
                anyhow::bail!("a demo writer failed");
            }
            sender
                .send(piece)
                .map_err(|_| anyhow::anyhow!("the demo's writers stopped"))
        });
        drop(sender);
        let join = |handle: std::thread::ScopedJoinHandle<'_, anyhow::Result<()>>| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        let written = join(one).and(two.map_or(Ok(()), join));
        // A writer's error explains the generator's "stopped".
        written.and(produced)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_a_quarter_of_a_small_load_and_at_most_the_limit() {
        assert_eq!(piece_size(60, 5_000), 15);
        assert_eq!(piece_size(3, 5_000), 1);
        assert_eq!(piece_size(0, 5_000), 1);
        assert_eq!(piece_size(1_000_000, 5_000), 5_000);
    }

    #[test]
    fn every_piece_is_written_once_on_both_connections_and_a_writers_error_stops_the_generator() {
        // The writes here touch no table: the connections only have to exist.
        let pool = crm_db::connect_pool("sqlite://:memory:", 2).expect("pool");
        let (mut one, mut two) = (pool.get().expect("one"), pool.get().expect("two"));
        let conn: &mut AnyConnection = &mut one;
        let seen = Mutex::new(Vec::new());
        let total = write_beside(
            conn,
            Some(&mut *two),
            |conn, n: usize| {
                let writer = std::ptr::from_ref::<AnyConnection>(conn) as usize;
                seen.lock().expect("lock").push((n, writer));
                // Long enough for the other writer to take the next piece.
                std::thread::sleep(std::time::Duration::from_millis(2));
                Ok(())
            },
            |send| {
                for n in 0..100 {
                    send(n)?;
                }
                Ok(100)
            },
        )
        .expect("written");
        assert_eq!(total, 100);
        let mut seen = seen.into_inner().expect("lock");
        seen.sort_unstable();
        let pieces: Vec<usize> = seen.iter().map(|s| s.0).collect();
        assert_eq!(pieces, (0..100).collect::<Vec<_>>());
        let writers: std::collections::HashSet<usize> = seen.iter().map(|s| s.1).collect();
        assert_eq!(writers.len(), 2, "both connections wrote");

        let sent = Mutex::new(0);
        let err = write_beside(
            conn,
            None,
            |_, n: usize| {
                anyhow::ensure!(n < 3, "piece {n} refused");
                Ok(())
            },
            |send| {
                for n in 0..1_000 {
                    send(n)?;
                    *sent.lock().expect("lock") += 1;
                }
                Ok(())
            },
        )
        .expect_err("the writer's error");
        assert_eq!(err.to_string(), "piece 3 refused");
        assert!(*sent.lock().expect("lock") < 1_000, "the generator stopped");
    }
}
