//! Reports grouped by and filtered on the customer's tags and custom
//! fields, the same on both databases: a customer with two tags counts
//! under each, the total counts it once, customers without a tag group
//! under none; conditions (has the tag, lacks it, has none) count
//! customers, not tag rows; a rep sees only their own customers' tags; a
//! deal groups by its customer's 会员等级 and yes/no field; an unknown or
//! multi-select custom field is named. A map shades provinces only.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    customers_group_and_filter_by_tag,
    deals_group_and_filter_by_customer_custom_fields,
    a_map_shades_provinces,
);

async fn a_map_shades_provinces(app: TestApp) {
    let w = World::create(&app);
    for (name, province) in [("粤一", "440000"), ("粤二", "440000"), ("沪", "310000")] {
        app.post("/api/v1/customers")
            .token(&w.admin.token)
            .json(
                &json!({"kind": "organization", "name": name, "owner_id": w.rep1.id,
                          "country_code": "CN", "province_code": province}),
            )
            .send()
            .await
            .expect(201);
    }
    let map = |field: &str| {
        json!({"object": "customers", "group_by": [{"field": field}],
               "measure": {"aggregate": "count"}, "chart": "map"})
    };
    let data = run(&app, &w.rep1.token, map("province")).await;
    assert_eq!(
        counts(&data),
        [
            (Some("上海市".to_owned()), 1),
            (Some("广东省".to_owned()), 2)
        ]
    );
    let standard = app
        .get("/api/v1/reports/standard")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert!(
        standard.body.as_array().is_some_and(|s| s
            .iter()
            .any(|s| s["key"] == "customers_map" && s["spec"]["chart"] == "map")),
        "{}",
        standard.body
    );
    let refused = app
        .post("/api/v1/reports/run")
        .token(&w.rep1.token)
        .json(&map("owner"))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["chart"]);
}

async fn tag(app: &TestApp, token: &str, name: &str) -> Uuid {
    app.post("/api/v1/tags")
        .token(token)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect(201)
        .id()
}

async fn run(app: &TestApp, token: &str, spec: Value) -> Value {
    app.post("/api/v1/reports/run")
        .token(token)
        .json(&spec)
        .send()
        .await
        .expect(200)
        .body
}

