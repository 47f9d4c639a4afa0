//! Values the type checks let through but a business could not mean: dates
//! outside the years 1900–2200 on orders, deals, activities and birth dates
//! (single writes and batches), and a deal outside the caller's sight reached
//! by its external id, which answers 404 before anything about it shows.

use crm_tests::{CustomerBuilder, Resp, TestApp, World, both};
use serde_json::json;

both!(
    dates_outside_1900_to_2200_are_refused_naming_the_field,
    a_hidden_deal_reached_by_external_id_is_not_found,
);

#[track_caller]
fn names(resp: Resp, field: &str) {
    let resp = resp.expect(422);
    assert_eq!(resp.errors(), [field], "{}", resp.body);
}

async fn dates_outside_1900_to_2200_are_refused_naming_the_field(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let customer = CustomerBuilder::new(w.ws, "日期客户").build(&app);
    app.post("/api/v1/products")
        .token(t)
        .json(&json!({"sku": "TEA-1", "name": "茶", "price": {"amount_minor": 1000, "currency": "CNY"}}))
        .send()
        .await
        .expect(201);
    let lines = json!([{"sku": "TEA-1", "quantity": 1}]);
    for date in ["1899-12-31", "2201-01-01", "9999-03-01"] {
        names(
            app.post("/api/v1/customers")
                .token(t)
                .json(&json!({"kind": "person", "name": "张三", "birth_date": date}))
                .send()
                .await,
            "birth_date",
        );
        names(
            app.post("/api/v1/orders")
                .token(t)
                .json(&json!({"customer_id": customer, "order_date": date, "currency": "CNY", "lines": lines}))
                .send()
                .await,
            "order_date",
        );
        names(
            app.post("/api/v1/deals")
                .token(t)
                .json(
                    &json!({"customer_id": customer, "name": "d", "expected_close_date": date,
                              "amount": {"amount_minor": 100, "currency": "CNY"}}),
                )
                .send()
                .await,
            "expected_close_date",
        );
    }
    for at in ["1850-01-01T00:00:00Z", "2500-06-01T09:00:00Z"] {
        names(
            app.post("/api/v1/activities")
                .token(t)
                .json(&json!({"kind": "call", "subject": "电话", "customer_id": customer, "occurred_at": at}))
                .send()
                .await,
            "occurred_at",
        );
        names(
            app.post("/api/v1/activities")
                .token(t)
                .json(&json!({"kind": "task", "subject": "任务", "customer_id": customer, "due_at": at}))
                .send()
                .await,
            "due_at",
        );
    }
    // Updates and batches go through the same rule.
    let order = app
        .post("/api/v1/orders")
        .token(t)
        .json(&json!({"customer_id": customer, "order_date": "2026-11-01", "currency": "CNY", "lines": lines}))
        .send()
        .await
        .expect(201);
    names(
        app.patch(&format!("/api/v1/orders/{}", order.id()))
            .token(t)
            .json(&json!({"order_date": "1776-07-04"}))
            .send()
            .await,
        "order_date",
    );
    let batch = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "B1", "kind": "person", "name": "李四", "birth_date": "1066-10-14"},
            {"external_id": "B2", "kind": "person", "name": "王五", "birth_date": "1990-05-20"}
        ]}))
        .send()
        .await
        .expect(200);
    let results = &batch.body["results"];
    assert!(
        results[0]["errors"]["birth_date"].is_array(),
        "{}",
        batch.body
    );
    assert_eq!(results[1]["status"], "created", "{}", batch.body);
    // The edges themselves are fine.
    app.post("/api/v1/orders")
        .token(t)
        .json(&json!({"customer_id": customer, "order_date": "1900-01-01", "currency": "CNY", "lines": lines}))
        .send()
        .await
        .expect(201);
}

async fn a_hidden_deal_reached_by_external_id_is_not_found(app: TestApp) {
    let w = World::create(&app);
    let theirs = CustomerBuilder::new(w.ws, "三组客户")
        .owner(&w.rep3)
        .build(&app);
    let mine = CustomerBuilder::new(w.ws, "一组客户")
        .owner(&w.rep1)
        .build(&app);
    app.put("/api/v1/deals/by-external-id/SECRET-1")
        .token(&w.rep3.token)
        .json(&json!({"customer_id": theirs, "name": "三组商机",
                      "amount": {"amount_minor": 100, "currency": "CNY"}}))
        .send()
        .await
        .expect(201);
    // rep1 cannot see the deal: naming another customer, or none, is 404 either way.
    for body in [
        json!({"customer_id": mine, "name": "x"}),
        json!({"name": "x"}),
    ] {
        let resp = app
            .put("/api/v1/deals/by-external-id/SECRET-1")
            .token(&w.rep1.token)
            .json(&body)
            .send()
            .await
            .expect(404);
        assert!(
            !resp.body.to_string().contains(&theirs.to_string()),
            "the answer names nothing about the hidden deal: {}",
            resp.body
        );
    }
}
