//! `GET /contacts/export` and `/contacts/export.xlsx`: the filtered contact
//! list as CSV (streamed) or an Excel workbook; the table is
//! `crm_app::contacts::export`, the streaming `crate::export`.

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::contacts::ContactQuery;
use crm_domain::access::{Action, ObjectType};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

fn table(
    caller: Caller,
    q: &ContactQuery,
) -> Result<crm_app::contacts::export::Contacts, ApiError> {
    caller.require(ObjectType::Contacts, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    let filter = crm_app::contacts::filter_of(q);
    Ok(crm_app::contacts::export::Contacts::new(
        caller.0.actor.clone(),
        filter,
    )?)
}

/// Export the contacts a list with these filters shows, as CSV (amounts in minor units).
///
/// Needs the `export` permission on contacts; its scope limits the rows.
#[utoipa::path(
    tag = "contacts",
    params(ContactQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export contacts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contacts/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ContactQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the contacts a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "contacts",
    params(ContactQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export contacts", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contacts/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ContactQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
