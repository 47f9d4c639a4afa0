//! `POST /{entity}/batch`: per-record results, all-or-none, modes, limits,
//! visibility and idempotent retries.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_customer_batch_reports_each_record_and_writes_the_good_ones,
    all_or_none_refuses_the_whole_batch_naming_each_failure,
    update_mode_names_records_by_id_or_external_id_within_visibility,
    batches_are_bounded_and_retry_safe,
    product_and_order_batches_upsert_by_external_id,
);

fn statuses(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn a_customer_batch_reports_each_record_and_writes_the_good_ones(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let body = json!({"mode": "upsert", "records": [
        {"external_id": "C1", "kind": "organization", "name": "一号", "province_code": "440000", "city_code": "440300"},
        {"external_id": "C2", "kind": "organization", "name": "二号", "email": "not-an-email"},
        {"external_id": "C3", "kind": "person", "name": "三号", "owner_id": w.rep1.id},
        {"external_id": "C1", "kind": "organization", "name": "重复"},
        {"kind": "organization", "name": "no key"},
        "not an object",
        {"external_id": "C4", "name": "no kind"},
        {"external_id": "C5", "kind": "organization", "name": "五号", "unknown": 1}
    ]});
    let r = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(
        statuses(&r.body),
        [
            "created", "failed", "created", "failed", "failed", "failed", "failed", "failed"
        ]
    );
    assert_eq!(
        (r.body["created"].clone(), r.body["failed"].clone()),
        (json!(2), json!(6))
    );
    let errors = |i: usize| -> Vec<String> {
        r.body["results"][i]["errors"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(errors(1), ["email"]);
    assert_eq!(errors(3), ["external_id"]);
    assert_eq!(errors(4), ["external_id"]);
    assert_eq!(errors(5), ["record"]);
    assert_eq!(errors(6), ["kind"]);
    assert_eq!(errors(7), ["unknown"]);
    let c1 = r.body["results"][0]["id"].as_str().expect("id").to_owned();
    let got = app
        .get(&format!("/api/v1/customers/{c1}"))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            got.body["country_code"].clone(),
            got.body["owner_id"].clone()
        ),
        (json!("CN"), json!(w.admin.id.to_string()))
    );
    let c3 = app
        .get("/api/v1/customers?external_id=C3")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        c3.body["items"][0]["team_id"],
        w.team_a.to_string(),
        "team follows the owner"
    );

    // The same batch again: the two written records are unchanged.
    let again = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(
        &statuses(&again.body)[..3],
        ["unchanged", "failed", "unchanged"]
    );
    assert_eq!(again.body["results"][0]["version"], 1);
    let feed = app
        .get("/api/v1/changes?entity=customer")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        feed.body["items"].as_array().map(Vec::len),
        Some(2),
        "unchanged records log nothing"
    );
}

async fn all_or_none_refuses_the_whole_batch_naming_each_failure(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let r = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "create", "all_or_none": true, "records": [
            {"kind": "organization", "name": "好的"},
            {"kind": "organization", "name": "", "province_code": "999999"},
            {"kind": "organization", "name": "也好", "tag_ids": ["0190c0de-0000-7000-8000-000000000000"]}
        ]}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        r.errors(),
        [
            "records[1].name",
            "records[1].province_code",
            "records[2].tag_ids"
        ]
    );
    let list = app
        .get("/api/v1/customers")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]), "nothing written");
    let ok = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "create", "all_or_none": true, "records": [
            {"kind": "organization", "name": "好的"}, {"kind": "organization", "name": "也好"}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(statuses(&ok.body), ["created", "created"]);
}

