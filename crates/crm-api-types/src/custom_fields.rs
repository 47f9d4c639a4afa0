//! Custom field definitions.

use chrono::{DateTime, Utc};
use crm_domain::custom_field::{FieldEntity, FieldType};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomFieldDef {
    pub id: Uuid,
    pub entity: FieldEntity,
    /// The key under `custom_fields` on records.
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    /// Choices of select fields.
    pub options: Vec<String>,
    pub required: bool,
    pub position: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entity": "customer", "key": "vip_level", "label": "VIP 等级", "field_type": "single_select", "options": ["金卡", "银卡"], "required": false}))]
pub struct NewCustomFieldDef {
    pub entity: FieldEntity,
    #[schema(schema_with = crate::patterns::key)]
    pub key: String,
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub label: String,
    pub field_type: FieldType,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::options)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub position: i32,
}

/// Key, entity and type are fixed once created.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub label: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_options)]
    pub options: Option<Vec<String>>,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomFieldQuery {
    /// Only definitions of this entity.
    pub entity: Option<FieldEntity>,
}
