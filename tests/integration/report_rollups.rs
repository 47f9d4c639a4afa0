//! Reports of revenue orders and their lines read from the order and
//! product rollups (issue 19, `crm_db::rollups::orders` and `products`):
//! counted or summed, by month and owner, by team, by product or category
//! or in one figure, they answer exactly what the same report read from the
//! records answers, for every viewer's scope, and they follow the rows:
//! with the rows' sums doubled behind the server's back, they double, while
//! a report with a filter the rows lack still reads the records. Reports
//! counting customers by a kept dimension, owner or team read the customer
//! counts (`crm_db::rollups::counts`) and answer the same as counting the
//! customers.

use crm_tests::fixtures::Person;
use crm_tests::{TestApp, both};
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::analytics::today;
use crate::sales_rollups::world_with_orders;

both!(revenue_reports_answer_from_the_order_rollups_as_from_the_orders);
both!(customer_reports_answer_from_the_counts_as_from_the_customers);

/// The rows of `spec` run as `who`.
async fn run(app: &TestApp, who: &Person, spec: &Value) -> Value {
    crate::reports::run(app, who, spec).await["rows"].clone()
}

/// `spec` with a filter the rollups do not keep (every order's total and
/// every line's amount is at least 0, so it selects the same records): it
/// reads the records.
fn from_orders(spec: &Value) -> Value {
    let mut spec = spec.clone();
    let field = if spec["object"] == "order_lines" {
        "amount_minor"
    } else {
        "total_minor"
    };
    if let Some(filters) = spec["filters"].as_array_mut() {
        filters.push(json!({"field": field, "op": "gte", "value": "0"}));
    }
    spec
}

async fn revenue_reports_answer_from_the_order_rollups_as_from_the_orders(app: TestApp) {
    let (w, customers, orders) = world_with_orders(&app).await;
    // Orders of their own owners and of none (the rows' keys).
    for (order, owner) in [(&orders[0], json!(w.rep2.id)), (&orders[5], Value::Null)] {
        let id = order["id"].as_str().expect("id");
        app.patch(&format!("/api/v1/orders/{id}"))
            .token(&w.admin.token)
            .json(&json!({"owner_id": owner}))
            .send()
            .await
            .expect(200);
    }
    // An order of two products (Q has a category), as rep1's.
    app.post("/api/v1/orders")
        .token(&w.admin.token)
        .json(
            &json!({"customer_id": customers[0], "order_date": today(), "status": "paid",
                      "currency": "CNY", "owner_id": w.rep1.id,
                      "lines": [{"sku": "P", "quantity": 2, "unit_price_minor": 150},
                                {"sku": "Q", "quantity": 3, "unit_price_minor": 300}]}),
        )
        .send()
        .await
        .expect(201);
    let revenue = json!([{"field": "revenue", "op": "eq", "value": "true"}]);
    let from = today() - chrono::Duration::days(500);
    let specs = [
        json!({"object": "orders",
               "group_by": [{"field": "order_date", "grain": "month"}, {"field": "owner"}],
               "measure": {"aggregate": "sum", "field": "total_minor"},
               "filters": revenue,
               "period": {"field": "order_date", "from": from, "to": today()},
               "chart": "stacked_bar"}),
        json!({"object": "orders", "group_by": [{"field": "team"}],
               "measure": {"aggregate": "count"}, "filters": revenue, "chart": "bar"}),
        json!({"object": "orders", "measure": {"aggregate": "sum", "field": "total_minor"},
               "filters": revenue, "chart": "number"}),
        // The built-in dashboard's revenue by product.
        json!({"object": "order_lines", "group_by": [{"field": "product"}],
               "measure": {"aggregate": "sum", "field": "amount_minor"},
               "filters": revenue, "chart": "bar"}),
        json!({"object": "order_lines",
               "group_by": [{"field": "product_category"}, {"field": "order_date", "grain": "week"}],
               "measure": {"aggregate": "sum", "field": "quantity_milli"},
               "filters": revenue,
               "period": {"field": "order_date", "from": from, "to": today()},
               "chart": "stacked_bar"}),
        json!({"object": "order_lines", "group_by": [{"field": "owner"}],
               "measure": {"aggregate": "count"}, "filters": revenue, "chart": "bar"}),
    ];
    let viewers = [&w.admin, &w.manager1, &w.rep1, &w.rep2, &w.rep3];
    let mut sums = Vec::new();
    for spec in &specs {
        for who in viewers {
            let kept = run(&app, who, spec).await;
            assert_eq!(
                kept,
                run(&app, who, &from_orders(spec)).await,
                "{spec} as {}",
                who.email
            );
            assert!(kept.as_array().is_some_and(|r| !r.is_empty()), "{spec}");
        }
        sums.push(run(&app, &w.admin, spec).await);
    }
    assert!(
        sums[0].as_array().is_some_and(|r| r.len() >= 3),
        "{}",
        sums[0]
    );
    assert!(
        sums[3].as_array().is_some_and(|r| r.len() == 2),
        "two products: {}",
        sums[3]
    );
    for tamper in [
        "UPDATE order_rollups SET revenue_minor = revenue_minor * 2",
        "UPDATE product_rollups SET amount_minor = amount_minor * 2",
    ] {
        diesel::sql_query(tamper)
            .execute(&mut *app.conn())
            .expect("tamper");
    }
    for (spec, before) in [
        (&specs[0], &sums[0]),
        (&specs[2], &sums[2]),
        (&specs[3], &sums[3]),
    ] {
        let after = run(&app, &w.admin, spec).await;
        let values = |rows: &Value| -> Vec<f64> {
            rows.as_array()
                .map(|r| r.iter().filter_map(|c| c["value"].as_f64()).collect())
                .unwrap_or_default()
        };
        let doubled: Vec<f64> = values(before).iter().map(|v| v * 2.0).collect();
        assert_eq!(values(&after), doubled, "{spec}");
        assert!(!doubled.is_empty());
        assert_eq!(
            &run(&app, &w.admin, &from_orders(spec)).await,
            before,
            "{spec}"
        );
    }
}

