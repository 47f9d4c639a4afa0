//! `GET`/`PUT /analytics/settings`: the HTTP side of
//! `crm_app::analytics::settings` (base currency and churn period).

use actix_web::{get, put, web};
use crm_api_types::Problem;
use crm_api_types::analytics::AnalyticsSettings;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// The workspace's analytics settings.
#[utoipa::path(
    tag = "analytics",
    responses((status = 200, body = AnalyticsSettings))
)]
#[get("/analytics/settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<AnalyticsSettings>, ApiError> {
    let settings = state
        .db(move |conn| Ok(crm_app::analytics::settings::get(conn, &caller)?))
        .await?;
    Ok(web::Json(settings))
}

/// Change the analytics settings (administrators: whoever may edit roles).
#[utoipa::path(
    tag = "analytics",
    request_body = AnalyticsSettings,
    responses(
        (status = 200, body = AnalyticsSettings),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/analytics/settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<AnalyticsSettings>,
) -> Result<web::Json<AnalyticsSettings>, ApiError> {
    let body = body.0;
    // Refused before a connection is taken.
    crm_app::analytics::settings::check(&caller, &body)?;
    let saved = state
        .db(move |conn| Ok(crm_app::analytics::settings::put(conn, &caller, body)?))
        .await?;
    Ok(web::Json(saved))
}
