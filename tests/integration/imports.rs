//! CSV import jobs: a GB18030 file typed the way people in China type
//! spreadsheets is read, mapped from its Chinese headers, checked by a dry
//! run that writes nothing, and run; refused rows come back as a CSV with
//! their reasons by column; running it again changes nothing. A UTF-8 file
//! with a byte-order mark and `;` separators imports products. Imports run
//! with the uploader's role, are invisible to others, refuse bad mappings,
//! and a cancel keeps exactly the batches whose counters were committed.

use std::time::{Duration, Instant};

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    customers_import_from_a_gb18030_file,
    products_import_and_import_rules,
);

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    query: &str,
    body: Vec<u8>,
) -> crm_tests::Resp {
    app.post(&format!("/api/v1/imports?{query}"))
        .token(token)
        .raw("text/csv", body)
        .send()
        .await
}

/// Polls the import until no pass is in progress.
pub(crate) async fn settled(app: &TestApp, token: &str, id: Uuid) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let import = app
            .get(&format!("/api/v1/imports/{id}"))
            .token(token)
            .send()
            .await
            .expect(200)
            .body;
        let status = import["status"].as_str().unwrap_or_default().to_owned();
        if status != "checking" && status != "running" {
            return import;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not finish: {import}"
        );
        actix_rt::time::sleep(Duration::from_millis(30)).await;
    }
}

pub(crate) async fn start(app: &TestApp, token: &str, id: Uuid, body: Value) -> crm_tests::Resp {
    app.post(&format!("/api/v1/imports/{id}/start"))
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn customer_by_key(app: &TestApp, token: &str, key: &str) -> Value {
    let page = app
        .get(&format!("/api/v1/customers?q={key}"))
        .token(token)
        .send()
        .await
        .expect(200);
    page.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["external_id"] == key).cloned())
        .unwrap_or(Value::Null)
}

pub(crate) async fn customer_count(app: &TestApp, token: &str) -> usize {
    let (mut n, mut cursor) = (0, String::new());
    loop {
        let page = app
            .get(&format!("/api/v1/customers?limit=200{cursor}"))
            .token(token)
            .send()
            .await
            .expect(200);
        n += page.body["items"].as_array().map_or(0, Vec::len);
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return n,
        }
    }
}

