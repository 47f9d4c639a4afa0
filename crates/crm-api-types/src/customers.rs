//! Customers: organisations and people.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::analytics::RfmSegment;
use crm_domain::customer::{CustomerKind, Gender, Industry, LifecycleStage, SizeBand, Source};
use crm_domain::money::Money;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::analytics::CustomerMetrics;
use crate::tags::TagRef;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    pub id: Uuid,
    pub kind: CustomerKind,
    pub name: String,
    /// Your system's key for this customer; unique per workspace.
    pub external_id: Option<String>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub industry: Option<Industry>,
    pub size_band: Option<SizeBand>,
    pub employee_count: Option<i32>,
    pub annual_revenue: Option<Money>,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub website: Option<String>,
    pub country_code: Option<String>,
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub district_code: Option<String>,
    pub address: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub source: Option<Source>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub tags: Vec<TagRef>,
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    /// Order metrics, on reads of customers who have ordered (derived; not
    /// part of the version). The full profile is `GET /customers/{id}/profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<CustomerMetrics>,
    /// Send back in `If-Match` (or use the `ETag` header) to update safely.
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "organization", "name": "广州云帆科技有限公司", "external_id": "ERP-000123",
    "industry": "technology", "size_band": "medium", "email": "info@yunfan.example.cn",
    "phone": "13800138000", "country_code": "CN", "province_code": "440000", "city_code": "440100",
    "district_code": "440106", "lifecycle_stage": "customer", "source": "trade_show",
    "annual_revenue": {"amount_minor": 1_250_000_000, "currency": "CNY"}
}))]
pub struct NewCustomer {
    pub kind: CustomerKind,
    #[schema(schema_with = crate::patterns::text::<200>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<String>,
    /// Defaults to the caller.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// Defaults to the owner's team.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    #[serde(default)]
    pub industry: Option<Industry>,
    #[serde(default)]
    pub size_band: Option<SizeBand>,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub employee_count: Option<i32>,
    #[serde(default)]
    pub annual_revenue: Option<Money>,
    #[serde(default)]
    pub email: Option<String>,
    /// E.164 (`+8613800138000`) or a Chinese mobile number (`13800138000`).
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_phone)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<255>)]
    pub website: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub country_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub province_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub city_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub district_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<500>)]
    pub address: Option<String>,
    /// Persons only.
    #[serde(default)]
    pub gender: Option<Gender>,
    /// Persons only.
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub birth_date: Option<NaiveDate>,
    #[serde(default)]
    pub source: Option<Source>,
    #[serde(default)]
    pub lifecycle_stage: Option<LifecycleStage>,
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
}

/// Merge patch: absent fields stay, `null` clears. `custom_fields` merges
/// key by key (`null` removes a key); `tag_ids` replaces the set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lifecycle_stage": "customer", "phone": null, "custom_fields": {"vip_level": "金卡"}}))]
pub struct CustomerPatch {
    #[serde(default)]
    pub kind: Option<CustomerKind>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub team_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Industry>)]
    pub industry: Option<Option<Industry>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<SizeBand>)]
    pub size_band: Option<Option<SizeBand>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<i32>)]
    #[schema(minimum = 0)]
    pub employee_count: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Money>)]
    pub annual_revenue: Option<Option<Money>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_phone)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<255>)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub country_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub province_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub city_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub district_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<500>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Gender>)]
    pub gender: Option<Option<Gender>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<NaiveDate>, pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Source>)]
    pub source: Option<Option<Source>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<LifecycleStage>)]
    pub lifecycle_stage: Option<Option<LifecycleStage>>,
    #[serde(default)]
    pub tag_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
}

/// Filters, sort and paging of `GET /api/v1/customers`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// 1–200, default 25.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `created_at`, `updated_at`, `name`, or an order metric: `order_count`, `revenue`,
    /// `last_order_on` (customers without orders count 0 / none); prefix `-` for
    /// descending. Default `-created_at`.
    #[param(schema_with = crate::patterns::customer_sort)]
    pub sort: Option<String>,
    /// Case-insensitive substring of name, e-mail, phone or external id.
    pub q: Option<String>,
    pub kind: Option<CustomerKind>,
    pub industry: Option<Industry>,
    pub size_band: Option<SizeBand>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub source: Option<Source>,
    /// A country, province, city or district code: customers inside it.
    #[param(schema_with = crate::patterns::region)]
    pub region: Option<String>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub tag_id: Option<Uuid>,
    /// Buying customers in this RFM segment (see `/analytics/rfm`).
    pub rfm_segment: Option<RfmSegment>,
    /// Customers with at least this many orders.
    pub min_orders: Option<i32>,
    /// Customers with at most this many orders (no orders counts 0).
    pub max_orders: Option<i32>,
    /// Revenue at least this much (base currency, minor units).
    pub min_revenue_minor: Option<i64>,
    /// Revenue at most this much (no orders counts 0).
    pub max_revenue_minor: Option<i64>,
    /// Buyers whose last order is on or after this day.
    pub last_order_from: Option<NaiveDate>,
    /// Buyers whose last order is on or before this day.
    pub last_order_to: Option<NaiveDate>,
    /// Members of this saved segment (`/segments`), on top of the other filters.
    pub segment_id: Option<Uuid>,
    pub external_id: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
    /// For sync: records updated at or after this instant (same as `updated_from`).
    pub updated_since: Option<DateTime<Utc>>,
}
