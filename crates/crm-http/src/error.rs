//! `ApiError`, the one error type of every handler, and its rendering as
//! RFC 9457 `application/problem+json`. 5xx bodies carry the request id and
//! nothing else; the cause goes to the log under the same id.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use crm_api_types::Problem;
use crm_db::DbError;
use crm_domain::FieldErrors;

tokio::task_local! {
    /// The id of the request being served; set by the request-id middleware.
    pub static REQUEST_ID: String;
}

/// The current request's id, if inside a request.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (malformed JSON, bad query or path value).
    #[error("bad request: {detail}")]
    BadRequest { detail: String, errors: FieldErrors },
    /// 401: no, or no valid, credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403: authenticated, but the role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such record, or not visible to the caller.
    #[error("not found")]
    NotFound,
    /// 405: the path exists with other methods.
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    /// 409: a unique field is taken, or the record is still in use.
    #[error("conflict on {field}: {detail}")]
    Conflict { field: String, detail: String },
    /// 412: `If-Match` names a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413: the body exceeds the limit.
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType {
        /// What to send instead, for the problem's detail.
        accepted: &'static str,
    },
    /// 422: the body was read but its values are invalid.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// 429: too many failed sign-ins; retry after the given seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: i64 },
    /// 503: the database is unreachable or the pool is exhausted.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or an unexpected database error.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(FieldErrors::single(field, message))
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
            errors: FieldErrors::new(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest { .. } => ("bad-request", "Bad request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict { .. } => ("conflict", "Conflict"),
            ApiError::PreconditionFailed => ("precondition-failed", "Precondition failed"),
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType { .. } => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Validation(_) => ("validation", "Validation failed"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail_and_errors(&self) -> (Option<String>, BTreeMap<String, Vec<String>>) {
        match self {
            ApiError::BadRequest { detail, errors } => (Some(detail.clone()), errors.0.clone()),
            ApiError::Unauthorized(detail) | ApiError::Forbidden(detail) => {
                (Some(detail.clone()), BTreeMap::new())
            }
            ApiError::NotFound => (Some("no such resource".into()), BTreeMap::new()),
            ApiError::MethodNotAllowed { allow } => (
                Some(format!("allowed: {}", allow.join(", "))),
                BTreeMap::new(),
            ),
            ApiError::Conflict { field, detail } => (
                Some(detail.clone()),
                BTreeMap::from([(field.clone(), vec![detail.clone()])]),
            ),
            ApiError::PreconditionFailed => (
                Some(
                    "the record was changed by someone else; reload it and apply your change again"
                        .into(),
                ),
                BTreeMap::new(),
            ),
            ApiError::PayloadTooLarge { limit } => (
                Some(format!("the body exceeds {limit} bytes")),
                BTreeMap::new(),
            ),
            ApiError::UnsupportedMediaType { accepted } => (
                Some(format!("send the body as {accepted}")),
                BTreeMap::new(),
            ),
            ApiError::Validation(errors) => {
                let n = errors.0.len();
                (
                    Some(format!(
                        "{n} field{} invalid",
                        if n == 1 { " is" } else { "s are" }
                    )),
                    errors.0.clone(),
                )
            }
            ApiError::TooManyRequests { retry_after } => (
                Some(format!(
                    "too many failed attempts; retry in {retry_after} seconds"
                )),
                BTreeMap::new(),
            ),
            ApiError::Unavailable(_) => (
                Some("the database is not reachable; try again shortly".into()),
                BTreeMap::new(),
            ),
            ApiError::Internal(_) => (
                Some("an unexpected error occurred; quote the request id when reporting it".into()),
                BTreeMap::new(),
            ),
        }
    }

    pub fn problem(&self, instance: Option<String>) -> Problem {
        let (slug, title) = self.slug_and_title();
        let (detail, errors) = self.detail_and_errors();
        Problem {
            kind: format!("https://crm.invalid/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            instance,
            request_id: request_id(),
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(request_id = request_id().unwrap_or_default(), error = %self, "request failed");
        }
        let problem = self.problem(REQUEST_PATH.try_with(Clone::clone).ok());
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            ApiError::Unauthorized(_) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            ApiError::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

tokio::task_local! {
    /// The path of the request being served, for `Problem.instance`.
    pub static REQUEST_PATH: String;
}

impl From<crm_app::AppError> for ApiError {
    fn from(err: crm_app::AppError) -> Self {
        use crm_app::AppError;
        match err {
            AppError::NotFound => ApiError::NotFound,
            AppError::Unauthorized(why) => ApiError::Unauthorized(why),
            AppError::TooManyAttempts { retry_after } => ApiError::TooManyRequests { retry_after },
            AppError::Forbidden(why) => ApiError::Forbidden(why),
            AppError::Conflict { field, detail } => ApiError::Conflict { field, detail },
            AppError::Validation(errors) => ApiError::Validation(errors),
            AppError::BadInput { detail, errors } => ApiError::BadRequest { detail, errors },
            AppError::TooLarge { limit } => ApiError::PayloadTooLarge { limit },
            AppError::Stale => ApiError::PreconditionFailed,
            AppError::Unavailable(cause) => ApiError::Unavailable(cause),
            AppError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        crm_app::AppError::from(err).into()
    }
}
