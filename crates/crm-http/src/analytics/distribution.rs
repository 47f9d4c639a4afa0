//! `/analytics/distribution`: the HTTP side of
//! `crm_app::analytics::distribution` (the distribution map).

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::analytics::{Distribution, DistributionQuery};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Customers by region, industry, owner … with a measure over a window.
///
/// Groups customers by `dimension` (and optionally `by`, for a crosstab)
/// and measures each group over `[from, to]`; with `compare=true` also
/// over the window of the same length just before, with the change.
/// Region drill-down: `dimension=region&level=city&parent=440000`.
/// Only customers the caller may read count (a rep sees their own).
#[utoipa::path(
    tag = "analytics",
    params(DistributionQuery),
    responses(
        (status = 200, body = Distribution),
        (status = 400, description = "Bad dimension, measure, window or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/distribution")]
pub async fn distribution(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<DistributionQuery>,
) -> Result<web::Json<Distribution>, ApiError> {
    let q = query.0;
    let freshness = state.rfm_freshness();
    let answer = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::distribution::distribution(
                conn, &caller, &q, &freshness,
            )?)
        })
        .await?;
    Ok(web::Json(answer))
}
