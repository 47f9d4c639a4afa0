//! Statistics kept current by the batch path, on both databases. Plans of
//! prepared statements are cached (PostgreSQL's `plan_cache_mode = auto`)
//! and re-made only when a table's statistics change, so a workspace
//! synced from empty must not keep plans made while its tables were
//! empty: after batches grow `customers` past autovacuum's threshold,
//! PostgreSQL's statistics know the rows without autovacuum (off on these
//! machines, as it may be on a customer's). SQLite caches no plans across
//! statements; there the same batches and reads simply work.

use std::time::{Duration, Instant};

use crm_db::AnyConnection;
use crm_tests::sync_data::customer;
use crm_tests::{TestApp, World, both};
use diesel::prelude::*;
use serde_json::{Value, json};

both!(a_synced_table_is_planned_at_its_size_without_autovacuum);

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
