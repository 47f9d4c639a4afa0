//! `POST /tickets/batch` and `customer_external_id` on tickets: a call
//! centre pushes its tickets by its own keys, naming customers by the
//! ERP's keys, on both databases. Each record is written as a single
//! ticket write is (routed by the rules, numbered, SLA set), a refused
//! record writes nothing while the others are written, `all_or_none`
//! writes nothing on any refusal, a resend changes nothing, the caller's
//! scope holds per record, and an `Idempotency-Key` replays the answer.

use crm_tests::{Resp, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    a_call_centre_pushes_tickets_in_batches_by_its_own_keys,
    batches_hold_the_callers_scope_and_all_or_none_writes_nothing,
);

async fn customer(app: &TestApp, token: &str, key: &str, owner: Uuid) -> Uuid {
    app.post("/api/v1/customers")
        .token(token)
        .json(&json!({"kind": "organization", "name": format!("客户 {key}"), "external_id": key, "owner_id": owner}))
        .send()
        .await
        .expect(201)
        .id()
}

async fn batch(app: &TestApp, token: &str, body: Value) -> Resp {
    app.post("/api/v1/tickets/batch")
        .token(token)
        .json(&body)
        .send()
        .await
}

fn statuses(r: &Resp) -> Vec<String> {
    r.body["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn errors(r: &Resp, i: usize) -> Vec<String> {
    r.body["results"][i]["errors"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

async fn a_call_centre_pushes_tickets_in_batches_by_its_own_keys(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let c1 = customer(&app, admin, "ERP-1", w.rep1.id).await;
    customer(&app, admin, "ERP-2", w.rep3.id).await;
    // Every new ticket is routed to team B by a rule.
    let mut settings = app
        .get("/api/v1/service/settings")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    settings["assignment_rules"] = json!([{"name": "呼叫中心", "channels": ["phone"], "team_id": w.team_b, "method": "round_robin"}]);
    app.put("/api/v1/service/settings")
        .token(admin)
        .json(&settings)
        .send()
        .await
        .expect(200);

    let first = json!({"mode": "upsert", "records": [
        {"external_id": "CC-1", "customer_external_id": "ERP-1", "subject": "设备无法启动", "ticket_type": "incident", "priority": "high", "channel": "phone"},
        {"external_id": "CC-2", "customer_external_id": "ERP-2", "subject": "发票问题", "ticket_type": "billing", "channel": "phone"},
        {"external_id": "CC-3", "customer_external_id": "ERP-404", "subject": "无此客户", "ticket_type": "inquiry"},
        {"external_id": "CC-4", "customer_id": c1, "customer_external_id": "ERP-1", "subject": "两个客户", "ticket_type": "inquiry"},
        {"external_id": "CC-1", "subject": "重复", "ticket_type": "inquiry", "customer_external_id": "ERP-1"},
        {"external_id": "CC-5", "customer_external_id": "ERP-2", "subject": "退货", "ticket_type": "return", "channel": "wechat"},
    ]});
    let r = batch(&app, admin, first.clone()).await.expect(200);
    assert_eq!(
        statuses(&r),
        ["created", "failed", "failed", "failed", "failed", "created"],
        "{}",
        r.body
    );
    assert_eq!(
        (r.body["created"].clone(), r.body["failed"].clone()),
        (json!(2), json!(4))
    );
    assert_eq!(errors(&r, 1), ["ticket_type"]);
    assert_eq!(errors(&r, 2), ["customer_external_id"]);
    assert_eq!(errors(&r, 3), ["customer_id"]);
    assert_eq!(errors(&r, 4), ["external_id"]);

    // Written as a single write would: numbered, on the customer, routed, due times set.
    let t1 = app
        .get("/api/v1/tickets/by-external-id/CC-1")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(t1["customer_id"], json!(c1));
    assert_eq!(
        (t1["team_id"].clone(), t1["assignment_rule"].clone()),
        (json!(w.team_b), json!("呼叫中心"))
    );
    assert!(
        t1["number"].as_i64().is_some() && t1["resolution_due_at"].is_string(),
        "{t1}"
    );
    assert_eq!(r.body["results"][0]["id"], t1["id"]);
    let t5 = app
        .get("/api/v1/tickets/by-external-id/CC-5")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        t5["assignment_rule"],
        Value::Null,
        "a WeChat ticket matches no rule"
    );
    // Nothing of the refused records was written.
    app.get("/api/v1/tickets/by-external-id/CC-2")
        .token(admin)
        .send()
        .await
        .expect(404);

    // Upsert again: an existing key takes a merge patch; the same values change nothing.
    let r = batch(
        &app,
        admin,
        json!({"mode": "upsert", "records": [
            {"external_id": "CC-1", "priority": "high"},
            {"external_id": "CC-5", "status": "open", "priority": "urgent"},
        ]}),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&r), ["unchanged", "updated"], "{}", r.body);
    assert_eq!(r.body["results"][1]["version"], 2);
    // Update mode names tickets by id or by key; an unknown key is named.
    let id = t1["id"].as_str().expect("id");
    let r = batch(
        &app,
        admin,
        json!({"mode": "update", "records": [
            {"id": id, "status": "pending"},
            {"external_id": "CC-404", "status": "open"},
            {"id": Uuid::from_u128(42), "status": "open"},
        ]}),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&r), ["updated", "failed", "failed"], "{}", r.body);
    assert_eq!(
        (errors(&r, 1), errors(&r, 2)),
        (vec!["external_id".to_owned()], vec!["id".to_owned()])
    );

    // The same Idempotency-Key replays the first answer and writes nothing more.
    let keyed = json!({"mode": "create", "records": [{"customer_external_id": "ERP-2", "subject": "来电", "ticket_type": "inquiry"}]});
    let send = || {
        app.post("/api/v1/tickets/batch")
            .token(admin)
            .header("idempotency-key", "cc-batch-1")
            .json(&keyed)
            .send()
    };
    let once = send().await.expect(200);
    let again = send().await.expect(200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(once.body, again.body);
    let listed = app
        .get("/api/v1/tickets?q=%E6%9D%A5%E7%94%B5")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));

    // The single create takes the customer's key too.
    let single = app
        .post("/api/v1/tickets")
        .token(admin)
        .json(
            &json!({"customer_external_id": "ERP-1", "subject": "单条", "ticket_type": "inquiry"}),
        )
        .send()
        .await
        .expect(201);
    assert_eq!(single.body["customer_id"], json!(c1));
    let refused = app
        .post("/api/v1/tickets")
        .token(admin)
        .json(&json!({"subject": "无客户", "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["customer_id"]);
}

async fn batches_hold_the_callers_scope_and_all_or_none_writes_nothing(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    customer(&app, admin, "ERP-A", w.rep1.id).await;
    customer(&app, admin, "ERP-B", w.rep3.id).await;
    // A rep writes tickets of their own customers only; another's customer is not theirs to see.
    let r = batch(
        &app,
        &w.rep1.token,
        json!({"mode": "create", "records": [
            {"customer_external_id": "ERP-A", "subject": "我的客户", "ticket_type": "inquiry"},
            {"customer_external_id": "ERP-B", "subject": "别人的客户", "ticket_type": "inquiry"},
        ]}),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&r), ["created", "failed"], "{}", r.body);
    assert_eq!(errors(&r, 1), ["customer_external_id"]);
    // A viewer may not create tickets: each record is refused by the role.
    let r = batch(
        &app,
        &w.viewer.token,
        json!({"mode": "create", "records": [
            {"customer_external_id": "ERP-A", "subject": "只读", "ticket_type": "inquiry"},
        ]}),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&r), ["failed"], "{}", r.body);
    // Another workspace's caller does not reach these customers.
    let r = batch(
        &app,
        &w.other_admin.token,
        json!({"mode": "create", "records": [
            {"customer_external_id": "ERP-A", "subject": "越界", "ticket_type": "inquiry"},
        ]}),
    )
    .await
    .expect(200);
    assert_eq!(errors(&r, 0), ["customer_external_id"]);

    // all_or_none: one refusal and nothing is written.
    let refused = batch(&app, admin, json!({"mode": "upsert", "all_or_none": true, "records": [
        {"external_id": "AON-1", "customer_external_id": "ERP-A", "subject": "好的", "ticket_type": "inquiry"},
        {"external_id": "AON-2", "customer_external_id": "ERP-B", "subject": "坏的", "ticket_type": "nope"},
    ]}))
    .await
    .expect(422);
    assert_eq!(refused.errors(), ["records[1].ticket_type"]);
    app.get("/api/v1/tickets/by-external-id/AON-1")
        .token(admin)
        .send()
        .await
        .expect(404);
    // Malformed batches are refused whole.
    let empty = batch(&app, admin, json!({"mode": "create", "records": []}))
        .await
        .expect(422);
    assert_eq!(empty.errors(), ["records"]);
}
