//! The region reference list.

use crm_domain::region::RegionLevel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": "440100", "level": "city", "parent_code": "440000", "country_code": "CN", "name_zh": "广州市", "name_en": "Guangzhou"}))]
pub struct Region {
    /// ISO 3166-1 alpha-2 for countries, GB/T 2260 six digits for Chinese divisions.
    pub code: String,
    pub level: RegionLevel,
    pub parent_code: Option<String>,
    pub country_code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Children of this region (`CN` → provinces, `440000` → cities of Guangdong).
    #[param(schema_with = crate::patterns::region)]
    pub parent: Option<String>,
    pub level: Option<RegionLevel>,
    /// 1–1000, default 1000 (reference data: one page holds any level).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
