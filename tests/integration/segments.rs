//! Saved rule-based segments and the order-metric filters they use: rules
//! over fields and metrics select the right members in the list, the
//! export, the portrait and the distribution (the typed list query and the
//! analytics SQL agree); member counts follow visibility; another
//! workspace's segment does not exist; bad rules are 422s naming the rule.

use std::collections::BTreeSet;

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::analytics::{order, setup_product, today};

both!(
    segments_select_members_by_fields_and_metrics,
    segments_are_checked_and_scoped_to_the_workspace,
);

/// The ids a customer list with this query string returns to `token`.
async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    let page = app
        .get(&format!("/api/v1/customers?limit=200&{query}"))
        .token(token)
        .send()
        .await
        .expect(200);
    page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().and_then(|s| s.parse().ok()).expect("id"))
        .collect()
}

/// Every customer's id in the order of `sort`, fetched two per page.
async fn sorted(app: &TestApp, token: &str, sort: &str) -> Vec<Uuid> {
    let (mut ids, mut cursor) = (Vec::new(), String::new());
    loop {
        let page = app
            .get(&format!("/api/v1/customers?limit=2&sort={sort}{cursor}"))
            .token(token)
            .send()
            .await
            .expect(200);
        for c in page.body["items"].as_array().expect("items") {
            ids.push(c["id"].as_str().and_then(|s| s.parse().ok()).expect("id"));
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return ids,
        }
    }
}

/// The distribution's total customer count for the same query string.
async fn counted(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!(
        "/api/v1/analytics/distribution?dimension=industry&{query}"
    ))
    .token(token)
    .send()
    .await
    .expect(200)
    .body["total"]["value"]
        .clone()
}

async fn create(app: &TestApp, token: &str, name: &str, rules: Value) -> Uuid {
    app.post("/api/v1/segments")
        .token(token)
        .json(&json!({"name": name, "rules": rules}))
        .send()
        .await
        .expect(201)
        .id()
}

async fn segments_select_members_by_fields_and_metrics(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let gd = |name: &str, owner| {
        CustomerBuilder::new(w.ws, name)
            .owner(owner)
            .region("440000", "440100")
            .build(&app)
    };
    let (a, b, c, e) = (
        gd("甲", &w.rep1),
        gd("乙", &w.rep1),
        gd("丙", &w.rep3),
        gd("戊", &w.rep1),
    );
    let d = CustomerBuilder::new(w.ws, "丁")
        .owner(&w.rep1)
        .region("110000", "110100")
        .build(&app);
    // a: 3 orders, 900, last 10 days ago; b: 1 order; c: 4 orders, 4,000,
    // last 200 days ago; d: 5 orders outside 广东; e: none.
    for (customer, orders, total, last) in [
        (a, 3, 300, 10),
        (b, 1, 100, 30),
        (c, 4, 1_000, 200),
        (d, 5, 100, 5),
    ] {
        for n in 0..orders {
            order(&app, t, customer, last + n * 7, total, "paid").await;
        }
    }

    let repeat = create(
        &app,
        t,
        "广东复购",
        json!({"region": "440000", "min_orders": 2}),
    )
    .await;
    let once = create(
        &app,
        t,
        "广东低频",
        json!({"region": "440000", "max_orders": 1}),
    )
    .await;
    let cases = [
        (repeat, BTreeSet::from([a, c])),
        (once, BTreeSet::from([b, e])),
    ];
    for (segment, members) in &cases {
        let q = format!("segment_id={segment}");
        assert_eq!(listed(&app, t, &q).await, *members);
        assert_eq!(counted(&app, t, &q).await, json!(members.len() as f64));
        let one = app
            .get(&format!("/api/v1/segments/{segment}"))
            .token(t)
            .send()
            .await
            .expect(200);
        assert_eq!(one.body["member_count"], json!(members.len()));
    }
    // Other filters narrow a segment further (AND).
    let q = format!("segment_id={repeat}&owner_id={}", w.rep3.id);
    assert_eq!(listed(&app, t, &q).await, BTreeSet::from([c]));
    // A rep sees the shared definition but counts only their own members.
    let mine = app
        .get(&format!("/api/v1/segments/{repeat}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(mine.body["member_count"], 1);
    let q = format!("segment_id={repeat}");
    assert_eq!(listed(&app, &w.rep1.token, &q).await, BTreeSet::from([a]));

    // Metric filters straight on the list, checked against the analytics SQL.
    let recent = today() - chrono::Duration::days(60);
    let metric_cases = [
        ("min_revenue_minor=900".to_owned(), BTreeSet::from([a, c])),
        ("max_revenue_minor=100".to_owned(), BTreeSet::from([b, e])),
        (
            format!("last_order_from={recent}"),
            BTreeSet::from([a, b, d]),
        ),
        (format!("last_order_to={recent}"), BTreeSet::from([c])),
        ("min_orders=4&max_orders=4".to_owned(), BTreeSet::from([c])),
    ];
    for (q, expected) in metric_cases {
        assert_eq!(listed(&app, t, &q).await, expected, "{q}");
        assert_eq!(
            counted(&app, t, &q).await,
            json!(expected.len() as f64),
            "{q}"
        );
    }

    // Sorted by a metric, page by page (two per page): the keyset cursor
    // carries the metric; customers without orders count zero / none.
    assert_eq!(sorted(&app, t, "-revenue").await, [c, a, d, b, e]);
    assert_eq!(sorted(&app, t, "order_count").await, [e, b, a, c, d]);
    assert_eq!(sorted(&app, t, "-last_order_on").await, [d, a, b, c, e]);

    // The portrait and the export of a segment.
    let portrait = app
        .get(&format!("/api/v1/analytics/portrait?segment_id={repeat}"))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            portrait.body["customers"].clone(),
            portrait.body["orders"].clone()
        ),
        (json!(2), json!(7))
    );
    let csv = app
        .get(&format!("/api/v1/customers/export?segment_id={repeat}"))
        .token(t)
        .send()
        .await
        .expect(200);
    let text = csv.body.as_str().expect("csv text");
    assert_eq!(text.lines().count(), 3, "header and two members: {text}");

    // Rules over RFM segments and dates are saved as given and read back.
    let rules = json!({"rfm_segment": "champions", "last_order_from": "2026-01-01", "kind": "organization"});
    let rfm = create(&app, t, "冠军", rules.clone()).await;
    let listed_all = app
        .get("/api/v1/segments")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    let names: Vec<&str> = listed_all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["冠军", "广东低频", "广东复购"]);
    let read = app
        .get(&format!("/api/v1/segments/{rfm}"))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(read.body["rules"], rules);
}

