//! Service tickets (工单), their replies and notes, and the service desk's
//! settings (the settings' types are the domain's own).

use chrono::{DateTime, Utc};
use crm_domain::service::{Channel, SlaState, TicketPriority, TicketQueue, TicketStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::tags::TagRef;

pub use crm_domain::service::{
    AssignMethod, AssignmentRule, BusinessCalendar, ServiceSettings, SlaPolicy, SlaTarget,
    TicketType, WeekHours, WorkPeriod,
};

/// A ticket with the state of its two SLA clocks at the time of reading.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    pub id: Uuid,
    /// The workspace's running number (#1, #2 …).
    pub number: i64,
    pub customer_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub subject: String,
    pub description: Option<String>,
    /// A key of the workspace's ticket types (`GET /service/settings`).
    pub ticket_type: String,
    pub priority: TicketPriority,
    pub channel: Channel,
    pub status: TicketStatus,
    pub assignee_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// The assignment rule that routed the ticket to its team, by name.
    pub assignment_rule: Option<String>,
    pub external_id: Option<String>,
    /// When the first public reply is due (business time of the workspace's calendar).
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub first_response_state: Option<SlaState>,
    /// When resolution is due; moves later by the working time spent `pending`.
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub resolution_state: Option<SlaState>,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The ticket's tags, by name.
    pub tags: Vec<TagRef>,
    /// Values of the workspace's ticket custom fields, by key.
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_id": "0193f3c2-8f5e-7d2a-9c1e-3b6a4f0e2d11", "subject": "收到的货物有破损",
    "ticket_type": "return", "priority": "high", "channel": "phone"
}))]
pub struct NewTicket {
    /// The customer: give `customer_id` or `customer_external_id`, exactly one.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    /// The customer's own external id (an ERP's or call centre's key).
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub customer_external_id: Option<String>,
    /// A contact of that customer.
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    #[schema(schema_with = crate::patterns::text::<200>)]
    pub subject: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<5000>)]
    pub description: Option<String>,
    /// A key of the workspace's ticket types.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    pub ticket_type: String,
    /// Default `normal`.
    #[serde(default)]
    pub priority: Option<TicketPriority>,
    /// Default `api`.
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    #[serde(default)]
    pub team_id: Option<Uuid>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<String>,
    /// Tags of the workspace (`GET /tags`).
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    /// Values of the workspace's ticket custom fields (`GET /custom-fields?entity=ticket`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: Map<String, Value>,
}

/// Merge patch. `status` moves: not back to `new`; `resolved` and
/// `closed` tickets reopen to `open`; a closed ticket cannot be resolved
/// or set pending again without reopening.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "pending"}))]
pub struct TicketPatch {
    #[serde(default)]
    pub status: Option<TicketStatus>,
    #[serde(default)]
    pub priority: Option<TicketPriority>,
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    pub ticket_type: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<5000>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub contact_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub team_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<Option<String>>,
    /// Replaces the set of tags.
    #[serde(default)]
    pub tag_ids: Option<Vec<Uuid>>,
    /// Merges key by key; `null` removes a key.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `created_at`, `updated_at` or `resolution_due_at`; prefix `-` for
    /// descending. Default `-created_at`.
    #[param(schema_with = crate::patterns::ticket_sort)]
    pub sort: Option<String>,
    /// Substring of the subject or external id.
    pub q: Option<String>,
    #[param(inline)]
    pub queue: Option<TicketQueue>,
    pub status: Option<TicketStatus>,
    pub priority: Option<TicketPriority>,
    pub channel: Option<Channel>,
    #[param(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    pub ticket_type: Option<String>,
    pub customer_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// Tickets carrying this tag.
    pub tag_id: Option<Uuid>,
}

/// A public reply to the customer, or an internal note.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reply {
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// An internal note, not shown to the customer.
    pub internal: bool,
    pub body: String,
    pub author_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Files sent with it.
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "您好，已为您安排换货，预计三天内送达。"}))]
pub struct NewReply {
    #[schema(schema_with = crate::patterns::lines::<5000>)]
    pub body: String,
    /// An internal note (default false). The first public reply meets the
    /// first-response target and opens a `new` ticket.
    #[serde(default)]
    pub internal: bool,
    /// Files uploaded to the ticket (`POST /tickets/{id}/attachments`) and
    /// not yet sent with a reply, to send with this one.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub attachment_ids: Vec<Uuid>,
}

/// A service agent's availability and capacity, with their load.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceAgent {
    pub user_id: Uuid,
    /// Only agents on duty are given tickets.
    pub on_duty: bool,
    /// The most active tickets (new, open, pending) the agent is given.
    pub capacity: i32,
    pub open_tickets: i64,
    /// When the agent was last given a ticket (round-robin order).
    pub last_assigned_at: Option<DateTime<Utc>>,
    /// Ticket type keys the agent handles: a team assigning `skill_based`
    /// gives them only tickets of these types.
    pub skills: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"on_duty": true, "capacity": 20}))]
pub struct AgentPatch {
    pub on_duty: bool,
    #[schema(minimum = 0, maximum = 1000)]
    pub capacity: i32,
    /// Ticket type keys of the workspace; absent: unchanged. Only a role
    /// that manages the service settings changes them.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub skills: Option<Vec<String>>,
}

/// A file attached to a ticket. Its bytes are at
/// `GET /tickets/{id}/attachments/{attachment_id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub file_name: String,
    /// The checked media type (one of those `POST /tickets/{id}/attachments` accepts).
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hexadecimal.
    pub sha256: String,
    pub uploaded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The reply it was sent with; `null`: the ticket's own file.
    pub reply_id: Option<Uuid>,
}

/// `POST /tickets/{id}/attachments` query: the body is the file itself.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttachmentUpload {
    /// The file's name as people will see it: 1–200 characters, no path,
    /// not starting with white space or a dot.
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\s./\\\u0000-\u001f\u007f-\u009f][^/\\\u0000-\u001f\u007f-\u009f]{0,199}$"
    )]
    pub file_name: String,
}
