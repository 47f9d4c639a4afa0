//! `GET /api/v1/audit`: a record's history — who changed which field from
//! what to what, when and through which channel — newest first; entries
//! follow the record's read scope (404 outside it, and outside the
//! workspace), values follow the `audit` grant; bad parameters are 400
//! naming the parameter.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};

both!(
    history_says_who_changed_which_field_from_what_to_what_and_how,
    history_follows_the_read_scope_and_values_follow_the_audit_grant,
    bad_audit_parameters_are_400_naming_the_parameter,
    a_batchs_history_keeps_text_that_copy_would_misread,
);

async fn history(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!("/api/v1/audit?{query}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

/// rep1's customer, renamed and given a phone by rep1.
async fn edited_customer(app: &TestApp, w: &World) -> String {
    let id = app
        .post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&json!({"kind": "organization", "name": "华为技术"}))
        .send()
        .await
        .expect(201)
        .id()
        .to_string();
    app.patch(&format!("/api/v1/customers/{id}"))
        .token(&w.rep1.token)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "华为技术有限公司", "phone": "+8613800138000"}))
        .send()
        .await
        .expect(200);
    id
}

async fn history_says_who_changed_which_field_from_what_to_what_and_how(app: TestApp) {
    let w = World::create(&app);
    let id = edited_customer(&app, &w).await;
    let page = history(
        &app,
        &w.admin.token,
        &format!("entity=customer&entity_id={id}"),
    )
    .await;
    let entries = items(&page);
    assert_eq!(entries.len(), 2, "{page}");
    let (update, create) = (&entries[0], &entries[1]);
    assert_eq!(update["op"], "update", "newest first");
    assert_eq!(create["op"], "create");
    assert!(update["seq"].as_i64() > create["seq"].as_i64());
    assert_eq!(update["actor_id"], json!(w.rep1.id));
    assert!(update["actor_name"].is_string(), "{update}");
    assert_eq!(update["channel"], "web");
    assert_eq!(update["values"]["name"]["from"], "华为技术");
    assert_eq!(update["values"]["name"]["to"], "华为技术有限公司");
    assert_eq!(update["values"]["phone"]["from"], Value::Null);
    assert_eq!(update["values"]["phone"]["to"], "+8613800138000");
    assert_eq!(create["values"]["name"]["to"], "华为技术");
    assert_eq!(page["next_cursor"], Value::Null, "one page holds it all");

    // Paging with `before`, and the actor filter.
    let first = history(
        &app,
        &w.admin.token,
        &format!("entity=customer&entity_id={id}&limit=1"),
    )
    .await;
    assert_eq!(items(&first).len(), 1);
    let cursor = first["next_cursor"].as_str().expect("next_cursor");
    let rest = history(
        &app,
        &w.admin.token,
        &format!("entity=customer&entity_id={id}&cursor={cursor}"),
    )
    .await;
    assert_eq!(items(&rest)[0]["op"], "create");
    let by_admin = history(&app, &w.admin.token, &format!("actor={}", w.admin.id)).await;
    assert!(
        items(&by_admin).iter().all(|e| e["entity_id"] != json!(id)),
        "the admin changed nothing of it"
    );

    // A deleted record keeps its history.
    app.delete(&format!("/api/v1/customers/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    let after = history(
        &app,
        &w.admin.token,
        &format!("entity=customer&entity_id={id}"),
    )
    .await;
    let deleted = &items(&after)[0];
    assert_eq!(deleted["op"], "delete");
    assert_eq!(deleted["actor_id"], json!(w.admin.id));
    assert_eq!(deleted["values"]["name"]["from"], "华为技术有限公司");
}

async fn history_follows_the_read_scope_and_values_follow_the_audit_grant(app: TestApp) {
    let w = World::create(&app);
    let id = edited_customer(&app, &w).await;
    let query = format!("entity=customer&entity_id={id}");
    // Whoever may read the record sees its entries.
    for (who, token, values) in [
        ("the owner (audit own)", &w.rep1.token, true),
        (
            "the owner's manager (audit subtree)",
            &w.manager1.token,
            true,
        ),
        ("the viewer (no audit grant)", &w.viewer.token, false),
    ] {
        let page = history(&app, token, &query).await;
        let entries = items(&page);
        assert_eq!(entries.len(), 2, "{who}: {page}");
        assert_eq!(
            entries[0]["changed_fields"].as_array().map(Vec::len),
            Some(2),
            "{who}"
        );
        assert_eq!(
            entries[0]["values"].is_object(),
            values,
            "{who}: {}",
            entries[0]
        );
    }
    // Outside the read scope, or in another workspace: 404, not an empty page.
    for token in [&w.rep3.token, &w.manager2.token, &w.other_admin.token] {
        app.get(&format!("/api/v1/audit?{query}"))
            .token(token)
            .send()
            .await
            .expect(404);
    }
    // The workspace-wide view leaves out what the caller may not read.
    let wide = history(&app, &w.rep3.token, "entity=customer").await;
    assert!(items(&wide).iter().all(|e| e["entity_id"] != json!(id)));
    app.get(&format!(
        "/api/v1/audit?entity=customer&entity_id={}",
        uuid::Uuid::now_v7()
    ))
    .token(&w.admin.token)
    .send()
    .await
    .expect(404);
}

async fn bad_audit_parameters_are_400_naming_the_parameter(app: TestApp) {
    let w = World::create(&app);
    let id = uuid::Uuid::now_v7();
    for (query, field) in [
        (format!("entity_id={id}"), "entity"),
        ("limit=0".to_owned(), "limit"),
        ("limit=201".to_owned(), "limit"),
        ("cursor=0".to_owned(), "cursor"),
        ("cursor=forged".to_owned(), "cursor"),
        ("entity=planet".to_owned(), "entity"),
        ("since=yesterday".to_owned(), "since"),
        ("actor=nobody".to_owned(), "actor"),
    ] {
        let resp = app
            .get(&format!("/api/v1/audit?{query}"))
            .token(&w.admin.token)
            .send()
            .await
            .expect(400);
        assert!(
            resp.errors().iter().any(|e| e == field),
            "{query}: {:?}",
            resp.body
        );
    }
}

/// A batch's created records reach the change log through `COPY` on
/// PostgreSQL, whose text format gives the backslash, the tab and the line
/// break meanings of their own: the history must show them as sent.
async fn a_batchs_history_keeps_text_that_copy_would_misread(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    // A name refuses control characters; an address may span lines.
    let name = "甲\\乙 \"引号\" \\N \\t \\\\ 😀";
    let address = "第一行\r\n第二行\t\\";
    let r = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "create", "records": [
            {"kind": "organization", "name": name, "address": address}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(r.body["results"][0]["status"], "created", "{}", r.body);
    let id = r.body["results"][0]["id"].as_str().expect("id").to_owned();
    let page = history(&app, t, &format!("entity=customer&entity_id={id}")).await;
    let entries = items(&page);
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(entries[0]["op"], "create");
    assert_eq!(entries[0]["values"]["name"]["to"], name);
    assert_eq!(entries[0]["values"]["address"]["to"], address);
    assert_eq!(entries[0]["values"]["name"]["from"], Value::Null);
    let fields = entries[0]["changed_fields"].as_array().expect("fields");
    assert!(fields.contains(&json!("name")) && fields.contains(&json!("address")));
    let stored = app
        .get(&format!("/api/v1/customers/{id}"))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(stored["name"], name);
    assert_eq!(stored["address"], address);
}