async fn update_mode_names_records_by_id_or_external_id_within_visibility(app: TestApp) {
    let w = World::create(&app);
    let mine = CustomerBuilder::new(w.ws, "Mine")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "Theirs")
        .owner(&w.rep3)
        .build(&app);
    let r = app
        .post("/api/v1/customers/batch")
        .token(&w.rep1.token)
        .json(&json!({"mode": "update", "records": [
            {"id": mine, "industry": "retail"},
            {"id": theirs, "industry": "retail"},
            {"external_id": "NOPE", "industry": "retail"},
            {"industry": "retail"},
            {"id": mine, "owner_id": w.rep3.id}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        statuses(&r.body),
        ["updated", "failed", "failed", "failed", "failed"]
    );
    assert_eq!(
        r.body["results"][1]["errors"],
        json!({"id": ["no such record, or not visible to you"]})
    );
    assert!(
        r.body["results"][4]["errors"]["id"].is_array(),
        "the same id twice: {}",
        r.body
    );
    let theirs_now = app
        .get(&format!("/api/v1/customers/{theirs}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        theirs_now.body["industry"],
        Value::Null,
        "hidden record untouched"
    );
    // Handing a customer to someone outside the rep's scope is refused per record.
    let r = app
        .post("/api/v1/customers/batch")
        .token(&w.rep1.token)
        .json(&json!({"mode": "update", "records": [{"id": mine, "owner_id": w.rep3.id}]}))
        .send()
        .await
        .expect(200);
    assert!(
        r.body["results"][0]["errors"]["record"].is_array(),
        "{}",
        r.body
    );
    // A viewer may not write at all.
    let r = app
        .post("/api/v1/customers/batch")
        .token(&w.viewer.token)
        .json(&json!({"mode": "create", "records": [{"kind": "person", "name": "x"}]}))
        .send()
        .await
        .expect(200);
    assert!(
        r.body["results"][0]["errors"]["record"].is_array(),
        "{}",
        r.body
    );
}

async fn batches_are_bounded_and_retry_safe(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let too_many: Vec<Value> = (0..1001)
        .map(|i| json!({"kind": "person", "name": format!("p{i}")}))
        .collect();
    let r = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "create", "records": too_many}))
        .send()
        .await
        .expect(422);
    assert_eq!(r.errors(), ["records"]);
    app.post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "merge", "records": []}))
        .send()
        .await
        .expect(422);
    let body = json!({"mode": "create", "records": [{"kind": "person", "name": "张三"}]});
    let first = app
        .post("/api/v1/customers/batch")
        .token(t)
        .header("idempotency-key", "b-1")
        .json(&body)
        .send()
        .await
        .expect(200);
    let again = app
        .post("/api/v1/customers/batch")
        .token(t)
        .header("idempotency-key", "b-1")
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "identical response");
    let list = app
        .get("/api/v1/customers")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(1),
        "written once"
    );
    app.post("/api/v1/customers/batch")
        .token(t)
        .header("idempotency-key", "b-1")
        .json(&json!({"mode": "create", "records": [{"kind": "person", "name": "李四"}]}))
        .send()
        .await
        .expect(422);
}

async fn product_and_order_batches_upsert_by_external_id(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let products = app
        .post("/api/v1/products/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "M1", "sku": "S1", "name": "一", "price": {"amount_minor": 100, "currency": "CNY"}},
            {"external_id": "M2", "sku": "S1", "name": "same sku"},
            {"external_id": "M3", "name": "no sku"}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(statuses(&products.body), ["created", "failed", "failed"]);
    CustomerBuilder::new(w.ws, "C").owner(&w.rep1).build(&app);
    app.put("/api/v1/customers/by-external-id/K1")
        .token(t)
        .json(&json!({"kind": "person", "name": "客户"}))
        .send()
        .await
        .expect(201);
    let orders = app
        .post("/api/v1/orders/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "O1", "customer_external_id": "K1", "order_date": "2026-03-01", "currency": "CNY",
             "lines": [{"product_external_id": "M1", "quantity": 3}]},
            {"external_id": "O2", "customer_external_id": "NOPE", "order_date": "2026-03-01", "currency": "CNY",
             "lines": [{"sku": "S1", "quantity": 1}]},
            {"external_id": "O3", "customer_external_id": "K1", "order_date": "2026-03-02", "currency": "CNY",
             "lines": [{"sku": "S1", "quantity": 2, "unit_price_minor": 90}]}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(statuses(&orders.body), ["created", "failed", "created"]);
    let o1 = app
        .get("/api/v1/orders?external_id=O1")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(o1.body["items"][0]["total"]["amount_minor"], 300);
    let update = app
        .post("/api/v1/orders/batch")
        .token(t)
        .json(&json!({"mode": "update", "records": [
            {"external_id": "O1", "status": "completed"},
            {"external_id": "O3", "status": "confirmed"}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(statuses(&update.body), ["updated", "unchanged"]);
}
