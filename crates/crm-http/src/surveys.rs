//! `/tickets/{id}/surveys`, `/service/satisfaction` and
//! `/public/surveys/{token}`: the HTTP side of `crm_app::tickets::surveys`
//! (sending a satisfaction survey, answering it without signing in, and
//! the satisfaction report).

use actix_web::{HttpResponse, get, post, web};
use crm_api_types::Problem;
use crm_api_types::satisfaction::{
    NewSurvey, SatisfactionQuery, SatisfactionReport, SentSurvey, Survey, SurveyAnswer,
    SurveyQuestion,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// Send a satisfaction survey for a ticket the caller may update: `csat`
/// once it is resolved or closed (409 before), `nps` at any time. The
/// answer holds the link's token, shown this once; the customer answers
/// within 30 days, once.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = NewSurvey,
    responses(
        (status = 201, body = SentSurvey),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/surveys")]
pub async fn send_survey(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<NewSurvey>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.0);
    let sent = state
        .db(move |conn| Ok(crm_app::tickets::surveys::send(conn, &caller, id, body)?))
        .await?;
    Ok(HttpResponse::Created().json(sent))
}

/// A ticket's surveys and their answers.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Survey>), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/tickets/{id}/surveys")]
pub async fn surveys(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<Survey>>, ApiError> {
    let id = id.into_inner();
    let found = state
        .db(move |conn| Ok(crm_app::tickets::surveys::of_ticket(conn, &caller, id)?))
        .await?;
    Ok(web::Json(found))
}

/// CSAT and NPS of the tickets the caller sees, answered in the period
/// (default: the last year), by agent, team, type, channel or month, and
/// the unhappy answers of the customers who bought the most first.
#[utoipa::path(
    tag = "tickets",
    params(SatisfactionQuery),
    responses(
        (status = 200, body = SatisfactionReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/service/satisfaction")]
pub async fn satisfaction(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<SatisfactionQuery>,
) -> Result<web::Json<SatisfactionReport>, ApiError> {
    let q = query.0;
    let report = state
        .db(move |conn| Ok(crm_app::tickets::surveys::report(conn, &caller, &q)?))
        .await?;
    Ok(web::Json(report))
}

/// The question behind a survey link, without signing in: 404 for an
/// unknown or expired link, 409 once answered.
#[utoipa::path(
    tag = "tickets",
    params(("token" = String, Path, description = "The token of the survey's link")),
    responses(
        (status = 200, body = SurveyQuestion),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/surveys/{token}")]
pub async fn survey(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<web::Json<SurveyQuestion>, ApiError> {
    let token = token.into_inner();
    let question = state
        .db(move |conn| Ok(crm_app::tickets::surveys::question(conn, &token)?))
        .await?;
    Ok(web::Json(question))
}

/// Answer a survey, once, without signing in.
#[utoipa::path(
    tag = "tickets",
    params(("token" = String, Path, description = "The token of the survey's link")),
    request_body = SurveyAnswer,
    responses(
        (status = 204, description = "Thank you"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/public/surveys/{token}")]
pub async fn answer_survey(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: ApiJson<SurveyAnswer>,
) -> Result<HttpResponse, ApiError> {
    let (token, body) = (token.into_inner(), body.0);
    state
        .db(move |conn| Ok(crm_app::tickets::surveys::answer(conn, &token, body)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
