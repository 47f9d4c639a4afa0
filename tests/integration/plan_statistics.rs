//! Statistics and dead rows kept in check by the batch path, on both
//! databases. Plans of
//! prepared statements are cached (PostgreSQL's `plan_cache_mode = auto`)
//! and re-made only when a table's statistics change, so a workspace
//! synced from empty must not keep plans made while its tables were
//! empty: after batches grow `customers` past autovacuum's threshold,
//! PostgreSQL's statistics know the rows without autovacuum (off on these
//! machines, as it may be on a customer's). SQLite caches no plans across
//! statements; there the same batches and reads simply work. Updates
//! leave dead row versions that only a vacuum frees: once a table holds
//! more of them than half its rows, a batch queues a `vacuum` job; the
//! single writes' are left to the job workers' periodic upkeep.

use std::time::{Duration, Instant};

use crm_db::AnyConnection;
use crm_tests::sync_data::customer;
use crm_tests::{TestApp, World, both};
use diesel::prelude::*;
use serde_json::{Value, json};

both!(
    a_synced_table_is_planned_at_its_size_without_autovacuum,
    a_table_batches_rewrite_is_vacuumed_by_a_job,
    the_dead_rows_of_single_writes_are_vacuumed_by_the_workers_upkeep,
);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::Double)]
    n: f64,
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    plan_cache_mode: String,
}

async fn push(app: &TestApp, token: &str, records: &[Value]) {
    let r = app
        .post("/api/v1/customers/batch")
        .token(token)
        .json(&json!({"mode": "upsert", "records": records}))
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["failed"], 0, "{}", r.body);
}

async fn a_synced_table_is_planned_at_its_size_without_autovacuum(app: TestApp) {
    let w = World::create(&app);
    let records: Vec<Value> = (0..2_000).map(|i| customer(i, 1)).collect();
    for chunk in records.chunks(1_000) {
        push(&app, &w.admin.token, chunk).await;
    }
    let postgres = matches!(&*app.conn(), AnyConnection::Postgresql(_));
    if postgres {
        // The write counters reach the statistics view within a second of
        // the commit; the next batch after that refreshes the statistics.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            actix_rt::time::sleep(Duration::from_millis(500)).await;
            push(&app, &w.admin.token, &records[..1]).await;
            let seen: Count = diesel::sql_query(
                "SELECT GREATEST(reltuples, 0)::float8 AS n FROM pg_class \
                 WHERE oid = 'customers'::regclass",
            )
            .get_result(&mut *app.conn())
            .expect("reltuples");
            if seen.n >= 2_000.0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "customers still planned as {} rows after 2,000 were synced",
                seen.n
            );
        }
        let mode: Setting = diesel::sql_query("SHOW plan_cache_mode")
            .get_result(&mut *app.conn())
            .expect("show");
        assert_eq!(
            mode.plan_cache_mode, "auto",
            "pooled connections cache plans"
        );
    }
    // Whatever the plans, the reads answer the synced rows: a record read
    // more often than PostgreSQL's five custom plans, and a page.
    let page = app
        .get("/api/v1/customers?limit=50")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let id = page.body["items"][0]["id"]
        .as_str()
        .expect("a customer")
        .to_owned();
    for _ in 0..8 {
        let one = app
            .get(&format!("/api/v1/customers/{id}"))
            .token(&w.admin.token)
            .send()
            .await
            .expect(200);
        assert_eq!(one.body["id"], id);
    }
    let other = app
        .get(&format!("/api/v1/customers/{id}"))
        .token(&w.rep1.token)
        .send()
        .await;
    assert_eq!(
        other.status, 404,
        "a cached plan keeps the caller's scope: rep1 owns none of them"
    );
}

#[derive(QueryableByName)]
struct Upkeep {
    #[diesel(sql_type = diesel::sql_types::Double)]
    dead: f64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    vacuumed: bool,
}

fn customers_upkeep(app: &TestApp) -> Upkeep {
    table_upkeep(app, "customers")
}

fn table_upkeep(app: &TestApp, table: &str) -> Upkeep {
    diesel::sql_query(format!(
        "SELECT n_dead_tup::float8 AS dead, last_vacuum IS NOT NULL AS vacuumed \
         FROM pg_stat_user_tables WHERE relid = '{table}'::regclass"
    ))
    .get_result(&mut *app.conn())
    .expect("the table's counters")
}

async fn vacuum_jobs(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app
        .get("/api/v1/admin/jobs?kind=vacuum")
        .token(token)
        .send()
        .await
        .expect(200);
    list.body["items"].as_array().cloned().unwrap_or_default()
}

