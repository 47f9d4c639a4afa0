//! `GET /performance`: the HTTP side of `crm_app::performance` (销售人员绩效).

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::performance::{Performance, PerformanceQuery};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Rep performance over a month or quarter.
///
/// For one rep (`owner_id`), a team and the teams below it (`team_id`), or
/// everyone whose records the caller may read: per owner, ranked by won
/// revenue, the deals won and lost, win rate, average deal size, average
/// sales cycle, activities by kind, new customers, and how the previous
/// period's commit (as it stood when that period began) compared with what
/// was won; per stage, the deals that entered it, the share that moved on
/// and the days they stayed. Deals, activities and customers each count as
/// far as the caller may read them. Money is in the base currency of the
/// analytics settings.
#[utoipa::path(
    tag = "forecast",
    params(PerformanceQuery),
    responses(
        (status = 200, body = Performance),
        (status = 400, description = "Bad period, date or team", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/performance")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<PerformanceQuery>,
) -> Result<web::Json<Performance>, ApiError> {
    let query = query.0;
    let today = chrono::Utc::now().date_naive();
    let answer = state
        .db_heavy(move |conn| Ok(crm_app::performance::report(conn, &caller, &query, today)?))
        .await?;
    Ok(web::Json(answer))
}