/// The error file's records (the byte-order mark dropped).
pub(crate) fn error_file(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

async fn customers_import_from_a_gb18030_file(app: TestApp) {
    let w = World::create(&app);
    let vip = app
        .post("/api/v1/tags")
        .token(&w.admin.token)
        .json(&json!({"name": "VIP"}))
        .send()
        .await
        .expect(201)
        .id();
    let text = format!(
        "客户编号,客户名称,行业,省份,城市,负责人,标签,年营业额,备注\r\n\
         C001,华南制造,制造业,广东,深圳,{rep1},VIP,\"1,200,000.50\",老客户\r\n\
         C002,北方零售,零售,北京市,北京,,,300000,\r\n\
         C003,坏行业,火星业,广东,深圳,,,,\r\n\
         C004,地区不符,制造业,广东,北京,,,,\r\n\
         C005,无此人,,,,nobody@example.test,,abc,\r\n\
         ,没有编号,零售,,,,,,\r\n\
         C001,重复编号,零售,,,,,,\r\n",
        rep1 = w.rep1.email
    );
    let (gb, _, lossy) = encoding_rs::GB18030.encode(&text);
    assert!(!lossy);
    let up = upload(
        &app,
        &w.admin.token,
        "entity=customers&file_name=%E5%AE%A2%E6%88%B7.csv",
        gb.into_owned(),
    )
    .await
    .expect(201);
    let id = up.id();
    let import = up.body;
    assert_eq!(import["file_name"], "客户.csv");
    assert_eq!(import["encoding"], "gb18030", "detected: not valid UTF-8");
    assert_eq!(import["delimiter"], ",");
    assert_eq!(import["status"], "uploaded");
    assert_eq!(import["columns"][1], "客户名称");
    assert_eq!(import["sample"][0][1], "华南制造");
    assert_eq!(import["sample"].as_array().map(Vec::len), Some(5));
    let mapping = import["mapping"].clone();
    for (column, field) in [
        ("客户编号", "external_id"),
        ("客户名称", "name"),
        ("行业", "industry"),
        ("省份", "province"),
        ("城市", "city"),
        ("负责人", "owner_email"),
        ("标签", "tags"),
        ("年营业额", "annual_revenue"),
    ] {
        assert_eq!(mapping[column], field, "suggested for {column}");
    }
    assert!(
        mapping.get("备注").is_none(),
        "no customer field is called 备注"
    );

    // A dry run: every row checked, nothing written.
    start(
        &app,
        &w.admin.token,
        id,
        json!({"mapping": mapping, "dry_run": true}),
    )
    .await
    .expect(202);
    let checked = settled(&app, &w.admin.token, id).await;
    assert_eq!(checked["status"], "checked", "{checked}");
    assert_eq!(checked["dry_run"], true);
    assert_eq!(checked["rows_read"], 7);
    assert_eq!(
        (checked["created"].clone(), checked["failed"].clone()),
        (json!(2), json!(5))
    );
    assert_eq!(checked["percent"], 100.0);
    assert_eq!(
        customer_count(&app, &w.admin.token).await,
        0,
        "a dry run writes nothing"
    );
    let feed = app
        .get("/api/v1/changes?since=0")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        feed.body["items"].as_array().map(Vec::len),
        Some(0),
        "nor logs anything"
    );

    // The refused rows, by spreadsheet row, with reasons by column and their cells.
    let file = app
        .get(&format!("/api/v1/imports/{id}/errors"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let rows = error_file(&file.bytes);
    assert_eq!(rows[0][..3], ["row", "errors", "客户编号"]);
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(numbers, ["4", "5", "6", "7", "8"]);
    assert!(
        rows[1][1].starts_with("行业: 火星业 is not one of"),
        "{:?}",
        rows[1]
    );
    assert!(
        rows[2][1].contains("城市: no city named 北京 in 广东省"),
        "{:?}",
        rows[2]
    );
    assert!(
        rows[3][1].contains("负责人: no user has the e-mail"),
        "{:?}",
        rows[3]
    );
    assert!(
        rows[3][1].contains("年营业额: abc is not an amount"),
        "{:?}",
        rows[3]
    );
    assert!(
        rows[4][1].contains("客户编号: is required in upsert mode"),
        "{:?}",
        rows[4]
    );
    assert!(
        rows[5][1].contains("客户编号: appears more than once"),
        "{:?}",
        rows[5]
    );
    assert_eq!(
        rows[1][2..5],
        ["C003", "坏行业", "火星业"],
        "the row's own cells follow"
    );

    // The run writes the good rows with names resolved to codes and ids.
    start(&app, &w.admin.token, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let done = settled(&app, &w.admin.token, id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        (done["created"].clone(), done["failed"].clone()),
        (json!(2), json!(5))
    );
    let c1 = customer_by_key(&app, &w.admin.token, "C001").await;
    assert_eq!(c1["name"], "华南制造");
    assert_eq!(
        c1["kind"], "organization",
        "new customers default to organisations"
    );
    assert_eq!(c1["industry"], "manufacturing");
    assert_eq!(
        (c1["province_code"].clone(), c1["city_code"].clone()),
        (json!("440000"), json!("440300"))
    );
    assert_eq!(c1["country_code"], "CN");
    assert_eq!(c1["owner_id"], json!(w.rep1.id));
    assert_eq!(
        c1["annual_revenue"],
        json!({"amount_minor": 120_000_050, "currency": "CNY"})
    );
    assert_eq!(c1["tags"][0]["id"], json!(vip));
    let c2 = customer_by_key(&app, &w.admin.token, "C002").await;
    assert_eq!(
        (c2["province_code"].clone(), c2["city_code"].clone()),
        (json!("110000"), json!("110100"))
    );
    assert_eq!(
        c2["owner_id"],
        json!(w.admin.id),
        "no owner column: the uploader owns them"
    );
    assert_eq!(customer_count(&app, &w.admin.token).await, 2);

    // Again: nothing changes, nothing is duplicated.
    start(&app, &w.admin.token, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let again = settled(&app, &w.admin.token, id).await;
    assert_eq!(
        (
            again["created"].clone(),
            again["updated"].clone(),
            again["unchanged"].clone()
        ),
        (json!(0), json!(0), json!(2))
    );
    assert_eq!(customer_count(&app, &w.admin.token).await, 2);

    // Only the uploader and roles that may update every customer see it.
    for token in [&w.rep2.token, &w.other_admin.token] {
        app.get(&format!("/api/v1/imports/{id}"))
            .token(token)
            .send()
            .await
            .expect(404);
        app.get(&format!("/api/v1/imports/{id}/errors"))
            .token(token)
            .send()
            .await
            .expect(404);
    }
    let listed = app
        .get("/api/v1/imports")
        .token(&w.rep2.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"], json!([]));
    let listed = app
        .get("/api/v1/imports")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"][0]["id"], json!(id));

    // A rep's import runs with the rep's role: they may not hand customers to another rep.
    let rep_file = format!(
        "external_id,name,owner\nR1,代表的客户,{}\nR2,给别人的客户,{}\n",
        w.rep1.email, w.rep2.email
    );
    let rep_import = upload(
        &app,
        &w.rep1.token,
        "entity=customers",
        rep_file.into_bytes(),
    )
    .await
    .expect(201);
    assert_eq!(rep_import.body["encoding"], "utf-8");
    let rep_id = rep_import.id();
    start(
        &app,
        &w.rep1.token,
        rep_id,
        json!({"mapping": rep_import.body["mapping"]}),
    )
    .await
    .expect(202);
    let rep_done = settled(&app, &w.rep1.token, rep_id).await;
    assert_eq!(
        (rep_done["created"].clone(), rep_done["failed"].clone()),
        (json!(1), json!(1)),
        "{rep_done}"
    );
    let rows = error_file(
        &app.get(&format!("/api/v1/imports/{rep_id}/errors"))
            .token(&w.rep1.token)
            .send()
            .await
            .expect(200)
            .bytes,
    );
    assert_eq!(rows[1][0], "3");
    assert!(
        rows[1][1].starts_with("record:") || rows[1][1].starts_with("owner"),
        "{:?}",
        rows[1]
    );
}

async fn products_import_and_import_rules(app: TestApp) {
    let w = World::create(&app);
    let mut body = "\u{feff}SKU;名称;单价;启用;编号\n".as_bytes().to_vec();
    body.extend("P-1;螺丝;0.35;是;E1\nP-2;螺母;¥12.5;否;E2\nP-3;垫片;1.234;是;E3\n".as_bytes());
    let up = upload(&app, &w.admin.token, "entity=products", body)
        .await
        .expect(201);
    assert_eq!(up.body["encoding"], "utf-8");
    assert_eq!(up.body["delimiter"], ";");
    assert_eq!(
        up.body["columns"][0], "SKU",
        "the byte-order mark is not part of the name"
    );
    let id = up.id();
    let mapping = up.body["mapping"].clone();
    assert_eq!(
        mapping,
        json!({"SKU": "sku", "名称": "name", "单价": "price", "启用": "active", "编号": "external_id"})
    );

    // Bad mappings are 422s naming the column.
    let bad = start(
        &app,
        &w.admin.token,
        id,
        json!({"mapping": {"SKU": "sku", "价格": "price"}}),
    )
    .await
    .expect(422);
    assert!(
        bad.errors().contains(&"mapping.价格".to_owned()),
        "{:?}",
        bad.body
    );
    let bad = start(
        &app,
        &w.admin.token,
        id,
        json!({"mapping": {"SKU": "colour"}}),
    )
    .await
    .expect(422);
    assert!(bad.errors().contains(&"mapping.SKU".to_owned()));
    let bad = start(
        &app,
        &w.admin.token,
        id,
        json!({"mapping": {"SKU": "sku", "名称": "name"}}),
    )
    .await
    .expect(422);
    assert_eq!(
        bad.errors(),
        ["mapping"],
        "upsert needs external_id: {:?}",
        bad.body
    );
    let bad = start(
        &app,
        &w.admin.token,
        id,
        json!({"mapping": {"SKU": "sku", "名称": "sku", "编号": "external_id"}}),
    )
    .await
    .expect(422);
    assert!(
        bad.errors().contains(&"mapping.名称".to_owned()),
        "a field filled twice"
    );

    start(&app, &w.admin.token, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let done = settled(&app, &w.admin.token, id).await;
    assert_eq!(
        (done["created"].clone(), done["failed"].clone()),
        (json!(2), json!(1)),
        "{done}"
    );
    let products = app
        .get("/api/v1/products?limit=10")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let by_sku = |sku: &str| {
        products.body["items"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["sku"] == sku).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(by_sku("P-1")["price"]["amount_minor"], 35);
    assert_eq!(by_sku("P-1")["active"], true);
    assert_eq!(by_sku("P-2")["price"]["amount_minor"], 1250);
    assert_eq!(by_sku("P-2")["active"], false);
    assert_eq!(
        by_sku("P-3"),
        Value::Null,
        "three decimals is refused, not rounded"
    );

    // A pass cannot start twice; a finished one cannot be cancelled.
    app.post(&format!("/api/v1/imports/{id}/cancel"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(409);

    // Files that are not what they claim, and roles that may not import.
    upload(&app, &w.admin.token, "entity=products", Vec::new())
        .await
        .expect(422);
    upload(
        &app,
        &w.admin.token,
        "entity=products&encoding=latin9",
        b"a\n1\n".to_vec(),
    )
    .await
    .expect(422);
    upload(&app, &w.admin.token, "entity=tickets", b"a\n1\n".to_vec())
        .await
        .expect(400);
    upload(&app, &w.rep1.token, "entity=products", b"sku\nX\n".to_vec())
        .await
        .expect(403);

    // Deleting removes it; a second delete finds nothing.
    app.delete(&format!("/api/v1/imports/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    app.get(&format!("/api/v1/imports/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);
}
