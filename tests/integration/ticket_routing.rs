//! Assignment rules on the ticket's customer (自动分配按客户): a rule may
//! ask for the customer's region (a province matches its cities and
//! districts), value tier (monetary RFM score) or tags; the first rule
//! that matches routes the ticket and is named on it; a ticket no rule
//! matches waits unrouted. Settings naming a region, tag or tier that is
//! not there are refused, naming the entry.

use crm_db::AnyConnection;
use crm_tests::{CustomerBuilder, Resp, TestApp, World, both};
use diesel::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::analytics::{order, setup_product};

both!(
    rules_route_by_the_customers_region_value_tier_and_tags,
    rules_naming_unknown_regions_tags_or_tiers_are_refused,
);

async fn put_rules(app: &TestApp, admin: &str, rules: Value) -> Resp {
    let mut settings = app
        .get("/api/v1/service/settings")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    settings["assignment_rules"] = rules;
    app.put("/api/v1/service/settings")
        .token(admin)
        .json(&settings)
        .send()
        .await
}

async fn tag(app: &TestApp, token: &str, name: &str) -> String {
    app.post("/api/v1/tags")
        .token(token)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("tag id")
        .to_owned()
}

/// Sets the customer's monetary RFM score as a refresh would.
fn set_monetary_score(conn: &mut AnyConnection, customer: Uuid, m: i16) {
    diesel::sql_query(format!(
        "UPDATE customer_metrics SET rfm_m = {m} WHERE customer_id = '{customer}'"
    ))
    .execute(conn)
    .expect("score");
}

/// (team, rule) of a new ticket of `customer`.
async fn routed(app: &TestApp, token: &str, customer: Uuid, ticket_type: &str) -> (Value, Value) {
    let t = app
        .post("/api/v1/tickets")
        .token(token)
        .json(&json!({"customer_id": customer, "subject": "咨询", "ticket_type": ticket_type}))
        .send()
        .await
        .expect(201)
        .body;
    (t["team_id"].clone(), t["assignment_rule"].clone())
}

async fn rules_route_by_the_customers_region_value_tier_and_tags(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let vip = tag(&app, admin, "VIP").await;
    let other_tag = tag(&app, admin, "展会").await;
    let big = CustomerBuilder::new(w.ws, "深圳大客户")
        .owner(&w.rep1)
        .region("440000", "440300")
        .build(&app);
    let small = CustomerBuilder::new(w.ws, "深圳小客户")
        .owner(&w.rep1)
        .region("440000", "440300")
        .build(&app);
    let beijing = CustomerBuilder::new(w.ws, "北京客户")
        .owner(&w.rep1)
        .region("110000", "110100")
        .build(&app);
    let tagged = CustomerBuilder::new(w.ws, "上海VIP")
        .owner(&w.rep1)
        .region("310000", "310100")
        .build(&app);
    app.patch(&format!("/api/v1/customers/{tagged}"))
        .token(admin)
        .json(&json!({"tag_ids": [other_tag, vip]}))
        .send()
        .await
        .expect(200);
    setup_product(&app, admin).await;
    order(&app, admin, big, 10, 900_000, "paid").await;
    order(&app, admin, small, 10, 100, "paid").await;
    let mut conn = app.conn();
    set_monetary_score(&mut conn, big, 5);
    set_monetary_score(&mut conn, small, 2);

    put_rules(
        &app,
        admin,
        json!([
            {"name": "VIP", "tag_ids": [vip], "team_id": w.team_a, "method": "round_robin"},
            {"name": "广东高价值", "region_codes": ["440000"], "value_tiers": ["top", "high"], "team_id": w.team_b, "method": "least_open"},
            {"name": "北京市", "region_codes": ["110100"], "team_id": w.team_a, "method": "round_robin"},
            {"name": "无订单的投诉", "ticket_types": ["complaint"], "value_tiers": ["none"], "team_id": w.team_b, "method": "round_robin"},
        ]),
    )
    .await
    .expect(200);
    let (a, b) = (json!(w.team_a), json!(w.team_b));
    assert_eq!(
        routed(&app, admin, tagged, "inquiry").await,
        (a.clone(), json!("VIP"))
    );
    assert_eq!(
        routed(&app, admin, big, "inquiry").await,
        (b.clone(), json!("广东高价值"))
    );
    // A low-value customer of the same city matches no rule and waits unrouted.
    assert_eq!(
        routed(&app, admin, small, "inquiry").await,
        (Value::Null, Value::Null)
    );
    // A city code matches its customers (and a rep creating the ticket routes it the same).
    assert_eq!(
        routed(&app, &w.rep1.token, beijing, "inquiry").await,
        (a, json!("北京市"))
    );
    // A customer without scored orders is in the `none` tier.
    assert_eq!(
        routed(&app, admin, beijing, "complaint").await.1,
        json!("北京市")
    );
    let nobody = CustomerBuilder::new(w.ws, "新客户")
        .owner(&w.rep1)
        .build(&app);
    assert_eq!(
        routed(&app, admin, nobody, "complaint").await,
        (b, json!("无订单的投诉"))
    );
    assert_eq!(routed(&app, admin, nobody, "inquiry").await.1, Value::Null);
}

async fn rules_naming_unknown_regions_tags_or_tiers_are_refused(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let foreign = tag(&app, &w.other_admin.token, "别家的标签").await;
    let refused = put_rules(
        &app,
        admin,
        json!([{"name": "r", "region_codes": ["440000", "999999"], "tag_ids": [foreign], "team_id": w.team_a, "method": "round_robin"}]),
    )
    .await
    .expect(422);
    assert_eq!(
        refused.errors(),
        [
            "assignment_rules[0].region_codes[1]",
            "assignment_rules[0].tag_ids[0]"
        ]
    );
    let refused = put_rules(
        &app,
        admin,
        json!([{"name": "r", "value_tiers": ["gold"], "team_id": w.team_a, "method": "round_robin"}]),
    )
    .await
    .expect(422);
    assert!(
        refused.body["detail"].to_string().contains("value_tiers")
            || refused.errors().iter().any(|e| e.contains("value_tiers")),
        "{}",
        refused.body
    );
    // Nothing was saved.
    let settings = app
        .get("/api/v1/service/settings")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(settings["assignment_rules"], json!([]));
}
