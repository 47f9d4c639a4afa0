//! Request ids and access logging: every request gets an id (the client's
//! `X-Request-Id` when it is sane, else a new UUID v7), echoed in the
//! response header, shown in problem bodies and attached to log lines.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

use crate::error::{REQUEST_ID, REQUEST_PATH};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    sane.then(|| value.to_owned())
}

pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let path = req.path().to_owned();
    let method = req.method().clone();
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(
            id.clone(),
            REQUEST_PATH.scope(path.clone(), async move { next.call(req).await }),
        )
        .await;
    let mut response = result?;
    let status = response.status().as_u16();
    tracing::info!(request_id = %id, %method, %path, status, elapsed_ms = started.elapsed().as_millis() as u64, "request");
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}
