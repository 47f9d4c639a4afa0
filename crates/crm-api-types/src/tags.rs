//! Static tags.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Tag {
    pub id: Uuid,
    pub name: String,
    /// `#rrggbb`
    pub color: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A tag as it appears on a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TagRef {
    pub id: Uuid,
    pub name: String,
    pub color: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "重点客户", "color": "#d4380d"}))]
pub struct NewTag {
    #[schema(schema_with = crate::patterns::text::<50>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::color)]
    pub color: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<50>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::color)]
    pub color: Option<Option<String>>,
}
