//! `GET /tickets/export` and `/tickets/export.xlsx`: the filtered ticket
//! list (`crm_app::tickets::export`), streamed as CSV or built as a workbook.

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::tickets::TicketQuery;
use crm_app::tickets::export::Tickets;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

fn table(caller: &Caller, q: &TicketQuery) -> Result<Tickets, ApiError> {
    if let Some(t) = q.ticket_type.as_deref()
        && !crm_domain::service::is_type_key(t)
    {
        return Err(crm_app::error::bad_param("ticket_type", "is not a ticket type key").into());
    }
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    let filter = crm_app::tickets::filter(q, caller, chrono::Utc::now());
    Ok(crm_app::tickets::export::table(caller, filter)?)
}

/// Export the tickets a list with these filters (and queue) shows, as CSV.
///
/// Needs the `export` permission on tickets; its scope limits the rows.
#[utoipa::path(
    tag = "tickets",
    params(TicketQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export tickets", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the tickets a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "tickets",
    params(TicketQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export tickets", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
