//! Reports of revenue orders read from the order rollups (issue 19,
//! `crm_db::rollups::orders`): counted or summed, by month and owner, by
//! team or in one figure, they answer exactly what the same report read
//! from the orders answers, for every viewer's scope, and they follow the
//! rows: with the rows' revenue doubled behind the server's back, they
//! double, while a report with a filter the rows lack still reads the
//! orders.

use crm_tests::fixtures::Person;
use crm_tests::{TestApp, both};
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::analytics::today;
use crate::sales_rollups::world_with_orders;

both!(revenue_reports_answer_from_the_order_rollups_as_from_the_orders);

/// The rows of `spec` run as `who`.
async fn run(app: &TestApp, who: &Person, spec: &Value) -> Value {
    crate::reports::run(app, who, spec).await["rows"].clone()
}

/// `spec` with a filter the rollups do not keep (every order's total is at
/// least 0, so it selects the same orders): it reads the orders.
fn from_orders(spec: &Value) -> Value {
    let mut spec = spec.clone();
    if let Some(filters) = spec["filters"].as_array_mut() {
        filters.push(json!({"field": "total_minor", "op": "gte", "value": "0"}));
    }
    spec
}

async fn revenue_reports_answer_from_the_order_rollups_as_from_the_orders(app: TestApp) {
    let (w, _, orders) = world_with_orders(&app).await;
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
    diesel::sql_query("UPDATE order_rollups SET revenue_minor = revenue_minor * 2")
        .execute(&mut *app.conn())
        .expect("tamper");
    for (spec, before) in [(&specs[0], &sums[0]), (&specs[2], &sums[2])] {
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
