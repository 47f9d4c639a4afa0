//! Contacts: people at an organisation customer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_primary: bool,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"customer_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11", "name": "王芳", "title": "采购经理", "email": "wang.fang@yunfan.example.cn", "phone": "13912345678", "is_primary": true}))]
pub struct NewContact {
    /// An organisation customer the caller can see.
    pub customer_id: Uuid,
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub department: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_phone)]
    pub phone: Option<String>,
    #[serde(default)]
    pub is_primary: bool,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    /// Names the customer by its external id instead of `customer_id`.
    #[serde(default)]
    pub customer_external_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub department: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_phone)]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    pub is_primary: Option<bool>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<Option<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `created_at`, `updated_at` or `name`; prefix `-` for descending. Default `-created_at`.
    #[param(schema_with = crate::patterns::contact_sort)]
    pub sort: Option<String>,
    pub q: Option<String>,
    pub customer_id: Option<Uuid>,
    pub updated_since: Option<DateTime<Utc>>,
}
