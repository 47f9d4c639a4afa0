//! The change log as an event outbox (`crm_app::events`): a consumer gets
//! each entry once, in order, from its own cursor, which survives a failed
//! delivery and a restart; concurrent deliverers never hand out an entry
//! twice; a commit wakes the event thread at once (NOTIFY on PostgreSQL, the
//! in-process signal on both).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crm_api_types::customers::NewCustomer;
use crm_app::events::{Consumer, Events, EventsConfig, catch_up, deliver};
use crm_app::{Actor, AppError, Via};
use crm_db::AnyConnection;
use crm_db::change_log::ChangeRow;
use crm_db::jobs::NewJob;
use crm_tests::{TestApp, World, both};
use serde_json::json;
use uuid::Uuid;

both!(
    a_consumer_gets_each_entry_once_in_order_from_its_own_cursor,
    a_failed_delivery_leaves_the_cursor_and_the_entries_come_again,
    concurrent_deliverers_never_hand_out_an_entry_twice,
    a_commit_wakes_the_event_thread_before_its_poll,
);

/// Records each entry it handles as a job row (a database effect that
/// commits or rolls back with the cursor), kind `event-test-<name>`, run
/// far in the future so no worker takes it.
struct Recorder {
    name: &'static str,
    fail: AtomicBool,
}

impl Recorder {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            fail: AtomicBool::new(false),
        }
    }

    fn kind(&self) -> String {
        format!("event-test-{}", self.name)
    }
}

impl Consumer for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    fn handle(
        &self,
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        entries: &[ChangeRow],
    ) -> Result<(), AppError> {
        for entry in entries {
            let mut job = NewJob::new(workspace_id, &self.kind(), json!({"seq": entry.seq}));
            job.run_at = Some(chrono::Utc::now().naive_utc() + chrono::Duration::days(365));
            crm_db::jobs::enqueue(conn, &job)?;
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(AppError::Internal("the consumer failed".into()));
        }
        Ok(())
    }
}

/// The seqs a recorder handled in a workspace, in handling order.
fn handled(conn: &mut AnyConnection, ws: Uuid, recorder: &Recorder) -> Vec<i64> {
    let mut rows =
        crm_db::jobs::list(conn, ws, None, Some(&recorder.kind()), None, 10_000).expect("jobs");
    rows.sort_by_key(|r| r.created_at);
    let mut seqs: Vec<i64> = rows
        .iter()
        .map(|r| r.payload.0["seq"].as_i64().expect("seq"))
        .collect();
    seqs.sort_unstable();
    seqs
}

/// The workspace's change-log seqs, oldest first.
fn log(conn: &mut AnyConnection, ws: Uuid) -> Vec<i64> {
    crm_db::change_log::since(conn, ws, 0, 100_000)
        .expect("log")
        .iter()
        .map(|e| e.seq)
        .collect()
}

fn create_customers(conn: &mut AnyConnection, w: &World, n: usize) {
    let admin = Actor::load(conn, w.ws, w.admin.id, None, Via::Cli).expect("actor");
    for i in 0..n {
        let new: NewCustomer =
            serde_json::from_value(json!({"kind": "organization", "name": format!("Event {i}")}))
                .expect("customer");
        crm_app::customers::create(conn, &admin, new).expect("create");
    }
}

async fn a_consumer_gets_each_entry_once_in_order_from_its_own_cursor(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    create_customers(conn, &w, 3);
    let recorder = Recorder::new("once");
    let all = log(conn, w.ws);
    assert!(all.len() >= 3, "the writes are in the log");

    // Batches of two until the end of the log, then nothing.
    let mut delivered = 0;
    loop {
        let n = deliver(conn, &recorder, w.ws, 2).expect("deliver");
        assert!(n <= 2, "a delivery hands out at most the batch");
        if n == 0 {
            break;
        }
        delivered += n;
    }
    assert_eq!(delivered, all.len());
    assert_eq!(
        handled(conn, w.ws, &recorder),
        all,
        "every entry once, in order"
    );
    assert_eq!(
        crm_db::events::position(conn, w.ws, "once").expect("position"),
        *all.last().expect("last")
    );

    // A new instance (a restarted process) resumes from the cursor: only the new entry.
    create_customers(conn, &w, 1);
    let restarted = Recorder::new("once");
    assert_eq!(deliver(conn, &restarted, w.ws, 100).expect("deliver"), 1);
    assert_eq!(handled(conn, w.ws, &restarted), log(conn, w.ws));

    // Another consumer keeps its own cursor and starts from the beginning;
    // the other workspace is not behind for it until it writes.
    let other = Recorder::new("other");
    let behind = crm_db::events::behind(conn, "other").expect("behind");
    assert!(behind.contains(&w.ws));
    catch_up(
        conn,
        &[Arc::new(Recorder::new("other")) as Arc<dyn Consumer>],
        50,
    )
    .expect("catch up");
    assert_eq!(handled(conn, w.ws, &other), log(conn, w.ws));
    assert!(
        !crm_db::events::behind(conn, "other")
            .expect("behind")
            .contains(&w.ws),
        "caught up"
    );
}

