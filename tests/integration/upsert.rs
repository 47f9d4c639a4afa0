//! Upsert by external id: the integration key of an ERP.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(
    a_put_by_external_id_creates_once_then_merges_updates,
    a_put_by_external_id_respects_visibility_and_validation,
    contacts_are_upserted_by_external_id_too,
);

async fn a_put_by_external_id_creates_once_then_merges_updates(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let path = "/api/v1/customers/by-external-id/ERP-0001";
    let created = app
        .put(path)
        .token(t)
        .json(&json!({"kind": "organization", "name": "华东机械", "phone": "13800138000"}))
        .send()
        .await
        .expect(201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/customers/{id}").as_str())
    );
    assert_eq!(created.body["external_id"], "ERP-0001");
    assert_eq!(created.body["version"], 1);

    let updated = app
        .put(path)
        .token(t)
        .json(&json!({"name": "华东机械集团", "industry": "manufacturing"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.id(), id);
    assert_eq!(updated.body["name"], "华东机械集团");
    assert_eq!(
        updated.body["phone"], "+8613800138000",
        "absent fields stay"
    );
    assert_eq!(updated.body["version"], 2);

    // The same request again changes nothing and writes nothing.
    let again = app
        .put(path)
        .token(t)
        .json(&json!({"name": "华东机械集团", "industry": "manufacturing"}))
        .send()
        .await
        .expect(200);
    assert_eq!(again.body["version"], 2);
    app.put(path)
        .token(t)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Stale"}))
        .send()
        .await
        .expect(412);

    let feed = app
        .get("/api/v1/changes?entity=customer")
        .token(t)
        .send()
        .await
        .expect(200);
    let ops: Vec<&str> = feed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["entity_id"] == id.to_string())
        .filter_map(|e| e["op"].as_str())
        .collect();
    assert_eq!(ops, ["create", "update"]);
    let listed = app
        .get("/api/v1/customers?external_id=ERP-0001")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
}

async fn a_put_by_external_id_respects_visibility_and_validation(app: TestApp) {
    let w = World::create(&app);
    app.put("/api/v1/customers/by-external-id/R3-1")
        .token(&w.rep3.token)
        .json(&json!({"kind": "organization", "name": "Rep3 的客户"}))
        .send()
        .await
        .expect(201);
    // Another rep cannot see it, so cannot update it through its key.
    app.put("/api/v1/customers/by-external-id/R3-1")
        .token(&w.rep1.token)
        .json(&json!({"name": "taken over"}))
        .send()
        .await
        .expect(404);
    let mine = app
        .put("/api/v1/customers/by-external-id/R1-1")
        .token(&w.rep1.token)
        .json(&json!({"kind": "person", "name": "李雷"}))
        .send()
        .await
        .expect(201);
    assert_eq!(mine.body["owner_id"], w.rep1.id.to_string());

    let missing = app
        .put("/api/v1/customers/by-external-id/NEW-1")
        .token(&w.admin.token)
        .json(&json!({"email": "x@example.com"}))
        .send()
        .await
        .expect(422);
    assert_eq!(missing.errors(), ["kind", "name"]);
    let mismatch = app
        .put("/api/v1/customers/by-external-id/NEW-1")
        .token(&w.admin.token)
        .json(&json!({"kind": "person", "name": "X", "external_id": "OTHER"}))
        .send()
        .await
        .expect(422);
    assert_eq!(mismatch.errors(), ["external_id"]);
    let bad = app
        .put("/api/v1/customers/by-external-id/NEW-1")
        .token(&w.admin.token)
        .json(&json!({"kind": "person", "name": "X", "email": "nope"}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["email"]);
    app.put("/api/v1/customers/by-external-id/NEW-1")
        .token(&w.viewer.token)
        .json(&json!({"kind": "person", "name": "X"}))
        .send()
        .await
        .expect(403);
}

async fn contacts_are_upserted_by_external_id_too(app: TestApp) {
    let w = World::create(&app);
    let org = CustomerBuilder::new(w.ws, "Org").owner(&w.rep1).build(&app);
    let hidden = CustomerBuilder::new(w.ws, "Hidden")
        .owner(&w.rep3)
        .build(&app);
    let path = "/api/v1/contacts/by-external-id/C-1";
    let created = app
        .put(path)
        .token(&w.rep1.token)
        .json(&json!({"customer_id": org, "name": "王芳", "title": "采购经理"}))
        .send()
        .await
        .expect(201);
    assert_eq!(created.body["external_id"], "C-1");
    let updated = app
        .put(path)
        .token(&w.rep1.token)
        .json(&json!({"email": "wang@example.com"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.id(), created.id());
    assert_eq!(updated.body["title"], "采购经理");
    assert_eq!(updated.body["email"], "wang@example.com");
    let missing = app
        .put("/api/v1/contacts/by-external-id/C-2")
        .token(&w.rep1.token)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect(422);
    assert_eq!(missing.errors(), ["customer_id", "name"]);
    let unseen = app
        .put("/api/v1/contacts/by-external-id/C-3")
        .token(&w.rep1.token)
        .json(&json!({"customer_id": hidden, "name": "X"}))
        .send()
        .await
        .expect(422);
    assert_eq!(unseen.errors(), ["customer_id"]);
    app.put(path)
        .token(&w.rep3.token)
        .json(&json!({"name": "taken over"}))
        .send()
        .await
        .expect(404);
}
