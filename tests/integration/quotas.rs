//! Quotas and attainment (预算达成): a manager sets quotas for the people and
//! teams below them (not for themselves, not outside their subtree, a rep
//! none), setting again changes the target; attainment counts won deals,
//! deals won across a team's subtree, logged activities and order revenue
//! (from the order rollups), with the pace
//! of the period; each caller sees only the quotas their scope covers; bad
//! input names its field.

use chrono::Utc;
use crm_tests::fixtures::Person;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_manager_sets_quotas_below_them_only,
    attainment_counts_the_actuals_with_the_pace_of_the_period,
    each_caller_sees_the_quotas_their_scope_covers,
    bad_quota_input_names_the_field,
);

fn today() -> String {
    Utc::now().date_naive().to_string()
}

async fn set(app: &TestApp, who: &Person, body: Value, status: u16) -> Value {
    let mut body = body;
    body["period"] = json!("quarter");
    body["date"] = json!(today());
    app.post("/api/v1/quotas")
        .token(&who.token)
        .json(&body)
        .send()
        .await
        .expect(status)
        .body
}

async fn quotas(app: &TestApp, who: &Person) -> Vec<Value> {
    app.get("/api/v1/quotas")
        .token(&who.token)
        .send()
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The attainment of the quota held by `holder` (a user or team id) on `metric`.
fn of<'a>(items: &'a [Value], holder: &str, metric: &str) -> &'a Value {
    items
        .iter()
        .find(|a| {
            (a["quota"]["user_id"] == holder || a["quota"]["team_id"] == holder)
                && a["quota"]["metric"] == metric
        })
        .unwrap_or_else(|| panic!("no {metric} quota of {holder} in {items:?}"))
}

