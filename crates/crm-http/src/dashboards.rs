//! `/dashboards`: the HTTP side of `crm_app::dashboards` — saved grids of
//! report widgets (own and shared), each role's home dashboard, and a
//! widget's run under the dashboard's filters as the caller.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::dashboards::{
    Dashboard, DashboardPatch, HomeDashboard, NewDashboard, WidgetRun,
};
use crm_api_types::reports::ReportData;
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

/// The dashboards the caller saved and those shared with the workspace
/// (every one for an administrator), by name.
#[utoipa::path(tag = "dashboards", responses((status = 200, body = Page<Dashboard>)))]
#[get("/dashboards")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Dashboard>>, ApiError> {
    let items = state
        .db(move |conn| Ok(crm_app::dashboards::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// The dashboard the caller lands on: the one an administrator made their
/// role's home, else the built-in one (`id` null) of this month's figures.
#[utoipa::path(tag = "dashboards", responses((status = 200, body = HomeDashboard)))]
#[get("/dashboards/home")]
pub async fn home(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<HomeDashboard>, ApiError> {
    let answer = state
        .db(move |conn| Ok(crm_app::dashboards::home(conn, &caller)?))
        .await?;
    Ok(web::Json(answer))
}

/// Run one widget — a saved report the caller sees or a standard one —
/// narrowed to the dashboard's filters (the period on the report's date,
/// the owner, team and region on the object's fields), over the records
/// the caller may read.
///
/// A run longer than the report time limit (`CRM_REPORT_TIME_LIMIT_SECONDS`,
/// 30 s by default) is stopped and refused with a 422 naming `period`.
#[utoipa::path(
    tag = "dashboards",
    request_body = WidgetRun,
    responses(
        (status = 200, body = ReportData),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dashboards/run")]
pub async fn run(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<WidgetRun>,
) -> Result<web::Json<ReportData>, ApiError> {
    let body = body.0;
    let answer = state
        .db_heavy(move |conn| Ok(crm_app::dashboards::run_widget(conn, &caller, body)?))
        .await?;
    Ok(web::Json(answer))
}

/// A saved dashboard the caller owns or that is shared.
#[utoipa::path(tag = "dashboards", params(("id" = Uuid, Path)), responses((status = 200, body = Dashboard), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/dashboards/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let dashboard = state
        .db(move |conn| Ok(crm_app::dashboards::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(dashboard.version))
        .json(dashboard))
}

/// Save a dashboard (anyone signed in; `shared` shows it to the
/// workspace, and then only shared reports may sit on it; `default_roles`
/// is an administrator's).
#[utoipa::path(tag = "dashboards", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewDashboard, responses((status = 201, body = Dashboard), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/dashboards")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewDashboard>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    // Refused before the idempotency record, as before any write.
    let (checker, checked) = (caller.clone(), body.clone());
    state
        .db(move |conn| {
            crm_app::dashboards::check_new(conn, &checker, &checked)?;
            Ok(())
        })
        .await?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/dashboards",
        body,
        |conn, caller, body| Ok(crm_app::dashboards::create(conn, caller, body)?),
    )
    .await
}

/// Change a dashboard the caller saved (or any, as an administrator);
/// someone else's shared dashboard is 403: save a copy instead.
#[utoipa::path(tag = "dashboards", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = DashboardPatch, responses((status = 200, body = Dashboard), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/dashboards/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<DashboardPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch, expected) = (id.into_inner(), body.0, if_match.expected());
    let dashboard = state
        .db(move |conn| {
            Ok(crm_app::dashboards::update(
                conn, &caller, id, expected, patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(dashboard.version))
        .json(dashboard))
}

#[utoipa::path(tag = "dashboards", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/dashboards/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::dashboards::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
