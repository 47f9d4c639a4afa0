//! Dashboards (仪表盘): a saved grid of report widgets with the filters
//! (period, owner, team, region) every widget starts with; the home
//! dashboard of each role; a widget's run under the viewer's filters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crm_domain::dashboards::{DashboardFilters, DashboardLayout, DashboardWidget};

/// A saved dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dashboard {
    pub id: Uuid,
    pub name: String,
    pub layout: DashboardLayout,
    /// Whether everyone in the workspace sees it (each widget runs as its
    /// viewer).
    pub shared: bool,
    /// Roles whose users see it too.
    pub share_roles: Vec<Uuid>,
    /// Teams whose members (and the members of the teams below) see it too.
    pub share_teams: Vec<Uuid>,
    /// The roles whose home dashboard this is.
    pub default_roles: Vec<Uuid>,
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
    "name": "华东销售看板",
    "layout": {
        "widgets": [
            {"key": "won", "standard": "won_this_month", "width": 4, "height": 1},
            {"key": "sales", "standard": "sales_by_rep_month", "width": 8, "height": 2}
        ],
        "filters": {"relative": "this_quarter"}
    },
    "shared": true
}))]
pub struct NewDashboard {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    #[serde(default, deserialize_with = "crm_domain::json::object")]
    pub layout: DashboardLayout,
    /// Everyone in the workspace sees it.
    #[serde(default)]
    pub shared: bool,
    /// Roles of this workspace whose users see it.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub share_roles: Vec<Uuid>,
    /// Teams of this workspace whose members (and the teams below) see it.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub share_teams: Vec<Uuid>,
    /// Roles whose home dashboard it becomes (administrators only; the
    /// dashboard must be shared with the workspace or with those roles).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub default_roles: Vec<Uuid>,
}

/// Fields to change; absent fields stay. `layout` replaces the whole grid.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DashboardPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub name: Option<String>,
    #[serde(default)]
    #[serde(deserialize_with = "crm_domain::json::optional_object")]
    pub layout: Option<DashboardLayout>,
    #[serde(default)]
    pub shared: Option<bool>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub share_roles: Option<Vec<Uuid>>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub share_teams: Option<Vec<Uuid>>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub default_roles: Option<Vec<Uuid>>,
}

/// The dashboard the caller lands on: the one an administrator made their
/// role's default, else the built-in one (`id` null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HomeDashboard {
    pub id: Option<Uuid>,
    pub name: String,
    pub layout: DashboardLayout,
}

/// One widget's report, to run under a dashboard's filters.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "standard": "sales_by_rep_month",
    "filters": {"relative": "this_year", "team": "0190a0b1-0000-7000-8000-000000000001"}
}))]
pub struct WidgetRun {
    /// A saved report the caller owns or that is shared.
    #[serde(default)]
    pub report_id: Option<Uuid>,
    /// Or a standard report's key.
    #[serde(default)]
    #[schema(example = "won_this_month", pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub standard: Option<String>,
    #[serde(default, deserialize_with = "crm_domain::json::object")]
    pub filters: DashboardFilters,
}
