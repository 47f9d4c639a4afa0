//! `GET /customers/export` and `/customers/export.xlsx`: the filtered
//! customer list as CSV (streamed) or an Excel workbook; the table is
//! `crm_app::customers::export`, the streaming `crate::export`.

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::customers::CustomerQuery;
use crm_domain::access::{Action, ObjectType};

use super::filter_of;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

fn table(
    state: &AppState,
    caller: Caller,
    query: &CustomerQuery,
) -> Result<crm_app::customers::export::Customers, ApiError> {
    caller.require(ObjectType::Customers, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        query.sort.as_deref(),
        query.cursor.as_deref(),
        query.limit,
        &super::SORTS,
    )?;
    let filter = filter_of(query)?;
    Ok(crm_app::customers::export::Customers::new(
        caller.0.actor.clone(),
        filter,
        state.rfm_freshness(),
    )?)
}

/// Export the customers a list with these filters shows, as CSV.
///
/// Needs the `export` permission on customers (its scope limits the rows
/// as `read` does for the list). Oldest first; every matching row, streamed.
#[utoipa::path(
    tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export customers", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<CustomerQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&state, caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the customers a list with these filters shows, as an Excel workbook.
///
/// Same columns, order and `export` permission as the CSV export. More rows
/// than a worksheet holds (1,048,575) is a 422: use the CSV export.
#[utoipa::path(
    tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export customers", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<CustomerQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(&state, caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
