//! Tags and custom fields on tickets, on both databases: a ticket is
//! opened with the workspace's tags and its ticket custom fields, found by
//! tag, re-tagged and merge-patched field by field (the change log names
//! `tags` and `custom_fields`), and bad input (another workspace's tag, an
//! undefined or mistyped field, a required field left out) is refused
//! naming the field with nothing written.

use crm_tests::{CustomerBuilder, Resp, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    tickets_carry_tags_and_custom_fields,
    bad_tags_and_fields_on_tickets_are_refused_naming_the_field,
);

async fn tag(app: &TestApp, token: &str, name: &str) -> Uuid {
    app.post("/api/v1/tags")
        .token(token)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect(201)
        .id()
}

async fn field(app: &TestApp, token: &str, body: Value) {
    app.post("/api/v1/custom-fields")
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(201);
}

fn tag_names(r: &Resp) -> Vec<String> {
    r.body["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/tickets?{query}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .map(|a| a.iter().map(|t| t["subject"].clone()).collect())
        .unwrap_or_default()
}

async fn tickets_carry_tags_and_custom_fields(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let vip = tag(&app, admin, "VIP").await;
    let refund = tag(&app, admin, "退款").await;
    field(
        &app,
        admin,
        json!({"entity": "ticket", "key": "order_no", "label": "订单号", "field_type": "text"}),
    )
    .await;
    field(&app, admin, json!({"entity": "ticket", "key": "device", "label": "设备", "field_type": "single_select", "options": ["路由器", "摄像头"]})).await;
    field(&app, admin, json!({"entity": "ticket", "key": "refund_amount", "label": "退款金额", "field_type": "number"})).await;
    let customer = CustomerBuilder::new(w.ws, "杭州青禾科技")
        .owner(&w.rep1)
        .build(&app);

    let created = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(
            &json!({"customer_id": customer, "subject": "路由器无法联网", "ticket_type": "incident",
            "tag_ids": [vip, vip], "custom_fields": {"order_no": "SO-1001", "device": "路由器"}}),
        )
        .send()
        .await
        .expect(201);
    assert_eq!(tag_names(&created), ["VIP"]);
    assert_eq!(
        created.body["custom_fields"],
        json!({"order_no": "SO-1001", "device": "路由器"})
    );
    app.post("/api/v1/tickets")
        .token(&agent.token)
        .json(&json!({"customer_id": customer, "subject": "咨询发票", "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(201);
    let path = format!("/api/v1/tickets/{}", created.id());

    // Found by tag; the customer's owner sees the same tags.
    assert_eq!(
        listed(&app, &agent.token, &format!("tag_id={vip}")).await,
        [json!("路由器无法联网")]
    );
    assert!(
        listed(&app, &agent.token, &format!("tag_id={refund}"))
            .await
            .is_empty()
    );
    let seen = app.get(&path).token(&w.rep1.token).send().await.expect(200);
    assert_eq!(tag_names(&seen), ["VIP"]);

    // Re-tagged and merge-patched: null removes a key, others stay.
    let patched = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"tag_ids": [refund, vip], "custom_fields": {"device": null, "refund_amount": 128.5}}))
        .send()
        .await
        .expect(200);
    assert_eq!(tag_names(&patched), ["VIP", "退款"]);
    assert_eq!(
        patched.body["custom_fields"],
        json!({"order_no": "SO-1001", "refund_amount": 128.5})
    );
    assert_eq!(patched.body["version"], 2);
    assert_eq!(
        listed(&app, &agent.token, &format!("tag_id={refund}")).await,
        [json!("路由器无法联网")]
    );
    // The same set again changes nothing; only tags still bumps the version.
    let same = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"tag_ids": [vip, refund]}))
        .send()
        .await
        .expect(200);
    assert_eq!(same.body["version"], 2);
    let untagged = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"tag_ids": [vip]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (tag_names(&untagged), untagged.body["version"].clone()),
        (vec!["VIP".to_owned()], json!(3))
    );

    let feed = app
        .get("/api/v1/changes?entity=ticket")
        .token(admin)
        .send()
        .await
        .expect(200);
    let changed: Vec<Vec<String>> = feed.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["entity_id"] == json!(created.id()))
                .map(|i| serde_json::from_value(i["changed_fields"].clone()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(changed.len(), 3, "{changed:?}");
    assert!(
        changed[0].contains(&"tags".to_owned()) && changed[0].contains(&"custom_fields".to_owned())
    );
    let mut second = changed[1].clone();
    second.sort();
    assert_eq!(second, ["custom_fields", "tags"]);
    assert_eq!(changed[2], ["tags"]);

    // A deleted tag leaves the tickets that carried it.
    app.delete(&format!("/api/v1/tags/{vip}"))
        .token(admin)
        .send()
        .await
        .expect(204);
    let after = app.get(&path).token(&agent.token).send().await.expect(200);
    assert!(tag_names(&after).is_empty());
    assert!(
        listed(&app, &agent.token, &format!("tag_id={vip}"))
            .await
            .is_empty()
    );
}

async fn bad_tags_and_fields_on_tickets_are_refused_naming_the_field(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let theirs = tag(&app, &w.other_admin.token, "别家的标签").await;
    field(&app, admin, json!({"entity": "ticket", "key": "device", "label": "设备", "field_type": "single_select", "options": ["路由器"]})).await;
    // A customer field is not a ticket field.
    field(&app, admin, json!({"entity": "customer", "key": "vip_level", "label": "会员等级", "field_type": "text"})).await;
    let customer = CustomerBuilder::new(w.ws, "杭州青禾科技").build(&app);
    let refused = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(
            &json!({"customer_id": customer, "subject": "坏输入", "ticket_type": "inquiry",
            "tag_ids": [theirs], "custom_fields": {"device": "冰箱", "vip_level": "金卡"}}),
        )
        .send()
        .await
        .expect(422);
    assert_eq!(
        refused.errors(),
        ["custom_fields.device", "custom_fields.vip_level", "tag_ids"]
    );
    assert!(
        listed(&app, &agent.token, "").await.is_empty(),
        "nothing written"
    );

    let ok = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(&json!({"customer_id": customer, "subject": "好输入", "ticket_type": "inquiry", "custom_fields": {"device": "路由器"}}))
        .send()
        .await
        .expect(201);
    let path = format!("/api/v1/tickets/{}", ok.id());
    let bad = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"status": "open", "tag_ids": [theirs], "custom_fields": {"device": 3}}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["custom_fields.device", "tag_ids"]);
    let unchanged = app.get(&path).token(&agent.token).send().await.expect(200);
    assert_eq!(
        (
            unchanged.body["status"].clone(),
            unchanged.body["version"].clone()
        ),
        (json!("new"), json!(1))
    );
    // A required field must be given on new tickets.
    field(&app, admin, json!({"entity": "ticket", "key": "order_no", "label": "订单号", "field_type": "text", "required": true})).await;
    let missing = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(&json!({"customer_id": customer, "subject": "缺订单号", "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(422);
    assert_eq!(missing.errors(), ["custom_fields.order_no"]);
    // A malformed tag filter is a 400 naming the parameter.
    app.get("/api/v1/tickets?tag_id=not-a-uuid")
        .token(&agent.token)
        .send()
        .await
        .expect(400);
}
