//! `/reports`: the HTTP side of `crm_app::reports` — saved report
//! definitions (own and shared), the standard reports, the field catalogue,
//! and runs (of a saved report, or of a definition being built), always
//! over the records the caller may read.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::reports::{
    NewReport, Report, ReportData, ReportObjectFields, ReportPatch, ReportSpec, ShareTargets,
    StandardReport,
};
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

/// The reports the caller saved and those shared with them — with the
/// workspace, their role or their team (every one for an administrator),
/// by folder (unfiled last) and name.
#[utoipa::path(tag = "reports", responses((status = 200, body = Page<Report>)))]
#[get("/reports")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Report>>, ApiError> {
    let items = state
        .db(move |conn| Ok(crm_app::reports::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// The standard reports every workspace has (销售业绩, 销售漏斗, 输单原因,
/// 产品销售额 …): run one with `POST /reports/run`, or save a copy.
#[utoipa::path(tag = "reports", responses((status = 200, body = Vec<StandardReport>)))]
#[get("/reports/standard")]
pub async fn standard(_caller: Caller) -> web::Json<Vec<StandardReport>> {
    web::Json(crm_app::reports::standard_reports())
}

/// The fields each report object offers, with their kind: what may group,
/// what may be summed, what a condition compares.
#[utoipa::path(tag = "reports", responses((status = 200, body = Vec<ReportObjectFields>)))]
#[get("/reports/fields")]
pub async fn fields(_caller: Caller) -> web::Json<Vec<ReportObjectFields>> {
    web::Json(crm_app::reports::catalog())
}

/// Whom a report or dashboard may be shared with (`share_roles`,
/// `share_teams`): the workspace's roles and teams by name, for anyone
/// signed in.
#[utoipa::path(tag = "reports", responses((status = 200, body = ShareTargets)))]
#[get("/reports/share-targets")]
pub async fn share_targets(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<ShareTargets>, ApiError> {
    let answer = state
        .db(move |conn| Ok(crm_app::reports::share_targets(conn, &caller)?))
        .await?;
    Ok(web::Json(answer))
}

/// Run a definition without saving it (the report builder's preview), over
/// the records of its object the caller may read (none when their role may
/// not read it).
///
/// A run longer than the report time limit (`CRM_REPORT_TIME_LIMIT_SECONDS`,
/// 30 s by default) is stopped and refused with a 422 naming `period`.
#[utoipa::path(
    tag = "reports",
    request_body = ReportSpec,
    responses(
        (status = 200, body = ReportData),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/run")]
pub async fn run(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<ReportSpec>,
) -> Result<web::Json<ReportData>, ApiError> {
    let spec = body.0;
    let answer = state
        .db_heavy(move |conn| Ok(crm_app::reports::run(conn, &caller, spec)?))
        .await?;
    Ok(web::Json(answer))
}

/// A saved report the caller owns or that is shared.
#[utoipa::path(tag = "reports", params(("id" = Uuid, Path)), responses((status = 200, body = Report), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/reports/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = state
        .db(move |conn| Ok(crm_app::reports::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(report.version))
        .json(report))
}

/// Run a saved report as the caller.
///
/// A run longer than the report time limit (`CRM_REPORT_TIME_LIMIT_SECONDS`,
/// 30 s by default) is stopped and refused with a 422 naming `period`.
#[utoipa::path(tag = "reports", params(("id" = Uuid, Path)), responses((status = 200, body = ReportData), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, description = "The run passed the time limit", body = Problem, content_type = "application/problem+json")))]
#[get("/reports/{id}/data")]
pub async fn data(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReportData>, ApiError> {
    let id = id.into_inner();
    let answer = state
        .db_heavy(move |conn| Ok(crm_app::reports::data(conn, &caller, id)?))
        .await?;
    Ok(web::Json(answer))
}

/// A saved report's run as CSV (UTF-8 with BOM): a column per grouping, the
/// measure (money in minor units) and the records.
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The run passed the time limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let bytes = state
        .db_heavy(move |conn| {
            let answer = crm_app::reports::data(conn, &caller, id)?;
            Ok(crm_app::reports::csv(&answer)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"report.csv\""))
        .body(bytes))
}

/// A saved report's run as an Excel workbook: the CSV's columns, labels as
/// text and figures as numbers (money in minor units).
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The run passed the time limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{id}/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let bytes = state
        .db_heavy(move |conn| {
            let answer = crm_app::reports::data(conn, &caller, id)?;
            Ok(crm_app::reports::xlsx(&answer)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(crate::export::XLSX)
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"report.xlsx\"",
        ))
        .body(bytes))
}

/// Save a report (anyone signed in; `shared` shows it to the workspace,
/// `share_roles` / `share_teams` to those roles' users and those teams'
/// members).
#[utoipa::path(tag = "reports", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewReport, responses((status = 201, body = Report), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/reports")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewReport>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    // Refused before the idempotency record, as before any write.
    let (checker, checked) = (caller.clone(), body.clone());
    state
        .db(move |conn| {
            crm_app::reports::check_new(conn, &checker, &checked)?;
            Ok(())
        })
        .await?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/reports",
        body,
        |conn, caller, body| Ok(crm_app::reports::create(conn, caller, body)?),
    )
    .await
}

/// Change a report the caller saved (or any, as an administrator); a
/// shared report of someone else is 403: save a copy instead.
#[utoipa::path(tag = "reports", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = ReportPatch, responses((status = 200, body = Report), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/reports/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ReportPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch, expected) = (id.into_inner(), body.0, if_match.expected());
    let report = state
        .db(move |conn| {
            Ok(crm_app::reports::update(
                conn, &caller, id, expected, patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(report.version))
        .json(report))
}

#[utoipa::path(tag = "reports", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/reports/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::reports::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
