//! `GET /contacts/export` and `/contacts/export.xlsx`: the filtered contact list,
//! oldest first on the `created_at` keyset index (paging in `crate::export`).

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::contacts::ContactQuery;
use crm_db::AnyConnection;
use crm_db::contacts::{ContactFilter, ContactRow, ContactSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::export::{PAGE, Table, time_text};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::naive;

const HEADER: [&str; 11] = [
    "id",
    "external_id",
    "customer_id",
    "name",
    "title",
    "department",
    "email",
    "phone",
    "is_primary",
    "created_at",
    "updated_at",
];

/// The contacts a list with these filters shows, for the `export` scope.
#[derive(Clone)]
struct Contacts {
    caller: Caller,
    filter: ContactFilter,
}

impl Table for Contacts {
    type Row = ContactRow;
    const NAME: &'static str = "contacts";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<ContactRow>, crm_app::AppError> {
        let vis = self
            .caller
            .visibility(conn, ObjectType::Contacts, Action::Export)?;
        let keyset = Keyset {
            field: ContactSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::contacts::list(conn, &vis, &self.filter, &keyset)?)
    }

    fn key(row: &ContactRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &ContactRow) -> Vec<String> {
        let f = &r.fields;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            r.id.to_string(),
            text(&f.external_id),
            f.customer_id.to_string(),
            f.name.clone(),
            text(&f.title),
            text(&f.department),
            text(&f.email),
            text(&f.phone),
            f.is_primary.to_string(),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}

fn table(caller: Caller, q: &ContactQuery) -> Result<Contacts, ApiError> {
    caller.require(ObjectType::Contacts, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    let filter = ContactFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        customer_id: q.customer_id,
        updated_from: q.updated_since.map(naive),
    };
    Ok(Contacts { caller, filter })
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
