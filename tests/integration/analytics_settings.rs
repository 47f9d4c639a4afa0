//! Analytics settings (base currency, churn period) and how often RFM
//! scores are recomputed after order writes: in the read when the maximum
//! age is zero, else by an `rfm_refresh` job (the first scoring too).

use chrono::Duration;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

use crate::analytics::{order, profile, setup_product, today};

both!(
    settings_choose_the_currency_and_churn_period,
    rfm_scores_are_recomputed_at_most_once_per_max_age,
    stale_scores_past_their_max_age_are_served_while_a_job_refreshes_them,
    a_refresh_rewrites_only_the_buyers_whose_scores_change,
    a_refresh_that_rewrites_most_buyers_refreshes_their_statistics,
);

async fn settings_choose_the_currency_and_churn_period(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let a = CustomerBuilder::new(w.ws, "Acme Inc.")
        .owner(&w.rep1)
        .build(&app);
    order(&app, t, a, 100, 5_000, "paid").await;
    app.post("/api/v1/orders")
        .token(t)
        .json(&json!({
            "customer_id": a, "order_date": today() - Duration::days(20), "status": "paid", "currency": "USD",
            "lines": [{"sku": "P", "quantity": 1, "unit_price_minor": 700}]
        }))
        .send()
        .await
        .expect(201);
    let s = app
        .get("/api/v1/analytics/settings")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        s.body,
        json!({"base_currency": "CNY", "churn_after_days": 180})
    );
    let p = profile(&app, t, a).await;
    assert_eq!(
        (p["revenue_minor"].clone(), p["lifecycle"].clone()),
        (json!(5_000), json!("at_risk"))
    );
    // A rep may not change them; bad values name their fields.
    app.put("/api/v1/analytics/settings")
        .token(&w.rep1.token)
        .json(&json!({"base_currency": "USD", "churn_after_days": 90}))
        .send()
        .await
        .expect(403);
    let bad = app
        .put("/api/v1/analytics/settings")
        .token(t)
        .json(&json!({"base_currency": "dollars", "churn_after_days": 1}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["base_currency", "churn_after_days"]);
    // USD as the base currency recomputes the customer; 60 days of silence churns.
    let saved = app
        .put("/api/v1/analytics/settings")
        .token(t)
        .json(&json!({"base_currency": "usd", "churn_after_days": 60}))
        .send()
        .await
        .expect(200);
    assert_eq!(saved.body["base_currency"], "USD");
    let p = profile(&app, t, a).await;
    assert_eq!(
        (p["revenue_minor"].clone(), p["currency"].clone()),
        (json!(700), json!("USD"))
    );
    assert_eq!(p["order_count"], 1);
    let rev = app
        .get("/api/v1/analytics/distribution?dimension=industry&measure=revenue")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            rev.body["total"]["value"].clone(),
            rev.body["currency"].clone()
        ),
        (json!(700.0), json!("USD"))
    );
    app.put("/api/v1/analytics/settings")
        .token(t)
        .json(&json!({"base_currency": "USD", "churn_after_days": 10}))
        .send()
        .await
        .expect(200);
    assert_eq!(profile(&app, t, a).await["lifecycle"], "churned");
}

async fn rfm_scores_are_recomputed_at_most_once_per_max_age(app: TestApp) {
    let mut app = app;
    // No workers: the jobs reads queue stay queued, so only reads score.
    app.start_workers(0);
    app.state_mut().rfm_max_age = std::time::Duration::from_secs(3600);
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let a = CustomerBuilder::new(w.ws, "甲").owner(&w.rep1).build(&app);
    let b = CustomerBuilder::new(w.ws, "乙").owner(&w.rep1).build(&app);
    order(&app, t, a, 3, 1_000, "paid").await;
    // Never computed: the read answers unscored (a job computes them).
    let unscored = profile(&app, t, a).await;
    assert!(unscored["rfm"].is_null(), "{unscored}");
    assert!(unscored["as_of"].is_null(), "{unscored}");
    assert_eq!(
        refresh_jobs(&app, t).await.len(),
        1,
        "the scoring is queued"
    );
    // Computed here by a read allowed no maximum age.
    app.state_mut().rfm_max_age = std::time::Duration::ZERO;
    let first = profile(&app, t, a).await;
    assert!(first["rfm"].is_object(), "{first}");
    app.state_mut().rfm_max_age = std::time::Duration::from_secs(3600);
    // A new buyer within the hour is served the scores as they were, with their time.
    order(&app, t, b, 2, 5_000, "paid").await;
    let stale = profile(&app, t, b).await;
    assert!(stale["rfm"].is_null(), "{stale}");
    assert_eq!(stale["as_of"], first["as_of"]);
    assert_eq!(stale["order_count"], 1, "counts are exact at once");
    // Once the scores may be recomputed, the next read does.
    app.state_mut().rfm_max_age = std::time::Duration::ZERO;
    let fresh = profile(&app, t, b).await;
    let a_now = profile(&app, t, a).await;
    assert!(
        fresh["rfm"]["m"].as_i64() > a_now["rfm"]["m"].as_i64(),
        "{fresh} {a_now}"
    );
    assert_ne!(fresh["as_of"], first["as_of"]);
}

