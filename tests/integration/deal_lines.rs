//! The products on a deal (报价明细): a rep quotes products on their deal
//! (by id or SKU, the list price filling in, a discount per line) and the
//! deal's amount becomes the lines' total, with a new version and one
//! change in the feed; `PATCH` may no longer set another amount while there
//! are lines; an empty list removes them. Bad lines name their field and
//! write nothing; a stale `If-Match` is 412; a deal outside the caller's
//! scope is 404, and a role that may only read it gets 403.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_rep_quotes_products_and_the_amount_follows,
    bad_lines_and_other_callers_are_refused,
);

async fn product(app: &TestApp, token: &str, sku: &str, price: i64) -> String {
    app.post("/api/v1/products")
        .token(token)
        .json(&json!({"sku": sku, "name": format!("商品{sku}"),
            "price": {"amount_minor": price, "currency": "CNY"}}))
        .send()
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A deal of rep1's customer worth 1,000.
async fn deal(app: &TestApp, w: &World) -> String {
    let customer = CustomerBuilder::new(w.ws, "报价客户")
        .owner(&w.rep1)
        .build(app);
    app.post("/api/v1/deals")
        .token(&w.rep1.token)
        .json(&json!({"customer_id": customer, "name": "报价商机",
            "amount": {"amount_minor": 1_000, "currency": "CNY"}}))
        .send()
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn amounts(body: &Value) -> Vec<i64> {
    body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["amount_minor"].as_i64().unwrap_or(-1))
        .collect()
}

async fn a_rep_quotes_products_and_the_amount_follows(app: TestApp) {
    let w = World::create(&app);
    let tea = product(&app, &w.admin.token, "TEA-1", 12_000).await;
    product(&app, &w.admin.token, "CUP-2", 3_000).await;
    let id = deal(&app, &w).await;
    let path = format!("/api/v1/deals/{id}/lines");
    let empty = app.get(&path).token(&w.rep1.token).send().await.expect(200);
    assert_eq!(empty.body["lines"], json!([]));
    assert_eq!(empty.header("etag"), Some("\"1\""));
    // Two of the tea at list price; 1.5 cups at 2,800 less 200.
    let put = app
        .put(&path)
        .token(&w.rep1.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"lines": [
            {"product_id": tea, "quantity": 2},
            {"sku": "CUP-2", "quantity": 1.5, "unit_price_minor": 2_800, "discount_minor": 200}]}))
        .send()
        .await
        .expect(200);
    assert_eq!(amounts(&put.body), [24_000, 4_000]);
    assert_eq!(put.body["deal"]["amount"]["amount_minor"], 28_000);
    assert_eq!(put.body["deal"]["version"], 2);
    assert_eq!(put.header("etag"), Some("\"2\""));
    let read = app
        .get(&path)
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(amounts(&read.body), [24_000, 4_000]);
    assert_eq!(read.body["lines"][1]["quantity"], 1.5);
    let deal_now = app
        .get(&format!("/api/v1/deals/{id}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(deal_now.body["amount"]["amount_minor"], 28_000);
    // One change in the feed, naming the amount and the lines.
    let feed = app
        .get("/api/v1/changes?entity=deal")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    let last = feed["items"]
        .as_array()
        .and_then(|i| i.last())
        .expect("change")
        .clone();
    assert_eq!(
        last["changed_fields"],
        json!(["amount_minor", "lines"]),
        "{last}"
    );
    // The same lines again change nothing.
    let again = app
        .put(&path)
        .token(&w.rep1.token)
        .json(&json!({"lines": [
            {"product_id": tea, "quantity": 2},
            {"sku": "CUP-2", "quantity": 1.5, "unit_price_minor": 2_800, "discount_minor": 200}]}))
        .send()
        .await
        .expect(200);
    assert_eq!(again.body["deal"]["version"], 2);
    // The amount is the lines' total: PATCH may not set another.
    let patch = app
        .patch(&format!("/api/v1/deals/{id}"))
        .token(&w.rep1.token)
        .json(&json!({"amount": {"amount_minor": 5, "currency": "CNY"}}))
        .send()
        .await
        .expect(422);
    assert!(
        patch.errors().contains(&"amount".to_owned()),
        "{}",
        patch.body
    );
    // A manager of the rep's team edits them too; an empty list removes them.
    let cleared = app
        .put(&path)
        .token(&w.manager1.token)
        .json(&json!({"lines": []}))
        .send()
        .await
        .expect(200);
    assert_eq!(cleared.body["lines"], json!([]));
    assert_eq!(cleared.body["deal"]["amount"]["amount_minor"], 28_000);
    app.patch(&format!("/api/v1/deals/{id}"))
        .token(&w.rep1.token)
        .json(&json!({"amount": {"amount_minor": 5, "currency": "CNY"}}))
        .send()
        .await
        .expect(200);
}

async fn bad_lines_and_other_callers_are_refused(app: TestApp) {
    let w = World::create(&app);
    let tea = product(&app, &w.admin.token, "TEA-1", 12_000).await;
    let foreign = product(&app, &w.other_admin.token, "TEA-9", 1).await;
    let id = deal(&app, &w).await;
    let path = format!("/api/v1/deals/{id}/lines");
    for (line, field) in [
        (
            json!({"product_id": foreign, "quantity": 1}),
            "lines[0].product_id",
        ),
        (
            json!({"product_id": tea, "quantity": 0}),
            "lines[0].quantity",
        ),
        (
            json!({"product_id": tea, "sku": "TEA-1", "quantity": 1}),
            "lines[0].product_id",
        ),
        (
            json!({"sku": "TEA-1", "quantity": 1, "discount_minor": 12_001}),
            "lines[0].discount_minor",
        ),
        (
            json!({"sku": "TEA-1", "quantity": 1, "unit_price_minor": -1}),
            "lines[0].unit_price_minor",
        ),
    ] {
        let bad = app
            .put(&path)
            .token(&w.rep1.token)
            .json(&json!({"lines": [{"sku": "TEA-1", "quantity": 1}, line]}))
            .send()
            .await
            .expect(422);
        let field = field.replace("[0]", "[1]");
        assert!(bad.errors().contains(&field), "{field}: {}", bad.body);
    }
    let stale = app
        .put(&path)
        .token(&w.rep1.token)
        .header("If-Match", "\"7\"")
        .json(&json!({"lines": [{"sku": "TEA-1", "quantity": 1}]}))
        .send()
        .await;
    stale.expect(412);
    let untouched = app.get(&path).token(&w.rep1.token).send().await.expect(200);
    assert_eq!(untouched.body["lines"], json!([]));
    assert_eq!(untouched.body["deal"]["version"], 1);
    // rep3 (team B) and another workspace do not see the deal; the viewer may not change it.
    for token in [&w.rep3.token, &w.other_admin.token] {
        app.get(&path).token(token).send().await.expect(404);
        app.put(&path)
            .token(token)
            .json(&json!({"lines": []}))
            .send()
            .await
            .expect(404);
    }
    app.get(&path)
        .token(&w.viewer.token)
        .send()
        .await
        .expect(200);
    app.put(&path)
        .token(&w.viewer.token)
        .json(&json!({"lines": [{"sku": "TEA-1", "quantity": 1}]}))
        .send()
        .await
        .expect(403);
}
