//! `GET /analytics/clv`: the HTTP side of `crm_app::analytics::value` (the
//! predicted 12-month value of the buyers a filter selects).

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::analytics::{ClvQuery, ClvSummary};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Predicted customer value of the buyers the filters select.
///
/// Each buyer's 12-month prediction is the one their
/// `/customers/{id}/profile` shows; the answer sums them in total and per
/// RFM segment (largest predicted value first), with mean P(alive) and the
/// buyers more likely gone than not.
#[utoipa::path(
    tag = "analytics",
    params(ClvQuery),
    responses(
        (status = 200, body = ClvSummary),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/clv")]
pub async fn clv_summary(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ClvQuery>,
) -> Result<web::Json<ClvSummary>, ApiError> {
    let query = query.0;
    let freshness = state.rfm_freshness();
    let wake = state.jobs.clone();
    let buyers = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::value::buyers(
                conn, &caller, &query, &freshness, &wake,
            )?)
        })
        .await?;
    // Predicted after the connection went back to the pool.
    Ok(web::Json(crm_app::analytics::value::summary(buyers)))
}
