//! `AppError`: what went wrong in a use case, in domain words. `crm-http`
//! alone maps it to a status code.

use crm_db::DbError;
use crm_domain::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such record, or not visible to the actor.
    #[error("not found")]
    NotFound,
    /// The credentials are missing, wrong, expired or revoked.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Too many failed credentials from one account or address; try again
    /// after `retry_after` seconds.
    #[error("too many attempts")]
    TooManyAttempts { retry_after: i64 },
    /// The actor's role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The record's state (or a unique field) does not allow this now.
    #[error("conflict on {field}: {detail}")]
    Conflict { field: String, detail: String },
    /// Invalid input, by field path.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// The input cannot be read at all (a filter that does not parse, a
    /// file that is not what it claims), as opposed to invalid values.
    #[error("bad input: {detail}")]
    BadInput { detail: String, errors: FieldErrors },
    /// The input is larger than the limit (bytes).
    #[error("too large")]
    TooLarge { limit: usize },
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

    /// Invalid input in one field.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::single(field, message))
    }

    /// Unreadable input, without field details.
    pub fn bad_input(detail: impl Into<String>) -> Self {
        AppError::BadInput {
            detail: detail.into(),
            errors: FieldErrors::new(),
        }
    }
}

/// A query parameter that cannot be read: `BadInput` naming it.
pub fn bad_param(field: &str, message: &str) -> AppError {
    AppError::BadInput {
        detail: format!("invalid query parameter {field}"),
        errors: FieldErrors::single(field, message),
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => AppError::NotFound,
            DbError::VersionConflict => AppError::Stale,
            DbError::UniqueViolation { target } => {
                // The constraint's name holds the field a person can act on.
                let field = ["external_id", "email", "slug", "key", "name", "prefix"]
                    .into_iter()
                    .find(|f| target.contains(f))
                    .unwrap_or("id");
                AppError::Conflict {
                    field: field.to_owned(),
                    detail: "is already taken".to_owned(),
                }
            }
            DbError::ForeignKeyViolation(_) => AppError::Conflict {
                field: "id".to_owned(),
                detail: "the record is referenced by, or refers to, another record".to_owned(),
            },
            DbError::Pool(cause) => AppError::Unavailable(cause),
            DbError::TimedOut => {
                AppError::Unavailable("the query ran past its time limit".to_owned())
            }
            closed if closed.is_closed_connection() => AppError::Unavailable(closed.to_string()),
            busy if busy.is_busy() => AppError::Unavailable(
                "the database is busy with another write; try again".to_owned(),
            ),
            DbError::Query(cause) => AppError::Internal(cause.to_string()),
        }
    }
}