async fn refresh_jobs(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let list = app
        .get("/api/v1/admin/jobs?kind=rfm_refresh")
        .token(token)
        .send()
        .await
        .expect(200);
    list.body["items"].as_array().cloned().unwrap_or_default()
}

async fn stale_scores_past_their_max_age_are_served_while_a_job_refreshes_them(app: TestApp) {
    let mut app = app;
    app.start_workers(0);
    app.state_mut().rfm_max_age = std::time::Duration::from_secs(1);
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let a = CustomerBuilder::new(w.ws, "甲").owner(&w.rep1).build(&app);
    let b = CustomerBuilder::new(w.ws, "乙").owner(&w.rep1).build(&app);
    order(&app, t, a, 3, 1_000, "paid").await;
    // Never computed: the read answers unscored, and queues the first scoring.
    let unscored = profile(&app, t, a).await;
    assert!(unscored["rfm"].is_null(), "{unscored}");
    assert!(unscored["as_of"].is_null(), "{unscored}");
    assert_eq!(unscored["order_count"], 1, "counts are exact at once");
    assert_eq!(refresh_jobs(&app, t).await.len(), 1);
    app.start_workers(1);
    until_refreshed(&app, t).await;
    app.start_workers(0);
    let first = profile(&app, t, a).await;
    assert!(first["rfm"].is_object(), "{first}");
    assert!(first["as_of"].is_string(), "{first}");
    // Past the maximum age, reads keep the last scores and queue one refresh.
    order(&app, t, b, 2, 5_000, "paid").await;
    actix_rt::time::sleep(std::time::Duration::from_millis(1_100)).await;
    for _ in 0..2 {
        let stale = profile(&app, t, b).await;
        assert!(stale["rfm"].is_null(), "{stale}");
        assert_eq!(stale["as_of"], first["as_of"]);
        assert_eq!(stale["order_count"], 1, "counts are exact at once");
    }
    let queued: Vec<_> = refresh_jobs(&app, t)
        .await
        .into_iter()
        .filter(|j| j["status"] == "queued")
        .collect();
    assert_eq!(queued.len(), 1, "queued once: {queued:?}");
    // A worker runs it; the next read has the new scores, and queues nothing.
    app.start_workers(2);
    until_refreshed(&app, t).await;
    let fresh = profile(&app, t, b).await;
    let a_now = profile(&app, t, a).await;
    assert!(
        fresh["rfm"]["m"].as_i64() > a_now["rfm"]["m"].as_i64(),
        "{fresh} {a_now}"
    );
    assert_ne!(fresh["as_of"], first["as_of"]);
    let jobs = refresh_jobs(&app, t).await;
    assert_eq!(jobs.len(), 2, "the first scoring and one refresh: {jobs:?}");
    assert!(jobs.iter().all(|j| j["attempts"] == 1), "{jobs:?}");
}

