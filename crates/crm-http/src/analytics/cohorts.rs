//! `GET /analytics/cohorts`: the HTTP side of `crm_app::analytics::cohorts::cohorts`.

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::analytics::{CohortMatrix, CohortQuery};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Acquisition cohorts with retention and revenue matrices.
///
/// A customer belongs to the cohort of the month of their first revenue
/// order; `active[k]` counts the cohort's customers who ordered in the k-th
/// month after it, `revenue_minor[k]` what they spent then.
#[utoipa::path(
    tag = "analytics",
    params(CohortQuery),
    responses(
        (status = 200, body = CohortMatrix),
        (status = 400, description = "Bad month, count or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/cohorts")]
pub async fn cohorts(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<CohortQuery>,
) -> Result<web::Json<CohortMatrix>, ApiError> {
    let query = query.0;
    let freshness = state.rfm_freshness();
    let answer = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::cohorts::cohorts(
                conn, &caller, &query, &freshness,
            )?)
        })
        .await?;
    Ok(web::Json(answer))
}
