//! `AppError`: what went wrong in a use case, in domain words. `crm-http`
//! alone maps it to a status code.

use crm_db::DbError;
use crm_domain::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such record, or not visible to the actor.
    #[error("not found")]
    NotFound,
    /// The actor's role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The record's state (or a unique field) does not allow this now.
    #[error("conflict on {field}: {detail}")]
    Conflict { field: String, detail: String },
    /// Invalid input, by field path.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// The record changed since the actor read it.
    #[error("stale version")]
    Stale,
    /// The database (or another resource) cannot be reached now; retrying may help.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => AppError::NotFound,
            DbError::VersionConflict => AppError::Stale,
            DbError::UniqueViolation { target } => AppError::Conflict {
                field: target,
                detail: "is already taken".to_owned(),
            },
            DbError::ForeignKeyViolation(detail) => AppError::Conflict {
                field: "id".to_owned(),
                detail,
            },
            DbError::Pool(cause) => AppError::Unavailable(cause),
            DbError::Query(cause) => AppError::Internal(cause.to_string()),
        }
    }
}
