//! The sales rollups behind the distribution map's revenue, order and
//! average-order-value figures (`crm_db::rollups`) and the cohort rollups
//! behind the cohort matrix (`crm_db::rollups::cohorts`), the order
//! rollups behind the sales forecast (`crm_db::rollups::orders`) and the
//! product rollups behind revenue by product (`crm_db::rollups::products`):
//! every kind of order and customer write keeps them exactly what
//! recomputing them from the orders gives, and the map and the matrix
//! answer the same from them as from the orders.

use crm_tests::{TestApp, World, both};
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::analytics::{order, setup_product, today};

both!(
    every_write_keeps_the_sales_rollups_exact,
    the_map_answers_the_same_from_the_rollups_as_from_the_orders,
    the_cohorts_answer_the_same_from_the_rollups_as_from_the_orders,
    the_upkeep_of_every_write_is_prepared_once_per_connection,
);

#[derive(Debug, PartialEq, QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    revenue_minor: i64,
    #[diesel(sql_type = BigInt)]
    orders: i64,
}

/// Every rollup row that holds orders, as text.
fn rows(app: &TestApp) -> Vec<Row> {
    diesel::sql_query(
        "SELECT CAST(workspace_id AS TEXT) || ' ' || currency || ' ' || dimension || ' ' || \
         parent_code || ' ' || CAST(order_date AS TEXT) || ' ' || code || ' ' || \
         CAST(owner_id AS TEXT) || ' ' || CAST(team_id AS TEXT) AS key, \
         CAST(revenue_minor AS BIGINT) AS revenue_minor, CAST(orders AS BIGINT) AS orders \
         FROM sales_rollups WHERE orders <> 0 ORDER BY 1",
    )
    .load(&mut *app.conn())
    .expect("rollups")
}

/// Every order rollup row that holds orders, as text.
fn order_rows(app: &TestApp) -> Vec<Row> {
    diesel::sql_query(
        "SELECT CAST(workspace_id AS TEXT) || ' ' || currency || ' ' || \
         CAST(order_date AS TEXT) || ' ' || CAST(owner_id AS TEXT) || ' ' || \
         CAST(team_id AS TEXT) AS key, \
         CAST(revenue_minor AS BIGINT) AS revenue_minor, CAST(orders AS BIGINT) AS orders \
         FROM order_rollups WHERE orders <> 0 ORDER BY 1",
    )
    .load(&mut *app.conn())
    .expect("order rollups")
}

/// Every product rollup row that holds lines, as text (quantities in the
/// key, lines as `orders`).
fn product_rows(app: &TestApp) -> Vec<Row> {
    diesel::sql_query(
        "SELECT CAST(workspace_id AS TEXT) || ' ' || currency || ' ' || \
         CAST(order_date AS TEXT) || ' ' || CAST(product_id AS TEXT) || ' ' || \
         CAST(owner_id AS TEXT) || ' ' || CAST(team_id AS TEXT) || ' ' || \
         CAST(quantity_milli AS TEXT) AS key, \
         CAST(amount_minor AS BIGINT) AS revenue_minor, CAST(lines AS BIGINT) AS orders \
         FROM product_rollups WHERE lines <> 0 ORDER BY 1",
    )
    .load(&mut *app.conn())
    .expect("product rollups")
}

/// Every cohort rollup row that holds buyers, as text (buyers as `orders`).
fn cohort_rows(app: &TestApp) -> Vec<Row> {
    diesel::sql_query(
        "SELECT CAST(workspace_id AS TEXT) || ' ' || currency || ' ' || \
         CAST(cohort_month AS TEXT) || ' ' || CAST(order_month AS TEXT) || ' ' || \
         CAST(owner_id AS TEXT) || ' ' || CAST(team_id AS TEXT) AS key, \
         CAST(revenue_minor AS BIGINT) AS revenue_minor, CAST(buyers AS BIGINT) AS orders \
         FROM cohort_rollups WHERE buyers <> 0 ORDER BY 1",
    )
    .load(&mut *app.conn())
    .expect("cohort rollups")
}

