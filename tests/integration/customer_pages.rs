//! A page of the customer list carries each customer's tags and order
//! metrics (with its RFM segment), read for the whole page, where the
//! record reads its own in its row's statement (issue 19): under every
//! sort, those by a field of the customer and those by an order metric
//! (paged from the metrics' indexes), each listed customer shows exactly
//! what its record shows.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::analytics::{order, setup_product};
use crate::customers::tag;
use crm_tests::{TestApp, World, both};

both!(every_sort_lists_each_customer_with_the_tags_and_metrics_of_its_record);

async fn every_sort_lists_each_customer_with_the_tags_and_metrics_of_its_record(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let vip = tag(&app, t, "重点客户").await;
    let north = tag(&app, t, "华北").await;
    let mut ours = Vec::new();
    for i in 0..12_i64 {
        let tag_ids = match i % 3 {
            0 => json!([]),
            1 => json!([vip]),
            _ => json!([north, vip]),
        };
        let id = app
            .post("/api/v1/customers")
            .token(t)
            .json(&json!({"kind": "organization", "name": format!("Paged {i:02} 列表客户"), "tag_ids": tag_ids}))
            .send()
            .await
            .expect(201)
            .id();
        for n in 0..i % 4 {
            order(&app, t, id, 3 + 40 * n + i, 100 * (i + 1), "paid").await;
        }
        ours.push(id.to_string());
    }
    // The test app computes missing RFM scores in the read.
    app.get("/api/v1/analytics/rfm")
        .token(t)
        .send()
        .await
        .expect(200);
    let mut records = BTreeMap::new();
    for id in &ours {
        let record = app
            .get(&format!("/api/v1/customers/{id}"))
            .token(t)
            .send()
            .await
            .expect(200)
            .body;
        records.insert(id.clone(), record);
    }
    let three = &records[&ours[11]];
    assert_eq!(three["metrics"]["order_count"], 3, "{three}");
    assert_eq!(three["metrics"]["revenue_minor"], 3 * 1200);
    assert!(three["metrics"]["rfm_segment"].is_string(), "{three}");
    assert_eq!(three["tags"].as_array().map(Vec::len), Some(2));
    assert_eq!(records[&ours[0]]["metrics"], Value::Null);

    for sort in [
        "-created_at",
        "name",
        "-updated_at",
        "-revenue",
        "order_count",
        "-last_order_on",
    ] {
        let page = app
            .get(&format!("/api/v1/customers?limit=200&sort={sort}&q=paged"))
            .token(t)
            .send()
            .await
            .expect(200);
        let items = page.body["items"].as_array().expect("items");
        assert_eq!(items.len(), ours.len(), "{sort}: every customer listed");
        for item in items {
            let id = item["id"].as_str().expect("id");
            let record = &records[id];
            assert_eq!(item["tags"], record["tags"], "{sort}: tags of {id}");
            assert_eq!(
                item["metrics"], record["metrics"],
                "{sort}: metrics of {id}"
            );
        }
    }
}
