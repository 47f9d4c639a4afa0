//! Scheduled deliveries (定时发送): a saved report or dashboard e-mailed
//! daily, weekly or monthly to workspace users, each receiving the rows
//! they may read, as a table in the mail and a CSV or XLSX attachment.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crm_domain::deliveries::{DeliveryFormat, Frequency, Schedule};

/// A saved delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub name: String,
    /// The saved report it sends, or
    pub report_id: Option<Uuid>,
    /// the saved dashboard (every widget a table).
    pub dashboard_id: Option<Uuid>,
    pub schedule: Schedule,
    pub format: DeliveryFormat,
    /// The users it goes to (each gets their own rows).
    pub recipients: Vec<Uuid>,
    /// An inactive delivery keeps its settings and sends nothing.
    pub active: bool,
    /// When it goes out next (null while inactive).
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub owner_id: Option<Uuid>,
    /// Whether the caller may change and delete it.
    pub editable: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "每周一销售业绩",
    "report_id": "0190a0b1-0000-7000-8000-000000000001",
    "schedule": {"frequency": "weekly", "hour": 8, "weekday": 1},
    "format": "xlsx",
    "recipients": ["0190a0b1-0000-7000-8000-000000000002"]
}))]
pub struct NewDelivery {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    /// A saved report the caller sees; give exactly one of `report_id`
    /// and `dashboard_id`. Sent to anyone but its saver, it must be shared.
    #[serde(default)]
    pub report_id: Option<Uuid>,
    #[serde(default)]
    pub dashboard_id: Option<Uuid>,
    pub schedule: Schedule,
    #[serde(default = "xlsx")]
    pub format: DeliveryFormat,
    /// Active users of the workspace.
    #[schema(min_items = 1, max_items = 50)]
    pub recipients: Vec<Uuid>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn xlsx() -> DeliveryFormat {
    DeliveryFormat::Xlsx
}

fn yes() -> bool {
    true
}

/// Fields to change; absent fields stay. What it sends stays too: save
/// another delivery for another report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub name: Option<String>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub format: Option<DeliveryFormat>,
    #[serde(default)]
    #[schema(min_items = 1, max_items = 50)]
    pub recipients: Option<Vec<Uuid>>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// What "send now" queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliverySent {
    /// One mail per recipient (skipped at sending when it would be empty).
    pub queued: usize,
}

/// `GET /deliveries` filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only the deliveries of this saved report or dashboard.
    pub of: Option<Uuid>,
}
