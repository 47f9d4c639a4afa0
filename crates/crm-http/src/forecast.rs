//! `GET /forecast`: the HTTP side of `crm_app::forecast` (销售预测).

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::forecast::{Forecast, ForecastQuery};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The sales forecast of a month or quarter.
///
/// For one rep (`owner_id`), a team and the teams below it (`team_id`), or
/// every deal and order the caller may read: deals won in the period and
/// open deals expected to close in it, by forecast category (the deal's
/// override, else its stage's), stage-weighted, per owner; and the
/// statistical forecast of order revenue (Holt-Winters with a damped trend
/// and a yearly season) with its rolling-origin backtest against
/// seasonal-naive. Figures are in the base currency of the analytics
/// settings.
#[utoipa::path(
    tag = "forecast",
    params(ForecastQuery),
    responses(
        (status = 200, body = Forecast),
        (status = 400, description = "Bad period, date or team", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/forecast")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ForecastQuery>,
) -> Result<web::Json<Forecast>, ApiError> {
    let query = query.0;
    let today = chrono::Utc::now().date_naive();
    let request = state
        .db_heavy(move |conn| Ok(crm_app::forecast::read(conn, &caller, &query, today)?))
        .await?;
    // The fit runs on the blocking pool after the connection went back.
    let answer = web::block(move || crm_app::forecast::compute(request))
        .await
        .map_err(ApiError::internal)?;
    Ok(web::Json(answer))
}