/// The rollups as the writes left them equal the rollups recomputed from
/// the orders; answers how many sales rollup rows hold orders.
fn assert_exact(app: &TestApp, ws: Uuid, after: &str) -> usize {
    let (kept, cohorts, by_order) = (rows(app), cohort_rows(app), order_rows(app));
    let by_product = product_rows(app);
    crm_db::rollups::rebuild(&mut app.conn(), ws).expect("rebuild");
    assert_eq!(kept, rows(app), "after {after}");
    assert_eq!(cohorts, cohort_rows(app), "cohorts after {after}");
    assert!(!cohorts.is_empty(), "after {after}");
    assert_eq!(by_order, order_rows(app), "order rollups after {after}");
    assert!(!by_order.is_empty(), "after {after}");
    assert_eq!(
        by_product,
        product_rows(app),
        "product rollups after {after}"
    );
    assert!(!by_product.is_empty(), "after {after}");
    // The metrics rows carry their customer's owner, team, liveness and
    // values of the map's dimensions.
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let carried: String = crm_db::metrics::CARRIED
        .iter()
        .map(|column| format!(" OR m.{column} IS DISTINCT FROM c.{column}"))
        .collect();
    let stale: Vec<Count> = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM customer_metrics m \
         JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id \
         WHERE m.owner_id IS DISTINCT FROM c.owner_id OR m.team_id IS DISTINCT FROM c.team_id \
         OR m.live <> (c.deleted_at IS NULL){carried}"
    ))
    .load(&mut *app.conn())
    .expect("metrics");
    assert_eq!(stale.first().map(|c| c.n), Some(0), "metrics after {after}");
    kept.len()
}

