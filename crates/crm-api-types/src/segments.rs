//! Saved rule-based customer segments: a name and a set of customer-list
//! filters (fields and order metrics), all of which a member must meet.
//! Any endpoint that takes the customer filters takes `segment_id=` too:
//! the list and export give its members, `/analytics/portrait` its portrait.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::analytics::RfmSegment;
use crm_domain::customer::{CustomerKind, Industry, LifecycleStage, SizeBand, Source};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::customers::CustomerQuery;

/// The rules of a segment: every rule given must hold (AND). Values mean
/// what the customer list's query parameters of the same name mean.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region": "440000", "min_orders": 3, "last_order_from": "2026-06-01"}))]
pub struct SegmentRules {
    /// Case-insensitive substring of name, e-mail, phone or external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CustomerKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<Industry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_band: Option<SizeBand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_stage: Option<LifecycleStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// A country, province, city or district code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::patterns::nullable_region)]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rfm_segment: Option<RfmSegment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub min_orders: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub max_orders: Option<i32>,
    /// Base currency, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_revenue_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_revenue_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_order_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_order_to: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_to: Option<DateTime<Utc>>,
}

impl SegmentRules {
    /// The customer-list filters these rules are.
    pub fn customer_filters(&self) -> CustomerQuery {
        CustomerQuery {
            q: self.q.clone(),
            kind: self.kind,
            industry: self.industry,
            size_band: self.size_band,
            lifecycle_stage: self.lifecycle_stage,
            source: self.source,
            region: self.region.clone(),
            owner_id: self.owner_id,
            team_id: self.team_id,
            tag_id: self.tag_id,
            rfm_segment: self.rfm_segment,
            min_orders: self.min_orders,
            max_orders: self.max_orders,
            min_revenue_minor: self.min_revenue_minor,
            max_revenue_minor: self.max_revenue_minor,
            last_order_from: self.last_order_from,
            last_order_to: self.last_order_to,
            created_from: self.created_from,
            created_to: self.created_to,
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Segment {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub rules: SegmentRules,
    /// Members the caller may see; on `GET /segments/{id}` only (lists
    /// never count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<i64>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "广东复购客户", "rules": {"region": "440000", "min_orders": 3}}))]
pub struct NewSegment {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<1000>)]
    pub description: Option<String>,
    pub rules: SegmentRules,
}

/// Fields to change; absent fields stay. `rules` replaces the whole set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentPatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<1000>)]
    pub description: Option<Option<String>>,
    #[serde(default)]
    pub rules: Option<SegmentRules>,
}
