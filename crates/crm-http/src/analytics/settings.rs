//! `GET`/`PUT /analytics/settings`: the base currency revenue is counted in
//! and the silence after which a customer has churned. Changing the
//! currency recomputes every customer's metrics.

use actix_web::{get, put, web};
use crm_api_types::Problem;
use crm_api_types::analytics::AnalyticsSettings;
use crm_domain::access::{Action, ObjectType};
use crm_domain::money::parse_currency;
use crm_domain::validation::FieldErrors;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

fn view(s: crm_db::metrics::Settings) -> AnalyticsSettings {
    AnalyticsSettings {
        base_currency: s.base_currency,
        churn_after_days: s.churn_after_days,
    }
}

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
    caller.require(ObjectType::Customers, Action::Read)?;
    let settings = state
        .db(move |conn| Ok(crm_db::metrics::settings(conn, caller.workspace_id)?))
        .await?;
    Ok(web::Json(view(settings)))
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
    caller.require_all(ObjectType::Roles, Action::Update)?;
    let body = body.0;
    let mut errors = FieldErrors::new();
    let currency = parse_currency(&body.base_currency)
        .map_err(|m| errors.add("base_currency", m))
        .ok();
    if !(7..=3650).contains(&body.churn_after_days) {
        errors.add("churn_after_days", "must be between 7 and 3650");
    }
    let Some(currency) = currency.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let days = body.churn_after_days;
    let saved = state
        .db(move |conn| {
            crm_db::change_log::transaction(conn, |conn| {
                crm_db::change_log::lock_workspace(conn, caller.workspace_id)?;
                Ok(crm_db::metrics::save_settings(
                    conn,
                    caller.workspace_id,
                    &currency,
                    days,
                )?)
            })
        })
        .await?;
    Ok(web::Json(view(saved)))
}
