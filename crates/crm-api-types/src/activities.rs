//! Activities and the customer timeline.

use chrono::{DateTime, Utc};
use crm_domain::money::Money;
use crm_domain::sales::{ActivityKind, OrderStatus, Priority};
use crm_domain::service::{TicketPriority, TicketStatus};
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
    /// Open activities: when to remind the assignee.
    pub remind_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    /// Where a visit (or meeting) took place.
    pub location: Option<String>,
    /// What came of it.
    pub outcome: Option<String>,
    /// What happens next.
    pub next_step: Option<String>,
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
    /// When to remind the assignee of an open activity.
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub remind_at: Option<DateTime<Utc>>,
    /// Default `normal`.
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub location: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub outcome: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub next_step: Option<String>,
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
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>, pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub remind_at: Option<Option<DateTime<Utc>>>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub outcome: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub next_step: Option<Option<String>>,
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
    /// `occurred_at` or `due_at`; prefix `-` for descending. Default
    /// `-occurred_at`. Sorted by `due_at`, only activities with a due date are listed.
    #[param(schema_with = crate::patterns::activity_sort)]
    pub sort: Option<String>,
    pub kind: Option<ActivityKind>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub done: Option<bool>,
    /// Tasks due before this instant (with `done=false`: overdue).
    pub due_before: Option<DateTime<Utc>>,
    /// Tasks due at or after this instant.
    pub due_after: Option<DateTime<Utc>>,
    /// `true`: only activities with a due date; `false`: only those without.
    pub has_due: Option<bool>,
}

/// `GET /activities/reminders`: the caller's open activities that are due
/// (before `until`) or whose reminder time has come.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReminderQuery {
    /// The end of the caller's day (the client knows its time zone); default now.
    #[param(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub until: Option<DateTime<Utc>>,
}

/// The reminder count of the top bar and the list behind it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reminders {
    /// Open activities assigned to the caller whose due time has passed.
    pub overdue: i64,
    /// Open activities assigned to the caller due before `until` (overdue included)
    /// or whose reminder time has come.
    pub due: i64,
    /// The first 20 of them, soonest due first.
    pub items: Vec<Activity>,
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
    /// A ticket (工单) opened for the customer, at its opening, with its
    /// state now.
    Ticket {
        at: DateTime<Utc>,
        ticket_id: Uuid,
        /// The workspace's running number (#1, #2 …).
        number: i64,
        subject: String,
        /// A key of the workspace's ticket types.
        ticket_type: String,
        priority: TicketPriority,
        status: TicketStatus,
        assignee_id: Option<Uuid>,
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
