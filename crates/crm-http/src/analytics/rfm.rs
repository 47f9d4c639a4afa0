//! `GET /analytics/rfm`: the HTTP side of `crm_app::analytics::rfm::summary`.

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::analytics::{RfmQuery, RfmSummary};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// RFM segment summary.
///
/// Scores are quintiles by rank over every buying customer of the
/// workspace (recomputed in one statement when an order changed since the
/// last time); segments follow the table in docs/ANALYTICS.md.
#[utoipa::path(
    tag = "analytics",
    params(RfmQuery),
    responses(
        (status = 200, body = RfmSummary),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/rfm")]
pub async fn rfm(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<RfmQuery>,
) -> Result<web::Json<RfmSummary>, ApiError> {
    let query = query.0;
    let freshness = state.rfm_freshness();
    let answer = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::rfm::summary(
                conn, &caller, &query, &freshness,
            )?)
        })
        .await?;
    Ok(web::Json(answer))
}
