//! `GET /customers/export.xlsx`: the filtered customer list as an Excel
//! workbook, with the same columns, rows and permission as the CSV export.
//! The sheet is written in `rust_xlsxwriter`'s constant-memory mode (rows
//! go to a temporary file as they are written) page by page on one
//! connection, so memory holds one page plus the finished file.

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::customers::CustomerQuery;
use crm_db::customers::CustomerSort;
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::export::{HEADER, PAGE, record};
use super::filter_of;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Rows a worksheet holds besides its header (Excel's limit).
const MAX_ROWS: u32 = 1_048_575;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn internal(e: XlsxError) -> ApiError {
    ApiError::Internal(format!("xlsx: {e}"))
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
    caller.require(ObjectType::Customers, Action::Export)?;
    let filter = filter_of(&query.0)?;
    let max_age = state.rfm_max_age;
    let bytes = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Export)?;
            let filter = crate::analytics::prepare_filter(conn, vis.workspace_id, filter, max_age)?;
            let mut workbook = Workbook::new();
            let sheet = workbook
                .add_worksheet_with_constant_memory()
                .map_err(internal)?;
            sheet.set_name("customers").map_err(internal)?;
            let bold = Format::new().set_bold();
            for (col, title) in (0_u16..).zip(HEADER) {
                sheet
                    .write_with_format(0, col, title, &bold)
                    .map_err(internal)?;
            }
            let (mut row, mut after) = (0_u32, None);
            loop {
                let keyset = Keyset {
                    field: CustomerSort::CreatedAt,
                    direction: Direction::Asc,
                    after: after.take(),
                    limit: PAGE - 1,
                };
                let rows = crm_db::customers::list(conn, &vis, &filter, &keyset)?;
                for r in &rows {
                    row += 1;
                    if row > MAX_ROWS {
                        return Err(ApiError::Validation(crm_domain::FieldErrors::single(
                            "limit",
                            "more rows than one worksheet holds (1,048,575): use the CSV export",
                        )));
                    }
                    for (col, value) in (0_u16..).zip(record(r)) {
                        sheet.write(row, col, value).map_err(internal)?;
                    }
                }
                match rows.last() {
                    Some(last) if rows.len() as i64 == PAGE => {
                        after = Some((SortValue::Time(last.created_at), last.id.0));
                    }
                    _ => break,
                }
            }
            workbook.save_to_buffer().map_err(internal)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"customers.xlsx\"",
        ))
        .body(bytes))
}
