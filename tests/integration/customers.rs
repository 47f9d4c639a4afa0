//! Customers: create, read, validate, merge-patch, optimistic locking,
//! conflicts, soft delete, filters.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_created_customer_reads_back_normalised_with_location_and_etag,
    invalid_fields_are_all_reported_with_field_level_messages,
    unknown_enum_values_and_unknown_fields_name_the_field,
    custom_fields_are_validated_against_their_definitions,
    a_taken_external_id_is_a_409_naming_the_field,
    patch_merges_absent_keeps_null_clears_and_bumps_the_version,
    a_stale_if_match_is_a_412_and_changes_nothing,
    delete_is_soft_hides_the_customer_and_is_logged,
    list_filters_by_text_industry_region_tag_owner_and_time,
);

async fn create(app: &TestApp, token: &str, body: Value) -> crm_tests::Resp {
    app.post("/api/v1/customers")
        .token(token)
        .json(&body)
        .send()
        .await
}

pub(crate) async fn tag(app: &TestApp, token: &str, name: &str) -> String {
    app.post("/api/v1/tags")
        .token(token)
        .json(&json!({"name": name, "color": "#1677ff"}))
        .send()
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("tag id")
        .to_owned()
}

async fn a_created_customer_reads_back_normalised_with_location_and_etag(app: TestApp) {
    let world = World::create(&app);
    let vip = tag(&app, &world.admin.token, "重点客户").await;
    let resp = create(
        &app,
        &world.rep1.token,
        json!({
            "kind": "organization", "name": "  广州云帆科技有限公司 ", "external_id": "ERP-1",
            "industry": "technology", "size_band": "medium", "employee_count": 120,
            "annual_revenue": {"amount_minor": 1_250_000_000_i64, "currency": "cny"},
            "email": "Info@YunFan.example.cn", "phone": "138 0013 8000", "website": "https://yunfan.example.cn",
            "province_code": "440000", "city_code": "440100", "district_code": "440106",
            "source": "trade_show", "lifecycle_stage": "customer", "tag_ids": [vip, vip]
        }),
    )
    .await
    .expect(201);
    let id = resp.id();
    assert_eq!(
        resp.header("location"),
        Some(format!("/api/v1/customers/{id}").as_str())
    );
    assert_eq!(resp.header("etag"), Some("\"1\""));
    let got = app
        .get(&format!("/api/v1/customers/{id}"))
        .token(&world.rep1.token)
        .send()
        .await
        .expect(200);
    let c = &got.body;
    assert_eq!(c["name"], "广州云帆科技有限公司");
    assert_eq!(c["email"], "info@yunfan.example.cn");
    assert_eq!(c["phone"], "+8613800138000");
    assert_eq!(
        c["country_code"], "CN",
        "a Chinese division implies the country"
    );
    assert_eq!(c["district_code"], "440106");
    assert_eq!(
        c["annual_revenue"],
        json!({"amount_minor": 1_250_000_000_i64, "currency": "CNY"})
    );
    assert_eq!(
        c["owner_id"],
        world.rep1.id.to_string(),
        "owner defaults to the caller"
    );
    assert_eq!(
        c["team_id"],
        world.team_a.to_string(),
        "team defaults to the owner's"
    );
    assert_eq!(c["tags"].as_array().map(Vec::len), Some(1));
    assert_eq!(c["tags"][0]["name"], "重点客户");
    assert_eq!(c["version"], 1);
    assert_eq!(c["created_by"], world.rep1.id.to_string());
    assert_eq!(got.header("etag"), Some("\"1\""));
}

async fn invalid_fields_are_all_reported_with_field_level_messages(app: TestApp) {
    let world = World::create(&app);
    let resp = create(
        &app,
        &world.rep1.token,
        json!({
            "kind": "organization", "name": "", "email": "not-an-email", "phone": "12345",
            "province_code": "440000", "city_code": "110100", "district_code": "999999",
            "gender": "female", "employee_count": -3, "website": "x".repeat(300),
            "annual_revenue": {"amount_minor": 5, "currency": "RMB1"}
        }),
    )
    .await
    .expect(422);
    let fields = resp.errors();
    for field in [
        "name",
        "email",
        "phone",
        "city_code",
        "district_code",
        "gender",
        "employee_count",
        "website",
        "annual_revenue",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} missing in {}",
            resp.body
        );
    }
    assert_eq!(
        resp.body["errors"]["email"][0],
        "is not a valid e-mail address"
    );
    assert!(
        resp.body["errors"]["city_code"][0]
            .as_str()
            .is_some_and(|m| m.contains("not inside 440000"))
    );
    assert_eq!(resp.body["errors"]["gender"][0], "applies to persons only");
    // Nothing was written.
    let list = app
        .get("/api/v1/customers")
        .token(&world.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
}

