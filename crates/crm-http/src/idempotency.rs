//! `Idempotency-Key` on POST (DESIGN §4): the same key with the same body
//! replays the stored response (`Idempotent-Replayed: true`); the same key
//! with another body is 422. The response is stored in the transaction of
//! the write, under the workspace lock, so a retry racing the original
//! waits for it and then replays it — nothing is written twice.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::idempotency::{NewResponse, StoredResponse};
use crm_domain::FieldErrors;
use serde::Serialize;
use serde_json::Value;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::security::sha256_hex;
use crate::state::AppState;

pub const HEADER: &str = "Idempotency-Key";

/// The request's `Idempotency-Key`, if it sent one (1–255 visible ASCII characters).
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(raw) = req.headers().get(HEADER) else {
            return ready(Ok(IdempotencyKey(None)));
        };
        let valid = raw
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
        ready(match valid {
            Some(key) => Ok(IdempotencyKey(Some(key.to_owned()))),
            None => Err(ApiError::BadRequest {
                detail: format!("invalid {HEADER} header"),
                errors: FieldErrors::single(HEADER, "must be 1 to 255 visible ASCII characters"),
            }),
        })
    }
}

/// What a keyed write answers: fresh, or the stored answer to its first try.
enum Outcome<T> {
    Fresh(T),
    Replay(StoredResponse),
}

/// The fingerprint of a request: method, path and body.
fn fingerprint(method: &str, path: &str, body: &impl Serialize) -> Result<String, ApiError> {
    let body = serde_json::to_string(body).map_err(ApiError::internal)?;
    Ok(sha256_hex(&format!("{method} {path}\n{body}")))
}

/// Runs `write` unless this caller already sent this key: then replays the
/// stored answer (same request) or refuses (another request). Call it inside
/// the write's transaction, after `lock_workspace`. `status` and `location`
/// describe the fresh answer, which is stored with the write.
fn run<T: Serialize>(
    conn: &mut AnyConnection,
    caller: &Caller,
    key: &IdempotencyKey,
    fingerprint: &str,
    status: StatusCode,
    location: impl Fn(&T) -> Option<String>,
    write: impl FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
) -> Result<Outcome<T>, ApiError> {
    let Some(key) = &key.0 else {
        return write(conn).map(Outcome::Fresh);
    };
    let (ws, actor) = (caller.workspace_id, caller.user_id());
    if let Some(stored) = crm_db::idempotency::find(conn, ws, actor, key)? {
        if stored.request_hash != fingerprint {
            return Err(ApiError::validation(
                HEADER,
                "was already used for a different request",
            ));
        }
        return Ok(Outcome::Replay(stored));
    }
    let fresh = write(conn)?;
    crm_db::idempotency::store(
        conn,
        NewResponse {
            workspace_id: ws,
            actor_id: actor,
            key,
            request_hash: fingerprint,
            status: i32::from(status.as_u16()),
            response: serde_json::to_value(&fresh).map_err(ApiError::internal)?,
            location: location(&fresh),
        },
    )?;
    Ok(Outcome::Fresh(fresh))
}

/// `POST {collection}` that creates one record: `write` runs in a
/// transaction under the workspace lock, retry-safe with the request's key.
/// Answers 201 with `Location: {collection}/{id}` and `ETag`, or the replay.
pub async fn create<B, T, W>(
    state: &AppState,
    caller: Caller,
    key: IdempotencyKey,
    collection: &'static str,
    body: B,
    write: W,
) -> Result<HttpResponse, ApiError>
where
    B: Serialize + Send + 'static,
    T: Serialize + Send + 'static,
    W: FnOnce(&mut AnyConnection, &Caller, B) -> Result<T, ApiError> + Send + 'static,
{
    let location = move |value: &Value| {
        value
            .get("id")
            .and_then(Value::as_str)
            .map(|id| format!("{collection}/{id}"))
    };
    let outcome = keyed(
        state,
        caller,
        key,
        collection,
        body,
        StatusCode::CREATED,
        location,
        write,
    )
    .await?;
    Ok(match outcome {
        Outcome::Replay(stored) => replay(stored),
        Outcome::Fresh(value) => {
            let mut response = HttpResponse::Created();
            if let Some(location) = location(&value) {
                response.insert_header(("Location", location));
            }
            if let Some(version) = value.get("version").and_then(Value::as_i64) {
                response.insert_header(("ETag", format!("\"{version}\"")));
            }
            response.json(value)
        }
    })
}

/// `POST {path}` that writes a batch: like `create`, but answers 200 with
/// the per-record results.
pub async fn batch<B, T, W>(
    state: &AppState,
    caller: Caller,
    key: IdempotencyKey,
    path: &'static str,
    body: B,
    write: W,
) -> Result<HttpResponse, ApiError>
where
    B: Serialize + Send + 'static,
    T: Serialize + Send + 'static,
    W: FnOnce(&mut AnyConnection, &Caller, B) -> Result<T, ApiError> + Send + 'static,
{
    let workspace_id = caller.0.workspace_id;
    let outcome = keyed(
        state,
        caller,
        key,
        path,
        body,
        StatusCode::OK,
        |_| None,
        write,
    )
    .await?;
    Ok(match outcome {
        Outcome::Replay(stored) => replay(stored),
        Outcome::Fresh(value) => {
            let wake = state.jobs.clone();
            state
                .db(move |conn| {
                    Ok(crm_app::batch::refresh_statistics(
                        conn,
                        workspace_id,
                        &wake,
                    )?)
                })
                .await?;
            HttpResponse::Ok().json(value)
        }
    })
}

/// Runs a keyed POST in a transaction under the workspace lock.
#[allow(clippy::too_many_arguments)]
async fn keyed<B, T, W>(
    state: &AppState,
    caller: Caller,
    key: IdempotencyKey,
    path: &'static str,
    body: B,
    status: StatusCode,
    location: impl Fn(&Value) -> Option<String> + Send + 'static,
    write: W,
) -> Result<Outcome<Value>, ApiError>
where
    B: Serialize + Send + 'static,
    T: Serialize + Send + 'static,
    W: FnOnce(&mut AnyConnection, &Caller, B) -> Result<T, ApiError> + Send + 'static,
{
    // Only a keyed request is compared with a stored one.
    let print = match key.0 {
        Some(_) => fingerprint("POST", path, &body)?,
        None => String::new(),
    };
    state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                run(conn, &caller, &key, &print, status, location, |conn| {
                    let fresh = write(conn, &caller, body)?;
                    serde_json::to_value(fresh).map_err(ApiError::internal)
                })
            })
        })
        .await
}

/// The stored answer, as it was sent the first time.
fn replay(stored: StoredResponse) -> HttpResponse {
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    response.insert_header(("Idempotent-Replayed", "true"));
    if let Some(location) = stored.location {
        response.insert_header(("Location", location));
    }
    if let Some(version) = stored.response.0.get("version").and_then(|v| v.as_i64()) {
        response.insert_header(("ETag", format!("\"{version}\"")));
    }
    response.json(stored.response.0)
}
