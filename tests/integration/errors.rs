//! Every error path answers RFC 9457 problem+json with a request id.

use crm_tests::{TestApp, World, both};
use diesel::RunQueryDsl;
use serde_json::json;

both!(
    malformed_requests_get_precise_problems,
    unknown_routes_and_methods_are_404_and_405,
    server_errors_show_a_request_id_and_no_internals,
    the_web_app_is_served_with_deep_links_falling_back_to_its_index,
);

async fn malformed_requests_get_precise_problems(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let syntax = app
        .post("/api/v1/customers")
        .token(t)
        .raw("application/json", "{\"kind\": ")
        .send()
        .await
        .expect(400);
    assert!(
        syntax.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not valid JSON"))
    );
    app.post("/api/v1/customers")
        .token(t)
        .raw("text/plain", "hello")
        .send()
        .await
        .expect(415);
    app.post("/api/v1/customers")
        .token(t)
        .send()
        .await
        .expect(415);
    let big = format!(
        "{{\"kind\": \"organization\", \"name\": \"{}\"}}",
        "x".repeat(1024 * 1024 + 10)
    );
    app.post("/api/v1/customers")
        .token(t)
        .raw("application/json", big)
        .send()
        .await
        .expect(413);
    let bad_id = app
        .get("/api/v1/customers/not-a-uuid")
        .token(t)
        .send()
        .await
        .expect(400);
    assert_eq!(bad_id.errors(), ["id"]);
    let bad_query = app
        .get("/api/v1/customers?owner_id=nope")
        .token(t)
        .send()
        .await
        .expect(400);
    assert_eq!(bad_query.errors(), ["owner_id"]);
    let unknown_param = app
        .get("/api/v1/customers?colour=red")
        .token(t)
        .send()
        .await
        .expect(400);
    assert_eq!(unknown_param.errors(), ["colour"]);
    let no_auth = app.get("/api/v1/customers").send().await.expect(401);
    assert!(
        no_auth.body["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert_eq!(
        no_auth.header("x-request-id"),
        no_auth.body["request_id"].as_str()
    );
    assert_eq!(no_auth.body["instance"], "/api/v1/customers");
    app.get("/api/v1/roles")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);
    let echoed = app
        .get("/api/v1/customers")
        .header("X-Request-Id", "trace-abc-123")
        .send()
        .await
        .expect(401);
    assert_eq!(echoed.body["request_id"], "trace-abc-123");
    let json_suffix = app
        .post("/api/v1/tags")
        .token(t)
        .raw(
            "application/merge-patch+json",
            json!({"name": "ok"}).to_string(),
        )
        .send()
        .await;
    json_suffix.expect(201);
}

async fn unknown_routes_and_methods_are_404_and_405(app: TestApp) {
    let w = World::create(&app);
    app.get("/api/v1/nothing-here")
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);
    app.get("/nowhere").send().await.expect(404);
    let wrong = app
        .request(actix_web::http::Method::PUT, "/api/v1/customers")
        .token(&w.admin.token)
        .send()
        .await
        .expect(405);
    assert_eq!(wrong.header("allow"), Some("GET, POST"));
    let item = app
        .request(
            actix_web::http::Method::POST,
            &format!("/api/v1/customers/{}", uuid::Uuid::now_v7()),
        )
        .send()
        .await
        .expect(405);
    assert_eq!(item.header("allow"), Some("GET, PATCH, DELETE"));
}

async fn server_errors_show_a_request_id_and_no_internals(app: TestApp) {
    let w = World::create(&app);
    diesel::sql_query("ALTER TABLE tags RENAME TO tags_gone")
        .execute(&mut *app.conn())
        .expect("break the schema");
    let resp = app
        .get("/api/v1/tags")
        .token(&w.admin.token)
        .send()
        .await
        .expect(500);
    let text = resp.body.to_string();
    assert!(
        resp.body["request_id"]
            .as_str()
            .is_some_and(|id| id.len() >= 8)
    );
    let lower = text.to_lowercase();
    assert!(
        !lower.contains("tags_gone")
            && !lower.contains("relation")
            && !lower.contains("no such table"),
        "no internals: {text}"
    );
    assert_eq!(resp.body["title"], "Internal server error");
}

async fn the_web_app_is_served_with_deep_links_falling_back_to_its_index(mut app: TestApp) {
    let w = World::create(&app);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("index.html"), "<html>crm-spa-index</html>").expect("index");
    std::fs::write(dir.path().join("app.js"), "console.log('spa')").expect("asset");
    app.state_mut().web_dir = Some(dir.path().to_path_buf());
    for path in [
        "/",
        "/customers/0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11",
        "/settings/users",
    ] {
        let page = app.get(path).send().await;
        assert_eq!(page.status.as_u16(), 200, "{path}");
        assert_eq!(page.body, "<html>crm-spa-index</html>", "{path}");
    }
    let asset = app.get("/app.js").send().await;
    assert_eq!(asset.body, "console.log('spa')");
    assert_eq!(asset.header("content-encoding"), None);
    // A build-time .gz copy is served as it is to clients that accept gzip.
    std::fs::write(dir.path().join("app.js.gz"), "pretend-gzip-bytes").expect("gz");
    let zipped = app
        .get("/app.js")
        .header("accept-encoding", "gzip, deflate")
        .send()
        .await;
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(
        zipped
            .header("content-type")
            .is_some_and(|t| t.contains("javascript"))
    );
    assert_eq!(zipped.body, "pretend-gzip-bytes");
    let plain = app.get("/app.js").send().await;
    assert_eq!(plain.body, "console.log('spa')");
    app.get("/api/v1/nothing-here")
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);
    app.post("/customers").send().await.expect(404);
    let docs = app.get("/api/docs/").send().await;
    assert!(
        docs.body
            .as_str()
            .is_some_and(|html| html.contains("swagger"))
    );
    app.get("/api/health").send().await.expect(200);
}
