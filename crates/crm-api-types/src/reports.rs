//! Reports (报表): saved definitions (`crm_domain::reports::ReportSpec`:
//! object, up to two groupings, a measure, conditions, a period, a chart),
//! the standard reports every workspace starts with, and the answer of a
//! run — always computed over the records the caller may read, so the same
//! report shows a rep their own deals and the boss everyone's.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crm_domain::reports::{
    Aggregate, ChartKind, DateGrain, RelativePeriod, ReportCondition, ReportFieldKind,
    ReportGrouping, ReportMeasure, ReportObject, ReportOperator, ReportPeriod, ReportSpec,
};
/// The sharing rule, for clients that offer only who may see a definition.
pub use crm_domain::sharing::{Audience, Reader, TeamNode};

/// A saved report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub spec: ReportSpec,
    /// The folder it is filed in (none: unfiled).
    pub folder: Option<String>,
    /// Whether everyone in the workspace sees it (each runs it as themselves).
    pub shared: bool,
    /// Roles whose users see it too.
    pub share_roles: Vec<Uuid>,
    /// Teams whose members (and the members of the teams below) see it too.
    pub share_teams: Vec<Uuid>,
    /// Who saved it; they (and administrators) change and delete it.
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
    "name": "本季度赢单（按月、按销售）",
    "spec": {
        "object": "deals",
        "group_by": [{"field": "closed_at", "grain": "month"}, {"field": "owner"}],
        "measure": {"aggregate": "sum", "field": "amount_minor"},
        "filters": [{"field": "status", "op": "eq", "value": "won"}],
        "chart": "stacked_bar"
    }
}))]
pub struct NewReport {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<1000>)]
    pub description: Option<String>,
    pub spec: ReportSpec,
    /// A folder to file it in; blank or absent: none.
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<60>)]
    pub folder: Option<String>,
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
}

/// Fields to change; absent fields stay. `spec` replaces the whole definition.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<1000>)]
    pub description: Option<Option<String>>,
    #[serde(default)]
    pub spec: Option<ReportSpec>,
    /// `null` or blank takes it out of its folder.
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<60>)]
    pub folder: Option<Option<String>>,
    #[serde(default)]
    pub shared: Option<bool>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub share_roles: Option<Vec<Uuid>>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub share_teams: Option<Vec<Uuid>>,
}

/// A role a report or dashboard may be shared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShareRole {
    pub id: Uuid,
    #[schema(example = "sales_rep")]
    pub key: String,
    pub name: String,
}

/// A team a report or dashboard may be shared with (a share reaches the
/// teams below it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShareTeam {
    pub id: Uuid,
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// Its manager (a share reaches them too).
    pub manager_id: Option<Uuid>,
}

/// Whom a report or dashboard may be shared with: the workspace's roles
/// and teams, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShareTargets {
    pub roles: Vec<ShareRole>,
    pub teams: Vec<ShareTeam>,
}

/// A report shipped with every workspace, to run as it is or save as a copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StandardReport {
    #[schema(example = "sales_by_rep_month")]
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub spec: ReportSpec,
}

/// One field a report object offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportField {
    #[schema(example = "closed_at")]
    pub key: String,
    pub kind: ReportFieldKind,
}

/// The fields of one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportObjectFields {
    pub object: ReportObject,
    pub fields: Vec<ReportField>,
}

/// One group of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportRow {
    /// The group's key per grouping: the value, id, region code or the
    /// first day of a date's bucket; `null` for records without one.
    pub keys: Vec<Option<String>>,
    /// What to show for each key: a name for people, teams, stages,
    /// products and regions, `2026-03` / `2026-W11` / `2026-Q1` for date
    /// buckets, the value itself otherwise; `null` for none.
    pub labels: Vec<Option<String>>,
    /// The measure (money in minor units of `currency`); `null` when the
    /// group has no value to aggregate.
    pub value: Option<f64>,
    /// Records in the group.
    pub records: i64,
}

/// The answer of a run, over the records the caller may read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportData {
    pub spec: ReportSpec,
    /// The kind of each grouping's field.
    pub kinds: Vec<ReportFieldKind>,
    /// Set when the measure is money: only records in it are aggregated.
    pub currency: Option<String>,
    /// Ordered by the first grouping when it is a date, else by value,
    /// largest first.
    pub rows: Vec<ReportRow>,
    /// The measure over every counted record (a count or sum; for the
    /// average, minimum and maximum, over all records, not the groups).
    pub total: Option<f64>,
    pub records: i64,
    /// Whether groups beyond the first 500 were left out.
    pub truncated: bool,
    /// The days the period covered (a relative one resolved on the day of
    /// the run, in the workspace's time zone).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// For a number with a period: the same measure over the window just
    /// before (last month for this month, else as many days before).
    pub previous: Option<f64>,
    pub computed_at: DateTime<Utc>,
}
