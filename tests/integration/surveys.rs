//! Satisfaction surveys (满意度): sent for a resolved ticket, answered once
//! without signing in by the link's token, refused out of scale naming the
//! score, summed up by agent with the unhappy valuable customers listed,
//! and seen only over the tickets the caller sees.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(a_resolved_ticket_is_rated_once_by_link_and_summed_up_by_agent);

async fn a_resolved_ticket_is_rated_once_by_link_and_summed_up_by_agent(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let customer = CustomerBuilder::new(w.ws, "苏州云帆贸易")
        .owner(&w.rep1)
        .build(&app);
    let ticket = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(
            &json!({"customer_id": customer, "subject": "货物破损", "ticket_type": "return",
            "assignee_id": agent.id}),
        )
        .send()
        .await
        .expect(201);
    let id = ticket.id();
    let send = |kind: &'static str| {
        app.post(&format!("/api/v1/tickets/{id}/surveys"))
            .token(&agent.token)
            .json(&json!({"kind": kind}))
    };
    // Not before it is resolved.
    let early = send("csat").send().await.expect(409);
    assert!(early.body.to_string().contains("resolved"));
    app.patch(&format!("/api/v1/tickets/{id}"))
        .token(&agent.token)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .expect(200);
    let sent = send("csat").send().await.expect(201);
    let token = sent.body["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(sent.body["path"], format!("/survey/{token}"));
    assert!(token.len() >= 40, "a long random token");
    // Another rep's customer: not there for rep3.
    app.post(&format!("/api/v1/tickets/{id}/surveys"))
        .token(&w.rep3.token)
        .json(&json!({}))
        .send()
        .await
        .expect(404);

    // The customer answers without a token of ours.
    let url = format!("/api/v1/public/surveys/{token}");
    let question = app.get(&url).send().await.expect(200);
    assert_eq!(question.body["ticket_subject"], "货物破损");
    assert_eq!(question.body["kind"], "csat");
    let bad = app
        .post(&url)
        .json(&json!({"score": 6}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), vec!["score"]);
    app.post(&url)
        .json(&json!({"score": 2, "comment": "等了太久"}))
        .send()
        .await
        .expect(204);
    app.post(&url)
        .json(&json!({"score": 5}))
        .send()
        .await
        .expect(409);
    app.get(&url).send().await.expect(409);
    app.get("/api/v1/public/surveys/not-a-token")
        .send()
        .await
        .expect(404);
    // An NPS survey any time; 10 is a promoter.
    let nps = send("nps").send().await.expect(201);
    let nps_url = format!(
        "/api/v1/public/surveys/{}",
        nps.body["token"].as_str().unwrap_or_default()
    );
    app.post(&nps_url)
        .json(&json!({"score": 10}))
        .send()
        .await
        .expect(204);

    let listed = app
        .get(&format!("/api/v1/tickets/{id}/surveys"))
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body[0]["score"], 2);
    assert_eq!(listed.body[0]["comment"], "等了太久");
    assert!(
        listed.body[0].get("token").is_none(),
        "tokens are never shown again"
    );

    let report = app
        .get("/api/v1/service/satisfaction?by=agent")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let total = &report.body["total"];
    assert_eq!(
        (
            total["csat_responses"].as_i64(),
            total["csat_average"].as_f64()
        ),
        (Some(1), Some(2.0))
    );
    assert_eq!(
        (total["nps_responses"].as_i64(), total["nps"].as_f64()),
        (Some(1), Some(100.0))
    );
    assert_eq!(report.body["rows"][0]["key"], agent.id.to_string());
    assert_eq!(report.body["unhappy"][0]["customer_name"], "苏州云帆贸易");
    assert_eq!(report.body["unhappy"].as_array().map(Vec::len), Some(1));
    // The customer's owner sees it; another rep does not.
    let owner = app
        .get("/api/v1/service/satisfaction")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(owner.body["total"]["csat_responses"], 1);
    let other = app
        .get("/api/v1/service/satisfaction")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200);
    assert_eq!(other.body["total"]["csat_responses"], 0);
    assert_eq!(other.body["unhappy"], json!([]));
    // A period the wrong way round is named.
    let wrong = app
        .get("/api/v1/service/satisfaction?from=2026-12-01&to=2026-11-01")
        .token(&w.admin.token)
        .send()
        .await
        .expect(422);
    assert_eq!(wrong.errors(), vec!["from"]);
}
