//! Report measures beyond sums, the same on both databases: the sales
//! cycle (days from a deal's creation to its close), distinct values
//! (reps with a won deal, by month in Shanghai), the win rate, minutes to a ticket's
//! first reply and the CSAT score its customer gave — through the standard
//! reports that ship with them (销售周期, 赢单率, 服务响应时间, 客户满意度).

use chrono::NaiveDateTime;
use crm_db::schema::{deals, tickets};
use crm_db::types::Id;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::reports::plant;

both!(cycle_distinct_response_and_satisfaction_measures);

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
}

async fn run(app: &TestApp, token: &str, body: Value, path: &str) -> Value {
    app.post(path)
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(200)
        .body
}

/// (first key, value) of each row, values rounded to 1e-6.
fn figures(data: &Value) -> Vec<(String, f64)> {
    data["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let v = r["value"].as_f64().unwrap_or(f64::NAN);
                    (
                        r["keys"][0].as_str().unwrap_or_default().to_owned(),
                        (v * 1e6).round() / 1e6,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn cycle_distinct_response_and_satisfaction_measures(app: TestApp) {
    let w = World::create(&app);
    plant(&app, &w).await;
    {
        let mut conn = app.conn();
        diesel::update(deals::table.filter(deals::workspace_id.eq(Id(w.ws))))
            .set(deals::created_at.eq(at("2026-01-01 04:00")))
            .execute(&mut conn)
            .expect("created_at");
    }
    // rep1 won after 30.8125, 40 and 41 days; rep2 after 14; rep3 after 50
    // and 90 (the sales cycle counts every currency).
    let cycle = run(
        &app,
        &w.admin.token,
        json!({"standard": "sales_cycle_by_rep"}),
        "/api/v1/dashboards/run",
    )
    .await;
    let mut got = figures(&cycle);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want = vec![
        (w.rep1.id.to_string(), 37.270833),
        (w.rep2.id.to_string(), 14.0),
        (w.rep3.id.to_string(), 70.0),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want, "{cycle}");
    assert_eq!(cycle["currency"], Value::Null, "days, not money");

    // Win rate over closed deals: rep2 won one of two (the open ones do
    // not count); every other rep won all theirs.
    let rate = run(
        &app,
        &w.admin.token,
        json!({"standard": "win_rate_by_rep"}),
        "/api/v1/dashboards/run",
    )
    .await;
    let mut got = figures(&rate);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want = vec![
        (w.rep1.id.to_string(), 100.0),
        (w.rep2.id.to_string(), 50.0),
        (w.rep3.id.to_string(), 100.0),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want, "{rate}");

    // Reps with a won deal, by month in Shanghai (31 January 23:30 UTC is
    // February): January rep2; February rep1 and rep3; April rep3.
    let distinct = run(
        &app,
        &w.admin.token,
        json!({"object": "deals", "group_by": [{"field": "closed_at", "grain": "month"}],
            "measure": {"aggregate": "count_distinct", "field": "owner"},
            "filters": [{"field": "status", "op": "eq", "value": "won"}], "chart": "line"}),
        "/api/v1/reports/run",
    )
    .await;
    assert_eq!(
        figures(&distinct),
        [
            ("2026-01-01".to_owned(), 1.0),
            ("2026-02-01".to_owned(), 2.0),
            ("2026-04-01".to_owned(), 1.0)
        ],
        "{distinct}"
    );
    assert_eq!(distinct["total"], 3.0, "three different reps in all");

    // Two tickets of an agent: first replies after 30 and 90 minutes,
    // rated 2 and 5.
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let customer = CustomerBuilder::new(w.ws, "报表工单客户")
        .owner(&w.rep1)
        .build(&app);
    let mut ids: Vec<Uuid> = Vec::new();
    for (minutes, score) in [(30, 2), (90, 5)] {
        let id = app
            .post("/api/v1/tickets")
            .token(&agent.token)
            .json(&json!({"customer_id": customer, "subject": "报表测试", "ticket_type": "inquiry", "assignee_id": agent.id}))
            .send()
            .await
            .expect(201)
            .id();
        app.patch(&format!("/api/v1/tickets/{id}"))
            .token(&agent.token)
            .json(&json!({"status": "resolved"}))
            .send()
            .await
            .expect(200);
        {
            let mut conn = app.conn();
            diesel::update(tickets::table.filter(tickets::id.eq(Id(id))))
                .set((
                    tickets::created_at.eq(at("2026-03-02 01:00")),
                    tickets::first_responded_at.eq(Some(
                        at("2026-03-02 01:00") + chrono::Duration::minutes(minutes),
                    )),
                    tickets::resolved_at.eq(Some(at("2026-03-03 01:00"))),
                ))
                .execute(&mut conn)
                .expect("ticket times");
        }
        let sent = app
            .post(&format!("/api/v1/tickets/{id}/surveys"))
            .token(&agent.token)
            .json(&json!({"kind": "csat"}))
            .send()
            .await
            .expect(201);
        let token = sent.body["token"].as_str().unwrap_or_default().to_owned();
        app.post(&format!("/api/v1/public/surveys/{token}"))
            .json(&json!({"score": score}))
            .send()
            .await
            .expect(204);
        ids.push(id);
    }
    let response = run(
        &app,
        &w.admin.token,
        json!({"standard": "service_response_by_agent"}),
        "/api/v1/dashboards/run",
    )
    .await;
    assert_eq!(
        figures(&response),
        [(agent.id.to_string(), 60.0)],
        "{response}"
    );
    let satisfaction = run(
        &app,
        &w.admin.token,
        json!({"standard": "satisfaction_by_agent"}),
        "/api/v1/dashboards/run",
    )
    .await;
    assert_eq!(figures(&satisfaction), [(agent.id.to_string(), 3.5)]);
    let trend = run(
        &app,
        &w.admin.token,
        json!({"standard": "satisfaction_by_month"}),
        "/api/v1/dashboards/run",
    )
    .await;
    assert_eq!(figures(&trend), [("2026-03-01".to_owned(), 3.5)]);
    assert_eq!(trend["spec"]["chart"], "area");
    // rep3 sees neither ticket (another rep's customer, not theirs to serve).
    let theirs = run(
        &app,
        &w.rep3.token,
        json!({"standard": "satisfaction_by_agent"}),
        "/api/v1/dashboards/run",
    )
    .await;
    assert_eq!(figures(&theirs), []);
    assert_eq!(ids.len(), 2);

    // The catalogue, the same for a rep as for the administrator: listed
    // prices summed in the base currency only, a deleted product gone.
    let mut skus = Vec::new();
    for (sku, category, price, currency) in [
        ("A1", "耗材", 1_000, "CNY"),
        ("A2", "耗材", 2_500, "CNY"),
        ("B1", "设备", 90_000, "CNY"),
        ("B2", "设备", 7_000, "USD"),
        ("C1", "服务", 100, "CNY"),
    ] {
        let id = app
            .post("/api/v1/products")
            .token(&w.admin.token)
            .json(&json!({"sku": sku, "name": sku, "category": category,
                "price": {"amount_minor": price, "currency": currency}}))
            .send()
            .await
            .expect(201)
            .id();
        skus.push(id);
    }
    app.delete(&format!("/api/v1/products/{}", skus[4]))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    let catalogue = json!({"object": "products", "group_by": [{"field": "category"}],
        "measure": {"aggregate": "sum", "field": "price_minor"}, "chart": "bar"});
    for who in [&w.admin, &w.rep1] {
        let data = run(&app, &who.token, catalogue.clone(), "/api/v1/reports/run").await;
        assert_eq!(
            figures(&data),
            [("设备".to_owned(), 90_000.0), ("耗材".to_owned(), 3_500.0)],
            "{data}"
        );
        assert_eq!(data["currency"], "CNY");
    }
    let counted = run(
        &app,
        &w.rep1.token,
        json!({"standard": "products_by_category"}),
        "/api/v1/dashboards/run",
    )
    .await;
    assert_eq!(counted["records"], 4);
}
