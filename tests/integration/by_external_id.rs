//! `GET /{entity}/by-external-id/{key}`: an integrator reads a record by its
//! own key, within the caller's read visibility, with the record's `ETag`.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(every_entity_with_the_put_reads_by_external_id);

/// Creates through the PUT, then reads back: found (same record and ETag),
/// hidden from a rep (404, except products, which every reader sees), absent
/// (404), and the same key from another workspace (404).
async fn check(app: &TestApp, w: &World, entity: &str, body: Value, hidden: bool) {
    let path = format!("/api/v1/{entity}/by-external-id/KEY-1");
    let created = app
        .put(&path)
        .token(&w.admin.token)
        .json(&body)
        .send()
        .await
        .expect(201);
    let read = app
        .get(&path)
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(read.id(), created.id(), "{entity}");
    assert_eq!(read.body["external_id"], "KEY-1", "{entity}");
    let by_id = app
        .get(&format!("/api/v1/{entity}/{}", created.id()))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert!(read.header("etag").is_some(), "{entity} has an ETag");
    assert_eq!(read.header("etag"), by_id.header("etag"), "{entity}");
    assert_eq!(read.body, by_id.body, "{entity}");

    let as_rep = app.get(&path).token(&w.rep1.token).send().await;
    assert_eq!(
        as_rep.status.as_u16(),
        if hidden { 404 } else { 200 },
        "{entity} as a rep who may not see it: {}",
        as_rep.body
    );
    app.get(&format!("/api/v1/{entity}/by-external-id/KEY-2"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);
    app.get(&path)
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
}

async fn every_entity_with_the_put_reads_by_external_id(app: TestApp) {
    let w = World::create(&app);
    let theirs = CustomerBuilder::new(w.ws, "Rep 3's")
        .owner(&w.rep3)
        .build(&app);
    let rep3 = w.rep3.id;
    check(
        &app,
        &w,
        "products",
        json!({"sku": "SKU-1", "name": "绿茶"}),
        false,
    )
    .await;
    check(
        &app,
        &w,
        "customers",
        json!({"kind": "organization", "name": "华东机械", "owner_id": rep3}),
        true,
    )
    .await;
    check(
        &app,
        &w,
        "contacts",
        json!({"customer_id": theirs, "name": "王芳"}),
        true,
    )
    .await;
    check(
        &app,
        &w,
        "deals",
        json!({"customer_id": theirs, "name": "商机", "owner_id": rep3,
            "amount": {"amount_minor": 100, "currency": "CNY"}}),
        true,
    )
    .await;
    check(
        &app,
        &w,
        "orders",
        json!({"customer_id": theirs, "owner_id": rep3, "order_date": "2026-11-05",
            "currency": "CNY", "lines": [{"sku": "SKU-1", "quantity": 1, "unit_price_minor": 100}]}),
        true,
    )
    .await;
    check(
        &app,
        &w,
        "tickets",
        json!({"customer_id": theirs, "subject": "发票开错了", "ticket_type": "inquiry"}),
        true,
    )
    .await;

    // A customer with tags and an order reads the same by key as by id,
    // its metrics included.
    let t = &w.admin.token;
    let vip = crate::customers::tag(&app, t, "重点客户").await;
    let created = app
        .put("/api/v1/customers/by-external-id/KEY-M")
        .token(t)
        .json(&json!({"kind": "organization", "name": "有订单的客户", "tag_ids": [vip]}))
        .send()
        .await
        .expect(201);
    app.post("/api/v1/orders")
        .token(t)
        .json(&json!({"customer_external_id": "KEY-M", "external_id": "O-M", "order_date": "2026-11-05",
            "status": "paid", "currency": "CNY",
            "lines": [{"sku": "SKU-1", "quantity": 2, "unit_price_minor": 150}]}))
        .send()
        .await
        .expect(201);
    let by_key = app
        .get("/api/v1/customers/by-external-id/KEY-M")
        .token(t)
        .send()
        .await
        .expect(200);
    let by_id = app
        .get(&format!("/api/v1/customers/{}", created.id()))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(by_key.body["metrics"]["order_count"], 1, "{}", by_key.body);
    assert_eq!(by_key.body["metrics"]["revenue_minor"], 300);
    assert_eq!(by_key.body["tags"][0]["name"], "重点客户");
    assert_eq!(by_key.body, by_id.body);
}
