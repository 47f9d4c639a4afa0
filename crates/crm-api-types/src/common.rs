//! Shapes every endpoint shares: pages, problems, health.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One page of a keyset-paginated list. Pass `next_cursor` back as
/// `?cursor=` for the next page; it is `null` on the last page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// RFC 9457 problem details, sent as `application/problem+json` for every error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "https://crm.example/problems/validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "2 fields are invalid",
    "instance": "/api/v1/customers",
    "request_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11",
    "errors": {"email": ["is not a valid e-mail address"], "phone": ["must be an E.164 number (+8613800138000) or a Chinese mobile number (13800138000)"]}
}))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Quote it when reporting a problem; the server log has the details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Messages per field (`email`, `custom_fields.tier`, `address.city_code`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"status": "ok", "backend": "postgres", "version": "0.1.0"}))]
pub struct Health {
    /// `ok` when the database answered.
    pub status: String,
    /// `postgres` or `sqlite`.
    pub backend: String,
    pub version: String,
}
