//! The query-parameter constraints the served OpenAPI document states are
//! the ones the server enforces: every documented `limit` bound is accepted
//! and one past it refused, every documented `sort` value is accepted and an
//! undocumented one refused, every documented integer range holds at its ends.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::Value;

both!(documented_query_ranges_and_sort_values_are_the_enforced_ones);

/// The GET operations whose every required parameter is absent or in the
/// path (filled with a real id when the path names a customer).
fn plain_gets(spec: &Value) -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        let Some(get) = item.get("get") else { continue };
        let params: Vec<Value> = get["parameters"].as_array().cloned().unwrap_or_default();
        let needs_more = params
            .iter()
            .any(|p| p["in"] == "query" && p["required"] == true);
        if !needs_more && !path.contains("/admin/") {
            out.push((path.clone(), params));
        }
    }
    out
}

async fn status(app: &TestApp, token: &str, url: &str) -> u16 {
    app.get(url).token(token).send().await.status.as_u16()
}

async fn documented_query_ranges_and_sort_values_are_the_enforced_ones(app: TestApp) {
    let w = World::create(&app);
    let customer = CustomerBuilder::new(w.ws, "甲").build(&app);
    let t = &w.admin.token;
    let spec = app.get("/api/openapi.json").send().await.body;
    let mut checked = 0;
    for (path, params) in plain_gets(&spec) {
        if path.contains('{') && !path.starts_with("/api/v1/customers/{id}") {
            continue;
        }
        let path = path.replace("{id}", &customer.to_string());
        for p in params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().unwrap_or_default();
            let schema = &p["schema"];
            let at = |value: &str| format!("{path}?{name}={value}");
            if let Some(values) = schema["enum"].as_array()
                && name == "sort"
            {
                for value in values.iter().filter_map(Value::as_str) {
                    let got = status(&app, t, &at(value)).await;
                    assert_eq!(got, 200, "{path} sort={value} is documented");
                }
                let got = status(&app, t, &at("not_a_field")).await;
                assert_eq!(got, 400, "{path} sort=not_a_field is not documented");
                checked += 1;
            }
            if schema["type"] == "integer" {
                for (bound, step) in [("minimum", -1), ("maximum", 1)] {
                    let Some(edge) = schema[bound].as_i64() else {
                        continue;
                    };
                    let inside = status(&app, t, &at(&edge.to_string())).await;
                    assert_ne!(inside, 400, "{path} {name}={edge} is documented");
                    let outside = status(&app, t, &at(&(edge + step).to_string())).await;
                    assert_eq!(outside, 400, "{path} {name}={} is not", edge + step);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 30, "only {checked} constraints checked");
}
