//! `/quotas`: the HTTP side of `crm_app::quotas` (预算达成).

use actix_web::{HttpResponse, delete, get, post, web};
use crm_api_types::Problem;
use crm_api_types::forecast::{NewQuota, Quota, QuotaQuery, Quotas};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The quotas of a month or quarter with their attainment.
///
/// Each with the metric's actual so far (a team's covers the teams below
/// it), actual / target, the share of the period elapsed and what the
/// target calls for by today. Only the quotas of holders the caller's deal
/// scope covers, and their own.
#[utoipa::path(
    tag = "forecast",
    params(QuotaQuery),
    responses(
        (status = 200, body = Quotas),
        (status = 400, description = "Bad period or date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/quotas")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<QuotaQuery>,
) -> Result<web::Json<Quotas>, ApiError> {
    let query = query.0;
    let today = chrono::Utc::now().date_naive();
    let answer = state
        .db(move |conn| Ok(crm_app::quotas::list(conn, &caller, &query, today)?))
        .await?;
    Ok(web::Json(answer))
}

/// Sets a quota: creates it, or gives the quota of that holder, metric and
/// period the new target.
///
/// For the people and teams below the caller (deal update scope `subtree`),
/// or anyone (`all`); nobody sets their own.
#[utoipa::path(
    tag = "forecast",
    request_body = NewQuota,
    responses(
        (status = 201, description = "Created", body = Quota),
        (status = 200, description = "The existing quota's target changed", body = Quota),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotas")]
pub async fn set(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewQuota>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let today = chrono::Utc::now().date_naive();
    let (quota, created) = state
        .db(move |conn| Ok(crm_app::quotas::set(conn, &caller, body, today)?))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(quota)
    } else {
        HttpResponse::Ok().json(quota)
    })
}

#[utoipa::path(
    tag = "forecast",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/quotas/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::quotas::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
