//! `/api/health`: liveness plus a database round trip.

use actix_web::{HttpResponse, get, web};
use crm_api_types::{Health, Problem};

use crate::error::ApiError;
use crate::state::AppState;

/// Reports `ok` and the backend when the database answers, 503 otherwise.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db(|conn| Ok(crm_db::ping(conn)?)).await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".to_owned(),
        backend: state.backend.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}
