//! `/admin/jobs`: an administrator lists the background jobs of their own
//! workspace (filtered by status and kind, newest first, keyset-paged),
//! retries a dead one and cancels a queued one.

use actix_web::{get, post, web};
use crm_api_types::Problem;
use crm_api_types::jobs::{Job, JobList, JobQuery};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The workspace's background jobs, newest first (admins only).
#[utoipa::path(tag = "jobs", params(JobQuery), responses(
    (status = 200, body = JobList),
    (status = 400, description = "Bad filter or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/admin/jobs")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<JobQuery>,
) -> Result<web::Json<JobList>, ApiError> {
    let query = query.0;
    let list = state
        .db(move |conn| Ok(crm_app::jobs::admin::list(conn, &caller, &query)?))
        .await?;
    Ok(web::Json(list))
}

/// Queue a dead job again with fresh attempts (admins only).
#[utoipa::path(tag = "jobs", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "Queued again", body = Job),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The job is not dead", body = Problem, content_type = "application/problem+json")))]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Job>, ApiError> {
    let id = id.into_inner();
    let job = state
        .db(move |conn| Ok(crm_app::jobs::admin::retry(conn, &caller, id)?))
        .await?;
    state.jobs.wake();
    Ok(web::Json(job))
}

/// Cancel a queued job before it runs (admins only).
#[utoipa::path(tag = "jobs", params(("id" = Uuid, Path)), responses(
    (status = 200, description = "Cancelled", body = Job),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The job is not queued", body = Problem, content_type = "application/problem+json")))]
#[post("/admin/jobs/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Job>, ApiError> {
    let id = id.into_inner();
    let job = state
        .db(move |conn| Ok(crm_app::jobs::admin::cancel(conn, &caller, id)?))
        .await?;
    Ok(web::Json(job))
}
