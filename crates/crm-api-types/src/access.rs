//! Users, teams and roles as the admin endpoints show and take them.

use chrono::{DateTime, Utc};
use crm_domain::access::Permissions;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role_id: Uuid,
    pub team_id: Option<Uuid>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "li.lei@example.cn", "display_name": "李雷", "password": "a-long-passphrase", "role_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11"}))]
pub struct NewUser {
    #[schema(format = Email)]
    pub email: String,
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub display_name: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 200)]
    pub password: String,
    pub role_id: Uuid,
    #[serde(default)]
    pub team_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub team_id: Option<Option<Uuid>>,
    /// `false` deactivates the user and revokes their sessions.
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    #[schema(min_length = 10, max_length = 200)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub manager_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "华南销售部", "parent_id": null, "manager_id": null}))]
pub struct NewTeam {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    #[serde(default)]
    pub manager_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub manager_id: Option<Option<Uuid>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Role {
    pub id: Uuid,
    /// Stable identifier (`admin`, `sales`, or an admin-chosen key).
    pub key: String,
    pub name: String,
    /// Built-in roles can be edited but not deleted.
    pub builtin: bool,
    pub permissions: Permissions,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// `^[a-z][a-z0-9_]{0,62}$`
    #[schema(schema_with = crate::patterns::key)]
    pub key: String,
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    pub permissions: Permissions,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub name: Option<String>,
    /// Replaces the whole permission set.
    #[serde(default)]
    pub permissions: Option<Permissions>,
}
