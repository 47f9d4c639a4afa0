//! Activities and the customer timeline.

use chrono::{DateTime, Utc};
use crm_domain::money::Money;
use crm_domain::sales::{ActivityKind, OrderStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::changes::ChangeOp;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub id: Uuid,
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    /// When it happened (calls, meetings, e-mails, notes) or was logged.
    pub occurred_at: DateTime<Utc>,
    /// Tasks: when it is due.
    pub due_at: Option<DateTime<Utc>>,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
    /// The assignee.
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Link an activity to at least one of customer, contact, lead or deal
/// (a contact or deal implies its customer).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "call", "subject": "回访：确认报价", "customer_id": "0190c0de-0000-7000-8000-000000000001"}))]
pub struct NewActivity {
    pub kind: ActivityKind,
    #[schema(schema_with = crate::patterns::text::<200>)]
    pub subject: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<5000>)]
    pub body: Option<String>,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    #[serde(default)]
    pub lead_id: Option<Uuid>,
    #[serde(default)]
    pub deal_id: Option<Uuid>,
    /// Default now.
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub done: Option<bool>,
    /// The assignee; defaults to the caller.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
}

/// Merge patch; `done: true` stamps `done_at`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"done": true}))]
pub struct ActivityPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<5000>)]
    pub body: Option<Option<String>>,
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>, pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub due_at: Option<Option<DateTime<Utc>>>,
    #[serde(default)]
    pub done: Option<bool>,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub kind: Option<ActivityKind>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub done: Option<bool>,
    /// Tasks due before this instant (with `done=false`: overdue).
    pub due_before: Option<DateTime<Utc>>,
}

/// One entry of a customer's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineEntry {
    Activity {
        at: DateTime<Utc>,
        activity: Activity,
    },
    StageChange {
        at: DateTime<Utc>,
        deal_id: Uuid,
        deal_name: String,
        from_stage_id: Option<Uuid>,
        to_stage_id: Uuid,
        actor_id: Option<Uuid>,
    },
    Order {
        /// The order date, at midnight UTC.
        at: DateTime<Utc>,
        order_id: Uuid,
        external_id: Option<String>,
        status: OrderStatus,
        total: Money,
    },
    FieldChange {
        at: DateTime<Utc>,
        op: ChangeOp,
        changed_fields: Vec<String>,
        actor_id: Option<Uuid>,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// 1–200, default 25.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
