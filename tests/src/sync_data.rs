//! Deterministic ERP-style records for the sync scenario test and the
//! batch benchmark: customers keyed `CUST-nnnnn`, orders `SO-nnnnnn` with
//! two lines on 50 products `SKU-n`. `round` 2 really changes every 100th
//! record; any other round resends the same data.

use serde_json::{Value, json};

pub const PRODUCTS: usize = 50;

pub fn product(i: usize) -> Value {
    json!({
        "external_id": format!("MAT-{i}"), "sku": format!("SKU-{i}"), "name": format!("商品 {i}"),
        "price": {"amount_minor": 1_000 + i * 10, "currency": "CNY"}
    })
}

pub fn customer(i: usize, round: usize) -> Value {
    let industry = ["technology", "retail", "manufacturing"][i % 3];
    let name = if round == 2 && i.is_multiple_of(100) {
        format!("客户 {i} (更名)")
    } else {
        format!("客户 {i}")
    };
    json!({
        "external_id": format!("CUST-{i:05}"), "kind": if i.is_multiple_of(3) { "person" } else { "organization" },
        "name": name, "phone": format!("1380000{:04}", i % 10_000), "province_code": "440000", "city_code": "440300",
        "industry": industry
    })
}

/// Order `i` of a dataset with `customers` customers.
pub fn order(i: usize, customers: usize, round: usize) -> Value {
    let status = if round == 2 && i.is_multiple_of(100) {
        "completed"
    } else {
        "paid"
    };
    json!({
        "external_id": format!("SO-{i:06}"), "customer_external_id": format!("CUST-{:05}", i % customers),
        "order_date": format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28), "status": status, "currency": "CNY",
        "lines": [
            {"sku": format!("SKU-{}", i % PRODUCTS), "quantity": 1 + i % 4},
            {"sku": format!("SKU-{}", (i + 7) % PRODUCTS), "quantity": 0.5, "unit_price_minor": 1_999, "discount_minor": 100}
        ]
    })
}