/// `spec` with a filter the counts do not keep (every customer was created
/// after 2000): it counts the customers.
fn from_customers(spec: &Value) -> Value {
    let mut spec = spec.clone();
    spec["filters"] = json!([{"field": "created_at", "op": "gte", "value": "2000-01-01"}]);
    spec
}

async fn customer_reports_answer_from_the_counts_as_from_the_customers(app: TestApp) {
    let (w, customers, _) = world_with_orders(&app).await;
    // A deleted customer is counted by neither.
    app.delete(&format!("/api/v1/customers/{}", customers[1]))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    let specs = [
        // The built-in dashboard's customers by province.
        json!({"object": "customers", "group_by": [{"field": "province"}],
               "measure": {"aggregate": "count"}, "filters": [], "chart": "bar"}),
        json!({"object": "customers", "group_by": [{"field": "team"}, {"field": "industry"}],
               "measure": {"aggregate": "count"}, "filters": [], "chart": "stacked_bar"}),
        json!({"object": "customers", "group_by": [{"field": "owner"}],
               "measure": {"aggregate": "count"}, "filters": [], "chart": "bar"}),
        json!({"object": "customers", "measure": {"aggregate": "count"}, "filters": [],
               "chart": "number"}),
    ];
    let viewers = [&w.admin, &w.manager1, &w.rep1, &w.rep2, &w.rep3];
    let mut counts = Vec::new();
    for spec in &specs {
        for who in viewers {
            let kept = run(&app, who, spec).await;
            assert_eq!(
                kept,
                run(&app, who, &from_customers(spec)).await,
                "{spec} as {}",
                who.email
            );
        }
        let all = run(&app, &w.admin, spec).await;
        assert!(all.as_array().is_some_and(|r| !r.is_empty()), "{spec}");
        counts.push(all);
    }
    // Two live customers: one in Guangdong, one in Beijing.
    assert_eq!(
        counts[3].as_array().map(|r| r[0]["value"].clone()),
        Some(json!(2.0)),
        "{}",
        counts[3]
    );
    diesel::sql_query("UPDATE customer_counts SET customers = customers * 2")
        .execute(&mut *app.conn())
        .expect("tamper");
    let after = run(&app, &w.admin, &specs[0]).await;
    let values = |rows: &Value| -> Vec<f64> {
        rows.as_array()
            .map(|r| r.iter().filter_map(|c| c["value"].as_f64()).collect())
            .unwrap_or_default()
    };
    let doubled: Vec<f64> = values(&counts[0]).iter().map(|v| v * 2.0).collect();
    assert_eq!(values(&after), doubled);
    assert_eq!(
        run(&app, &w.admin, &from_customers(&specs[0])).await,
        counts[0]
    );
}
