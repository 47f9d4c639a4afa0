//! Activities and the customer timeline.

use std::collections::HashSet;

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    the_timeline_merges_every_source_newest_first_and_pages_without_repeats,
    activities_link_visible_records_and_complete_tasks,
);

async fn the_timeline_merges_every_source_newest_first_and_pages_without_repeats(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let c = CustomerBuilder::new(w.ws, "时间线客户")
        .owner(&w.rep1)
        .build(&app);
    app.post("/api/v1/products")
        .token(&w.admin.token)
        .json(&json!({"sku": "S", "name": "s"}))
        .send()
        .await
        .expect(201);
    app.post("/api/v1/activities").token(t).json(&json!({"kind": "call", "subject": "首次电话", "customer_id": c, "occurred_at": "2026-11-01T09:00:00Z"})).send().await.expect(201);
    app.post("/api/v1/activities")
        .token(t)
        .json(&json!({"kind": "note", "subject": "备注", "customer_id": c}))
        .send()
        .await
        .expect(201);
    app.post("/api/v1/orders")
        .token(t)
        .json(
            &json!({"customer_id": c, "order_date": "2026-11-05", "currency": "CNY",
        "lines": [{"sku": "S", "quantity": 1, "unit_price_minor": 100}]}),
        )
        .send()
        .await
        .expect(201);
    let deal = app.post("/api/v1/deals").token(t).json(&json!({"customer_id": c, "name": "商机", "amount": {"amount_minor": 1, "currency": "CNY"}})).send().await.expect(201).id();
    let stages = app
        .get("/api/v1/pipelines")
        .token(t)
        .send()
        .await
        .expect(200)
        .body[0]["stages"]
        .clone();
    app.patch(&format!("/api/v1/deals/{deal}"))
        .token(t)
        .json(&json!({"stage_id": stages[1]["id"]}))
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/customers/{c}"))
        .token(t)
        .json(&json!({"industry": "retail"}))
        .send()
        .await
        .expect(200);
    // Another rep's activity on this customer is hidden from rep1.
    app.post("/api/v1/activities").token(&w.admin.token).json(&json!({"kind": "meeting", "subject": "别人的会议", "customer_id": c, "owner_id": w.rep3.id})).send().await.expect(201);
    // A ticket opened for the customer reaches rep1, who owns it.
    let ticket = app
        .post("/api/v1/tickets")
        .token(&w.admin.token)
        .json(
            &json!({"customer_id": c, "subject": "发票开错了", "ticket_type": "inquiry",
            "priority": "high", "channel": "phone"}),
        )
        .send()
        .await
        .expect(201)
        .id();

    let all = app
        .get(&format!("/api/v1/customers/{c}/timeline?limit=200"))
        .token(t)
        .send()
        .await
        .expect(200);
    let items = all.body["items"].as_array().cloned().unwrap_or_default();
    let types: Vec<&str> = items.iter().filter_map(|e| e["type"].as_str()).collect();
    // Two activities, the order, the deal's creation and move, the customer edit
    // (the fixture inserted the customer without a change-log entry), the ticket.
    assert_eq!(types.len(), 7, "{types:?}");
    for kind in [
        "activity",
        "order",
        "stage_change",
        "field_change",
        "ticket",
    ] {
        assert!(types.contains(&kind), "{kind} in {types:?}");
    }
    let opened = items
        .iter()
        .find(|e| e["type"] == "ticket")
        .expect("the ticket");
    assert_eq!(opened["ticket_id"], json!(ticket));
    assert_eq!(opened["subject"], "发票开错了");
    assert_eq!(opened["priority"], "high");
    assert_eq!(opened["status"], "new");
    assert!(opened["number"].as_i64().is_some_and(|n| n >= 1));
    let ats: Vec<&str> = items.iter().filter_map(|e| e["at"].as_str()).collect();
    let mut sorted = ats.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ats, sorted, "newest first");
    assert_eq!(
        items.last().map(|e| e["activity"]["subject"].clone()),
        Some(json!("首次电话")),
        "the oldest entry is the 1 November call"
    );
    assert!(
        !items
            .iter()
            .any(|e| e["activity"]["subject"] == "别人的会议")
    );
    let admin = app
        .get(&format!("/api/v1/customers/{c}/timeline?limit=200"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(admin.body["items"].as_array().map(Vec::len), Some(8));

    // Paging two at a time returns the same entries, once each.
    let (mut seen, mut cursor, mut pages) = (Vec::<Value>::new(), None::<String>, 0);
    loop {
        let path = match &cursor {
            Some(c2) => format!("/api/v1/customers/{c}/timeline?limit=2&cursor={c2}"),
            None => format!("/api/v1/customers/{c}/timeline?limit=2"),
        };
        let page = app.get(&path).token(t).send().await.expect(200);
        seen.extend(page.body["items"].as_array().cloned().unwrap_or_default());
        pages += 1;
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, items);
    let unique: HashSet<String> = seen.iter().map(Value::to_string).collect();
    assert_eq!(unique.len(), 7);
    app.get(&format!("/api/v1/customers/{c}/timeline?cursor=nonsense"))
        .token(t)
        .send()
        .await
        .expect(400);
    let hidden = CustomerBuilder::new(w.ws, "别人的")
        .owner(&w.rep3)
        .build(&app);
    app.get(&format!("/api/v1/customers/{hidden}/timeline"))
        .token(t)
        .send()
        .await
        .expect(404);
}

async fn activities_link_visible_records_and_complete_tasks(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let mine = CustomerBuilder::new(w.ws, "Mine")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "Theirs")
        .owner(&w.rep3)
        .build(&app);
    let unlinked = app
        .post("/api/v1/activities")
        .token(t)
        .json(&json!({"kind": "note", "subject": "x"}))
        .send()
        .await
        .expect(422);
    assert_eq!(unlinked.errors(), ["customer_id"]);
    let hidden = app
        .post("/api/v1/activities")
        .token(t)
        .json(&json!({"kind": "note", "subject": "x", "customer_id": theirs}))
        .send()
        .await
        .expect(422);
    assert_eq!(hidden.errors(), ["customer_id"]);
    let task = app
        .post("/api/v1/activities")
        .token(t)
        .json(&json!({"kind": "task", "subject": "发送报价", "customer_id": mine, "due_at": "2026-11-30T10:00:00Z"}))
        .send()
        .await
        .expect(201);
    assert_eq!(
        (task.body["done"].clone(), task.body["done_at"].clone()),
        (json!(false), Value::Null)
    );
    let overdue = app
        .get("/api/v1/activities?done=false&due_before=2026-12-01T00:00:00Z")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(overdue.body["items"].as_array().map(Vec::len), Some(1));
    let id = task.id();
    let done = app
        .patch(&format!("/api/v1/activities/{id}"))
        .token(t)
        .json(&json!({"done": true}))
        .send()
        .await
        .expect(200);
    assert!(done.body["done_at"].is_string());
    app.get(&format!("/api/v1/activities/{id}"))
        .token(&w.rep3.token)
        .send()
        .await
        .expect(404);
    app.get(&format!("/api/v1/activities/{id}"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/activities/{id}"))
        .token(&w.viewer.token)
        .json(&json!({"done": false}))
        .send()
        .await
        .expect(403);
    app.delete(&format!("/api/v1/activities/{id}"))
        .token(t)
        .send()
        .await
        .expect(204);
    app.get(&format!("/api/v1/activities/{id}"))
        .token(t)
        .send()
        .await
        .expect(404);
    // The changes feed reports the task's life to whoever may read it.
    let ops = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["entity_id"] == json!(id))
            .map(|e| e["op"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let feed = |token: String| {
        let app = &app;
        async move {
            app.get("/api/v1/changes?entity=activity&limit=1000")
                .token(&token)
                .send()
                .await
                .expect(200)
                .body
        }
    };
    let mine = feed(t.to_owned()).await;
    assert_eq!(ops(&mine), ["create", "update", "delete"]);
    assert!(
        mine["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| e["entity"] == "activity")
    );
    assert!(
        ops(&feed(w.rep3.token.clone()).await).is_empty(),
        "another rep's feed leaves it out"
    );
}
