//! Aggregate reads take turns, on both databases: while every turn is
//! taken, an analytics read waits (holding no connection) and a record read
//! answers at once; when a turn frees, the waiting read answers.

use std::time::Duration;

use crm_tests::{CustomerBuilder, TestApp, World, both};

both!(aggregate_reads_wait_for_a_turn_and_record_reads_do_not);

async fn aggregate_reads_wait_for_a_turn_and_record_reads_do_not(app: TestApp) {
    let w = World::create(&app);
    let c = CustomerBuilder::new(w.ws, "轮候客户")
        .owner(&w.rep1)
        .build(&app);
    let heavy = app.state().heavy.clone();
    let mut turns = Vec::new();
    while heavy.free() > 0 {
        turns.push(heavy.turn().await.expect("a turn"));
    }
    let kpis = app
        .get("/api/v1/analytics/kpis")
        .token(&w.admin.token)
        .send();
    assert!(
        actix_rt::time::timeout(Duration::from_millis(500), kpis)
            .await
            .is_err(),
        "an analytics read ran while every turn was taken"
    );
    // Record reads do not take turns.
    let one = app
        .get(&format!("/api/v1/customers/{c}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(one.body["name"], "轮候客户");
    let waiting = app
        .get("/api/v1/analytics/kpis")
        .token(&w.admin.token)
        .send();
    drop(turns);
    let answered = actix_rt::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("the read ran once a turn was free")
        .expect(200);
    assert!(answered.body["window"].is_object(), "{}", answered.body);
    assert!(heavy.free() > 0, "the read gave its turn back");
}
