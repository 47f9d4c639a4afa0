//! `POST /deals/batch`: deals upserted by external id, customers named by
//! external id, the pipeline rules applied per record, stage moves recorded
//! in the history, a full record resent unchanged, and visibility by owner.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};

both!(deals_batch_upserts_with_the_pipeline_rules);

fn statuses(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn error_fields(body: &Value, i: usize) -> Vec<String> {
    body["results"][i]["errors"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

async fn batch(app: &TestApp, token: &str, records: Value) -> Value {
    app.post("/api/v1/deals/batch")
        .token(token)
        .json(&json!({"mode": "upsert", "records": records}))
        .send()
        .await
        .expect(200)
        .body
}

async fn deals_batch_upserts_with_the_pipeline_rules(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    app.post("/api/v1/customers/batch")
        .token(admin)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "C1", "kind": "organization", "name": "一号", "owner_id": w.rep1.id},
            {"external_id": "C3", "kind": "organization", "name": "三号", "owner_id": w.rep3.id},
        ]}))
        .send()
        .await
        .expect(200);
    let pipelines = app
        .get("/api/v1/pipelines")
        .token(admin)
        .send()
        .await
        .expect(200);
    let stages = pipelines.body[0]["stages"]
        .as_array()
        .cloned()
        .expect("stages");
    let (first, second) = (&stages[0], &stages[1]);
    let lost = stages
        .iter()
        .find(|s| s["kind"] == "lost")
        .expect("a lost stage");
    let amount = json!({"amount_minor": 500_000, "currency": "CNY"});

    let rep = &w.rep1.token;
    let d1 = json!({"external_id": "D1", "customer_external_id": "C1", "name": "甲项目", "amount": amount});
    let r = batch(&app, rep, json!([
        d1,
        {"external_id": "D2", "customer_external_id": "C3", "name": "看不见的客户", "amount": amount},
        {"external_id": "D3", "name": "没有客户", "amount": amount},
        {"external_id": "D4", "customer_external_id": "C1", "name": "丢单", "amount": amount, "stage_id": lost["id"]},
        {"external_id": "D5", "customer_external_id": "C1", "name": "", "amount": amount},
        {"external_id": "D6", "customer_external_id": "C1", "name": "概率", "amount": amount, "probability": 120},
    ]))
    .await;
    assert_eq!(
        statuses(&r),
        ["created", "failed", "failed", "failed", "failed", "failed"],
        "{r}"
    );
    assert_eq!(error_fields(&r, 1), ["customer_external_id"]);
    assert_eq!(error_fields(&r, 2), ["customer_id"]);
    assert_eq!(error_fields(&r, 3), ["lost_reason"]);
    assert_eq!(error_fields(&r, 4), ["name"]);
    assert_eq!(error_fields(&r, 5), ["probability"]);
    let id = r["results"][0]["id"].as_str().expect("id").to_owned();
    let deal = app
        .get(&format!("/api/v1/deals/{id}"))
        .token(rep)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(deal["stage_id"], first["id"], "the pipeline's first stage");
    assert_eq!(
        deal["probability"], first["probability"],
        "the stage's probability"
    );
    assert_eq!(deal["owner_id"], json!(w.rep1.id), "the customer's owner");

    // The same full record again (customer included) changes nothing.
    let r = batch(&app, rep, json!([d1])).await;
    assert_eq!(statuses(&r), ["unchanged"], "{r}");
    let put = app
        .put("/api/v1/deals/by-external-id/D1")
        .token(rep)
        .json(&d1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        put.body["version"], 1,
        "PUT of the same full record changes nothing either"
    );
    // A stage move is an update recorded in the history; the probability follows the stage.
    let r = batch(
        &app,
        rep,
        json!([{"external_id": "D1", "stage_id": second["id"]}]),
    )
    .await;
    assert_eq!(statuses(&r), ["updated"]);
    let deal = app
        .get(&format!("/api/v1/deals/{id}"))
        .token(rep)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(deal["probability"], second["probability"]);
    let history = app
        .get(&format!("/api/v1/deals/{id}/stage-changes"))
        .token(rep)
        .send()
        .await
        .expect(200)
        .body;
    let moves: Vec<(Value, Value)> = history
        .as_array()
        .expect("history")
        .iter()
        .map(|c| (c["from_stage_id"].clone(), c["to_stage_id"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, first["id"].clone()),
            (first["id"].clone(), second["id"].clone())
        ]
    );
    // A patch cannot move the deal to another customer.
    let r = batch(
        &app,
        admin,
        json!([{"external_id": "D1", "customer_external_id": "C3"}]),
    )
    .await;
    assert_eq!(statuses(&r), ["failed"]);
    assert_eq!(error_fields(&r, 0), ["customer_external_id"]);

    // Another rep's deal is invisible to rep1, by key as by id.
    let r = batch(&app, admin, json!([{"external_id": "D9", "customer_external_id": "C3", "name": "三号的单", "amount": amount}])).await;
    assert_eq!(statuses(&r), ["created"]);
    let d9 = r["results"][0]["id"].clone();
    let r = batch(&app, rep, json!([{"external_id": "D9", "name": "改名"}])).await;
    assert_eq!(error_fields(&r, 0), ["external_id"]);
    let r = app
        .post("/api/v1/deals/batch")
        .token(rep)
        .json(&json!({"mode": "update", "records": [{"id": d9, "name": "改名"}]}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(error_fields(&r, 0), ["id"]);

    // The changes feed holds exactly the writes: two creates and one update.
    let feed = app
        .get("/api/v1/changes?since=0&entity=deal")
        .token(admin)
        .send()
        .await
        .expect(200);
    let ops: Vec<&str> = feed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["op"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ops, ["create", "update", "create"]);
}
