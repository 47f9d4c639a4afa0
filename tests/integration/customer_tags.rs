//! A customer read by id carries its tags, read in the customer's own
//! statement (issue 19): every tag, by name, with its colour, and none of
//! another customer's.

use serde_json::{Value, json};

use crm_tests::{TestApp, World, both};

both!(a_customer_reads_back_every_tag_by_name_and_no_other_customers);

pub(crate) async fn tag(app: &TestApp, token: &str, name: &str, color: Option<&str>) -> String {
    app.post("/api/v1/tags")
        .token(token)
        .json(&json!({"name": name, "color": color}))
        .send()
        .await
        .expect(201)
        .id()
        .to_string()
}

async fn customer(app: &TestApp, token: &str, name: &str, tag_ids: &[&str]) -> String {
    app.post("/api/v1/customers")
        .token(token)
        .json(&json!({"kind": "organization", "name": name, "tag_ids": tag_ids}))
        .send()
        .await
        .expect(201)
        .id()
        .to_string()
}

async fn tags_of(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/customers/{id}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body["tags"]
        .clone()
}

async fn a_customer_reads_back_every_tag_by_name_and_no_other_customers(app: TestApp) {
    let world = World::create(&app);
    let admin = &world.admin.token;
    let vip = tag(&app, admin, "重点客户", Some("#1677ff")).await;
    let b = tag(&app, admin, "b-渠道", None).await;
    let a = tag(&app, admin, "a-华南", Some("#ff0000")).await;
    let other = tag(&app, admin, "c-other", None).await;
    let tagged = customer(&app, admin, "Three tags 三个标签", &[&vip, &b, &a]).await;
    let untagged = customer(&app, admin, "没有标签", &[]).await;
    let neighbour = customer(&app, admin, "别的客户", &[&other, &a]).await;

    assert_eq!(
        tags_of(&app, admin, &tagged).await,
        json!([
            {"id": a, "name": "a-华南", "color": "#ff0000"},
            {"id": b, "name": "b-渠道", "color": null},
            {"id": vip, "name": "重点客户", "color": "#1677ff"},
        ]),
        "every tag, by name, with its colour, and not the neighbour's"
    );
    assert_eq!(tags_of(&app, admin, &untagged).await, json!([]));
    assert_eq!(
        tags_of(&app, admin, &neighbour).await,
        json!([
            {"id": a, "name": "a-华南", "color": "#ff0000"},
            {"id": other, "name": "c-other", "color": null},
        ])
    );
    // The list reads tags in a statement of its own: both agree.
    let page = app
        .get("/api/v1/customers?q=three%20tags")
        .token(admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        page.body["items"][0]["tags"],
        tags_of(&app, admin, &tagged).await
    );
}