/// (label, records) of each row.
fn counts(data: &Value) -> Vec<(Option<String>, i64)> {
    let mut out: Vec<(Option<String>, i64)> = data["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["labels"][0].as_str().map(str::to_owned),
                        r["records"].as_i64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

async fn customers_group_and_filter_by_tag(app: TestApp) {
    let w = World::create(&app);
    let vip = tag(&app, &w.admin.token, "VIP").await;
    let key = tag(&app, &w.admin.token, "重点").await;
    for (name, owner, tags) in [
        ("两个标签", w.rep1.id, vec![vip, key]),
        ("一个标签", w.rep1.id, vec![vip]),
        ("没有标签", w.rep3.id, vec![]),
    ] {
        app.post("/api/v1/customers")
            .token(&w.admin.token)
            .json(
                &json!({"kind": "organization", "name": name, "owner_id": owner, "tag_ids": tags}),
            )
            .send()
            .await
            .expect(201);
    }
    let by_tag = json!({"object": "customers", "group_by": [{"field": "tag"}],
                        "measure": {"aggregate": "count"}, "chart": "bar"});
    let all = run(&app, &w.admin.token, by_tag.clone()).await;
    assert_eq!(
        counts(&all),
        [
            (None, 1),
            (Some("VIP".to_owned()), 2),
            (Some("重点".to_owned()), 1)
        ]
    );
    assert_eq!(all["kinds"][0], "tag", "{all}");
    // The whole counts each customer once.
    assert_eq!(all["records"], 3);
    assert_eq!(all["total"], 3.0);
    // A rep sees their own customers' tags only.
    let mine = run(&app, &w.rep1.token, by_tag).await;
    assert_eq!(
        counts(&mine),
        [(Some("VIP".to_owned()), 2), (Some("重点".to_owned()), 1)]
    );
    assert_eq!(mine["records"], 2);
    // Conditions count customers: with VIP, without VIP, with no tag, with any.
    let count_where = |op: &str, value: Option<Uuid>| {
        let mut condition = json!({"field": "tag", "op": op});
        if let Some(v) = value {
            condition["value"] = json!(v);
        }
        json!({"object": "customers", "group_by": [], "measure": {"aggregate": "count"},
               "filters": [condition], "chart": "number"})
    };
    for (op, value, expected) in [
        ("eq", Some(vip), 2),
        ("eq", Some(key), 1),
        ("ne", Some(vip), 1),
        ("is_empty", None, 1),
        ("not_empty", None, 2),
    ] {
        let data = run(&app, &w.admin.token, count_where(op, value)).await;
        assert_eq!(data["records"], expected, "{op} {value:?}: {data}");
    }
    // Distinct tags per owner.
    let distinct = run(
        &app,
        &w.admin.token,
        json!({"object": "customers", "group_by": [{"field": "owner"}],
               "measure": {"aggregate": "count_distinct", "field": "tag"}, "chart": "table"}),
    )
    .await;
    let by_owner: Vec<(String, f64)> = distinct["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["keys"][0].as_str().unwrap_or_default().to_owned(),
                        r["value"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        by_owner.contains(&(w.rep1.id.to_string(), 2.0)),
        "{by_owner:?}"
    );
    assert!(
        by_owner.contains(&(w.rep3.id.to_string(), 0.0)),
        "{by_owner:?}"
    );
    // A tag is compared by id; anything else is named.
    let refused = app
        .post("/api/v1/reports/run")
        .token(&w.admin.token)
        .json(&json!({"object": "customers", "group_by": [], "measure": {"aggregate": "count"},
                      "filters": [{"field": "tag", "op": "gte", "value": "VIP"}], "chart": "number"}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["filters[0].value"], "{}", refused.body);
}

async fn deals_group_and_filter_by_customer_custom_fields(app: TestApp) {
    let w = World::create(&app);
    for def in [
        json!({"entity": "customer", "key": "vip_level", "label": "会员等级",
               "field_type": "single_select", "options": ["金卡", "银卡"]}),
        json!({"entity": "customer", "key": "key_account", "label": "重点客户", "field_type": "boolean"}),
        json!({"entity": "customer", "key": "channels", "label": "渠道",
               "field_type": "multi_select", "options": ["线上", "线下"]}),
    ] {
        app.post("/api/v1/custom-fields")
            .token(&w.admin.token)
            .json(&def)
            .send()
            .await
            .expect(201);
    }
    let pipeline = app
        .get("/api/v1/pipelines")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body[0]["stages"][0]["id"]
        .clone();
    for (name, custom, amount) in [
        (
            "金卡一",
            json!({"vip_level": "金卡", "key_account": true}),
            100_000,
        ),
        (
            "金卡二",
            json!({"vip_level": "金卡", "key_account": false}),
            200_000,
        ),
        (
            "银卡",
            json!({"vip_level": "银卡", "channels": ["线上"]}),
            50_000,
        ),
        ("无", json!({}), 30_000),
    ] {
        let customer = app
            .post("/api/v1/customers")
            .token(&w.admin.token)
            .json(
                &json!({"kind": "organization", "name": name, "owner_id": w.rep1.id,
                          "custom_fields": custom}),
            )
            .send()
            .await
            .expect(201)
            .id();
        app.post("/api/v1/deals")
            .token(&w.admin.token)
            .json(
                &json!({"customer_id": customer, "name": name, "stage_id": pipeline,
                          "owner_id": w.rep1.id,
                          "amount": {"amount_minor": amount, "currency": "CNY"}}),
            )
            .send()
            .await
            .expect(201);
    }
    let sums = |data: &Value| -> Vec<(Option<String>, f64)> {
        let mut out: Vec<(Option<String>, f64)> = data["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (
                            r["labels"][0].as_str().map(str::to_owned),
                            r["value"].as_f64().unwrap_or(-1.0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    };
    let by = |field: &str| {
        json!({"object": "deals", "group_by": [{"field": field}],
               "measure": {"aggregate": "sum", "field": "amount_minor"}, "chart": "bar"})
    };
    let level = run(&app, &w.rep1.token, by("custom.vip_level")).await;
    assert_eq!(
        sums(&level),
        [
            (None, 30_000.0),
            (Some("金卡".to_owned()), 300_000.0),
            (Some("银卡".to_owned()), 50_000.0)
        ]
    );
    let flag = run(&app, &w.rep1.token, by("custom.key_account")).await;
    assert_eq!(
        sums(&flag),
        [
            (None, 80_000.0),
            (Some("false".to_owned()), 200_000.0),
            (Some("true".to_owned()), 100_000.0)
        ]
    );
    let gold = run(
        &app,
        &w.rep1.token,
        json!({"object": "deals", "group_by": [], "measure": {"aggregate": "count"},
               "filters": [{"field": "custom.vip_level", "op": "eq", "value": "金卡"}], "chart": "number"}),
    )
    .await;
    assert_eq!(gold["records"], 2);
    // An unknown field and a list are named, when run and when saved.
    let refused = app
        .post("/api/v1/reports/run")
        .token(&w.rep1.token)
        .json(&json!({"object": "deals", "group_by": [{"field": "custom.nope"}],
                      "measure": {"aggregate": "count"},
                      "filters": [{"field": "custom.channels", "op": "not_empty"}], "chart": "bar"}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["filters[0].field", "group_by[0].field"]);
    let refused = app
        .post("/api/v1/reports")
        .token(&w.rep1.token)
        .json(&json!({"name": "坏", "spec": by("custom.nope")}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["spec.group_by[0].field"]);
}
