//! Pipelines, deals, stage rules and history, the kanban board, visibility.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    deals_move_through_stages_with_history_and_rules,
    the_kanban_sums_visible_deals_per_stage,
    deals_are_visible_like_customers,
    pipelines_are_created_with_checked_stages,
);

async fn stages(app: &TestApp, token: &str) -> (String, Vec<Value>) {
    let pipelines = app
        .get("/api/v1/pipelines")
        .token(token)
        .send()
        .await
        .expect(200);
    let p = &pipelines.body[0];
    (
        p["id"].as_str().unwrap_or_default().to_owned(),
        p["stages"].as_array().cloned().unwrap_or_default(),
    )
}

async fn deals_move_through_stages_with_history_and_rules(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let customer = CustomerBuilder::new(w.ws, "杭州茶社")
        .owner(&w.rep1)
        .build(&app);
    let (pipeline, stages) = stages(&app, t).await;
    assert_eq!(stages.len(), 6);
    let created = app
        .post("/api/v1/deals")
        .token(t)
        .json(&json!({"customer_id": customer, "name": "年度采购", "amount": {"amount_minor": 1_000_000, "currency": "CNY"}}))
        .send()
        .await
        .expect(201);
    let d = &created.body;
    assert_eq!(
        (d["pipeline_id"].as_str(), d["stage_id"].clone()),
        (Some(pipeline.as_str()), stages[0]["id"].clone())
    );
    assert_eq!(
        d["probability"], stages[0]["probability"],
        "probability from the stage"
    );
    assert_eq!(
        d["owner_id"],
        w.rep1.id.to_string(),
        "owner from the customer"
    );
    let id = created.id();
    let path = format!("/api/v1/deals/{id}");

    // Moving resets probability to the stage's; an explicit one overrides.
    let moved = app
        .patch(&path)
        .token(t)
        .json(&json!({"stage_id": stages[2]["id"]}))
        .send()
        .await
        .expect(200);
    assert_eq!(moved.body["probability"], stages[2]["probability"]);
    let set = app
        .patch(&path)
        .token(t)
        .json(&json!({"probability": 60}))
        .send()
        .await
        .expect(200);
    assert_eq!(set.body["probability"], 60);
    // Lost needs a reason; with one the deal closes.
    let lost = stages
        .iter()
        .find(|s| s["kind"] == "lost")
        .expect("lost stage");
    let refused = app
        .patch(&path)
        .token(t)
        .json(&json!({"stage_id": lost["id"]}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["lost_reason"]);
    let closed = app
        .patch(&path)
        .token(t)
        .json(&json!({"stage_id": lost["id"], "lost_reason": "价格"}))
        .send()
        .await
        .expect(200);
    assert!(closed.body["closed_at"].is_string());
    assert_eq!(closed.body["probability"], 0);
    // Back to an open stage reopens it and clears the reason.
    let reopened = app
        .patch(&path)
        .token(t)
        .json(&json!({"stage_id": stages[1]["id"]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            reopened.body["closed_at"].clone(),
            reopened.body["lost_reason"].clone()
        ),
        (Value::Null, Value::Null)
    );
    // A stage of another pipeline is refused.
    let other = app
        .post("/api/v1/pipelines")
        .token(&w.admin.token)
        .json(&json!({"name": "渠道", "stages": [
            {"name": "线索", "probability": 10, "kind": "open"},
            {"name": "签约", "probability": 100, "kind": "won"},
            {"name": "丢单", "probability": 0, "kind": "lost"}
        ]}))
        .send()
        .await
        .expect(201);
    let location = other.header("location").expect("Location").to_owned();
    let read = app.get(&location).token(t).send().await.expect(200);
    assert_eq!(read.body, other.body, "Location names the new pipeline");
    let foreign = app
        .patch(&path)
        .token(t)
        .json(&json!({"stage_id": other.body["stages"][0]["id"]}))
        .send()
        .await
        .expect(422);
    assert_eq!(foreign.errors(), ["stage_id"]);

    let history = app
        .get(&format!("{path}/stage-changes"))
        .token(t)
        .send()
        .await
        .expect(200);
    let to: Vec<Value> = history
        .body
        .as_array()
        .expect("history")
        .iter()
        .map(|c| c["to_stage_id"].clone())
        .collect();
    assert_eq!(
        to,
        [
            stages[0]["id"].clone(),
            stages[2]["id"].clone(),
            lost["id"].clone(),
            stages[1]["id"].clone()
        ]
    );
    assert_eq!(history.body[0]["from_stage_id"], Value::Null);
    assert_eq!(history.body[1]["from_stage_id"], stages[0]["id"]);

    // Upsert by external id.
    let put = app
        .put("/api/v1/deals/by-external-id/OPP-1")
        .token(t)
        .json(&json!({"customer_id": customer, "name": "外部商机", "amount": {"amount_minor": 5, "currency": "USD"}}))
        .send()
        .await
        .expect(201);
    let again = app
        .put("/api/v1/deals/by-external-id/OPP-1")
        .token(t)
        .json(&json!({"name": "外部商机 2"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (again.id(), again.body["version"].clone()),
        (put.id(), json!(2))
    );
    let feed = app
        .get("/api/v1/changes?entity=deal")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(feed.body["items"].as_array().map(Vec::len), Some(7));
    app.delete(&path).token(t).send().await.expect(204);
    app.get(&path).token(t).send().await.expect(404);
}

async fn the_kanban_sums_visible_deals_per_stage(app: TestApp) {
    let w = World::create(&app);
    let (pipeline, stages) = stages(&app, &w.admin.token).await;
    let mine = CustomerBuilder::new(w.ws, "Mine")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "Theirs")
        .owner(&w.rep3)
        .build(&app);
    for (customer, stage, amount, currency) in [
        (mine, 0, 100_000, "CNY"),
        (mine, 0, 50_000, "CNY"),
        (mine, 2, 200_000, "CNY"),
        (mine, 2, 1_000, "USD"),
        (theirs, 0, 999_999, "CNY"),
    ] {
        app.post("/api/v1/deals")
            .token(&w.admin.token)
            .json(
                &json!({"customer_id": customer, "stage_id": stages[stage]["id"], "name": "d",
                          "amount": {"amount_minor": amount, "currency": currency}}),
            )
            .send()
            .await
            .expect(201);
    }
    let board = app
        .get(&format!("/api/v1/pipelines/{pipeline}/kanban?limit=1"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    let cols = board.body["columns"].as_array().expect("columns");
    assert_eq!(cols.len(), 6);
    // Stage 0: 10 %, two of rep1's deals; rep3's is not counted.
    assert_eq!(cols[0]["count"], 2);
    assert_eq!(
        cols[0]["totals"],
        json!([{"currency": "CNY", "amount_minor": 150_000, "weighted_minor": 15_000}])
    );
    assert_eq!(cols[0]["deals"].as_array().map(Vec::len), Some(1));
    let cursor = cols[0]["next_cursor"].as_str().expect("a second page");
    let stage0 = stages[0]["id"].as_str().unwrap_or_default();
    let rest = app
        .get(&format!(
            "/api/v1/deals?stage_id={stage0}&sort=-stage_changed_at&limit=1&cursor={cursor}"
        ))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.body["next_cursor"], Value::Null);
    // Stage 2: 50 %, per currency.
    let mut totals = cols[2]["totals"].as_array().cloned().unwrap_or_default();
    totals.sort_by_key(|t| t["currency"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        totals,
        [
            json!({"currency": "CNY", "amount_minor": 200_000, "weighted_minor": 100_000}),
            json!({"currency": "USD", "amount_minor": 1_000, "weighted_minor": 500})
        ]
    );
    assert_eq!(cols[1]["count"], 0);
    let admin = app
        .get(&format!("/api/v1/pipelines/{pipeline}/kanban"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(admin.body["columns"][0]["count"], 3);
    app.get(&format!("/api/v1/pipelines/{pipeline}/kanban"))
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
}

async fn deals_are_visible_like_customers(app: TestApp) {
    let w = World::create(&app);
    let theirs = CustomerBuilder::new(w.ws, "Theirs")
        .owner(&w.rep3)
        .build(&app);
    let mine = CustomerBuilder::new(w.ws, "Mine")
        .owner(&w.rep1)
        .build(&app);
    let deal = |c: uuid::Uuid| json!({"customer_id": c, "name": "d", "amount": {"amount_minor": 1, "currency": "CNY"}});
    let hidden = app
        .post("/api/v1/deals")
        .token(&w.rep1.token)
        .json(&deal(theirs))
        .send()
        .await
        .expect(422);
    assert_eq!(hidden.errors(), ["customer_id"]);
    let rep1_deal = app
        .post("/api/v1/deals")
        .token(&w.rep1.token)
        .json(&deal(mine))
        .send()
        .await
        .expect(201)
        .id();
    let rep3_deal = app
        .post("/api/v1/deals")
        .token(&w.admin.token)
        .json(&deal(theirs))
        .send()
        .await
        .expect(201)
        .id();
    for (who, id, status) in [
        (&w.rep1.token, rep1_deal, 200),
        (&w.rep1.token, rep3_deal, 404),
        (&w.rep2.token, rep1_deal, 404),
        (&w.manager1.token, rep1_deal, 200),
        (&w.manager2.token, rep1_deal, 404),
        (&w.viewer.token, rep3_deal, 200),
        (&w.other_admin.token, rep1_deal, 404),
    ] {
        app.get(&format!("/api/v1/deals/{id}"))
            .token(who)
            .send()
            .await
            .expect(status);
    }
    app.patch(&format!("/api/v1/deals/{rep3_deal}"))
        .token(&w.rep1.token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect(404);
    app.patch(&format!("/api/v1/deals/{rep1_deal}"))
        .token(&w.viewer.token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect(403);
    let list = app
        .get("/api/v1/deals")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
}

async fn pipelines_are_created_with_checked_stages(app: TestApp) {
    let w = World::create(&app);
    let bad = app
        .post("/api/v1/pipelines")
        .token(&w.admin.token)
        .json(
            &json!({"name": "", "stages": [{"name": "only", "probability": 120, "kind": "open"}]}),
        )
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["name", "stages", "stages[0].probability"]);
    app.post("/api/v1/pipelines")
        .token(&w.rep1.token)
        .json(&json!({"name": "x", "stages": []}))
        .send()
        .await
        .expect(403);
    let dup = app
        .post("/api/v1/pipelines")
        .token(&w.admin.token)
        .json(&json!({"name": "销售流程", "stages": [
            {"name": "a", "probability": 10, "kind": "open"},
            {"name": "w", "probability": 100, "kind": "won"},
            {"name": "l", "probability": 0, "kind": "lost"}
        ]}))
        .send()
        .await
        .expect(409);
    assert_eq!(dup.errors(), ["name"]);
}