pub(crate) async fn batch(app: &TestApp, token: &str, path: &str, records: Value) -> Value {
    let body = app
        .post(path)
        .token(token)
        .json(&json!({"mode": "upsert", "records": records}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(body["failed"], 0, "{body}");
    body
}

fn id_of(body: &Value, i: usize) -> Uuid {
    body["results"][i]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id")
}

/// Three customers of two reps and nobody, in two provinces, and orders of
/// every status and two currencies.
pub(crate) async fn world_with_orders(app: &TestApp) -> (World, [Uuid; 3], Vec<Value>) {
    let w = World::create(app);
    let t = &w.admin.token;
    setup_product(app, t).await;
    app.post("/api/v1/products")
        .token(t)
        .json(&json!({"sku": "Q", "name": "服务", "category": "服务",
                      "price": {"amount_minor": 300, "currency": "CNY"}}))
        .send()
        .await
        .expect(201);
    let created = batch(
        app,
        t,
        "/api/v1/customers/batch",
        json!([
            {"external_id": "K1", "kind": "organization", "name": "深圳一号", "owner_id": w.rep1.id,
             "industry": "retail", "source": "referral", "country_code": "CN",
             "province_code": "440000", "city_code": "440300"},
            {"external_id": "K2", "kind": "person", "name": "广州二号", "owner_id": w.rep3.id,
             "country_code": "CN", "province_code": "440000", "city_code": "440100"},
            {"external_id": "K3", "kind": "organization", "name": "北京三号",
             "industry": "finance", "country_code": "CN", "province_code": "110000",
             "city_code": "110100"}
        ]),
    )
    .await;
    let customers = [id_of(&created, 0), id_of(&created, 1), id_of(&created, 2)];
    let mut orders = Vec::new();
    for (customer, days_ago, total, status) in [
        (0, 3, 1_000, "paid"),
        (0, 40, 2_500, "draft"),
        (0, 400, 700, "completed"),
        (1, 3, 2_000, "shipped"),
        (1, 10, 300, "cancelled"),
        (2, 20, 5_000, "confirmed"),
    ] {
        orders.push(order(app, t, customers[customer], days_ago, total, status).await);
    }
    (w, customers, orders)
}

async fn every_write_keeps_the_sales_rollups_exact(app: TestApp) {
    let (w, customers, orders) = world_with_orders(&app).await;
    let t = &w.admin.token;
    // Nine dimensions for each of the four revenue orders' customer-days.
    assert_eq!(assert_exact(&app, w.ws, "creating orders"), 4 * 9);
    let path = |o: &Value| format!("/api/v1/orders/{}", o["id"].as_str().expect("id"));
    // A draft confirmed, an order moved to another day and another
    // customer, an order cancelled, an order in another currency, orders
    // given another owner and none (the order rollups' keys).
    for (o, change) in [
        (&orders[1], json!({"status": "paid"})),
        (&orders[1], json!({"owner_id": w.rep1.id})),
        (&orders[5], json!({"owner_id": null})),
        (
            &orders[0],
            json!({"order_date": today() - chrono::Duration::days(5), "customer_id": customers[2]}),
        ),
        (&orders[3], json!({"status": "refunded"})),
        (&orders[5], json!({"currency": "USD"})),
    ] {
        app.patch(&path(o))
            .token(t)
            .json(&change)
            .send()
            .await
            .expect(200);
        assert_exact(&app, w.ws, &format!("changing an order: {change}"));
    }
    app.delete(&path(&orders[2]))
        .token(t)
        .send()
        .await
        .expect(204);
    assert_exact(&app, w.ws, "deleting an order");
    // A customer moving province and owner takes its sales along.
    app.patch(&format!("/api/v1/customers/{}", customers[2]))
        .token(t)
        .json(
            &json!({"province_code": "440000", "city_code": "440300", "owner_id": w.rep1.id,
                      "industry": "education", "source": "website"}),
        )
        .send()
        .await
        .expect(200);
    assert_exact(&app, w.ws, "changing a customer");
    batch(
        &app,
        t,
        "/api/v1/customers/batch",
        json!([
            {"external_id": "K1", "kind": "person", "name": "深圳一号", "owner_id": w.rep3.id,
             "country_code": "CN", "province_code": "110000", "city_code": "110100"},
            {"external_id": "K4", "kind": "organization", "name": "新客户"}
        ]),
    )
    .await;
    assert_exact(&app, w.ws, "a customer batch");
    batch(
        &app,
        t,
        "/api/v1/orders/batch",
        json!([
            {"external_id": "B1", "customer_external_id": "K4", "order_date": today(),
             "currency": "CNY", "lines": [{"sku": "P", "quantity": 2, "unit_price_minor": 450}]},
            {"external_id": "B2", "customer_external_id": "K2", "order_date": today(),
             "currency": "CNY", "status": "paid",
             "lines": [{"sku": "P", "quantity": 1, "unit_price_minor": 90},
                       {"sku": "Q", "quantity": 4, "unit_price_minor": 300}]}
        ]),
    )
    .await;
    assert_exact(&app, w.ws, "an order batch creating orders");
    batch(
        &app,
        t,
        "/api/v1/orders/batch",
        json!([
            {"external_id": "B1", "customer_external_id": "K1", "order_date": today(),
             "currency": "CNY", "status": "completed",
             "lines": [{"sku": "Q", "quantity": 3, "unit_price_minor": 450},
                       {"sku": "P", "quantity": 1, "unit_price_minor": 20}]}
        ]),
    )
    .await;
    assert_exact(&app, w.ws, "an order batch changing an order");
    app.delete(&format!("/api/v1/customers/{}", customers[1]))
        .token(t)
        .send()
        .await
        .expect(204);
    let left = assert_exact(&app, w.ws, "deleting a customer");
    assert!(left > 0, "the other customers' sales stay");
}

async fn the_map_answers_the_same_from_the_rollups_as_from_the_orders(app: TestApp) {
    let (w, _, _) = world_with_orders(&app).await;
    let dimensions = [
        "dimension=region&level=country",
        "dimension=region",
        "dimension=region&level=city&parent=440000",
        "dimension=industry",
        "dimension=source",
        "dimension=kind",
        "dimension=owner",
        "dimension=team",
    ];
    let mut compared = 0;
    for token in [&w.admin.token, &w.manager1.token, &w.rep3.token] {
        for dimension in dimensions {
            for measure in ["revenue", "orders", "average_order_value"] {
                let query = format!(
                    "/api/v1/analytics/distribution?{dimension}&measure={measure}&compare=true"
                );
                let get = |path: String| {
                    let app = &app;
                    async move { app.get(&path).token(token).send().await.expect(200).body }
                };
                let rolled = get(query.clone()).await;
                // A filter that keeps everyone makes the map read the orders.
                let scanned = get(format!("{query}&max_orders=1000000")).await;
                assert_eq!(rolled["groups"], scanned["groups"], "{query}");
                assert_eq!(rolled["total"], scanned["total"], "{query}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 3 * 8 * 3);
    // The admin sees the paid, shipped and confirmed orders of the window.
    let body = app
        .get("/api/v1/analytics/distribution?dimension=region&measure=revenue")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(body["total"]["value"], 8_000.0);
    compare_filtered(&app, &w).await;
}

/// The map and the KPIs under one kept dimension's value read that
/// dimension's rollup rows: the same answers as from the orders, and, once
/// every rollup row's revenue is doubled behind the server's back, twice
/// them (what the orders answer stays), so the rollups are what answered.
/// Two dimensions at once still read the orders.
async fn compare_filtered(app: &TestApp, w: &World) {
    let map = "/api/v1/analytics/distribution?measure=revenue";
    let rolled = [
        format!("{map}&dimension=owner&industry=retail"),
        format!("{map}&dimension=team&kind=organization"),
        format!("{map}&dimension=industry&industry=finance"),
        format!("{map}&dimension=region&level=city&region=440000"),
        format!("{map}&dimension=region&region=CN"),
        "/api/v1/analytics/kpis?industry=retail".to_owned(),
    ];
    let scanned_only = format!("{map}&dimension=region&kind=person");
    let revenue = |body: &Value| {
        body["total"]["value"]
            .as_f64()
            .or(body["revenue_minor"].as_f64())
            .expect("a revenue")
    };
    let mut answers = Vec::new();
    for token in [&w.admin.token, &w.rep3.token] {
        for query in rolled.iter().chain([&scanned_only]) {
            let get = |path: String| async move {
                app.get(&path).token(token).send().await.expect(200).body
            };
            let from_rollups = get(query.clone()).await;
            let from_orders = get(format!("{query}&max_orders=1000000")).await;
            assert_eq!(from_rollups, from_orders, "{query}");
            answers.push((token, query, revenue(&from_orders)));
        }
    }
    assert!(
        answers.iter().any(|(_, _, r)| *r > 0.0),
        "some filtered revenue: {answers:?}"
    );
    diesel::sql_query("UPDATE sales_rollups SET revenue_minor = revenue_minor * 2")
        .execute(&mut *app.conn())
        .expect("doubled");
    for (token, query, before) in answers {
        let now = revenue(&app.get(query).token(token).send().await.expect(200).body);
        let expected = if *query == scanned_only {
            before
        } else {
            2.0 * before
        };
        assert_eq!(now, expected, "{query}");
    }
}

/// The cohort matrix from the rollups against the same matrix read from
/// the orders, for three roles and an owner filter; answers the buyers seen.
async fn compare_cohorts(app: &TestApp, w: &World) -> i64 {
    let queries = [
        "/api/v1/analytics/cohorts?months=24".to_owned(),
        "/api/v1/analytics/cohorts?months=3".to_owned(),
        format!("/api/v1/analytics/cohorts?months=24&owner_id={}", w.rep1.id),
    ];
    let mut buyers = 0;
    for token in [&w.admin.token, &w.manager1.token, &w.rep3.token] {
        for query in &queries {
            let rolled = app.get(query).token(token).send().await.expect(200).body;
            // A filter that keeps everyone makes the matrix read the orders.
            let scanned = app
                .get(&format!("{query}&max_orders=1000000"))
                .token(token)
                .send()
                .await
                .expect(200)
                .body;
            assert_eq!(rolled, scanned, "{query}");
            for cohort in rolled["cohorts"].as_array().into_iter().flatten() {
                buyers += cohort["customers"].as_i64().unwrap_or(0);
            }
        }
    }
    buyers
}

async fn the_cohorts_answer_the_same_from_the_rollups_as_from_the_orders(app: TestApp) {
    let (w, customers, orders) = world_with_orders(&app).await;
    assert!(
        compare_cohorts(&app, &w).await > 0,
        "the matrix holds buyers"
    );
    // The 400-day-old order makes its customer's cohort; deleting it moves
    // the customer to the cohort of its next order. A new owner moves a
    // customer's cells.
    let order = orders[2]["id"].as_str().expect("id");
    app.delete(&format!("/api/v1/orders/{order}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    app.patch(&format!("/api/v1/customers/{}", customers[1]))
        .token(&w.admin.token)
        .json(&json!({"owner_id": w.rep1.id}))
        .send()
        .await
        .expect(200);
    assert!(
        compare_cohorts(&app, &w).await > 0,
        "the matrix holds buyers"
    );
}

/// Every order and customer write takes its records' shares out of the
/// rollups and puts them back. Those statements are the same for every
/// write but the workspace and the ids: on PostgreSQL both are parameters,
/// so a connection prepares each statement once (one for taking out, one
/// for putting in) and reuses it, instead of parsing and planning the ids
/// inlined as literals on every write; a rebuild keeps none. The sums stay
/// exact either way.
async fn the_upkeep_of_every_write_is_prepared_once_per_connection(app: TestApp) {
    let (w, customers, orders) = world_with_orders(&app).await;
    let order_ids: Vec<Uuid> = orders
        .iter()
        .map(|o| o["id"].as_str().and_then(|s| s.parse().ok()).expect("id"))
        .collect();
    // A connection of its own: the pool's have prepared what the requests ran.
    let postgres = app.db.url().starts_with("postgres");
    let mut pooled = app.conn();
    let mut own = postgres.then(|| {
        <crm_db::AnyConnection as diesel::Connection>::establish(app.db.url()).expect("connect")
    });
    let conn: &mut crm_db::AnyConnection = match own.as_mut() {
        Some(c) => c,
        None => &mut pooled,
    };
    // Three rounds, each over other records: out, then back in.
    for round in 0..3 {
        let (some_orders, a_customer) = (&order_ids[round * 2..round * 2 + 2], [customers[round]]);
        crm_db::rollups::remove_orders(conn, w.ws, some_orders).expect("orders out");
        crm_db::rollups::add_orders(conn, w.ws, some_orders).expect("orders in");
        crm_db::rollups::remove_customers(conn, w.ws, &a_customer).expect("customer out");
        crm_db::rollups::add_customers(conn, w.ws, &a_customer).expect("customer in");
        crm_db::metrics::refresh_customers(conn, w.ws, &a_customer).expect("metrics");
    }
    // A rebuild's statements run once (one per month of orders): none is kept.
    crm_db::rollups::rebuild(conn, w.ws).expect("rebuild");
    if postgres {
        #[derive(QueryableByName)]
        struct Prepared {
            #[diesel(sql_type = Text)]
            statement: String,
        }
        let prepared: Vec<Prepared> =
            diesel::sql_query("SELECT statement FROM pg_prepared_statements")
                .load(conn)
                .expect("prepared statements");
        // Out and in, by order and by customer for the sales; out and in
        // for the cohorts; out and in of every count, and out of the
        // counts under a segment when the metrics are recomputed.
        for (table, expected) in [
            ("sales_rollups", 4),
            ("cohort_rollups", 2),
            ("customer_counts", 3),
            ("customer_metrics", 1),
        ] {
            let insert = format!("INSERT INTO {table} ");
            let n = prepared
                .iter()
                .filter(|p| p.statement.contains(&insert))
                .count();
            assert_eq!(n, expected, "statements writing {table}");
        }
    }
    drop((pooled, own));
    assert_exact(&app, w.ws, "the same records taken out and put back");
}
