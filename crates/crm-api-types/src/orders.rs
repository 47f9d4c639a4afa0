//! Orders: what a customer bought, with lines. The server computes every
//! amount; line prices are minor units of the order's currency.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::money::Money;
use crm_domain::sales::OrderStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// Your system's key for this order (the ERP's order number); unique per workspace.
    pub external_id: Option<String>,
    pub order_date: NaiveDate,
    pub status: OrderStatus,
    /// ISO 4217; every amount of the order is in it.
    pub currency: String,
    pub lines: Vec<OrderLine>,
    /// Sum of quantity × unit price over the lines.
    pub subtotal: Money,
    /// Sum of the lines' discounts.
    pub discount: Money,
    /// Subtotal less discount.
    pub total: Money,
    /// Defaults to the customer's owner when the order is created.
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub note: Option<String>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderLine {
    /// 1, 2, … in the order sent.
    pub line_no: i32,
    pub product_id: Uuid,
    /// Up to three decimals.
    pub quantity: f64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    /// quantity × unit price (rounded half up to the minor unit) − discount.
    pub amount_minor: i64,
}

/// A line to write. Name the product by exactly one of `product_id`,
/// `product_external_id` or `sku`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"product_external_id": "MAT-100234", "quantity": 2, "unit_price_minor": 38_800, "discount_minor": 5_000}))]
pub struct NewOrderLine {
    #[serde(default)]
    pub product_id: Option<Uuid>,
    #[serde(default)]
    pub product_external_id: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    /// Positive, up to three decimals.
    #[schema(exclusive_minimum = 0, maximum = 1_000_000_000)]
    pub quantity: f64,
    /// Minor units of the order's currency; defaults to the product's list
    /// price when that is in the order's currency.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub unit_price_minor: Option<i64>,
    /// Amount off this line, minor units; default 0.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub discount_minor: Option<i64>,
}

/// Name the customer by `customer_id` or `customer_external_id`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_external_id": "ERP-000123", "external_id": "SO-2026-004711",
    "order_date": "2026-11-20", "status": "paid", "currency": "CNY",
    "lines": [{"sku": "TEA-LJ-250", "quantity": 2, "unit_price_minor": 38_800}]
}))]
pub struct NewOrder {
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub customer_external_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<String>,
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub order_date: NaiveDate,
    /// Default `confirmed`.
    #[serde(default)]
    pub status: Option<OrderStatus>,
    #[schema(schema_with = crate::patterns::currency)]
    pub currency: String,
    /// 1–500 lines.
    #[schema(min_items = 1, max_items = 500)]
    pub lines: Vec<NewOrderLine>,
    /// Defaults to the customer's owner (and team).
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub note: Option<String>,
}

/// Merge patch: absent fields stay, `null` clears; `lines` replaces all lines.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "shipped"}))]
pub struct OrderPatch {
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub customer_external_id: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<Option<String>>,
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub order_date: Option<NaiveDate>,
    #[serde(default)]
    pub status: Option<OrderStatus>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_currency)]
    pub currency: Option<String>,
    #[serde(default)]
    #[schema(min_items = 1, max_items = 500)]
    pub lines: Option<Vec<NewOrderLine>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub note: Option<Option<String>>,
}

/// Filters, sort and paging of `GET /api/v1/orders`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// 1–200, default 25.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `order_date`, `created_at` or `updated_at`; prefix `-` for descending. Default `-order_date`.
    #[param(schema_with = crate::patterns::order_sort)]
    pub sort: Option<String>,
    pub customer_id: Option<Uuid>,
    pub status: Option<OrderStatus>,
    pub owner_id: Option<Uuid>,
    pub external_id: Option<String>,
    /// Orders dated on or after this day.
    pub date_from: Option<NaiveDate>,
    /// Orders dated before this day.
    pub date_to: Option<NaiveDate>,
    /// For sync: orders updated at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}
