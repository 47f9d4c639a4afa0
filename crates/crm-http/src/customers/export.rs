//! `GET /customers/export` and `/customers/export.xlsx`: the filtered
//! customer list as CSV (streamed) or an Excel workbook, oldest first on the
//! `created_at` keyset index (paging in `crate::export`).

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::customers::CustomerQuery;
use crm_db::AnyConnection;
use crm_db::customers::{CustomerFilter, CustomerRow, CustomerSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use super::filter_of;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::export::{PAGE, Table};
use crate::extract::ApiQuery;
use crate::state::AppState;

const HEADER: [&str; 18] = [
    "id",
    "external_id",
    "kind",
    "name",
    "owner_id",
    "team_id",
    "industry",
    "size_band",
    "email",
    "phone",
    "country_code",
    "province_code",
    "city_code",
    "district_code",
    "lifecycle_stage",
    "source",
    "created_at",
    "updated_at",
];

fn record(r: &CustomerRow) -> [String; 18] {
    let f = &r.fields;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.id.to_string(),
        text(&f.external_id),
        f.kind.clone(),
        f.name.clone(),
        f.owner_id.map(|i| i.to_string()).unwrap_or_default(),
        f.team_id.map(|i| i.to_string()).unwrap_or_default(),
        text(&f.industry),
        text(&f.size_band),
        text(&f.email),
        text(&f.phone),
        text(&f.country_code),
        text(&f.province_code),
        text(&f.city_code),
        text(&f.district_code),
        text(&f.lifecycle_stage),
        text(&f.source),
        r.created_at.and_utc().to_rfc3339(),
        r.updated_at.and_utc().to_rfc3339(),
    ]
}

/// The customers a list with these filters shows, for the caller's
/// `export` scope.
#[derive(Clone)]
struct Customers {
    caller: Caller,
    filter: CustomerFilter,
    freshness: crm_app::analytics::rfm::Freshness,
}

impl Table for Customers {
    type Row = CustomerRow;
    const NAME: &'static str = "customers";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<CustomerRow>, crm_app::AppError> {
        let vis = self
            .caller
            .visibility(conn, ObjectType::Customers, Action::Export)?;
        let keyset = Keyset {
            field: CustomerSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        let filter = crate::analytics::prepare_filter(
            conn,
            vis.workspace_id,
            self.filter.clone(),
            &self.freshness,
        )?;
        Ok(crm_db::customers::list(conn, &vis, &filter, &keyset)?)
    }

    fn key(row: &CustomerRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(row: &CustomerRow) -> Vec<String> {
        record(row).to_vec()
    }
}

fn table(state: &AppState, caller: Caller, query: &CustomerQuery) -> Result<Customers, ApiError> {
    caller.require(ObjectType::Customers, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        query.sort.as_deref(),
        query.cursor.as_deref(),
        query.limit,
        &super::SORTS,
    )?;
    Ok(Customers {
        filter: filter_of(query)?,
        caller,
        freshness: state.rfm_freshness(),
    })
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
