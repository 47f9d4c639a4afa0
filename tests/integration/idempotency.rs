//! `Idempotency-Key`: a retried POST is answered, not repeated.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(
    a_retried_post_with_the_same_key_replays_the_first_answer,
    a_key_reused_for_another_request_is_422_and_bad_keys_are_400,
    settings_posts_are_retry_safe_too,
);

async fn a_retried_post_with_the_same_key_replays_the_first_answer(app: TestApp) {
    let w = World::create(&app);
    let body = json!({"kind": "organization", "name": "Idempotent Co 幂等测试"});
    let first = app
        .post("/api/v1/customers")
        .token(&w.rep1.token)
        .header("idempotency-key", "order-sync-0001")
        .json(&body)
        .send()
        .await
        .expect(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = app
        .post("/api/v1/customers")
        .token(&w.rep1.token)
        .header("idempotency-key", "order-sync-0001")
        .json(&body)
        .send()
        .await
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the identical answer");
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    let found = app
        .get("/api/v1/customers?q=idempotent")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        found.body["items"].as_array().map(Vec::len),
        Some(1),
        "written once"
    );
    let feed = app
        .get("/api/v1/changes?entity=customer")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(feed.body["items"].as_array().map(Vec::len), Some(1));

    // Keys belong to the caller: another user's identical key is a new request.
    app.post("/api/v1/customers")
        .token(&w.rep2.token)
        .header("idempotency-key", "order-sync-0001")
        .json(&body)
        .send()
        .await
        .expect(201);

    // A refused request is not remembered: fixing it under the same key works.
    let org = CustomerBuilder::new(w.ws, "Org").owner(&w.rep1).build(&app);
    app.post("/api/v1/contacts")
        .token(&w.rep1.token)
        .header("idempotency-key", "contact-1")
        .json(&json!({"customer_id": org, "name": "王芳", "email": "bad"}))
        .send()
        .await
        .expect(422);
    let contact = json!({"customer_id": org, "name": "王芳", "email": "wang@example.com"});
    let made = app
        .post("/api/v1/contacts")
        .token(&w.rep1.token)
        .header("idempotency-key", "contact-1")
        .json(&contact)
        .send()
        .await
        .expect(201);
    let replayed = app
        .post("/api/v1/contacts")
        .token(&w.rep1.token)
        .header("idempotency-key", "contact-1")
        .json(&contact)
        .send()
        .await
        .expect(201);
    assert_eq!(replayed.id(), made.id());
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
}

async fn a_key_reused_for_another_request_is_422_and_bad_keys_are_400(app: TestApp) {
    let w = World::create(&app);
    app.post("/api/v1/customers")
        .token(&w.admin.token)
        .header("idempotency-key", "k-1")
        .json(&json!({"kind": "person", "name": "甲"}))
        .send()
        .await
        .expect(201);
    let reused = app
        .post("/api/v1/customers")
        .token(&w.admin.token)
        .header("idempotency-key", "k-1")
        .json(&json!({"kind": "person", "name": "乙"}))
        .send()
        .await
        .expect(422);
    assert_eq!(reused.errors(), ["Idempotency-Key"]);
    let long = "x".repeat(256);
    for key in ["", long.as_str(), "has space"] {
        let resp = app
            .post("/api/v1/customers")
            .token(&w.admin.token)
            .header("idempotency-key", key)
            .json(&json!({"kind": "person", "name": "丙"}))
            .send()
            .await
            .expect(400);
        assert_eq!(resp.errors(), ["Idempotency-Key"], "{key:?}");
    }
}

async fn settings_posts_are_retry_safe_too(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let cases = [
        (
            "/api/v1/tags",
            json!({"name": "重试标签", "color": "#ff0000"}),
        ),
        ("/api/v1/teams", json!({"name": "重试团队"})),
        (
            "/api/v1/roles",
            json!({"key": "retry_role", "name": "Retry", "permissions": {}}),
        ),
        (
            "/api/v1/custom-fields",
            json!({"entity": "customer", "key": "retry_field", "label": "Retry", "field_type": "text"}),
        ),
    ];
    // One key a request: a key is the caller's, whatever the endpoint.
    for (path, body) in cases {
        let first = app
            .post(path)
            .token(t)
            .header("idempotency-key", &format!("settings{path}"))
            .json(&body)
            .send()
            .await
            .expect(201);
        let again = app
            .post(path)
            .token(t)
            .header("idempotency-key", &format!("settings{path}"))
            .json(&body)
            .send()
            .await
            .expect(201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"), "{path}");
        assert_eq!(again.body, first.body, "{path}");
        assert_eq!(
            again.header("location"),
            Some(format!("{path}/{}", first.id()).as_str())
        );
        let listed = app.get(path).token(t).send().await.expect(200);
        let same: usize = listed.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|item| item["id"] == first.body["id"])
            .count();
        assert_eq!(same, 1, "{path}: written once");
    }
}
