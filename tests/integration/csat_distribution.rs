//! Satisfaction as an analytics measure, on both databases: the
//! distribution's `csat` is the average CSAT answer of each group's
//! customers inside the window (NPS answers left out), in the caller's
//! customer scope — by city here, and by RFM segment or value tier the
//! same way.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;
use uuid::Uuid;

both!(csat_is_averaged_per_group_of_customers_the_caller_sees);

/// A resolved ticket of the customer rated `score` on a survey of `kind`.
async fn rated(app: &TestApp, token: &str, customer: Uuid, kind: &str, score: i32) {
    let id = app
        .post("/api/v1/tickets")
        .token(token)
        .json(&json!({"customer_id": customer, "subject": "评分", "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(201)
        .id();
    app.patch(&format!("/api/v1/tickets/{id}"))
        .token(token)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .expect(200);
    let sent = app
        .post(&format!("/api/v1/tickets/{id}/surveys"))
        .token(token)
        .json(&json!({"kind": kind}))
        .send()
        .await
        .expect(201)
        .body;
    let token = sent["token"].as_str().expect("token");
    app.post(&format!("/api/v1/public/surveys/{token}"))
        .json(&json!({"score": score}))
        .send()
        .await
        .expect(204);
}

async fn csat_is_averaged_per_group_of_customers_the_caller_sees(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let mine = CustomerBuilder::new(w.ws, "深圳客户")
        .owner(&w.rep1)
        .region("440000", "440300")
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "广州客户")
        .owner(&w.rep3)
        .region("440000", "440100")
        .build(&app);
    rated(&app, &agent.token, mine, "csat", 5).await;
    rated(&app, &agent.token, mine, "csat", 4).await;
    rated(&app, &agent.token, mine, "nps", 9).await;
    rated(&app, &agent.token, theirs, "csat", 2).await;

    let path =
        "/api/v1/analytics/distribution?dimension=region&level=city&parent=440000&measure=csat";
    let all = app
        .get(path)
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(all["unit"], "score");
    let total = all["total"]["value"].as_f64().expect("total");
    assert!((total - 11.0 / 3.0).abs() < 1e-9, "{all}");
    let by_city = |key: &str| {
        all["groups"]
            .as_array()
            .and_then(|g| g.iter().find(|g| g["key"] == key))
            .and_then(|g| g["value"].as_f64())
    };
    assert_eq!(by_city("440300"), Some(4.5));
    assert_eq!(by_city("440100"), Some(2.0));

    let rep = app
        .get(path)
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(rep["total"]["value"], 4.5);
    assert_eq!(rep["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(rep["groups"][0]["key"], "440300");

    // By value tier: nobody has bought, so every answer is in one tier.
    let tiers = app
        .get("/api/v1/analytics/distribution?dimension=value_tier&measure=csat")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(tiers["groups"].as_array().map(Vec::len), Some(1), "{tiers}");
}
