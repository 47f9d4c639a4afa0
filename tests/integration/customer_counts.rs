//! The customer counts behind the portrait's spread of its members
//! (`crm_db::rollups::counts`): every customer and tag write keeps them
//! what recounting the customers gives, and the portrait answers the same
//! from them as from the customers, for three roles; the counts under each
//! RFM segment follow the scoring and the order writes too.

use crm_tests::{TestApp, World, both};
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::{Value, json};

use crate::customer_tags::tag;
use crate::sales_rollups::{batch, world_with_orders};

both!(
    every_customer_and_tag_write_keeps_the_counts_exact,
    the_counts_under_each_segment_follow_the_scoring_and_the_writes
);

const CUSTOMERS: &str = "/api/v1/customers/batch";

#[derive(Debug, PartialEq, QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    customers: i64,
}

/// Every count row that holds customers, as text.
fn rows(app: &TestApp) -> Vec<Row> {
    diesel::sql_query(
        "SELECT CAST(workspace_id AS TEXT) || ' ' || dimension || ' ' || code || ' ' || \
         CAST(owner_id AS TEXT) || ' ' || CAST(team_id AS TEXT) AS key, \
         CAST(customers AS BIGINT) AS customers \
         FROM customer_counts WHERE customers <> 0 ORDER BY 1",
    )
    .load(&mut *app.conn())
    .expect("counts")
}

/// The counts as the writes left them equal the counts recomputed from the
/// customers.
fn assert_recounted(app: &TestApp, w: &World, after: &str) {
    let kept = rows(app);
    crm_db::rollups::counts::rebuild(&mut app.conn(), w.ws).expect("rebuild");
    assert_eq!(kept, rows(app), "after {after}");
}

/// The portrait at `path` (which has a query) read from the counts equals
/// the one counted from the customers: a filter that keeps everyone
/// (`max_orders`) sends every read down that path. Answers the portrait.
async fn same_both_ways(app: &TestApp, token: &str, path: &str, after: &str) -> Value {
    let get =
        |path: String| async move { app.get(&path).token(token).send().await.expect(200).body };
    let counted = get(path.to_owned()).await;
    let scanned = get(format!("{path}&max_orders=1000000")).await;
    assert_eq!(counted, scanned, "{path} after {after}");
    counted
}

/// The counts equal a recount, and the portrait reads the same spread from
/// them as from the customers, for an admin, a manager and a rep; answers
/// how many members the admin's portrait has.
async fn assert_exact(app: &TestApp, w: &World, after: &str) -> i64 {
    assert_recounted(app, w, after);
    let mut members = 0;
    for token in [&w.admin.token, &w.manager1.token, &w.rep1.token] {
        for query in ["?".to_owned(), format!("?owner_id={}", w.rep1.id)] {
            let path = format!("/api/v1/analytics/portrait{query}");
            let counted = same_both_ways(app, token, &path, after).await;
            if token == &w.admin.token && query == "?" {
                members = counted["customers"].as_i64().expect("customers");
            }
        }
    }
    members
}

