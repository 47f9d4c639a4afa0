//! Pipelines, their stages, deals, the stage history and the kanban board.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::forecast::{ForecastCategory, ForecastOverride};
use crm_domain::money::Money;
use crm_domain::sales::StageKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stage {
    pub id: Uuid,
    pub name: String,
    /// 0-based order on the board.
    pub position: i32,
    /// Default probability (%) of deals entering the stage.
    pub probability: i32,
    pub kind: StageKind,
    /// How its deals count in the forecast (a rep may override it per open deal).
    pub forecast_category: ForecastCategory,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Pipeline {
    pub id: Uuid,
    pub name: String,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStage {
    #[schema(schema_with = crate::patterns::text::<50>)]
    pub name: String,
    /// 0–100.
    #[schema(minimum = 0, maximum = 100)]
    pub probability: i32,
    pub kind: StageKind,
    /// Defaults from the kind and probability: won `closed`, lost `omitted`,
    /// open `commit` from 70 %, `best_case` from 40 %, else `pipeline`.
    /// `closed` is for won stages only, and a won or lost stage takes no other.
    #[serde(default)]
    pub forecast_category: Option<ForecastCategory>,
}

/// A stage added to an existing pipeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "商务谈判", "probability": 60, "kind": "open", "position": 3}))]
pub struct AddedStage {
    #[schema(schema_with = crate::patterns::text::<50>)]
    pub name: String,
    /// 0–100.
    #[schema(minimum = 0, maximum = 100)]
    pub probability: i32,
    pub kind: StageKind,
    /// Defaults from the kind and probability, as on a new pipeline.
    #[serde(default)]
    pub forecast_category: Option<ForecastCategory>,
    /// 0-based place on the board; the stages from there on move one right.
    /// Beyond the last it goes last. Absent: an open stage goes after the
    /// last open one, a won or lost stage last.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub position: Option<i32>,
}

/// Changes a stage: its name, its default probability (deals already on it
/// keep theirs), its forecast category or its place on the board. Absent
/// fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"probability": 60, "forecast_category": "best_case"}))]
pub struct StagePatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<50>)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub probability: Option<i32>,
    /// `closed` is for won stages only, and a won or lost stage takes no other.
    #[serde(default)]
    pub forecast_category: Option<ForecastCategory>,
    /// 0-based new place on the board; the stages between shift by one.
    /// Beyond the last it goes last.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "渠道销售", "stages": [
    {"name": "线索", "probability": 10, "kind": "open"},
    {"name": "签约", "probability": 100, "kind": "won"},
    {"name": "丢单", "probability": 0, "kind": "lost"}
]}))]
pub struct NewPipeline {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    /// 2–30 stages in board order, at least one `won` and one `lost`.
    #[schema(min_items = 2, max_items = 30)]
    pub stages: Vec<NewStage>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Deal {
    pub id: Uuid,
    pub pipeline_id: Uuid,
    pub stage_id: Uuid,
    pub customer_id: Uuid,
    pub external_id: Option<String>,
    pub name: String,
    pub amount: Money,
    /// Percent; the stage's default unless set.
    pub probability: i32,
    pub expected_close_date: Option<NaiveDate>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub lost_reason: Option<String>,
    /// When the deal reached a won or lost stage.
    pub closed_at: Option<DateTime<Utc>>,
    pub stage_changed_at: DateTime<Utc>,
    /// The owner's forecast category for this open deal; `null`: its stage's.
    /// Cleared when the deal is won or lost.
    pub forecast_category: Option<ForecastOverride>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new deal; `lost_reason` is required when the stage is a `lost` one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_external_id": "ERP-000123", "name": "2027 年度茶叶采购",
    "amount": {"amount_minor": 12_000_000, "currency": "CNY"}, "expected_close_date": "2027-01-15"
}))]
pub struct NewDeal {
    /// Defaults to the workspace's first pipeline.
    #[serde(default)]
    pub pipeline_id: Option<Uuid>,
    /// Defaults to the pipeline's first stage.
    #[serde(default)]
    pub stage_id: Option<Uuid>,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub customer_external_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<String>,
    #[schema(schema_with = crate::patterns::text::<200>)]
    pub name: String,
    pub amount: Money,
    /// Defaults to the stage's probability.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub probability: Option<i32>,
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub expected_close_date: Option<NaiveDate>,
    /// Defaults to the customer's owner.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// Required when the stage is a `lost` one.
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<500>)]
    pub lost_reason: Option<String>,
    /// Overrides the stage's forecast category; for a deal on an open stage only.
    #[serde(default)]
    pub forecast_category: Option<ForecastOverride>,
}

/// Merge patch. A new `stage_id` moves the deal (recorded in its history)
/// and resets `probability` to the stage's unless one is sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stage_id": "0190c0de-0000-7000-8000-000000000003"}))]
pub struct DealPatch {
    #[serde(default)]
    pub pipeline_id: Option<Uuid>,
    #[serde(default)]
    pub stage_id: Option<Uuid>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub name: Option<String>,
    #[serde(default)]
    pub amount: Option<Money>,
    /// `null` resets it to the stage's default.
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<i32>)]
    #[schema(minimum = 0, maximum = 100)]
    pub probability: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<NaiveDate>, pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub expected_close_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<500>)]
    pub lost_reason: Option<Option<String>>,
    /// Overrides the stage's forecast category while the deal is open;
    /// `null` goes back to the stage's.
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<ForecastOverride>)]
    pub forecast_category: Option<Option<ForecastOverride>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StageChange {
    pub from_stage_id: Option<Uuid>,
    pub to_stage_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Filters, sort and paging of `GET /api/v1/deals`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `created_at`, `updated_at` or `stage_changed_at`; prefix `-` for descending. Default `-created_at`.
    #[param(schema_with = crate::patterns::deal_sort)]
    pub sort: Option<String>,
    pub pipeline_id: Option<Uuid>,
    /// One kanban column: page it with `cursor`.
    pub stage_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub external_id: Option<String>,
}

/// A sum per currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageTotal {
    pub currency: String,
    pub amount_minor: i64,
    /// Σ amount × probability / 100.
    pub weighted_minor: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KanbanColumn {
    pub stage: Stage,
    /// Deals in the stage the caller may see.
    pub count: i64,
    /// Per currency (deals in several currencies are not converted).
    pub totals: Vec<StageTotal>,
    /// The first page, most recently moved first.
    pub deals: Vec<Deal>,
    /// For `GET /api/v1/deals?stage_id=…&sort=-stage_changed_at&cursor=…`.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Kanban {
    pub pipeline: Pipeline,
    pub columns: Vec<KanbanColumn>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KanbanQuery {
    /// Deals per column on the first page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Only this owner's deals.
    pub owner_id: Option<Uuid>,
}

/// The products on a deal (报价明细) and the deal they total: lines of the
/// same shape as an order's. While a deal has lines its amount is their
/// total in the deal's currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealLines {
    pub deal: Deal,
    pub lines: Vec<crate::orders::OrderLine>,
}

/// Replaces a deal's lines; an empty list removes them (the amount stays).
/// A line's unit price defaults to the product's list price when that is
/// in the deal's currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lines": [{"sku": "TEA-1", "quantity": 10, "unit_price_minor": 12_000, "discount_minor": 5_000}]}))]
pub struct DealLinesInput {
    /// 0–500 lines.
    #[schema(max_items = 500)]
    pub lines: Vec<crate::orders::NewOrderLine>,
}
