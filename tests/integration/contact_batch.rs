//! `POST /contacts/batch`: contacts upserted by external id naming their
//! customers by external id, each record refused for its own reason, a
//! resend unchanged, and a contact visible, creatable and updatable exactly
//! when its customer is.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};

both!(contacts_batch_upserts_within_their_customers_visibility);

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
    app.post("/api/v1/contacts/batch")
        .token(token)
        .json(&json!({"mode": "upsert", "records": records}))
        .send()
        .await
        .expect(200)
        .body
}

async fn contacts_batch_upserts_within_their_customers_visibility(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let customers = app
        .post("/api/v1/customers/batch")
        .token(admin)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "C1", "kind": "organization", "name": "一号公司", "owner_id": w.rep1.id},
            {"external_id": "C2", "kind": "organization", "name": "二号公司", "owner_id": w.rep2.id},
            {"external_id": "P1", "kind": "person", "name": "个人客户", "owner_id": w.rep1.id},
        ]}))
        .send()
        .await
        .expect(200);
    let c1 = customers.body["results"][0]["id"].clone();

    let rep = &w.rep1.token;
    let r = batch(&app, rep, json!([
        {"external_id": "K1", "customer_external_id": "C1", "name": "张三", "email": "zhang@example.test"},
        {"external_id": "K2", "customer_external_id": "C2", "name": "李四"},
        {"external_id": "K3", "customer_external_id": "P1", "name": "王五"},
        {"external_id": "K4", "customer_external_id": "NOPE", "name": "无客户"},
        {"external_id": "K5", "name": "没有客户"},
        {"external_id": "K1", "customer_external_id": "C1", "name": "重复"},
        {"external_id": "K6", "customer_id": c1, "name": "赵六", "email": "not-an-email"},
        {"external_id": "K8", "customer_id": c1, "customer_external_id": "C2", "name": "矛盾"},
    ]))
    .await;
    assert_eq!(
        statuses(&r),
        [
            "created", "failed", "failed", "failed", "failed", "failed", "failed", "failed"
        ],
        "{r}"
    );
    assert_eq!(
        error_fields(&r, 1),
        ["customer_id"],
        "another rep's customer is not visible"
    );
    assert_eq!(
        error_fields(&r, 2),
        ["customer_id"],
        "a person has no contacts"
    );
    assert_eq!(error_fields(&r, 3), ["customer_external_id"]);
    assert_eq!(error_fields(&r, 4), ["customer_id"]);
    assert_eq!(
        error_fields(&r, 5),
        ["external_id"],
        "the same key twice in a batch"
    );
    assert_eq!(error_fields(&r, 6), ["email"]);
    assert_eq!(error_fields(&r, 7), ["customer_external_id"]);
    let k1 = r["results"][0]["id"].as_str().expect("id").to_owned();
    let contact = app
        .get(&format!("/api/v1/contacts/{k1}"))
        .token(rep)
        .send()
        .await
        .expect(200);
    assert_eq!(contact.body["customer_id"], c1);
    assert_eq!(contact.body["email"], "zhang@example.test");

    // The same again changes nothing; a new title is an update of that field only.
    let r = batch(
        &app,
        rep,
        json!([{"external_id": "K1", "customer_external_id": "C1", "name": "张三"}]),
    )
    .await;
    assert_eq!(statuses(&r), ["unchanged"]);
    let r = batch(
        &app,
        rep,
        json!([{"external_id": "K1", "title": "采购经理"}]),
    )
    .await;
    assert_eq!(statuses(&r), ["updated"]);
    let feed = app
        .get("/api/v1/changes?since=0&entity=contact")
        .token(admin)
        .send()
        .await
        .expect(200);
    let ops: Vec<(String, Value)> = feed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                c["op"].as_str().unwrap_or_default().to_owned(),
                c["changed_fields"].clone(),
            )
        })
        .collect();
    assert_eq!(ops.len(), 2, "one create, one update: {ops:?}");
    assert_eq!(ops[1], ("update".to_owned(), json!(["title"])));

    // A contact of another rep's customer: not found for rep1, even by key.
    let r = batch(
        &app,
        admin,
        json!([{"external_id": "K7", "customer_external_id": "C2", "name": "二号的人"}]),
    )
    .await;
    assert_eq!(statuses(&r), ["created"]);
    let r = batch(&app, rep, json!([{"external_id": "K7", "title": "改不了"}])).await;
    assert_eq!(statuses(&r), ["failed"]);
    assert_eq!(error_fields(&r, 0), ["external_id"]);
    assert_eq!(
        r["results"][0]["errors"]["external_id"][0],
        "no such record, or not visible to you"
    );

    // Moving a contact to a customer one may not see is refused.
    let r = batch(
        &app,
        rep,
        json!([{"external_id": "K1", "customer_external_id": "C2"}]),
    )
    .await;
    assert_eq!(statuses(&r), ["failed"]);
    let contact = app
        .get(&format!("/api/v1/contacts/{k1}"))
        .token(rep)
        .send()
        .await
        .expect(200);
    assert_eq!(contact.body["customer_id"], c1, "unchanged");

    // PUT by external id names the customer by its key too.
    let put = app
        .put("/api/v1/contacts/by-external-id/K9")
        .token(rep)
        .json(&json!({"customer_external_id": "C1", "name": "钱七"}))
        .send()
        .await
        .expect(201);
    assert_eq!(put.body["customer_id"], c1);
}
