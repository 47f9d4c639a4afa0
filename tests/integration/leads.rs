//! Leads: qualification rules, visibility, and conversion that creates or
//! links a customer, a contact and a deal atomically.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_lead_converts_into_customer_contact_and_deal_at_once,
    conversion_links_an_existing_customer_and_is_all_or_nothing,
    leads_are_visible_like_customers_and_qualified_by_rules,
);

async fn lead(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/api/v1/leads")
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(201)
        .body
}

async fn a_lead_converts_into_customer_contact_and_deal_at_once(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let l = lead(&app, t, json!({"person_name": "王芳", "company_name": "苏州云帆贸易", "title": "采购经理",
        "phone": "13800138000", "source": "trade_show", "province_code": "320000", "city_code": "320500"})).await;
    assert_eq!(
        (l["status"].clone(), l["owner_id"].clone()),
        (json!("new"), json!(w.rep1.id.to_string()))
    );
    let id = l["id"].as_str().expect("id").to_owned();
    let conv = app
        .post(&format!("/api/v1/leads/{id}/convert"))
        .token(t)
        .json(&json!({"deal": {"amount": {"amount_minor": 5_000_000, "currency": "CNY"}}}))
        .send()
        .await
        .expect(200);
    let c = &conv.body;
    assert_eq!(c["lead"]["status"], "converted");
    assert_eq!(c["customer_created"], true);
    let customer = app
        .get(&format!(
            "/api/v1/customers/{}",
            c["customer_id"].as_str().unwrap_or_default()
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            customer.body["kind"].clone(),
            customer.body["name"].clone(),
            customer.body["city_code"].clone(),
            customer.body["source"].clone()
        ),
        (
            json!("organization"),
            json!("苏州云帆贸易"),
            json!("320500"),
            json!("trade_show")
        )
    );
    let contact = app
        .get(&format!(
            "/api/v1/contacts/{}",
            c["contact_id"].as_str().unwrap_or_default()
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (contact.body["name"].clone(), contact.body["phone"].clone()),
        (json!("王芳"), json!("+8613800138000"))
    );
    let deal = app
        .get(&format!(
            "/api/v1/deals/{}",
            c["deal_id"].as_str().unwrap_or_default()
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (deal.body["name"].clone(), deal.body["customer_id"].clone()),
        (json!("苏州云帆贸易 商机"), c["customer_id"].clone())
    );
    // Twice is a conflict; a converted lead cannot be edited.
    app.post(&format!("/api/v1/leads/{id}/convert"))
        .token(t)
        .json(&json!({}))
        .send()
        .await
        .expect(409);
    app.patch(&format!("/api/v1/leads/{id}"))
        .token(t)
        .json(&json!({"note": "x"}))
        .send()
        .await
        .expect(409);
    // A lead without a company becomes a person customer and no contact.
    let p = lead(
        &app,
        t,
        json!({"person_name": "李雷", "email": "li@example.cn"}),
    )
    .await;
    let conv = app
        .post(&format!(
            "/api/v1/leads/{}/convert",
            p["id"].as_str().unwrap_or_default()
        ))
        .token(t)
        .json(&json!({}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            conv.body["contact_id"].clone(),
            conv.body["deal_id"].clone()
        ),
        (Value::Null, Value::Null)
    );
    let person = app
        .get(&format!(
            "/api/v1/customers/{}",
            conv.body["customer_id"].as_str().unwrap_or_default()
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (person.body["kind"].clone(), person.body["email"].clone()),
        (json!("person"), json!("li@example.cn"))
    );
}

async fn conversion_links_an_existing_customer_and_is_all_or_nothing(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let existing = CustomerBuilder::new(w.ws, "老客户")
        .owner(&w.rep1)
        .build(&app);
    let l = lead(
        &app,
        t,
        json!({"person_name": "张三", "company_name": "老客户"}),
    )
    .await;
    let id = l["id"].as_str().expect("id").to_owned();
    // A bad deal refuses the whole conversion: no customer, contact or status change.
    let bad = app
        .post(&format!("/api/v1/leads/{id}/convert"))
        .token(t)
        .json(&json!({"deal": {"amount": {"amount_minor": -1, "currency": "CNY"}}}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["amount"]);
    let after = app
        .get(&format!("/api/v1/leads/{id}"))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(after.body["status"], "new");
    let customers = app
        .get("/api/v1/customers")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        customers.body["items"].as_array().map(Vec::len),
        Some(1),
        "nothing half-written"
    );
    // Linking a customer the rep cannot see is refused; their own works.
    let hidden = CustomerBuilder::new(w.ws, "别人的")
        .owner(&w.rep3)
        .build(&app);
    app.post(&format!("/api/v1/leads/{id}/convert"))
        .token(t)
        .json(&json!({"customer_id": hidden}))
        .send()
        .await
        .expect(422);
    let linked = app
        .post(&format!("/api/v1/leads/{id}/convert"))
        .token(t)
        .json(&json!({"customer_id": existing}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            linked.body["customer_id"].clone(),
            linked.body["customer_created"].clone()
        ),
        (json!(existing.to_string()), json!(false))
    );
    assert!(linked.body["contact_id"].is_string());
}

async fn leads_are_visible_like_customers_and_qualified_by_rules(app: TestApp) {
    let w = World::create(&app);
    let mine = lead(&app, &w.rep1.token, json!({"person_name": "A"})).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let theirs = lead(&app, &w.rep3.token, json!({"person_name": "B"})).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (who, id, status) in [
        (&w.rep1.token, &mine, 200),
        (&w.rep1.token, &theirs, 404),
        (&w.manager1.token, &mine, 200),
        (&w.manager2.token, &mine, 404),
        (&w.viewer.token, &theirs, 200),
        (&w.other_admin.token, &mine, 404),
    ] {
        app.get(&format!("/api/v1/leads/{id}"))
            .token(who)
            .send()
            .await
            .expect(status);
    }
    app.post(&format!("/api/v1/leads/{theirs}/convert"))
        .token(&w.rep1.token)
        .json(&json!({}))
        .send()
        .await
        .expect(404);
    let path = format!("/api/v1/leads/{mine}");
    let t = &w.rep1.token;
    let no_reason = app
        .patch(&path)
        .token(t)
        .json(&json!({"status": "disqualified"}))
        .send()
        .await
        .expect(422);
    assert_eq!(no_reason.errors(), ["disqualified_reason"]);
    app.patch(&path)
        .token(t)
        .json(&json!({"status": "converted"}))
        .send()
        .await
        .expect(422);
    let bad = app
        .patch(&path)
        .token(t)
        .json(&json!({"email": "x", "city_code": "999999"}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["city_code", "email", "province_code"]);
    app.patch(&path)
        .token(t)
        .json(&json!({"status": "disqualified", "disqualified_reason": "预算不足"}))
        .send()
        .await
        .expect(200);
    app.post(&format!("{path}/convert"))
        .token(t)
        .json(&json!({}))
        .send()
        .await
        .expect(409);
    let listed = app
        .get("/api/v1/leads?status=disqualified")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    let feed = app
        .get("/api/v1/changes?entity=lead")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        feed.body["items"].as_array().map(Vec::len),
        Some(2),
        "own lead: create + update"
    );
}
