//! Contacts belong to visible organisation customers.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(
    contacts_are_created_under_visible_organisations_and_validated,
    contacts_patch_list_and_delete
);

async fn contacts_are_created_under_visible_organisations_and_validated(app: TestApp) {
    let w = World::create(&app);
    let org = CustomerBuilder::new(w.ws, "Org").owner(&w.rep1).build(&app);
    let hidden = CustomerBuilder::new(w.ws, "Hidden")
        .owner(&w.rep3)
        .build(&app);
    let person = app
        .post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&json!({"kind": "person", "name": "P"}))
        .send()
        .await
        .expect(201)
        .id();
    let ok = app
        .post("/api/v1/contacts")
        .token(&w.rep1.token)
        .json(&json!({"customer_id": org, "name": "王芳", "title": "采购经理", "email": "WANG@org.example", "phone": "13912345678", "is_primary": true}))
        .send()
        .await
        .expect(201);
    assert_eq!(ok.body["email"], "wang@org.example");
    assert_eq!(ok.body["phone"], "+8613912345678");
    for (customer, why) in [
        (hidden, "is not a customer you can see"),
        (
            person,
            "contacts belong to organisation customers, not persons",
        ),
    ] {
        let resp = app
            .post("/api/v1/contacts")
            .token(&w.rep1.token)
            .json(&json!({"customer_id": customer, "name": "X"}))
            .send()
            .await
            .expect(422);
        assert_eq!(resp.body["errors"]["customer_id"][0], why);
    }
    let bad = app
        .post("/api/v1/contacts")
        .token(&w.rep1.token)
        .json(&json!({"customer_id": org, "name": "", "email": "x"}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["email", "name"]);
}

async fn contacts_patch_list_and_delete(app: TestApp) {
    let w = World::create(&app);
    let org = CustomerBuilder::new(w.ws, "Org").owner(&w.rep1).build(&app);
    let id = app
        .post("/api/v1/contacts")
        .token(&w.rep1.token)
        .json(&json!({"customer_id": org, "name": "A", "title": "CEO"}))
        .send()
        .await
        .expect(201)
        .id();
    let path = format!("/api/v1/contacts/{id}");
    let patched = app
        .patch(&path)
        .token(&w.rep1.token)
        .json(&json!({"title": null, "name": "B"}))
        .send()
        .await
        .expect(200);
    assert_eq!(patched.body["title"], serde_json::Value::Null);
    assert_eq!(patched.body["version"], 2);
    app.patch(&path)
        .token(&w.rep1.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "C"}))
        .send()
        .await
        .expect(412);
    app.patch(&path)
        .token(&w.viewer.token)
        .json(&json!({"name": "C"}))
        .send()
        .await
        .expect(403);
    app.patch(&path)
        .token(&w.rep3.token)
        .json(&json!({"name": "C"}))
        .send()
        .await
        .expect(404);
    let listed = app
        .get(&format!("/api/v1/contacts?customer_id={org}&q=b"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"][0]["name"], "B");
    app.delete(&path)
        .token(&w.rep1.token)
        .send()
        .await
        .expect(204);
    app.get(&path).token(&w.rep1.token).send().await.expect(404);
}