async fn a_manager_sets_quotas_below_them_only(app: TestApp) {
    let w = World::create(&app);
    let first = set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep1.id, "metric": "won_revenue", "target": 100_000}),
        201,
    )
    .await;
    assert_eq!(first["target"], 100_000);
    assert_eq!(first["period"], "quarter");
    let again = set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep1.id, "metric": "won_revenue", "target": 200_000}),
        200,
    )
    .await;
    assert_eq!(again["id"], first["id"], "the same quota, a new target");
    assert_eq!(again["target"], 200_000);
    // Team A2 is below team A: yes. Team A is the manager's own: no.
    set(
        &app,
        &w.manager1,
        json!({"team_id": w.team_a2, "metric": "deals_won", "target": 3}),
        201,
    )
    .await;
    for body in [
        json!({"team_id": w.team_a, "metric": "deals_won", "target": 9}),
        json!({"user_id": w.manager1.id, "metric": "won_revenue", "target": 1}),
        json!({"user_id": w.rep3.id, "metric": "won_revenue", "target": 1}),
        json!({"team_id": w.team_b, "metric": "won_revenue", "target": 1}),
    ] {
        set(&app, &w.manager1, body, 403).await;
    }
    // A rep sets none, not even their own.
    set(
        &app,
        &w.rep1,
        json!({"user_id": w.rep1.id, "metric": "activities", "target": 1}),
        403,
    )
    .await;
    set(
        &app,
        &w.rep1,
        json!({"user_id": w.rep2.id, "metric": "activities", "target": 1}),
        403,
    )
    .await;
    // The admin sets the manager's team.
    set(
        &app,
        &w.admin,
        json!({"team_id": w.team_a, "metric": "deals_won", "target": 4}),
        201,
    )
    .await;

    // Removing: the rep may not, another manager does not see it, its manager may.
    let id = first["id"].as_str().expect("id");
    app.delete(&format!("/api/v1/quotas/{id}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);
    app.delete(&format!("/api/v1/quotas/{id}"))
        .token(&w.manager2.token)
        .send()
        .await
        .expect(404);
    app.delete(&format!("/api/v1/quotas/{id}"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(204);
    app.delete(&format!("/api/v1/quotas/{id}"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(404);
}

/// A deal of `who`'s customer, won today.
async fn won_deal(app: &TestApp, w: &World, who: &Person, amount: i64) {
    let pipelines = app
        .get("/api/v1/pipelines")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    let won = pipelines[0]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["kind"] == "won")
        .expect("won stage")["id"]
        .clone();
    let customer = CustomerBuilder::new(w.ws, &format!("赢单客户{amount}"))
        .owner(who)
        .build(app);
    app.post("/api/v1/deals")
        .token(&w.admin.token)
        .json(
            &json!({"customer_id": customer, "name": "赢单", "stage_id": won,
            "amount": {"amount_minor": amount, "currency": "CNY"}}),
        )
        .send()
        .await
        .expect(201);
}

async fn attainment_counts_the_actuals_with_the_pace_of_the_period(app: TestApp) {
    let w = World::create(&app);
    set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep1.id, "metric": "won_revenue", "target": 200_000}),
        201,
    )
    .await;
    set(
        &app,
        &w.admin,
        json!({"team_id": w.team_a, "metric": "deals_won", "target": 4}),
        201,
    )
    .await;
    set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep1.id, "metric": "activities", "target": 10}),
        201,
    )
    .await;
    set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep2.id, "metric": "new_customers", "target": 0}),
        201,
    )
    .await;
    set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep1.id, "metric": "order_revenue", "target": 100_000}),
        201,
    )
    .await;
    won_deal(&app, &w, &w.rep1, 50_000).await;
    won_deal(&app, &w, &w.rep5, 10_000).await; // team A2, below team A
    won_deal(&app, &w, &w.rep3, 70_000).await; // team B: counts for nobody here
    let customer = CustomerBuilder::new(w.ws, "拜访对象")
        .owner(&w.rep1)
        .build(&app);
    app.post("/api/v1/activities")
        .token(&w.rep1.token)
        .json(&json!({"kind": "call", "subject": "电话", "customer_id": customer}))
        .send()
        .await
        .expect(201);

    let items = quotas(&app, &w.admin).await;
    let revenue = of(&items, &w.rep1.id.to_string(), "won_revenue");
    assert_eq!(revenue["actual"], 50_000);
    assert_eq!(revenue["attainment"], 0.25);
    let pace = revenue["pace"].as_f64().expect("pace");
    assert!(pace > 0.0 && pace <= 1.0, "{pace}");
    assert_eq!(
        revenue["expected_to_date"],
        (200_000.0 * pace).round() as i64
    );
    assert_eq!(revenue["on_pace"], 50_000.0 >= (200_000.0 * pace).round());
    assert!(
        revenue["holder_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    let team = of(&items, &w.team_a.to_string(), "deals_won");
    assert_eq!(team["actual"], 2, "rep1 and rep5 (team A2), not rep3");
    assert_eq!(team["attainment"], 0.5);
    let calls = of(&items, &w.rep1.id.to_string(), "activities");
    assert_eq!(calls["actual"], 1);
    // Their orders' revenue: a paid order counts, a draft and another
    // rep's order do not; read from the order rollups, which it follows.
    crate::analytics::setup_product(&app, &w.admin.token).await;
    let theirs = CustomerBuilder::new(w.ws, "下单客户")
        .owner(&w.rep3)
        .build(&app);
    for (who, c, total, status) in [
        (&w.rep1, customer, 30_000, "paid"),
        (&w.rep1, customer, 5_000, "draft"),
        (&w.rep3, theirs, 9_000, "paid"),
    ] {
        crate::analytics::order(&app, &who.token, c, 0, total, status).await;
    }
    let orders = of(
        &quotas(&app, &w.admin).await,
        &w.rep1.id.to_string(),
        "order_revenue",
    )
    .clone();
    assert_eq!(orders["actual"], 30_000, "{orders}");
    diesel::RunQueryDsl::execute(
        diesel::sql_query("UPDATE order_rollups SET revenue_minor = revenue_minor * 2"),
        &mut *app.conn(),
    )
    .expect("tamper");
    let doubled = of(
        &quotas(&app, &w.admin).await,
        &w.rep1.id.to_string(),
        "order_revenue",
    )
    .clone();
    assert_eq!(doubled["actual"], 60_000, "{doubled}");
    // The new customers made for the deals are rep1's, rep5's and rep3's; rep2 has none.
    let zero = of(&items, &w.rep2.id.to_string(), "new_customers");
    assert_eq!(
        zero["attainment"],
        Value::Null,
        "a zero target has no ratio"
    );
    assert_eq!(zero["on_pace"], true);
    // Another quarter has none of these.
    let later = app
        .get("/api/v1/quotas?period=month&date=2020-01-15")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(later["items"], json!([]));
    assert_eq!(later["label"], "2020-01");
}

async fn each_caller_sees_the_quotas_their_scope_covers(app: TestApp) {
    let w = World::create(&app);
    set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep1.id, "metric": "won_revenue", "target": 1}),
        201,
    )
    .await;
    set(
        &app,
        &w.manager1,
        json!({"user_id": w.rep2.id, "metric": "won_revenue", "target": 1}),
        201,
    )
    .await;
    set(
        &app,
        &w.manager1,
        json!({"team_id": w.team_a2, "metric": "won_revenue", "target": 1}),
        201,
    )
    .await;
    set(
        &app,
        &w.manager2,
        json!({"user_id": w.rep3.id, "metric": "won_revenue", "target": 1}),
        201,
    )
    .await;
    set(
        &app,
        &w.admin,
        json!({"team_id": w.team_a, "metric": "won_revenue", "target": 1}),
        201,
    )
    .await;
    let holders = |items: Vec<Value>| -> Vec<String> {
        let mut h: Vec<String> = items
            .iter()
            .map(|a| {
                a["quota"]["user_id"]
                    .as_str()
                    .or(a["quota"]["team_id"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        h.sort();
        h
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        holders(quotas(&app, &w.rep1).await),
        vec![w.rep1.id.to_string()]
    );
    assert_eq!(
        holders(quotas(&app, &w.rep3).await),
        vec![w.rep3.id.to_string()]
    );
    assert_eq!(
        holders(quotas(&app, &w.manager1).await),
        sorted(vec![
            w.rep1.id.to_string(),
            w.rep2.id.to_string(),
            w.team_a2.to_string(),
            w.team_a.to_string(),
        ])
    );
    assert_eq!(
        holders(quotas(&app, &w.manager2).await),
        vec![w.rep3.id.to_string()]
    );
    assert_eq!(holders(quotas(&app, &w.admin).await).len(), 5);
    // Filters narrow, never widen.
    let one = app
        .get(&format!("/api/v1/quotas?user_id={}", w.rep1.id))
        .token(&w.manager2.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(one["items"], json!([]));
    let mine = app
        .get(&format!("/api/v1/quotas?team_id={}", w.team_a2))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
}

async fn bad_quota_input_names_the_field(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    for (body, status, field) in [
        (
            json!({"user_id": w.rep1.id, "team_id": w.team_a, "metric": "deals_won", "period": "month", "date": today(), "target": 1}),
            422,
            "user_id",
        ),
        (
            json!({"metric": "deals_won", "period": "month", "date": today(), "target": 1}),
            422,
            "user_id",
        ),
        (
            json!({"user_id": w.rep1.id, "metric": "deals_won", "period": "month", "date": today(), "target": -1}),
            422,
            "target",
        ),
        (
            json!({"user_id": w.rep1.id, "metric": "deals_won", "period": "month", "date": "3000-01-01", "target": 1}),
            422,
            "date",
        ),
        (
            json!({"user_id": w.other_admin.id, "metric": "deals_won", "period": "month", "date": today(), "target": 1}),
            422,
            "user_id",
        ),
        (
            json!({"user_id": w.rep1.id, "metric": "smiles", "period": "month", "date": today(), "target": 1}),
            422,
            "metric",
        ),
        (
            json!({"user_id": w.rep1.id, "metric": "deals_won", "period": "year", "date": today(), "target": 1}),
            422,
            "period",
        ),
    ] {
        let r = app
            .post("/api/v1/quotas")
            .token(t)
            .json(&body)
            .send()
            .await
            .expect(status);
        assert!(
            r.errors().contains(&field.to_owned()),
            "{body}: {:?}",
            r.body
        );
    }
    for (query, field) in [("period=year", "period"), ("date=1700-01-01", "date")] {
        let r = app
            .get(&format!("/api/v1/quotas?{query}"))
            .token(t)
            .send()
            .await
            .expect(400);
        assert!(r.errors().contains(&field.to_owned()), "{query}");
    }
}
