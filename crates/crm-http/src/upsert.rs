//! What every `PUT /{entity}/by-external-id/{external_id}` shares: the body
//! may not name another key, a create needs certain fields, and the answer
//! is 201 with `Location` or 200, both with `ETag`.

use actix_web::HttpResponse;
use crm_domain::FieldErrors;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::extract::etag;

/// A body `external_id` must equal the path's.
pub fn same_key(body: &Option<Option<String>>, path: &str) -> Result<(), ApiError> {
    match body {
        Some(Some(other)) if other != path => Err(ApiError::validation(
            "external_id",
            "must equal the external id in the path",
        )),
        _ => Ok(()),
    }
}

/// 422 naming every field (given as `(name, present)`) a create lacks.
pub fn require_for_create(fields: &[(&str, bool)], entity: &str) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    for (name, present) in fields {
        if !present {
            errors.add(*name, format!("is required to create a {entity}"));
        }
    }
    errors.into_result().map_err(ApiError::Validation)
}

/// A patch's custom fields as create values: `null` (remove) means absent.
pub fn present_values(values: Option<Map<String, Value>>) -> Map<String, Value> {
    values
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect()
}

/// 201 + `Location` for a created record, 200 for an updated one.
pub fn answer(created: bool, location: String, version: i32, body: impl Serialize) -> HttpResponse {
    let mut response = if created {
        let mut r = HttpResponse::Created();
        r.insert_header(("Location", location));
        r
    } else {
        HttpResponse::Ok()
    };
    response.insert_header(etag(version)).json(body)
}
