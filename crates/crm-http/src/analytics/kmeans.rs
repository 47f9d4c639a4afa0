//! `GET /analytics/kmeans`: the HTTP side of `crm_app::analytics::kmeans`
//! (behavioural segments by K-means).

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::analytics::{KmeansQuery, KmeansResult};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Behavioural segments by K-means.
///
/// Features are `ln(1 + value)` standardised to mean 0 and deviation 1;
/// clusters are numbered largest first and described by their members'
/// mean feature values in natural units.
#[utoipa::path(
    tag = "analytics",
    params(KmeansQuery),
    responses(
        (status = 200, body = KmeansResult),
        (status = 400, description = "Bad k, features or filter", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fewer buying customers than clusters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/kmeans")]
pub async fn kmeans_segments(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<KmeansQuery>,
) -> Result<web::Json<KmeansResult>, ApiError> {
    let query = query.0;
    let freshness = state.rfm_freshness();
    let request = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::kmeans::buyers(
                conn, &caller, &query, &freshness,
            )?)
        })
        .await?;
    // The fit runs on the blocking pool after the connection went back.
    let answer = web::block(move || crm_app::analytics::kmeans::segments(&request))
        .await
        .map_err(ApiError::internal)??;
    Ok(web::Json(answer))
}
