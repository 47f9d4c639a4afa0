//! `PUT /tickets/by-external-id/{key}`: a call centre pushes its tickets by
//! its own key, on both databases — created once (201, `Location`, `ETag`),
//! then merge-patched (200, the SLA clock follows the priority), the key
//! in the body must be the path's, a stale `If-Match` is refused, and a rep
//! cannot reach a ticket outside their scope through its key.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(a_call_centre_upserts_its_tickets_by_its_own_key);

async fn a_call_centre_upserts_its_tickets_by_its_own_key(app: TestApp) {
    let w = World::create(&app);
    let customer = CustomerBuilder::new(w.ws, "华东机械")
        .owner(&w.rep3)
        .build(&app);
    let path = "/api/v1/tickets/by-external-id/CC-20261204-0001";
    let created = app
        .put(path)
        .token(&w.admin.token)
        .json(
            &json!({"customer_id": customer, "subject": "设备无法启动", "ticket_type": "inquiry",
            "priority": "normal", "channel": "phone"}),
        )
        .send()
        .await
        .expect(201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/tickets/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(created.body["external_id"], "CC-20261204-0001");
    assert_eq!(created.body["status"], "new");
    let normal_due = created.body["resolution_due_at"].clone();

    // The same key again is the same ticket, merge-patched.
    let updated = app
        .put(path)
        .token(&w.admin.token)
        .header("if-match", "\"1\"")
        .json(&json!({"priority": "urgent", "status": "open"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.id(), id);
    assert_eq!(updated.body["priority"], "urgent");
    assert_eq!(updated.body["status"], "open");
    assert_eq!(updated.header("etag"), Some("\"2\""));
    assert_ne!(
        updated.body["resolution_due_at"], normal_due,
        "an urgent ticket is due sooner"
    );
    let listed = app
        .get("/api/v1/tickets?q=CC-20261204-0001")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));

    // A stale version, another key in the body, a body that is no ticket.
    app.put(path)
        .token(&w.admin.token)
        .header("if-match", "\"1\"")
        .json(&json!({"priority": "low"}))
        .send()
        .await
        .expect(412);
    let other_key = app
        .put(path)
        .token(&w.admin.token)
        .json(&json!({"external_id": "CC-OTHER"}))
        .send()
        .await
        .expect(422);
    assert_eq!(other_key.errors(), vec!["external_id".to_owned()]);
    let incomplete = app
        .put("/api/v1/tickets/by-external-id/CC-NEW")
        .token(&w.admin.token)
        .json(&json!({"subject": "没有客户", "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(422);
    assert!(
        incomplete.errors().contains(&"customer_id".to_owned()),
        "{}",
        incomplete.body
    );

    // rep1 does not see rep3's customer's ticket, by its key or otherwise.
    app.put(path)
        .token(&w.rep1.token)
        .json(&json!({"priority": "low"}))
        .send()
        .await
        .expect(404);
    let after = app
        .get(&format!("/api/v1/tickets/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(after.body["priority"], "urgent");
    assert_eq!(after.body["version"], 2);
}
