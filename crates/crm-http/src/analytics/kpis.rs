//! `GET /analytics/kpis`: the HTTP side of `crm_app::analytics::kpis::kpis`.

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::analytics::{KpiQuery, Kpis};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Customer KPIs over a window.
#[utoipa::path(
    tag = "analytics",
    params(KpiQuery),
    responses(
        (status = 200, body = Kpis),
        (status = 400, description = "Bad window, cost or filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/kpis")]
pub async fn kpis(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<KpiQuery>,
) -> Result<web::Json<Kpis>, ApiError> {
    let query = query.0;
    let freshness = state.rfm_freshness();
    let answer = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::kpis::kpis(
                conn, &caller, &query, &freshness,
            )?)
        })
        .await?;
    Ok(web::Json(answer))
}
