//! The changes feed: what changed in the workspace, in commit order, for
//! incremental sync.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The record types the feed reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeEntity {
    Customer,
    Contact,
    Product,
    Order,
    Deal,
    Lead,
    Activity,
    Ticket,
    Article,
}

impl ChangeEntity {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeEntity::Customer => "customer",
            ChangeEntity::Contact => "contact",
            ChangeEntity::Product => "product",
            ChangeEntity::Order => "order",
            ChangeEntity::Deal => "deal",
            ChangeEntity::Lead => "lead",
            ChangeEntity::Activity => "activity",
            ChangeEntity::Ticket => "ticket",
            ChangeEntity::Article => "article",
        }
    }
}

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Create,
    Update,
    Delete,
}

/// One entry of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"seq": 42, "entity": "customer", "entity_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11", "op": "update", "changed_fields": ["phone", "lifecycle_stage"], "actor_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d12", "at": "2026-11-23T08:00:00Z"}))]
pub struct Change {
    /// Per-workspace sequence number, increasing in commit order.
    pub seq: i64,
    pub entity: ChangeEntity,
    pub entity_id: Uuid,
    pub op: ChangeOp,
    /// Top-level fields whose value changed (all set fields on create).
    pub changed_fields: Vec<String>,
    /// The user (or API key's user) who made the change.
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangesPage {
    pub items: Vec<Change>,
    /// Pass as `since` for the next page. It can be beyond the last item:
    /// entries for records the caller may not see are skipped, not gaps.
    pub next_since: i64,
    /// False once the reader has caught up.
    pub has_more: bool,
}

/// `GET /api/v1/changes` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Entries after this sequence number; 0 (the default) starts at the beginning.
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// Only this record type.
    pub entity: Option<ChangeEntity>,
    /// Entries examined per page, 1–1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}
