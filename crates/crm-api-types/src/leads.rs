//! Leads and their conversion into a customer, a contact and a deal.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::customer::Source;
use crm_domain::money::Money;
use crm_domain::sales::LeadStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Lead {
    pub id: Uuid,
    pub status: LeadStatus,
    pub source: Option<Source>,
    pub company_name: Option<String>,
    pub person_name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub note: Option<String>,
    pub external_id: Option<String>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub disqualified_reason: Option<String>,
    pub converted_customer_id: Option<Uuid>,
    pub converted_contact_id: Option<Uuid>,
    pub converted_deal_id: Option<Uuid>,
    pub converted_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "person_name": "王芳", "company_name": "苏州云帆贸易有限公司", "title": "采购经理",
    "phone": "13800138000", "source": "trade_show", "province_code": "320000", "city_code": "320500"
}))]
pub struct NewLead {
    #[schema(schema_with = crate::patterns::text::<100>)]
    pub person_name: String,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<200>)]
    pub company_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub title: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_phone)]
    pub phone: Option<String>,
    #[serde(default)]
    pub source: Option<Source>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub province_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub city_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub note: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<String>,
    /// Defaults to the caller.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
}

/// Merge patch. `status` may be new, working, qualified or disqualified
/// (with `disqualified_reason`); `converted` is reached by converting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "qualified"}))]
pub struct LeadPatch {
    #[serde(default)]
    pub status: Option<LeadStatus>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<100>)]
    pub person_name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<200>)]
    pub company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_phone)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Source>)]
    pub source: Option<Option<Source>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub province_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_region)]
    pub city_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub note: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_text::<100>)]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(schema_with = crate::patterns::optional_lines::<500>)]
    pub disqualified_reason: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `created_at` or `updated_at`; prefix `-` for descending. Default `-created_at`.
    #[param(schema_with = crate::patterns::lead_sort)]
    pub sort: Option<String>,
    /// Substring of name, company, e-mail or phone.
    pub q: Option<String>,
    pub status: Option<LeadStatus>,
    pub source: Option<Source>,
    pub owner_id: Option<Uuid>,
}

/// The deal a conversion opens.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversionDeal {
    /// Defaults to "{company or person} 商机".
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub name: Option<String>,
    pub amount: Money,
    #[serde(default)]
    pub pipeline_id: Option<Uuid>,
    #[serde(default)]
    pub stage_id: Option<Uuid>,
    #[serde(default)]
    pub expected_close_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"deal": {"amount": {"amount_minor": 5_000_000, "currency": "CNY"}}}))]
pub struct ConvertLead {
    /// Link the lead to this existing customer instead of creating one.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    /// Create a contact from the lead's person (default true; skipped when
    /// the new customer is the person).
    #[serde(default)]
    pub create_contact: Option<bool>,
    /// Open a deal for the customer.
    #[serde(default)]
    pub deal: Option<ConversionDeal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Conversion {
    pub lead: Lead,
    pub customer_id: Uuid,
    /// Whether the customer was created (false: linked to an existing one).
    pub customer_created: bool,
    pub contact_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
}
