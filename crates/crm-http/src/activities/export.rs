//! `GET /activities/export` and `/activities/export.xlsx`: the filtered
//! activity list (`crm_app::activities::export`), streamed as CSV or built
//! as a workbook.

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::activities::ActivityQuery;
use crm_app::activities::export::Activities;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

fn table(caller: &Caller, q: &ActivityQuery) -> Result<Activities, ApiError> {
    let table = crm_app::activities::export::table(caller, crm_app::activities::filter(q))?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row, newest first.
    crate::paging::keyset(
        Some(q.sort.as_deref().unwrap_or("-occurred_at")),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    Ok(table)
}

/// Export the activities a list with these filters shows, as CSV.
///
/// Needs the `export` permission on activities; its scope limits the rows.
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export activities", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the activities a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export activities", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
