//! The audit view: a record's history of changes — who changed which field
//! from what to what, when, and through which channel. Answered as a
//! `Page<AuditEntry>`, newest first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::changes::{ChangeEntity, ChangeOp};

/// The way a change came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditChannel {
    /// A signed-in user, in the web app or with a session token.
    Web,
    /// An integration with an API key.
    ApiKey,
    /// A file import.
    Import,
    /// A background job.
    Job,
    /// The `crm` command line.
    Cli,
}

impl AuditChannel {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "web" => Self::Web,
            "api_key" => Self::ApiKey,
            "import" => Self::Import,
            "job" => Self::Job,
            "cli" => Self::Cli,
            _ => return None,
        })
    }
}

/// A field's value before and after the change (`null` before a create,
/// after a delete; a secret reads `"***"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    pub from: serde_json::Value,
    pub to: serde_json::Value,
}

/// One change of one record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"seq": 42, "entity": "customer", "entity_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11", "op": "update", "changed_fields": ["phone"], "actor_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d12", "actor_name": "李雷", "channel": "web", "values": {"phone": {"from": "+8613800000000", "to": "+8613900000000"}}, "at": "2026-11-23T08:00:00Z"}))]
pub struct AuditEntry {
    /// The change-log sequence number (the changes feed's `seq`).
    pub seq: i64,
    pub entity: ChangeEntity,
    pub entity_id: Uuid,
    pub op: ChangeOp,
    pub changed_fields: Vec<String>,
    /// Who made the change; `null` for the system (a job no user started, the command line).
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// `null` on entries written before channels were recorded.
    pub channel: Option<AuditChannel>,
    /// Each changed field's value before and after; `null` when the caller's
    /// role has no `audit` read grant over the record, or the entry predates
    /// value recording.
    pub values: Option<BTreeMap<String, FieldChange>>,
    pub at: DateTime<Utc>,
}

/// `GET /api/v1/audit` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this record type (required with `entity_id`).
    pub entity: Option<ChangeEntity>,
    /// Only this record's history; 404 when the caller cannot read it.
    pub entity_id: Option<Uuid>,
    /// Only changes made by this user.
    pub actor: Option<Uuid>,
    /// Only changes at or after this instant (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// The previous page's `next_cursor`. Entries the caller may not see
    /// are skipped, so a page can be short and still have a next one.
    pub cursor: Option<String>,
    /// Entries examined per page, 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}
