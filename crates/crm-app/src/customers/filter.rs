//! The customer filter every customer list, export, segment and analytics
//! run shares: the query as a database filter, and readied for a query
//! (the saved segment it names loaded, RFM segments fresh when selected by).

use crm_api_types::customers::CustomerQuery;
use crm_db::customers::{CustomerFilter, RegionMatch};
use crm_domain::region::RegionLevel;
use crm_domain::{FieldErrors, RegionCode};

use crate::AppError;
use crate::error::bad_param as bad;

fn naive(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    at.naive_utc()
}

/// The customer-list query as a database filter; a region code that does
/// not parse is unreadable input naming `region`.
pub fn filter_of(q: &CustomerQuery) -> Result<CustomerFilter, AppError> {
    let region = match q.region.as_deref() {
        None => None,
        Some(code) => {
            let code = RegionCode::parse(code).map_err(|m| AppError::BadInput {
                detail: "invalid query parameter region".into(),
                errors: FieldErrors::single("region", m),
            })?;
            Some(match code.level() {
                RegionLevel::Country => RegionMatch::Country(code.into_string()),
                RegionLevel::Province => RegionMatch::Province(code.into_string()),
                RegionLevel::City => RegionMatch::City(code.into_string()),
                RegionLevel::District => RegionMatch::District(code.into_string()),
            })
        }
    };
    let updated_from = match (q.updated_from, q.updated_since) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Ok(CustomerFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        kind: q.kind.map(|v| v.as_str().to_owned()),
        industry: q.industry.map(|v| v.as_str().to_owned()),
        size_band: q.size_band.map(|v| v.as_str().to_owned()),
        lifecycle_stage: q.lifecycle_stage.map(|v| v.as_str().to_owned()),
        source: q.source.map(|v| v.as_str().to_owned()),
        region,
        owner_id: q.owner_id,
        team_id: q.team_id,
        tag_id: q.tag_id,
        rfm_segment: q.rfm_segment.map(|s| s.as_str().to_owned()),
        min_orders: q.min_orders,
        max_orders: q.max_orders,
        min_revenue_minor: q.min_revenue_minor,
        max_revenue_minor: q.max_revenue_minor,
        last_order_from: q.last_order_from,
        last_order_to: q.last_order_to,
        segment_id: q.segment_id,
        segment: None,
        external_id: q.external_id.clone(),
        created_from: q.created_from.map(naive),
        created_to: q.created_to.map(naive),
        updated_from: updated_from.map(naive),
        updated_to: q.updated_to.map(naive),
    })
}

/// Readies a customer filter for a query: loads the saved segment it names
/// (`segment_id`; one of another workspace is "no such segment") into
/// `segment`, and recomputes RFM segments first when the filter or the
/// segment selects by one.
pub fn prepare(
    conn: &mut crm_db::AnyConnection,
    workspace_id: uuid::Uuid,
    mut filter: CustomerFilter,
    freshness: &crate::analytics::rfm::Freshness,
) -> Result<CustomerFilter, AppError> {
    if let (Some(id), None) = (filter.segment_id, &filter.segment) {
        let row = match crm_db::segments::find(conn, workspace_id, id) {
            Err(crm_db::DbError::NotFound) => {
                return Err(bad("segment_id", "no such segment"));
            }
            other => other?,
        };
        let rules = crate::segments::rules_of(&row)?;
        filter.segment = Some(Box::new(filter_of(&rules.customer_filters())?));
    }
    let by_rfm = filter.rfm_segment.is_some()
        || filter
            .segment
            .as_ref()
            .is_some_and(|s| s.rfm_segment.is_some());
    if by_rfm {
        crate::analytics::rfm::current(conn, workspace_id, freshness)?;
    }
    Ok(filter)
}