async fn every_customer_and_tag_write_keeps_the_counts_exact(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let (vip, south) = (
        tag(&app, t, "重点", None).await,
        tag(&app, t, "华南", None).await,
    );
    let created = batch(
        &app,
        t,
        CUSTOMERS,
        json!([
            {"external_id": "C1", "kind": "organization", "name": "深圳一号", "owner_id": w.rep1.id,
             "industry": "retail", "source": "referral", "country_code": "CN",
             "province_code": "440000", "tag_ids": [vip, south]},
            {"external_id": "C2", "kind": "person", "name": "广州二号", "owner_id": w.rep3.id,
             "gender": "female", "province_code": "440000", "tag_ids": [south],
             "birth_date": "1985-03-04"},
            {"external_id": "C3", "kind": "organization", "name": "北京三号",
             "province_code": "110000"}
        ]),
    )
    .await;
    assert_eq!(
        assert_exact(&app, &w, "a batch creating customers").await,
        3
    );
    let single = app
        .post("/api/v1/customers")
        .token(t)
        .json(
            &json!({"kind": "organization", "name": "单个", "owner_id": w.rep1.id,
                      "industry": "finance", "tag_ids": [vip]}),
        )
        .send()
        .await
        .expect(201)
        .id();
    assert_eq!(assert_exact(&app, &w, "creating a customer").await, 4);
    app.patch(&format!("/api/v1/customers/{single}"))
        .token(t)
        .json(&json!({"owner_id": w.rep3.id, "industry": "education", "tag_ids": [south]}))
        .send()
        .await
        .expect(200);
    assert_exact(&app, &w, "changing a customer and its tags").await;
    batch(
        &app,
        t,
        CUSTOMERS,
        json!([
            {"external_id": "C1", "kind": "person", "name": "深圳一号", "owner_id": w.rep3.id,
             "province_code": "110000", "tag_ids": [], "birth_date": "2001-06-30"},
            {"external_id": "C2", "kind": "person", "name": "广州二号", "owner_id": w.rep3.id,
             "gender": "female", "province_code": "440000", "tag_ids": [vip],
             "birth_date": "1958-11-20"},
            {"external_id": "C4", "kind": "organization", "name": "新客户", "tag_ids": [vip]}
        ]),
    )
    .await;
    assert_eq!(
        assert_exact(&app, &w, "a batch changing and creating").await,
        5
    );
    let first = created["results"][0]["id"].as_str().expect("id");
    app.delete(&format!("/api/v1/customers/{first}"))
        .token(t)
        .send()
        .await
        .expect(204);
    assert_eq!(assert_exact(&app, &w, "deleting a customer").await, 4);
    app.delete(&format!("/api/v1/tags/{vip}"))
        .token(t)
        .send()
        .await
        .expect(204);
    assert_eq!(assert_exact(&app, &w, "deleting a tag").await, 4);
    // The counts hold the members: four live customers in every dimension.
    let kinds: i64 = rows(&app)
        .iter()
        .filter(|r| r.key.contains(" kind ") && r.key.starts_with(&w.ws.to_string()))
        .map(|r| r.customers)
        .sum();
    assert_eq!(kinds, 4);
}

/// The counts under the segments equal a recount after the writes; the
/// first portrait read scores the buyers (the tests serve no stale scores),
/// and the counts equal a recount again; then every segment's portrait
/// reads the same spread from the counts as from the customers, for an
/// admin, a manager and a rep. Answers how many segments the buyers are in.
async fn assert_segments(app: &TestApp, w: &World, after: &str) -> usize {
    assert_recounted(app, w, &format!("{after}, before scoring"));
    let whole = app
        .get("/api/v1/analytics/portrait")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_recounted(app, w, &format!("{after}, after scoring"));
    let segments: Vec<String> = whole["dimensions"]
        .as_array()
        .expect("dimensions")
        .iter()
        .filter(|d| d["dimension"] == "rfm_segment")
        .flat_map(|d| d["groups"].as_array().expect("groups").clone())
        .filter_map(|g| g["key"].as_str().map(str::to_owned))
        .collect();
    for segment in &segments {
        for token in [&w.admin.token, &w.manager1.token, &w.rep1.token] {
            let path = format!("/api/v1/analytics/portrait?rfm_segment={segment}");
            same_both_ways(app, token, &path, after).await;
        }
    }
    segments.len()
}

async fn the_counts_under_each_segment_follow_the_scoring_and_the_writes(app: TestApp) {
    let (w, customers, orders) = world_with_orders(&app).await;
    let t = &w.admin.token;
    assert!(assert_segments(&app, &w, "the first scoring").await > 0);
    let under_segments = rows(&app)
        .iter()
        .filter(|r| r.key.contains(" province@") && r.key.starts_with(&w.ws.to_string()))
        .map(|r| r.customers)
        .sum::<i64>();
    assert_eq!(under_segments, 3, "every buyer counts under its segment");
    // An order confirmed: its buyer's segment waits for the next scoring.
    app.patch(&format!(
        "/api/v1/orders/{}",
        orders[1]["id"].as_str().expect("id")
    ))
    .token(t)
    .json(&json!({"status": "paid"}))
    .send()
    .await
    .expect(200);
    assert_segments(&app, &w, "an order write").await;
    // A buyer moving owner and taking a tag; a buyer deleted.
    let vip = tag(&app, t, "重点", None).await;
    app.patch(&format!("/api/v1/customers/{}", customers[2]))
        .token(t)
        .json(&json!({"owner_id": w.rep1.id, "industry": "education", "tag_ids": [vip]}))
        .send()
        .await
        .expect(200);
    assert_segments(&app, &w, "a buyer's change").await;
    app.delete(&format!("/api/v1/customers/{}", customers[1]))
        .token(t)
        .send()
        .await
        .expect(204);
    assert_segments(&app, &w, "a buyer's deletion").await;
}