async fn a_failed_delivery_leaves_the_cursor_and_the_entries_come_again(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    create_customers(conn, &w, 2);
    let recorder = Recorder::new("flaky");
    recorder.fail.store(true, Ordering::SeqCst);
    let err = deliver(conn, &recorder, w.ws, 100).expect_err("the consumer fails");
    assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    assert_eq!(
        crm_db::events::position(conn, w.ws, "flaky").expect("position"),
        0
    );
    assert!(
        handled(conn, w.ws, &recorder).is_empty(),
        "what the failed handling wrote is rolled back with the cursor"
    );

    recorder.fail.store(false, Ordering::SeqCst);
    let all = log(conn, w.ws);
    assert_eq!(
        deliver(conn, &recorder, w.ws, 100).expect("deliver"),
        all.len()
    );
    assert_eq!(handled(conn, w.ws, &recorder), all);
}

async fn concurrent_deliverers_never_hand_out_an_entry_twice(app: TestApp) {
    let w = World::create(&app);
    {
        let mut conn = app.conn();
        create_customers(&mut conn, &w, 12);
    }
    let recorder = Arc::new(Recorder::new("shared"));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let pool = app.state().pool.clone();
            let recorder = recorder.clone();
            let ws = w.ws;
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("conn");
                while deliver(&mut conn, recorder.as_ref(), ws, 3).expect("deliver") > 0 {}
            })
        })
        .collect();
    for t in threads {
        t.join().expect("deliverer");
    }
    let mut conn = app.conn();
    let seqs = handled(&mut conn, w.ws, &recorder);
    let distinct: HashSet<i64> = seqs.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        seqs.len(),
        "no entry handled twice: {seqs:?}"
    );
    assert_eq!(seqs, log(&mut conn, w.ws), "every entry handled");
}

/// Keeps the entries it sees, by workspace, for the event thread. (Other
/// tests of this process signal too, so the thread may wake early; the
/// signal a commit sends is counted on its own thread in the test.)
struct Counter(Arc<Mutex<Vec<(Uuid, i64)>>>);

impl Consumer for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }

    fn handle(
        &self,
        _: &mut AnyConnection,
        ws: Uuid,
        entries: &[ChangeRow],
    ) -> Result<(), AppError> {
        if let Ok(mut seen) = self.0.lock() {
            seen.extend(entries.iter().map(|e| (ws, e.seq)));
        }
        Ok(())
    }
}

async fn a_commit_wakes_the_event_thread_before_its_poll(app: TestApp) {
    let w = World::create(&app);
    // PostgreSQL: a NOTIFY from another connection (another node) wakes a listener.
    if app.db.url().starts_with("postgres") {
        let mut listener = crm_db::events::Listener::connect(app.db.url()).expect("listen");
        let mut other = app.conn();
        diesel::connection::SimpleConnection::batch_execute(
            &mut *other,
            &format!("NOTIFY {}", crm_db::events::CHANNEL),
        )
        .expect("notify");
        assert!(
            listener.wait(Duration::from_secs(10)).expect("wait"),
            "NOTIFY heard"
        );
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let consumers: Vec<Arc<dyn Consumer>> = vec![Arc::new(Counter(seen.clone()))];
    // The poll is a minute: only a signal can make the thread deliver in time.
    let config = EventsConfig {
        batch: 100,
        poll: Duration::from_secs(60),
    };
    let events =
        Events::start(app.state().pool.clone(), app.db.url(), consumers, config).expect("start");
    let caught_up = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let mine = seen
                .lock()
                .map(|s| s.iter().filter(|(ws, _)| *ws == w.ws).count())
                .unwrap_or(0);
            if mine >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    };
    let mut conn = app.conn();
    let before = log(&mut conn, w.ws).len();
    assert!(caught_up(before), "the thread catches up at start");
    // A rolled-back change signals nothing; a committed one signals once.
    let sent = crm_db::events::signals_sent_here();
    let rolled_back: Result<(), crm_db::DbError> =
        crm_db::change_log::transaction(&mut conn, |conn| {
            crm_db::change_log::record(
                conn,
                crm_db::change_log::Change {
                    workspace_id: w.ws,
                    entity: crm_db::change_log::CUSTOMER,
                    entity_id: Uuid::now_v7(),
                    op: crm_db::change_log::Op::Create,
                    changed_fields: vec!["name".into()],
                    actor_id: None,
                    channel: "cli",
                    values: None,
                },
            )?;
            Err(crm_db::DbError::NotFound)
        });
    assert!(rolled_back.is_err());
    assert_eq!(
        crm_db::events::signals_sent_here(),
        sent,
        "a rollback signals nothing"
    );
    create_customers(&mut conn, &w, 1);
    assert_eq!(
        crm_db::events::signals_sent_here(),
        sent + 1,
        "the commit signalled once"
    );
    assert!(caught_up(before + 1), "the commit woke the thread");
    drop(events);
    let seqs: Vec<i64> = seen
        .lock()
        .map(|s| {
            s.iter()
                .filter(|(ws, _)| *ws == w.ws)
                .map(|(_, seq)| *seq)
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        seqs,
        log(&mut conn, w.ws),
        "each entry of the workspace once, in order"
    );
}
