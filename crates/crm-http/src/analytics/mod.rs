//! Customer analytics endpoints: the distribution map, customer profiles,
//! the RFM summary and acquisition cohorts. Every figure is computed over
//! the customers the caller may read, so a rep's analytics cover their own
//! customers only.

pub mod cohorts;
pub mod distribution;
pub mod kmeans;
pub mod kpis;
pub mod portrait;
pub mod profile;
pub mod rfm;
pub mod settings;
pub mod value;

/// The CLV models: fitted by a job, read by the value and profile endpoints.
pub use crm_app::analytics::clv;
use crm_db::customers::CustomerFilter;
use crm_domain::validation::FieldErrors;

use crate::customers::filter_of;

use crate::error::ApiError;

/// A 400 naming the query parameter.
fn bad(field: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        detail: format!("invalid query parameter {field}"),
        errors: FieldErrors::single(field, message),
    }
}

/// Readies a customer filter for a query: loads the saved segment it names
/// (`segment_id`; one of another workspace is "no such segment") into
/// `segment`, and recomputes RFM segments first when the filter or the
/// segment selects by one.
pub(crate) fn prepare_filter(
    conn: &mut crm_db::AnyConnection,
    workspace_id: uuid::Uuid,
    mut filter: CustomerFilter,
    freshness: &crm_app::analytics::rfm::Freshness,
) -> Result<CustomerFilter, ApiError> {
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
        crm_app::analytics::rfm::current(conn, workspace_id, freshness)?;
    }
    Ok(filter)
}
