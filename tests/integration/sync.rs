//! The ERP sync scenario of issue 4, end to end through the API: push
//! 10,000 customers and 50,000 orders by batch upsert, push them again with
//! a few real changes, replay a keyed request, and page the changes feed to
//! its end.

use std::collections::HashSet;

use crm_tests::sync_data::{customer, order, product};
use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};

both!(an_erp_syncs_ten_thousand_customers_and_fifty_thousand_orders);

const CUSTOMERS: usize = 10_000;
const ORDERS: usize = 50_000;
const BATCH: usize = 1_000;

/// Pushes records in batches; returns (created, updated, unchanged) and checks nothing failed.
async fn push(app: &TestApp, token: &str, path: &str, records: Vec<Value>) -> (u64, u64, u64) {
    let mut totals = (0, 0, 0);
    for chunk in records.chunks(BATCH) {
        let r = app
            .post(path)
            .token(token)
            .json(&json!({"mode": "upsert", "records": chunk}))
            .send()
            .await
            .expect(200);
        assert_eq!(r.body["failed"], 0, "{}", r.body["results"][0]);
        totals.0 += r.body["created"].as_u64().unwrap_or_default();
        totals.1 += r.body["updated"].as_u64().unwrap_or_default();
        totals.2 += r.body["unchanged"].as_u64().unwrap_or_default();
    }
    totals
}

/// Every feed entry after `since`, paged with `next_since`; checks the
/// sequence has no gap and no repeat.
async fn feed_after(app: &TestApp, token: &str, since: i64) -> (Vec<Value>, i64) {
    let (mut entries, mut since) = (Vec::new(), since);
    loop {
        let page = app
            .get(&format!("/api/v1/changes?since={since}&limit=1000"))
            .token(token)
            .send()
            .await
            .expect(200);
        for e in page.body["items"].as_array().expect("items") {
            let seq = e["seq"].as_i64().expect("seq");
            assert_eq!(seq, since + 1, "gap-free and in order");
            since = seq;
            entries.push(e.clone());
        }
        assert_eq!(page.body["next_since"].as_i64(), Some(since));
        if page.body["has_more"] != true {
            return (entries, since);
        }
    }
}

async fn an_erp_syncs_ten_thousand_customers_and_fifty_thousand_orders(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let products: Vec<Value> = (0..50).map(product).collect();
    assert_eq!(
        push(&app, t, "/api/v1/products/batch", products).await,
        (50, 0, 0)
    );

    let customers = |round| (0..CUSTOMERS).map(|i| customer(i, round)).collect();
    let orders = |round| (0..ORDERS).map(|i| order(i, CUSTOMERS, round)).collect();
    assert_eq!(
        push(&app, t, "/api/v1/customers/batch", customers(1)).await,
        (10_000, 0, 0)
    );
    assert_eq!(
        push(&app, t, "/api/v1/orders/batch", orders(1)).await,
        (50_000, 0, 0)
    );
    let (first, after_first) = feed_after(&app, t, 0).await;
    assert_eq!(first.len(), 50 + CUSTOMERS + ORDERS);
    assert!(first.iter().all(|e| e["op"] == "create"));

    // The same data again, with 1 % really changed: no duplicates, only those updated.
    assert_eq!(
        push(&app, t, "/api/v1/customers/batch", customers(2)).await,
        (0, 100, 9_900)
    );
    assert_eq!(
        push(&app, t, "/api/v1/orders/batch", orders(2)).await,
        (0, 500, 49_500)
    );
    let (second, after_second) = feed_after(&app, t, after_first).await;
    assert_eq!(second.len(), 600);
    assert!(second.iter().all(|e| e["op"] == "update"));
    let customer_fields: HashSet<String> = second
        .iter()
        .filter(|e| e["entity"] == "customer")
        .flat_map(|e| e["changed_fields"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    assert_eq!(customer_fields, HashSet::from(["name".to_owned()]));
    let order_fields: HashSet<String> = second
        .iter()
        .filter(|e| e["entity"] == "order")
        .flat_map(|e| e["changed_fields"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    assert_eq!(order_fields, HashSet::from(["status".to_owned()]));
    let listed = app
        .get("/api/v1/customers?external_id=CUST-00100")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(1),
        "no duplicate"
    );

    // A retried request with the same key writes nothing and answers the same.
    let body = json!({"mode": "upsert", "records": [customer(1, 3), {"external_id": "CUST-NEW", "kind": "person", "name": "新客户"}]});
    let first_try = app
        .post("/api/v1/customers/batch")
        .token(t)
        .header("idempotency-key", "sync-42")
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            first_try.body["created"].clone(),
            first_try.body["unchanged"].clone()
        ),
        (json!(1), json!(1))
    );
    let retry = app
        .post("/api/v1/customers/batch")
        .token(t)
        .header("idempotency-key", "sync-42")
        .json(&body)
        .send()
        .await
        .expect(200);
    assert_eq!(retry.body, first_try.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let (third, _) = feed_after(&app, t, after_second).await;
    assert_eq!(third.len(), 1, "the retry added nothing");

    // Totals are the server's: 2 lines per order.
    let o = app
        .get("/api/v1/orders?external_id=SO-000007")
        .token(t)
        .send()
        .await
        .expect(200);
    let total = o.body["items"][0]["total"]["amount_minor"].as_i64();
    // 4 × SKU-7 (1,070) + 0.5 × 19.99 (rounded 10.00) − 1.00
    assert_eq!(total, Some(4 * 1_070 + 1_000 - 100));
}
