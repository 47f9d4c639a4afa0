//! `GET /analytics/portrait`: the HTTP side of
//! `crm_app::analytics::portrait` (the "客户画像" of a filter or segment).

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::analytics::{Portrait, PortraitQuery};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Segment portrait.
///
/// For the customers the filters select (e.g. `rfm_segment=at_risk`,
/// `region=440000`): how many, what they bought, their churn rate, and
/// their distribution over every dimension of the distribution map.
#[utoipa::path(
    tag = "analytics",
    params(PortraitQuery),
    responses(
        (status = 200, body = Portrait),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/portrait")]
pub async fn portrait(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<PortraitQuery>,
) -> Result<web::Json<Portrait>, ApiError> {
    let query = query.0;
    let freshness = state.rfm_freshness();
    let answer = state
        .db_heavy(move |conn| {
            Ok(crm_app::analytics::portrait::portrait(
                conn, &caller, &query, &freshness,
            )?)
        })
        .await?;
    Ok(web::Json(answer))
}
