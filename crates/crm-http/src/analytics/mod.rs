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

use crm_domain::validation::FieldErrors;

use crate::error::ApiError;

/// A 400 naming the query parameter.
fn bad(field: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        detail: format!("invalid query parameter {field}"),
        errors: FieldErrors::single(field, message),
    }
}

/// Recomputes RFM segments first when the filter selects by segment.
pub(crate) fn fresh_segments(
    conn: &mut crm_db::AnyConnection,
    workspace_id: uuid::Uuid,
    filter: &crm_db::customers::CustomerFilter,
    max_age: std::time::Duration,
) -> Result<(), ApiError> {
    if filter.rfm_segment.is_some() {
        crm_db::metrics::ensure_rfm(conn, workspace_id, max_age)?;
    }
    Ok(())
}
