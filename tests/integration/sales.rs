//! Products and orders: totals computed by the server, references by
//! external id, visibility of orders by owner and team, and the upgrade
//! that teaches stored built-in roles the new object types.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    products_are_a_shared_catalogue_written_by_admins,
    orders_compute_totals_and_resolve_references_by_external_id,
    orders_follow_customer_visibility_rules,
    order_lines_are_checked_field_by_field,
    stored_builtin_roles_learn_new_object_types,
);

async fn product(app: &TestApp, token: &str, sku: &str, price: i64) -> Value {
    app.post("/api/v1/products")
        .token(token)
        .json(&json!({
            "sku": sku, "name": format!("商品 {sku}"), "external_id": format!("MAT-{sku}"),
            "category": "茶叶", "price": {"amount_minor": price, "currency": "cny"}
        }))
        .send()
        .await
        .expect(201)
        .body
}

async fn products_are_a_shared_catalogue_written_by_admins(app: TestApp) {
    let w = World::create(&app);
    let p = product(&app, &w.admin.token, "TEA-1", 38_800).await;
    assert_eq!(
        p["price"],
        json!({"amount_minor": 38_800, "currency": "CNY"})
    );
    assert_eq!(p["active"], true);
    // A rep reads the catalogue but may not change it.
    let seen = app
        .get("/api/v1/products?q=tea")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(seen.body["items"].as_array().map(Vec::len), Some(1));
    app.post("/api/v1/products")
        .token(&w.rep1.token)
        .json(&json!({"sku": "X", "name": "x"}))
        .send()
        .await
        .expect(403);
    // SKUs are unique; errors name the field.
    let dup = app
        .post("/api/v1/products")
        .token(&w.admin.token)
        .json(&json!({"sku": "TEA-1", "name": "again"}))
        .send()
        .await
        .expect(409);
    assert_eq!(dup.errors(), ["sku"]);
    let bad = app
        .post("/api/v1/products")
        .token(&w.admin.token)
        .json(&json!({"sku": " ", "name": "n", "price": {"amount_minor": -1, "currency": "CNY"}}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["price", "sku"]);
    // Upsert by external id: 200 merge, then unchanged without a new version.
    let path = "/api/v1/products/by-external-id/MAT-TEA-1";
    let put = app
        .put(path)
        .token(&w.admin.token)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (put.body["active"].clone(), put.body["version"].clone()),
        (json!(false), json!(2))
    );
    let again = app
        .put(path)
        .token(&w.admin.token)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(200);
    assert_eq!(again.body["version"], 2);
    // Another workspace does not see it.
    let id = p["id"].as_str().unwrap_or_default();
    app.get(&format!("/api/v1/products/{id}"))
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
    app.delete(&format!("/api/v1/products/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    app.get(&format!("/api/v1/products/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);
}

async fn orders_compute_totals_and_resolve_references_by_external_id(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let tea = product(&app, t, "TEA-1", 38_800).await;
    product(&app, t, "CUP-1", 999).await;
    let customer = app
        .put("/api/v1/customers/by-external-id/ERP-1")
        .token(t)
        .json(&json!({"kind": "organization", "name": "杭州茶社", "owner_id": w.rep1.id}))
        .send()
        .await
        .expect(201)
        .id();
    let created = app
        .post("/api/v1/orders")
        .token(t)
        .header("idempotency-key", "order-1")
        .json(&json!({
            "customer_external_id": "ERP-1", "external_id": "SO-1", "order_date": "2026-11-20",
            "status": "paid", "currency": "CNY",
            "lines": [
                {"product_id": tea["id"], "quantity": 2, "discount_minor": 5_000},
                {"sku": "CUP-1", "quantity": 1.5},
                {"product_external_id": "MAT-TEA-1", "quantity": 0.125, "unit_price_minor": 40_000}
            ]
        }))
        .send()
        .await
        .expect(201);
    let o = &created.body;
    // 2 × 388.00 − 50.00; 1.5 × 9.99 = 14.985 → 14.99; 0.125 × 400.00 = 50.00
    let amounts: Vec<i64> = o["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["amount_minor"].as_i64())
        .collect();
    assert_eq!(amounts, [72_600, 1_499, 5_000]);
    assert_eq!(
        o["subtotal"],
        json!({"amount_minor": 84_099, "currency": "CNY"})
    );
    assert_eq!(o["discount"]["amount_minor"], 5_000);
    assert_eq!(o["total"]["amount_minor"], 79_099);
    assert_eq!(o["customer_id"], customer.to_string());
    assert_eq!(
        o["owner_id"],
        w.rep1.id.to_string(),
        "owner defaults to the customer's"
    );
    assert_eq!(o["team_id"], w.team_a.to_string());
    assert_eq!(o["lines"][1]["quantity"], 1.5);
    let id = created.id();

    // Patching the status keeps the lines; resending the same lines is no change.
    let patched = app
        .patch(&format!("/api/v1/orders/{id}"))
        .token(t)
        .header("if-match", "\"1\"")
        .json(&json!({"status": "shipped"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            patched.body["version"].clone(),
            patched.body["lines"].as_array().map(Vec::len)
        ),
        (json!(2), Some(3))
    );
    let put = app
        .put("/api/v1/orders/by-external-id/SO-1")
        .token(t)
        .json(&json!({"lines": [
            {"product_id": tea["id"], "quantity": 2, "discount_minor": 5_000},
            {"sku": "CUP-1", "quantity": 1.5},
            {"product_external_id": "MAT-TEA-1", "quantity": 0.125, "unit_price_minor": 40_000}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(put.body["version"], 2, "same lines: unchanged");
    let relined = app
        .put("/api/v1/orders/by-external-id/SO-1")
        .token(t)
        .json(&json!({"lines": [{"sku": "CUP-1", "quantity": 10}]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            relined.body["version"].clone(),
            relined.body["total"]["amount_minor"].clone()
        ),
        (json!(3), json!(9_990))
    );
    app.patch(&format!("/api/v1/orders/{id}"))
        .token(t)
        .header("if-match", "\"1\"")
        .json(&json!({"note": "x"}))
        .send()
        .await
        .expect(412);

    // The same Idempotency-Key replays the first answer.
    let replay = app
        .post("/api/v1/orders")
        .token(t)
        .header("idempotency-key", "order-1")
        .json(&json!({
            "customer_external_id": "ERP-1", "external_id": "SO-1", "order_date": "2026-11-20",
            "status": "paid", "currency": "CNY",
            "lines": [
                {"product_id": tea["id"], "quantity": 2, "discount_minor": 5_000},
                {"sku": "CUP-1", "quantity": 1.5},
                {"product_external_id": "MAT-TEA-1", "quantity": 0.125, "unit_price_minor": 40_000}
            ]
        }))
        .send()
        .await
        .expect(201);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.id(), id);

    let listed = app
        .get(&format!("/api/v1/orders?customer_id={customer}"))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    let feed = app
        .get("/api/v1/changes?entity=order")
        .token(t)
        .send()
        .await
        .expect(200);
    let ops: Vec<&str> = feed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["op"].as_str())
        .collect();
    assert_eq!(ops, ["create", "update", "update"]);
    assert_eq!(
        feed.body["items"][2]["changed_fields"],
        json!(["discount_minor", "subtotal_minor", "total_minor", "lines"])
    );
    app.delete(&format!("/api/v1/orders/{id}"))
        .token(t)
        .send()
        .await
        .expect(204);
    app.get(&format!("/api/v1/orders/{id}"))
        .token(t)
        .send()
        .await
        .expect(404);
}

async fn orders_follow_customer_visibility_rules(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    product(&app, admin, "TEA-1", 1_000).await;
    let mine = CustomerBuilder::new(w.ws, "Rep1's")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "Rep3's")
        .owner(&w.rep3)
        .build(&app);
    let order = |customer: uuid::Uuid, ext: &str| {
        json!({
            "customer_id": customer, "external_id": ext, "order_date": "2026-01-02", "currency": "CNY",
            "lines": [{"sku": "TEA-1", "quantity": 1}]
        })
    };
    let rep1_order = app
        .post("/api/v1/orders")
        .token(&w.rep1.token)
        .json(&order(mine, "A"))
        .send()
        .await
        .expect(201)
        .id();
    // A rep cannot order for a customer they cannot see.
    let hidden = app
        .post("/api/v1/orders")
        .token(&w.rep1.token)
        .json(&order(theirs, "B"))
        .send()
        .await
        .expect(422);
    assert_eq!(hidden.errors(), ["customer_id"]);
    let rep3_order = app
        .post("/api/v1/orders")
        .token(admin)
        .json(&order(theirs, "C"))
        .send()
        .await
        .expect(201)
        .id();
    for (who, order, status) in [
        (&w.rep1.token, rep1_order, 200),
        (&w.rep1.token, rep3_order, 404),
        (&w.rep2.token, rep1_order, 404),
        (&w.manager1.token, rep1_order, 200),
        (&w.manager2.token, rep1_order, 404),
        (&w.viewer.token, rep3_order, 200),
        (&w.other_admin.token, rep1_order, 404),
    ] {
        app.get(&format!("/api/v1/orders/{order}"))
            .token(who)
            .send()
            .await
            .expect(status);
    }
    app.patch(&format!("/api/v1/orders/{rep3_order}"))
        .token(&w.rep1.token)
        .json(&json!({"note": "x"}))
        .send()
        .await
        .expect(404);
    app.patch(&format!("/api/v1/orders/{rep1_order}"))
        .token(&w.viewer.token)
        .json(&json!({"note": "x"}))
        .send()
        .await
        .expect(403);
    let listed = app
        .get("/api/v1/orders")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    let ids: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, [rep1_order.to_string()]);
    let feed = app
        .get("/api/v1/changes?entity=order")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        feed.body["items"].as_array().map(Vec::len),
        Some(1),
        "the feed hides others' orders"
    );
    // An upsert of a hidden order by its external id is a 404, not a duplicate.
    app.put("/api/v1/orders/by-external-id/C")
        .token(&w.rep1.token)
        .json(&json!({"note": "x"}))
        .send()
        .await
        .expect(404);
}

async fn order_lines_are_checked_field_by_field(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    product(&app, t, "TEA-1", 1_000).await;
    let c = CustomerBuilder::new(w.ws, "C").owner(&w.rep1).build(&app);
    let bad = app
        .post("/api/v1/orders")
        .token(t)
        .json(&json!({
            "customer_id": c, "order_date": "2026-01-02", "currency": "USD",
            "lines": [
                {"sku": "TEA-1", "quantity": 1},
                {"sku": "NOPE", "quantity": 0.0001},
                {"sku": "TEA-1", "product_id": "0190c0de-0000-7000-8000-000000000000", "quantity": 1},
                {"sku": "TEA-1", "quantity": 1, "unit_price_minor": 100, "discount_minor": 101}
            ]
        }))
        .send()
        .await
        .expect(422);
    assert_eq!(
        bad.errors(),
        [
            "lines[0].unit_price_minor",
            "lines[1].quantity",
            "lines[1].sku",
            "lines[2].product_id",
            "lines[3].discount_minor"
        ]
    );
    let missing = app
        .post("/api/v1/orders")
        .token(t)
        .json(&json!({"order_date": "2026-01-02", "currency": "CNY", "lines": []}))
        .send()
        .await
        .expect(422);
    assert_eq!(missing.errors(), ["customer_id", "lines"]);
    let count = app.get("/api/v1/orders").token(t).send().await.expect(200);
    assert_eq!(count.body["items"], json!([]), "nothing half-written");
}

async fn stored_builtin_roles_learn_new_object_types(app: TestApp) {
    let w = World::create(&app);
    // A sales role as stored before products and orders existed.
    let mut conn = app.conn();
    let sales = w.role("sales");
    let mut old = crm_domain::access::BuiltinRole::Sales.permissions();
    old.0.remove(&crm_domain::access::ObjectType::Orders);
    old.0.remove(&crm_domain::access::ObjectType::Products);
    let row = crm_db::roles::find(&mut conn, w.ws, sales).expect("role");
    let changes = crm_db::roles::RoleChanges {
        name: row.name.clone(),
        permissions: old,
    };
    crm_db::roles::update(&mut conn, w.ws, sales, row.version, &changes).expect("store");
    app.get("/api/v1/orders")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);
    assert_eq!(
        crm_db::roles::learn_new_objects(&mut conn).expect("upgrade"),
        1
    );
    app.get("/api/v1/orders")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    app.get("/api/v1/products")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        crm_db::roles::learn_new_objects(&mut conn).expect("again"),
        0
    );
}
