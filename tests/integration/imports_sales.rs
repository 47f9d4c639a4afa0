//! Imports of the sales records: orders from rows of order lines (an
//! order's consecutive rows grouped, written or refused whole, lines' errors
//! on their rows, a resend unchanged) and contacts naming their customers
//! by external id; deals naming their pipeline stage by name.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};

use crate::imports::{error_file, settled, start, upload};

both!(
    orders_import_from_rows_of_lines,
    contacts_import_names_customers_by_key,
    deals_import_with_pipeline_and_stage_names,
);

async fn order_by_key(app: &TestApp, token: &str, key: &str) -> Value {
    app.get(&format!("/api/v1/orders?external_id={key}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body["items"][0]
        .clone()
}

async fn orders_import_from_rows_of_lines(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    app.post("/api/v1/products/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "E1", "sku": "P-1", "name": "螺丝", "price": {"amount_minor": 35, "currency": "CNY"}},
            {"external_id": "E2", "sku": "P-2", "name": "螺母"},
        ]}))
        .send()
        .await
        .expect(200);
    app.post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "C1", "kind": "organization", "name": "甲公司"},
            {"external_id": "C2", "kind": "organization", "name": "乙公司"},
        ]}))
        .send()
        .await
        .expect(200);
    let text = "订单号,客户编号,订单日期,状态,物料编码,数量,单价\n\
                SO-1,C1,2026/3/1,已付款,P-1,2,388.00\n\
                SO-1,C1,2026/3/1,已付款,P-2,1,12.50\n\
                SO-2,C2,2026-03-02,,P-1,3,\n\
                SO-3,C1,2026-03-03,,P-404,1,5\n\
                SO-4,C1,2026-03-04,,P-1,x,1\n\
                SO-4,C1,2026-03-04,,P-2,1,1\n";
    let up = upload(&app, t, "entity=orders", text.as_bytes().to_vec())
        .await
        .expect(201);
    let id = up.id();
    let mapping = up.body["mapping"].clone();
    assert_eq!(
        mapping,
        json!({"订单号": "external_id", "客户编号": "customer_external_id", "订单日期": "order_date",
               "状态": "status", "物料编码": "line.sku", "数量": "line.quantity", "单价": "line.unit_price"})
    );
    start(&app, t, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let done = settled(&app, t, id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["rows_read"], 6);
    assert_eq!(
        (done["created"].clone(), done["failed"].clone()),
        (json!(2), json!(3)),
        "{done}"
    );

    let so1 = order_by_key(&app, t, "SO-1").await;
    assert_eq!(
        so1["lines"].as_array().map(Vec::len),
        Some(2),
        "two rows, one order"
    );
    assert_eq!(so1["status"], "paid");
    assert_eq!(so1["order_date"], "2026-03-01");
    assert_eq!(
        so1["total"],
        json!({"amount_minor": 2 * 38_800 + 1_250, "currency": "CNY"})
    );
    let so2 = order_by_key(&app, t, "SO-2").await;
    assert_eq!(
        so2["total"]["amount_minor"],
        3 * 35,
        "a blank price is the product's list price"
    );
    assert_eq!(order_by_key(&app, t, "SO-3").await, Value::Null);
    assert_eq!(
        order_by_key(&app, t, "SO-4").await,
        Value::Null,
        "an order is refused whole"
    );

    let rows = error_file(
        &app.get(&format!("/api/v1/imports/{id}/errors"))
            .token(t)
            .send()
            .await
            .expect(200)
            .bytes,
    );
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(numbers, ["5", "6", "7"]);
    assert!(rows[1][1].starts_with("物料编码:"), "{:?}", rows[1]);
    assert!(
        rows[2][1].starts_with("数量: x is not a number"),
        "{:?}",
        rows[2]
    );
    assert!(
        rows[3][1].contains("another row of the same order"),
        "{:?}",
        rows[3]
    );

    // Sent again: the orders are unchanged, not duplicated.
    start(&app, t, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let again = settled(&app, t, id).await;
    assert_eq!(
        (again["created"].clone(), again["unchanged"].clone()),
        (json!(0), json!(2)),
        "{again}"
    );
}

async fn contacts_import_names_customers_by_key(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    app.post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "C1", "kind": "organization", "name": "甲公司"},
        ]}))
        .send()
        .await
        .expect(200);
    let text = "联系人编号,客户编号,姓名,职位,手机,主联系人\nK1,C1,张三,采购经理,13800138000,是\nK2,C9,李四,,,\n";
    let up = upload(&app, t, "entity=contacts", text.as_bytes().to_vec())
        .await
        .expect(201);
    let id = up.id();
    let mapping = up.body["mapping"].clone();
    assert_eq!(
        mapping,
        json!({"联系人编号": "external_id", "客户编号": "customer_external_id", "姓名": "name",
               "职位": "title", "手机": "phone", "主联系人": "is_primary"})
    );
    start(&app, t, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let done = settled(&app, t, id).await;
    assert_eq!(
        (done["created"].clone(), done["failed"].clone()),
        (json!(1), json!(1)),
        "{done}"
    );
    let contacts = app
        .get("/api/v1/contacts?q=K1")
        .token(t)
        .send()
        .await
        .expect(200);
    let k1 = &contacts.body["items"][0];
    assert_eq!(
        (
            k1["name"].clone(),
            k1["title"].clone(),
            k1["is_primary"].clone()
        ),
        (json!("张三"), json!("采购经理"), json!(true))
    );
    let rows = error_file(
        &app.get(&format!("/api/v1/imports/{id}/errors"))
            .token(t)
            .send()
            .await
            .expect(200)
            .bytes,
    );
    assert_eq!(rows[1][0], "3");
    assert!(
        rows[1][1].starts_with("客户编号: is not a customer you can see"),
        "{:?}",
        rows[1]
    );
}

