//! `GET /deals/export` and `/deals/export.xlsx`: the filtered deal list
//! (`crm_app::deals::export`), streamed as CSV or built as a workbook.

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::deals::DealQuery;
use crm_app::deals::export::Deals;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

fn table(caller: &Caller, q: &DealQuery) -> Result<Deals, ApiError> {
    let table = crm_app::deals::export::table(caller, crm_app::deals::filter(q))?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    Ok(table)
}

/// Export the deals a list with these filters shows, as CSV (amounts in minor units).
///
/// Needs the `export` permission on deals; its scope limits the rows.
#[utoipa::path(
    tag = "deals",
    params(DealQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export deals", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deals/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<DealQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the deals a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "deals",
    params(DealQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export deals", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deals/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<DealQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
