//! Sign-in, token refresh, the current caller, and API keys.

use chrono::{DateTime, Utc};
use crm_domain::access::Permissions;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"workspace": "demo", "email": "admin@demo.test", "password": "demo-password"}))]
pub struct LoginRequest {
    /// Workspace slug; may be omitted when the server has exactly one workspace.
    #[serde(default)]
    pub workspace: Option<String>,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT (HS256) to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque; exchange it once at `/api/v1/auth/refresh`. Absent when the
    /// request asked for the token as the `crm_refresh` cookie
    /// (`X-Refresh-Cookie: 1`): then no script can read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// What the sign-in page needs to know before anyone has signed in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"workspace_required": false, "demo": true}))]
pub struct SignInOptions {
    /// False when the server has exactly one workspace (login may omit it).
    pub workspace_required: bool,
    /// True when the demo workspace exists: the page lists the demo logins.
    pub demo: bool,
}

/// The refresh token to spend or revoke. The body may be omitted (or the
/// field left out) when the token travels as the `crm_refresh` cookie.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserSummary {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleSummary {
    pub id: Uuid,
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TeamSummary {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceSummary {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// Who is calling and what they may do.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user: UserSummary,
    pub workspace: WorkspaceSummary,
    pub role: RoleSummary,
    pub team: Option<TeamSummary>,
    /// Every object and action with its scope.
    pub permissions: Permissions,
    /// `jwt` or `api_key`.
    pub auth: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "ERP sync", "role_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11"}))]
pub struct NewApiKey {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    /// The role whose permissions the key carries.
    pub role_id: Uuid,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    /// The public part of the key, shown to tell keys apart.
    pub prefix: String,
    pub role_id: Uuid,
    /// The user the key acts as (its creator): `own` scopes mean this user's records.
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Returned once, at creation: the secret is not stored and cannot be shown again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}
