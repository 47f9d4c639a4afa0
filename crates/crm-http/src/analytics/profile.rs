//! `GET /customers/{id}/profile`: the HTTP side of
//! `crm_app::analytics::profile` (one customer's metrics and value).

use actix_web::{get, web};
use chrono::Utc;
use crm_api_types::Problem;
use crm_api_types::analytics::CustomerProfile;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A customer's order metrics and models.
///
/// Revenue counts the workspace's base-currency orders that are not draft,
/// cancelled or refunded. RFM scores rank the customer against every buying
/// customer of the workspace.
#[utoipa::path(
    tag = "analytics",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CustomerProfile),
        (status = 404, description = "No such customer, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}/profile")]
pub async fn profile(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<web::Json<CustomerProfile>, ApiError> {
    let id = path.into_inner();
    let freshness = state.rfm_freshness();
    let today = Utc::now().date_naive();
    let wake = state.jobs.clone();
    let profile = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::profile::profile(
                conn, &caller, id, &freshness, &wake, today,
            )?)
        })
        .await?;
    Ok(web::Json(profile))
}
