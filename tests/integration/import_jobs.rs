//! The mechanics of an import job: a cancel keeps exactly the batches whose
//! counters were committed (and a new run picks up the rest), and a run
//! whose worker stopped is taken over (its lease ran out) and resumes after
//! its last committed batch.

use std::time::Duration;

use crm_tests::{TestApp, World, both};
use serde_json::json;

use crate::imports::{customer_count, settled, start, upload};

both!(
    a_cancel_keeps_exactly_the_committed_batches,
    a_restarted_server_resumes_after_the_last_committed_batch,
);

async fn a_cancel_keeps_exactly_the_committed_batches(app: TestApp) {
    let w = World::create(&app);
    // Large enough that the cancel lands mid-run even on a fast machine.
    let rows = 40_000;
    let mut text = String::from("external_id,name,city\n");
    for i in 0..rows {
        text.push_str(&format!("K{i:06},客户{i},深圳\n"));
    }
    let up = upload(&app, &w.admin.token, "entity=customers", text.into_bytes())
        .await
        .expect(201);
    let id = up.id();
    start(
        &app,
        &w.admin.token,
        id,
        json!({"mapping": up.body["mapping"]}),
    )
    .await
    .expect(202);
    let cancelled = app
        .post(&format!("/api/v1/imports/{id}/cancel"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(cancelled["status"], "cancelled");
    // Give a batch in flight time to notice, then count.
    actix_rt::time::sleep(Duration::from_millis(800)).await;
    let after = settled(&app, &w.admin.token, id).await;
    assert_eq!(after["status"], "cancelled");
    let created = after["created"].as_i64().expect("created");
    assert_eq!(
        created,
        cancelled["created"].as_i64().expect("created"),
        "no batch after the cancel"
    );
    assert!(created < rows, "cancelled before the end: {created}");
    assert_eq!(created % 500, 0, "whole batches only");
    assert_eq!(customer_count(&app, &w.admin.token).await as i64, created);
    // Running it again picks everything up, the earlier rows unchanged.
    start(
        &app,
        &w.admin.token,
        id,
        json!({"mapping": up.body["mapping"]}),
    )
    .await
    .expect(202);
    let done = settled(&app, &w.admin.token, id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["unchanged"].as_i64(), Some(created));
    assert_eq!(done["created"].as_i64(), Some(rows - created));
    assert_eq!(customer_count(&app, &w.admin.token).await as i64, rows);
}

async fn a_restarted_server_resumes_after_the_last_committed_batch(app: TestApp) {
    let mut app = app;
    app.start_workers(0);
    let w = World::create(&app);
    let mut text = String::from("external_id,name\n");
    for i in 0..1_000 {
        text.push_str(&format!("R{i:04},客户{i}\n"));
    }
    let up = upload(&app, &w.admin.token, "entity=customers", text.into_bytes())
        .await
        .expect(201);
    let id = up.id();
    // A server stopped after committing the first batch of a run: the
    // import is `running` with 500 rows read, and its job is held on a
    // lease that nobody extends.
    {
        let mut conn = app.conn();
        let mapping = crm_db::types::Json(up.body["mapping"].clone());
        assert!(
            crm_db::imports::begin_pass(
                &mut conn,
                w.ws,
                id,
                &["uploaded"],
                "running",
                &mapping,
                "upsert"
            )
            .expect("begin")
        );
        crm_app::imports::enqueue(&mut conn, w.ws, id).expect("enqueue");
        crm_db::jobs::claim(
            &mut conn,
            "stopped-node",
            &[crm_app::imports::job::KIND],
            Duration::from_millis(300),
        )
        .expect("claim")
        .expect("the import's job");
        let first = crm_db::imports::Progress {
            rows: 500,
            created: 500,
            ..Default::default()
        };
        assert!(crm_db::imports::advance(&mut conn, w.ws, id, "running", first).expect("advance"));
    }
    // A worker takes the job over once the lease is out and reads on from row 501.
    app.start_workers(2);
    let done = settled(&app, &w.admin.token, id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        (done["rows_read"].clone(), done["created"].clone()),
        (json!(1_000), json!(1_000))
    );
    let page = app
        .get("/api/v1/customers?limit=200&sort=name")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let first = page.body["items"][0]["external_id"].clone();
    assert_eq!(
        first, "R0500",
        "rows 1–500 were the stopped run's (not written here): only 501–1000 are new"
    );
    let all = app
        .get("/api/v1/customers/export")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let lines = all.body.as_str().expect("csv").lines().count();
    assert_eq!(
        lines,
        1 + 500,
        "header and the 500 rows after the committed batch"
    );
}