async fn segments_are_checked_and_scoped_to_the_workspace(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let id = create(&app, t, "重点", json!({"industry": "retail"})).await;
    // Only roles granted segments may write them.
    app.post("/api/v1/segments")
        .token(&w.rep1.token)
        .json(&json!({"name": "mine", "rules": {}}))
        .send()
        .await
        .expect(403);
    // Bad rules name the rule; an unknown rule is refused; names are unique.
    let bad = app
        .post("/api/v1/segments")
        .token(t)
        .json(&json!({"name": "", "rules": {"region": "99x", "min_orders": -1}}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["name", "rules.min_orders", "rules.region"]);
    app.post("/api/v1/segments")
        .token(t)
        .json(&json!({"name": "x", "rules": {"colour": "red"}}))
        .send()
        .await
        .expect(422);
    app.post("/api/v1/segments")
        .token(t)
        .json(&json!({"name": "重点", "rules": {}}))
        .send()
        .await
        .expect(409);
    // Updates need the current version; `rules` replaces the whole set.
    let path = format!("/api/v1/segments/{id}");
    app.patch(&path)
        .token(t)
        .header("If-Match", "\"7\"")
        .json(&json!({"rules": {"size_band": "large"}}))
        .send()
        .await
        .expect(412);
    let changed = app
        .patch(&path)
        .token(t)
        .header("If-Match", "\"1\"")
        .json(&json!({"rules": {"size_band": "large"}, "description": "大客户"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            changed.body["rules"].clone(),
            changed.body["version"].clone()
        ),
        (json!({"size_band": "large"}), json!(2))
    );
    assert_eq!(changed.body["description"], "大客户");
    // Another workspace's admin finds nothing and cannot filter by it.
    let other = &w.other_admin.token;
    app.get(&path).token(other).send().await.expect(404);
    app.delete(&path).token(other).send().await.expect(404);
    let foreign = app
        .get(&format!("/api/v1/customers?segment_id={id}"))
        .token(other)
        .send()
        .await
        .expect(400);
    assert_eq!(foreign.errors(), ["segment_id"]);
    app.get(&format!("/api/v1/analytics/rfm?segment_id={id}"))
        .token(other)
        .send()
        .await
        .expect(400);
    app.delete(&path).token(t).send().await.expect(204);
    app.get(&path).token(t).send().await.expect(404);
}