async fn unknown_enum_values_and_unknown_fields_name_the_field(app: TestApp) {
    let world = World::create(&app);
    let resp = create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "A", "size_band": "huge"}),
    )
    .await
    .expect(422);
    assert_eq!(resp.errors(), ["size_band"]);
    assert!(
        resp.body["errors"]["size_band"][0]
            .as_str()
            .is_some_and(|m| m.contains("micro"))
    );
    let resp = create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "A", "colour": "red"}),
    )
    .await
    .expect(422);
    assert_eq!(resp.errors(), ["colour"]);
    let resp = create(&app, &world.rep1.token, json!({"name": "A"}))
        .await
        .expect(422);
    assert_eq!(resp.errors(), ["kind"]);
    let resp = create(&app, &world.rep1.token, json!({"kind": "organization", "name": "A", "annual_revenue": {"amount_minor": "lots", "currency": "CNY"}})).await.expect(422);
    assert_eq!(resp.errors(), ["annual_revenue.amount_minor"]);
}

async fn custom_fields_are_validated_against_their_definitions(app: TestApp) {
    let world = World::create(&app);
    app.post("/api/v1/custom-fields")
        .token(&world.admin.token)
        .json(&json!({"entity": "customer", "key": "vip_level", "label": "VIP", "field_type": "single_select", "options": ["gold", "silver"], "required": true}))
        .send()
        .await
        .expect(201);
    let missing = create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "A"}),
    )
    .await
    .expect(422);
    assert_eq!(
        missing.body["errors"]["custom_fields.vip_level"][0],
        "is required"
    );
    let wrong = create(&app, &world.rep1.token, json!({"kind": "organization", "name": "A", "custom_fields": {"vip_level": "bronze", "nope": 1}})).await.expect(422);
    assert_eq!(
        wrong.errors(),
        ["custom_fields.nope", "custom_fields.vip_level"]
    );
    let ok = create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "A", "custom_fields": {"vip_level": "gold"}}),
    )
    .await
    .expect(201);
    assert_eq!(ok.body["custom_fields"], json!({"vip_level": "gold"}));
}

async fn a_taken_external_id_is_a_409_naming_the_field(app: TestApp) {
    let world = World::create(&app);
    create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "A", "external_id": "ERP-7"}),
    )
    .await
    .expect(201);
    let dup = create(
        &app,
        &world.rep3.token,
        json!({"kind": "person", "name": "B", "external_id": "ERP-7"}),
    )
    .await
    .expect(409);
    assert_eq!(dup.errors(), ["external_id"]);
    // Another workspace may use the same external id.
    create(
        &app,
        &world.other_admin.token,
        json!({"kind": "organization", "name": "C", "external_id": "ERP-7"}),
    )
    .await
    .expect(201);
}

async fn patch_merges_absent_keeps_null_clears_and_bumps_the_version(app: TestApp) {
    let world = World::create(&app);
    let id = create(&app, &world.rep1.token, json!({"kind": "organization", "name": "A", "email": "a@a.example", "phone": "13800138000", "industry": "retail"}))
        .await
        .expect(201)
        .id();
    let path = format!("/api/v1/customers/{id}");
    let patched = app
        .patch(&path)
        .token(&world.rep1.token)
        .json(&json!({"phone": null, "industry": "finance"}))
        .send()
        .await
        .expect(200);
    assert_eq!(patched.body["phone"], Value::Null);
    assert_eq!(patched.body["email"], "a@a.example");
    assert_eq!(patched.body["industry"], "finance");
    assert_eq!(patched.body["version"], 2);
    assert_eq!(patched.header("etag"), Some("\"2\""));
    // A patch that changes nothing does not bump the version.
    let same = app
        .patch(&path)
        .token(&world.rep1.token)
        .json(&json!({"industry": "finance"}))
        .send()
        .await
        .expect(200);
    assert_eq!(same.body["version"], 2);
    let bad = app
        .patch(&path)
        .token(&world.rep1.token)
        .json(&json!({"email": "nope"}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["email"]);
    let changes = crm_db::change_log::since(&mut app.conn(), world.ws, 0, 100).expect("log");
    let update = changes
        .iter()
        .find(|c| c.op == "update")
        .expect("update logged");
    let mut fields: Vec<String> =
        serde_json::from_value(update.changed_fields.0.clone()).expect("fields");
    fields.sort();
    assert_eq!(fields, ["industry", "phone"]);
}

async fn a_stale_if_match_is_a_412_and_changes_nothing(app: TestApp) {
    let world = World::create(&app);
    let id = create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "A"}),
    )
    .await
    .expect(201)
    .id();
    let path = format!("/api/v1/customers/{id}");
    app.patch(&path)
        .token(&world.rep1.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "B"}))
        .send()
        .await
        .expect(200);
    let stale = app
        .patch(&path)
        .token(&world.rep1.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "C"}))
        .send()
        .await
        .expect(412);
    assert!(
        stale.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("changed by someone else"))
    );
    app.delete(&path)
        .token(&world.rep1.token)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .expect(412);
    let now = app
        .get(&path)
        .token(&world.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(now.body["name"], "B");
    app.patch(&path)
        .token(&world.rep1.token)
        .header("If-Match", "W/\"2\"")
        .json(&json!({"name": "C"}))
        .send()
        .await
        .expect(200);
    app.patch(&path)
        .token(&world.rep1.token)
        .header("If-Match", "banana")
        .json(&json!({"name": "D"}))
        .send()
        .await
        .expect(400);
}