/// `records` with every name changed.
fn renamed(records: &[Value], suffix: &str) -> Vec<Value> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let name = r["name"].as_str().unwrap_or_default().to_owned();
            r["name"] = json!(format!("{name} {suffix}"));
            r
        })
        .collect()
}

async fn a_table_batches_rewrite_is_vacuumed_by_a_job(app: TestApp) {
    let mut app = app;
    app.start_workers(0);
    let w = World::create(&app);
    let t = &w.admin.token;
    let records: Vec<Value> = (0..2_000).map(|i| customer(i, 1)).collect();
    for chunk in records.chunks(1_000) {
        push(&app, t, chunk).await;
    }
    // Every customer renamed twice: twice as many dead versions as rows.
    let last = renamed(&records, "乙");
    for round in [renamed(&records, "甲"), last.clone()] {
        for chunk in round.chunks(1_000) {
            push(&app, t, chunk).await;
        }
    }
    if !matches!(&*app.conn(), AnyConnection::Postgresql(_)) {
        assert!(
            vacuum_jobs(&app, t).await.is_empty(),
            "SQLite reuses freed pages itself"
        );
        return;
    }
    // The counters reach the statistics view within a second of the
    // commit; the next batch after that queues the vacuum.
    let deadline = Instant::now() + Duration::from_secs(20);
    while vacuum_jobs(&app, t).await.is_empty() {
        assert!(Instant::now() < deadline, "no vacuum was queued");
        actix_rt::time::sleep(Duration::from_millis(500)).await;
        push(&app, t, &last[..1]).await;
    }
    let before = customers_upkeep(&app);
    assert!(
        before.dead > 1_000.0 && !before.vacuumed,
        "{} dead rows",
        before.dead
    );
    push(&app, t, &last[..1]).await;
    let queued = vacuum_jobs(&app, t).await;
    assert_eq!(queued.len(), 1, "queued once: {queued:?}");
    assert_eq!(queued[0]["status"], "queued", "no request ran it");
    app.start_workers(1);
    let deadline = Instant::now() + Duration::from_secs(30);
    while vacuum_jobs(&app, t).await[0]["status"] != "done" {
        assert!(Instant::now() < deadline, "the vacuum did not run");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let after = customers_upkeep(&app);
    assert!(after.vacuumed, "customers was vacuumed");
    assert!(after.dead < 100.0, "{} dead rows left", after.dead);
    // The table reads as before.
    let page = app
        .get("/api/v1/customers?limit=1&q=%E4%B9%99")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(1));
}

/// One customer edited a hundred times through the API, no batch: its row
/// and its customer counts pile up dead versions; the first job worker's
/// upkeep (every 50 ms here, five minutes by default) vacuums them.
async fn the_dead_rows_of_single_writes_are_vacuumed_by_the_workers_upkeep(app: TestApp) {
    let mut app = app;
    app.start_workers(0);
    let w = World::create(&app);
    let t = &w.admin.token;
    let id = app
        .post("/api/v1/customers")
        .token(t)
        .json(&json!({"kind": "organization", "name": "反复修改", "industry": "retail"}))
        .send()
        .await
        .expect(201)
        .id();
    for i in 0..100 {
        let industry = if i % 2 == 0 { "finance" } else { "retail" };
        app.patch(&format!("/api/v1/customers/{id}"))
            .token(t)
            .json(&json!({"industry": industry}))
            .send()
            .await
            .expect(200);
    }
    let postgres = matches!(&*app.conn(), AnyConnection::Postgresql(_));
    if postgres {
        // The write counters reach the statistics view within a second.
        let deadline = Instant::now() + Duration::from_secs(20);
        while table_upkeep(&app, "customer_counts").dead < 100.0 {
            assert!(Instant::now() < deadline, "no dead counts seen");
            actix_rt::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(!table_upkeep(&app, "customer_counts").vacuumed);
    }
    let mut config = TestApp::runner_config(1);
    config.upkeep = Some(Duration::from_millis(50));
    let runner = crm_app::jobs::Runner::start(
        app.state().pool.clone(),
        app.registry(),
        &config,
        crm_app::jobs::Wake::default(),
    );
    if postgres {
        let deadline = Instant::now() + Duration::from_secs(30);
        for table in ["customer_counts", "customers"] {
            while !table_upkeep(&app, table).vacuumed {
                assert!(Instant::now() < deadline, "{table} was not vacuumed");
                actix_rt::time::sleep(Duration::from_millis(100)).await;
            }
            let after = table_upkeep(&app, table);
            assert!(
                after.dead < 20.0,
                "{} dead rows left in {table}",
                after.dead
            );
        }
    } else {
        // Nothing to do on SQLite, and nothing breaks.
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
    runner.stop();
    let one = app
        .get(&format!("/api/v1/customers/{id}"))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(one.body["industry"], "retail");
}