async fn deals_import_with_pipeline_and_stage_names(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    app.post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "C1", "kind": "organization", "name": "甲公司", "owner_id": w.rep1.id},
        ]}))
        .send()
        .await
        .expect(200);
    let pipelines = app
        .get("/api/v1/pipelines")
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    let pipeline = pipelines[0]["name"].as_str().expect("name").to_owned();
    let stage = &pipelines[0]["stages"][1];
    let stage_name = stage["name"].as_str().expect("name").to_owned();
    let text = format!(
        "商机编号,客户编号,商机名称,金额,币种,销售流程,阶段,预计成交日期\n\
         D1,C1,甲项目,\"120,000\",usd,{pipeline},{stage_name},2027-01-31\n\
         D2,C1,乙项目,5000,,,火星阶段,\n\
         D3,C9,丙项目,100,,,,\n"
    );
    let up = upload(&app, t, "entity=deals", text.into_bytes())
        .await
        .expect(201);
    let id = up.id();
    let mapping = up.body["mapping"].clone();
    assert_eq!(
        mapping,
        json!({"商机编号": "external_id", "客户编号": "customer_external_id", "商机名称": "name",
               "金额": "amount", "币种": "currency", "销售流程": "pipeline", "阶段": "stage",
               "预计成交日期": "expected_close_date"})
    );
    start(&app, t, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let done = settled(&app, t, id).await;
    assert_eq!(
        (done["created"].clone(), done["failed"].clone()),
        (json!(1), json!(2)),
        "{done}"
    );
    let deals = app
        .get("/api/v1/deals?external_id=D1")
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    let d1 = &deals["items"][0];
    assert_eq!(d1["stage_id"], stage["id"]);
    assert_eq!(
        d1["probability"], stage["probability"],
        "the stage's probability"
    );
    assert_eq!(
        d1["amount"],
        json!({"amount_minor": 12_000_000, "currency": "USD"})
    );
    assert_eq!(d1["expected_close_date"], "2027-01-31");
    assert_eq!(d1["owner_id"], json!(w.rep1.id), "the customer's owner");
    let rows = error_file(
        &app.get(&format!("/api/v1/imports/{id}/errors"))
            .token(t)
            .send()
            .await
            .expect(200)
            .bytes,
    );
    assert!(
        rows[1][1].starts_with("阶段: no stage is named 火星阶段"),
        "{:?}",
        rows[1]
    );
    assert!(rows[2][1].starts_with("客户编号:"), "{:?}", rows[2]);
    // The same file again: the deal is unchanged (its customer named, not changed).
    start(&app, t, id, json!({"mapping": mapping}))
        .await
        .expect(202);
    let again = settled(&app, t, id).await;
    assert_eq!(
        (again["unchanged"].clone(), again["created"].clone()),
        (json!(1), json!(0)),
        "{again}"
    );
}