async fn delete_is_soft_hides_the_customer_and_is_logged(app: TestApp) {
    let world = World::create(&app);
    let id = create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "Gone", "external_id": "X-1"}),
    )
    .await
    .expect(201)
    .id();
    let contact = app
        .post("/api/v1/contacts")
        .token(&world.rep1.token)
        .json(&json!({"customer_id": id, "name": "王芳"}))
        .send()
        .await
        .expect(201)
        .id();
    let path = format!("/api/v1/customers/{id}");
    app.delete(&path)
        .token(&world.rep1.token)
        .send()
        .await
        .expect(204);
    app.get(&path)
        .token(&world.rep1.token)
        .send()
        .await
        .expect(404);
    app.get(&format!("/api/v1/contacts/{contact}"))
        .token(&world.rep1.token)
        .send()
        .await
        .expect(404);
    app.delete(&path)
        .token(&world.rep1.token)
        .send()
        .await
        .expect(404);
    let list = app
        .get("/api/v1/customers")
        .token(&world.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
    // The external id is free again.
    create(
        &app,
        &world.rep1.token,
        json!({"kind": "organization", "name": "New", "external_id": "X-1"}),
    )
    .await
    .expect(201);
    let log = crm_db::change_log::since(&mut app.conn(), world.ws, 0, 100).expect("log");
    assert!(
        log.iter()
            .any(|c| c.op == "delete" && c.entity == "customer" && c.entity_id.0 == id)
    );
    assert!(
        log.iter()
            .any(|c| c.op == "delete" && c.entity == "contact" && c.entity_id.0 == contact)
    );
    let seqs: Vec<i64> = log.iter().map(|c| c.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "the sequence has no gaps"
    );
}

fn names(resp: &crm_tests::Resp) -> Vec<String> {
    let mut names: Vec<String> = resp.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

async fn list_filters_by_text_industry_region_tag_owner_and_time(app: TestApp) {
    let world = World::create(&app);
    CustomerBuilder::new(world.ws, "深圳华为")
        .owner(&world.rep1)
        .industry("technology")
        .region("440000", "440300")
        .build(&app);
    CustomerBuilder::new(world.ws, "广州酒家")
        .owner(&world.rep2)
        .industry("hospitality")
        .region("440000", "440100")
        .build(&app);
    CustomerBuilder::new(world.ws, "Beijing 100%_Tech")
        .owner(&world.rep3)
        .industry("technology")
        .region("110000", "110100")
        .build(&app);
    let tagged = create(&app, &world.admin.token, json!({"kind": "person", "name": "张三", "email": "zhang@example.cn", "owner_id": world.rep1.id})).await.expect(201).id();
    let t = tag(&app, &world.admin.token, "VIP").await;
    app.patch(&format!("/api/v1/customers/{tagged}"))
        .token(&world.admin.token)
        .json(&json!({"tag_ids": [t]}))
        .send()
        .await
        .expect(200);
    let admin = &world.admin.token;
    let app = &app;
    let query = |q: String| async move {
        app.get(&format!("/api/v1/customers?{q}"))
            .token(admin)
            .send()
            .await
            .expect(200)
    };
    assert_eq!(
        names(&query("industry=technology".into()).await),
        ["Beijing 100%_Tech", "深圳华为"]
    );
    assert_eq!(
        names(&query("region=440000".into()).await),
        ["广州酒家", "深圳华为"]
    );
    assert_eq!(names(&query("region=440300".into()).await), ["深圳华为"]);
    assert_eq!(
        names(&query("region=CN".into()).await),
        ["Beijing 100%_Tech", "广州酒家", "深圳华为"]
    );
    assert_eq!(names(&query("q=HUAWEI".into()).await), Vec::<String>::new());
    assert_eq!(
        names(&query("q=%25_".into()).await),
        ["Beijing 100%_Tech"],
        "LIKE wildcards match literally"
    );
    assert_eq!(
        names(&query("q=ZHANG%40".into()).await),
        ["张三"],
        "matches e-mail, case-insensitively"
    );
    assert_eq!(names(&query(format!("tag_id={t}")).await), ["张三"]);
    assert_eq!(
        names(&query(format!("owner_id={}", world.rep1.id)).await),
        ["张三", "深圳华为"]
    );
    assert_eq!(
        names(&query(format!("team_id={}", world.team_b)).await),
        ["Beijing 100%_Tech"]
    );
    assert_eq!(names(&query("kind=person".into()).await), ["张三"]);
    let sorted = query("sort=name".into()).await;
    let order: Vec<&str> = sorted.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(order.first(), Some(&"Beijing 100%_Tech"));
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    assert_eq!(
        names(&query(format!("updated_since={future}")).await),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&query("created_from=2000-01-01T00:00:00Z".into()).await).len(),
        4
    );
    app.get("/api/v1/customers?region=44")
        .token(admin)
        .send()
        .await
        .expect(400);
    app.get("/api/v1/customers?industry=mining")
        .token(admin)
        .send()
        .await
        .expect(400);
}
