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
use crm_domain::validation::FieldErrors;

use crate::error::ApiError;

pub(crate) use crm_app::customers::filter::prepare as prepare_filter;

/// A 400 naming the query parameter.
fn bad(field: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        detail: format!("invalid query parameter {field}"),
        errors: FieldErrors::single(field, message),
    }
}
