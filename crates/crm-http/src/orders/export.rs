//! `GET /orders/export` and `/orders/export.xlsx`: the filtered order list,
//! one row per order with its totals, oldest first on the `created_at`
//! keyset index (paging in `crate::export`).

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::orders::OrderQuery;
use crm_db::AnyConnection;
use crm_db::orders::{OrderFilter, OrderRow, OrderSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::export::{PAGE, Table};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::naive;

const HEADER: [&str; 14] = [
    "id",
    "external_id",
    "customer_id",
    "order_date",
    "status",
    "currency",
    "subtotal_minor",
    "discount_minor",
    "total_minor",
    "owner_id",
    "team_id",
    "note",
    "created_at",
    "updated_at",
];

/// The orders a list with these filters shows, for the `export` scope.
#[derive(Clone)]
struct Orders {
    caller: Caller,
    filter: OrderFilter,
}

impl Table for Orders {
    type Row = OrderRow;
    const NAME: &'static str = "orders";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<OrderRow>, crm_app::AppError> {
        let vis = self
            .caller
            .visibility(conn, ObjectType::Orders, Action::Export)?;
        let keyset = Keyset {
            field: OrderSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::orders::list(conn, &vis, &self.filter, &keyset)?)
    }

    fn key(row: &OrderRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &OrderRow) -> Vec<String> {
        let f = &r.fields;
        let id = |v: Option<crm_db::types::Id>| v.map(|i| i.to_string()).unwrap_or_default();
        vec![
            r.id.to_string(),
            f.external_id.clone().unwrap_or_default(),
            f.customer_id.to_string(),
            f.order_date.to_string(),
            f.status.clone(),
            f.currency.clone(),
            f.subtotal_minor.to_string(),
            f.discount_minor.to_string(),
            f.total_minor.to_string(),
            id(f.owner_id),
            id(f.team_id),
            f.note.clone().unwrap_or_default(),
            r.created_at.and_utc().to_rfc3339(),
            r.updated_at.and_utc().to_rfc3339(),
        ]
    }
}

fn table(caller: Caller, q: &OrderQuery) -> Result<Orders, ApiError> {
    caller.require(ObjectType::Orders, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    let filter = OrderFilter {
        customer_id: q.customer_id,
        status: q.status.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
        external_id: q.external_id.clone(),
        date_from: q.date_from,
        date_to: q.date_to,
        updated_from: q.updated_since.map(naive),
    };
    Ok(Orders { caller, filter })
}

/// Export the orders a list with these filters shows, as CSV (amounts in
/// minor units, one row per order).
///
/// Needs the `export` permission on orders; its scope limits the rows.
#[utoipa::path(
    tag = "orders",
    params(OrderQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export orders", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the orders a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "orders",
    params(OrderQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export orders", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
