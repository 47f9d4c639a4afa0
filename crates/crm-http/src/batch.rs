//! The HTTP side of `POST /{entity}/batch`: the body limit, and turning a
//! handler's `ApiError` into one record's refusal. The rest (parsing the
//! records, targets, refusals, the answer) is `crm_app::batch`.

pub use crm_app::batch::*;

use crate::error::ApiError;

/// Request bodies of batches may be this large (1,000 orders with lines).
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// A single-record refusal as a batch reports it.
pub fn from_api(e: ApiError) -> RecordError {
    match e {
        ApiError::Validation(errors) => RecordError::Invalid(errors),
        ApiError::Forbidden(m) => RecordError::Forbidden(m),
        ApiError::Conflict { field, detail } => RecordError::Conflict { field, detail },
        ApiError::NotFound => RecordError::NotFound("id"),
        other => RecordError::invalid("record", other.to_string()),
    }
}
