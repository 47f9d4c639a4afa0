//! Extractors whose failures are our problem+json errors with field paths:
//! `ApiJson<T>` (content type, size limit, syntax → 400, values → 422),
//! `ApiQuery<T>`, the path-error handler and `IfMatch`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use crm_domain::FieldErrors;
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest JSON body accepted, in bytes.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body, read and checked strictly; at most `LIMIT` bytes.
#[derive(Debug)]
pub struct ApiJson<T, const LIMIT: usize = JSON_LIMIT>(pub T);

pub(crate) use crm_app::input::{field_error, integral_floats_as_integers};

/// A JSON value already read, as `T`, with the same field-level errors.
/// Whole-number floats (`12.0`) are read as integers, as in [`parse_json`].
pub fn parse_value<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    integral_floats_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let (field, message) = field_error(err.path(), &err.inner().to_string());
        ApiError::Validation(FieldErrors::single(field, message))
    })
}

/// A request body as `T`: 400 when it is not JSON, 422 naming the field when
/// a value does not fit. Every body of this API is an object, so a top-level
/// array is refused (serde would otherwise read it as the struct's fields in
/// order). An integer written as a float with no fraction (`12.0`, which JSON
/// Schema counts as an integer) is read as that integer.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::validation("body", "must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match value {
        Ok(value) => value,
        Err(err)
            if err.inner().classify() == serde_json::error::Category::Data
                && err.inner().to_string().contains("floating point") =>
        {
            let mut json: serde_json::Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
            integral_floats_as_integers(&mut json);
            return parse_value(json);
        }
        Err(err) => {
            let category = err.inner().classify();
            let (field, message) = field_error(err.path(), &err.inner().to_string());
            return Err(match category {
                serde_json::error::Category::Data => {
                    ApiError::Validation(FieldErrors::single(field, message))
                }
                _ => ApiError::BadRequest {
                    detail: format!("the body is not valid JSON: {}", err.inner()),
                    errors: FieldErrors::new(),
                },
            });
        }
    };
    de.end().map_err(|e| ApiError::BadRequest {
        detail: format!("the body is not valid JSON: {e}"),
        errors: FieldErrors::new(),
    })?;
    Ok(value)
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for ApiJson<T, LIMIT> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType {
                    accepted: "application/json",
                });
            }
            if declared.is_some_and(|n| n > LIMIT) {
                return Err(ApiError::PayloadTooLarge { limit: LIMIT });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
                if body.len() + chunk.len() > LIMIT {
                    return Err(ApiError::PayloadTooLarge { limit: LIMIT });
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(ApiJson)
        })
    }
}

/// Query parameters with field-level errors (400).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        let de = serde_urlencoded::Deserializer::new(pairs);
        let result = serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|err| {
                let (field, message) = field_error(err.path(), &err.inner().to_string());
                ApiError::BadRequest {
                    detail: format!("invalid query parameter {field}"),
                    errors: FieldErrors::single(field, message),
                }
            });
        std::future::ready(result)
    }
}

/// Path values that do not parse (a malformed UUID) are a 400 naming the parameter.
pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest {
        detail: "invalid path parameter".to_owned(),
        errors: FieldErrors::single("id", format!("must be a UUID ({err})")),
    }
    .into()
}

/// The version an `If-Match` header requires, if any (`"3"`, `W/"3"`, `3`; `*` = any).
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH).map(|v| v.to_str()) {
            None => Ok(IfMatch(None)),
            Some(Ok(raw)) => parse_if_match(raw).ok_or_else(|| ApiError::BadRequest {
                detail: "If-Match must be an ETag returned by this API".to_owned(),
                errors: FieldErrors::single("If-Match", "is not a version ETag"),
            }),
            Some(Err(_)) => Err(ApiError::bad_request("If-Match is not readable")),
        };
        std::future::ready(parsed)
    }
}

/// `*` (any version), or a version ETag: `"3"`, `W/"3"` or `3` — exactly
/// what `docs::answers::IF_MATCH_PATTERN` documents.
pub(crate) fn parse_if_match(raw: &str) -> Option<IfMatch> {
    if raw == "*" {
        return Some(IfMatch(None));
    }
    let tag = raw.strip_prefix("W/").unwrap_or(raw);
    let digits = match tag.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None if tag.len() == raw.len() => tag,
        None => return None,
    };
    let valid = (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| digits.parse().ok().map(|v| IfMatch(Some(v))))?
}

impl IfMatch {
    /// 412 unless the header is absent or names the current version.
    /// The version named, as the use cases take it.
    pub fn expected(self) -> crm_app::Expected {
        crm_app::Expected(self.0)
    }

    pub fn check(self, current: i32) -> Result<i32, ApiError> {
        match self.0 {
            Some(expected) if expected != current => Err(ApiError::PreconditionFailed),
            _ => Ok(current),
        }
    }
}

/// The `ETag` of a record version.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code)]
    struct Inner {
        count: i32,
    }

    fn errors(body: &str) -> (u16, Vec<String>) {
        use actix_web::ResponseError;
        match parse_json::<Body>(body.as_bytes()) {
            Ok(_) => (200, vec![]),
            Err(e) => {
                let problem = e.problem(None);
                (
                    e.status_code().as_u16(),
                    problem.errors.into_keys().collect(),
                )
            }
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(errors(r#"{"name": 1}"#), (422, vec!["name".to_owned()]));
        assert_eq!(errors(r#"{}"#), (422, vec!["name".to_owned()]));
        assert_eq!(
            errors(r#"{"name": "a", "bogus": 1}"#),
            (422, vec!["bogus".to_owned()])
        );
        assert_eq!(
            errors(r#"{"name": "a", "inner": {"count": "x"}}"#),
            (422, vec!["inner.count".to_owned()])
        );
        assert_eq!(errors(r#"{"name": "a""#).0, 400);
        assert_eq!(errors(r#"{"name": "a"} trailing"#).0, 400);
    }

    #[test]
    fn a_body_is_an_object_and_whole_floats_are_integers() {
        assert_eq!(errors(r#" [null, null]"#), (422, vec!["body".to_owned()]));
        assert_eq!(errors(r#"{"name": "a", "inner": {"count": 12.0}}"#).0, 200);
        assert_eq!(
            errors(r#"{"name": "a", "inner": {"count": 12.5}}"#),
            (422, vec!["inner.count".to_owned()])
        );
        assert_eq!(
            errors(r#"{"name": 1.0, "inner": {"count": 2.0}}"#),
            (422, vec!["name".to_owned()])
        );
    }
}