/// Waits until every `rfm_refresh` job is done.
async fn until_refreshed(app: &TestApp, token: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while refresh_jobs(app, token)
        .await
        .iter()
        .any(|j| j["status"] != "done")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh did not run"
        );
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Issue 19: without autovacuum, a refresh that rewrote every buyer's row
/// left the table twice its size each time. It writes only rows whose
/// scores or segment change, and repairs a segment that went missing.
async fn a_refresh_rewrites_only_the_buyers_whose_scores_change(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let mut buyers = Vec::new();
    for (i, name) in ["甲", "乙", "丙", "丁", "戊", "己"].iter().enumerate() {
        let c = CustomerBuilder::new(w.ws, name).owner(&w.rep1).build(&app);
        order(&app, t, c, i as i64 + 1, 1_000 * (i as i64 + 1), "paid").await;
        buyers.push(c);
    }
    let refresh = |app: &TestApp| {
        crm_db::metrics::refresh_rfm_counted(&mut app.conn(), w.ws)
            .expect("refresh")
            .1
    };
    assert_eq!(refresh(&app), 6, "first scores: every buyer");
    assert_eq!(refresh(&app), 0, "nothing changed: nothing written");
    let segment_of = |app: &TestApp, id| -> Option<String> {
        use crm_db::schema::customer_metrics as m;
        use diesel::prelude::*;
        m::table
            .filter(m::customer_id.eq(crm_db::types::Id(id)))
            .select(m::rfm_segment)
            .first(&mut app.conn())
            .expect("metrics row")
    };
    let before = segment_of(&app, buyers[0]);
    assert!(before.is_some());
    {
        use crm_db::schema::customer_metrics as m;
        use diesel::prelude::*;
        diesel::update(m::table.filter(m::customer_id.eq(crm_db::types::Id(buyers[0]))))
            .set(m::rfm_segment.eq(None::<String>))
            .execute(&mut app.conn())
            .expect("clear a segment");
    }
    assert_eq!(refresh(&app), 1, "the row whose segment went missing");
    assert_eq!(segment_of(&app, buyers[0]), before);
    // A big order moves one buyer up: only the rows whose quintiles moved.
    order(&app, t, buyers[0], 50, 100_000, "paid").await;
    let moved = refresh(&app);
    assert!((1..6).contains(&moved), "{moved} of 6 rewritten");
}

#[derive(diesel::QueryableByName)]
struct NullShare {
    #[diesel(sql_type = diesel::sql_types::Double)]
    share: f64,
}

/// The planner's share of buyers without a segment (1 when the statistics
/// predate every score, or none exist).
fn unsegmented_share(app: &TestApp) -> f64 {
    use diesel::RunQueryDsl;
    diesel::sql_query(
        "SELECT COALESCE(MAX(null_frac), 1)::float8 AS share FROM pg_stats \
         WHERE tablename = 'customer_metrics' AND attname = 'rfm_segment'",
    )
    .get_result::<NullShare>(&mut *app.conn())
    .expect("pg_stats")
    .share
}

/// Scoring a whole workspace at once (its first refresh) changes most of
/// `customer_metrics`: the planner learns the segments at once, or a
/// segment filter is planned as matching one row (a segment's portrait at
/// `l` took 16 s). PostgreSQL only: SQLite's planner has no such statistics
/// here, and there the same reads simply answer.
async fn a_refresh_that_rewrites_most_buyers_refreshes_their_statistics(app: TestApp) {
    let demo = crate::analytics_demo::seed(&app);
    let postgres = matches!(&*app.conn(), crm_db::AnyConnection::Postgresql(_));
    {
        use diesel::RunQueryDsl;
        // Statistics of the unscored rows, as a load leaves them.
        diesel::sql_query("UPDATE customer_metrics SET rfm_r = NULL, rfm_f = NULL, rfm_m = NULL, rfm_segment = NULL")
            .execute(&mut *app.conn())
            .expect("unscore");
        diesel::sql_query("ANALYZE customer_metrics")
            .execute(&mut *app.conn())
            .expect("analyze");
    }
    if postgres {
        assert_eq!(unsegmented_share(&app), 1.0);
    }
    let (at, rewritten) =
        crm_db::metrics::refresh_rfm_counted(&mut app.conn(), demo.ws).expect("refresh");
    assert!(rewritten > 100, "{rewritten} rows rescored at {at}");
    if postgres {
        let share = unsegmented_share(&app);
        assert!(share < 0.1, "the planner still sees {share} unsegmented");
    }
    let page = app
        .get("/api/v1/analytics/portrait?rfm_segment=champions")
        .token(&demo.admin)
        .send()
        .await
        .expect(200);
    assert!(page.body["customers"].as_i64() > Some(0), "{}", page.body);
}
