//! Products: the catalogue orders pick from.

use chrono::{DateTime, Utc};
use crm_domain::money::Money;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: Uuid,
    /// Unique per workspace among live products.
    pub sku: String,
    pub name: String,
    /// Your system's key for this product; unique per workspace.
    pub external_id: Option<String>,
    pub category: Option<String>,
    /// Unit of sale (个, 箱, kg …).
    pub unit: Option<String>,
    /// List price; order lines default to it.
    pub price: Option<Money>,
    pub active: bool,
    pub description: Option<String>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "sku": "TEA-LJ-250", "name": "西湖龙井 250g", "external_id": "MAT-100234",
    "category": "茶叶", "unit": "盒", "price": {"amount_minor": 38_800, "currency": "CNY"}
}))]
pub struct NewProduct {
    #[schema(schema_with = crate::patterns::text::<64>)]
    pub sku: String,
    #[schema(schema_with = crate::patterns::text::<200>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub category: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<20>)]
    pub unit: Option<String>,
    #[serde(default)]
    pub price: Option<Money>,
    /// Default `true`.
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub description: Option<String>,
}

/// Merge patch: absent fields stay, `null` clears.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price": {"amount_minor": 36_800, "currency": "CNY"}, "active": false}))]
pub struct ProductPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<64>)]
    pub sku: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub category: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<20>)]
    pub unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Money>)]
    pub price: Option<Option<Money>>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub description: Option<Option<String>>,
}

/// Filters, sort and paging of `GET /api/v1/products`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// 1–200, default 25.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `created_at`, `updated_at`, `name` or `sku`; prefix `-` for descending. Default `-created_at`.
    #[param(schema_with = crate::patterns::product_sort)]
    pub sort: Option<String>,
    /// Case-insensitive substring of sku, name or external id.
    pub q: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    /// For sync: products updated at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}
