//! `/api-keys`: the HTTP side of `crm_app::api_keys` (credentials for
//! integrators; the secret is shown once).

use actix_web::{HttpResponse, delete, get, post, web};
use crm_api_types::auth::{ApiKey, CreatedApiKey, NewApiKey};
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

#[utoipa::path(tag = "api_keys", responses((status = 200, body = Page<ApiKey>), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<ApiKey>>, ApiError> {
    let items = state
        .db(move |conn| Ok(crm_app::api_keys::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Create a key bound to a role; it acts as the creating user.
#[utoipa::path(tag = "api_keys", request_body = NewApiKey, responses((status = 201, description = "The secret is in this response only", body = CreatedApiKey), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewApiKey>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let created = state
        .db(move |conn| Ok(crm_app::api_keys::create(conn, &caller, body)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/api-keys/{}", created.key.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

/// Revoke a key; it stops working at once.
#[utoipa::path(tag = "api_keys", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/api-keys/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::api_keys::revoke(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
