//! `GET /deals/export` and `/deals/export.xlsx`: the filtered deal list,
//! oldest first on the `created_at` keyset index (paging in `crate::export`).

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::deals::DealQuery;
use crm_db::AnyConnection;
use crm_db::deals::{DealFilter, DealRow, DealSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::export::{PAGE, Table, id_text, time_text};
use crate::extract::ApiQuery;
use crate::state::AppState;

const HEADER: [&str; 17] = [
    "id",
    "external_id",
    "name",
    "customer_id",
    "pipeline_id",
    "stage_id",
    "amount_minor",
    "currency",
    "probability",
    "expected_close_date",
    "owner_id",
    "team_id",
    "lost_reason",
    "closed_at",
    "stage_changed_at",
    "created_at",
    "updated_at",
];

/// The deals a list with these filters shows, for the `export` scope.
#[derive(Clone)]
struct Deals {
    caller: Caller,
    filter: DealFilter,
}

impl Table for Deals {
    type Row = DealRow;
    const NAME: &'static str = "deals";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<DealRow>, crm_app::AppError> {
        let vis = self
            .caller
            .visibility(conn, ObjectType::Deals, Action::Export)?;
        let keyset = Keyset {
            field: DealSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::deals::list(conn, &vis, &self.filter, &keyset)?)
    }

    fn key(row: &DealRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &DealRow) -> Vec<String> {
        let f = &r.fields;
        vec![
            r.id.to_string(),
            f.external_id.clone().unwrap_or_default(),
            f.name.clone(),
            f.customer_id.to_string(),
            f.pipeline_id.to_string(),
            f.stage_id.to_string(),
            f.amount_minor.to_string(),
            f.currency.clone(),
            f.probability.to_string(),
            f.expected_close_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            id_text(f.owner_id),
            id_text(f.team_id),
            f.lost_reason.clone().unwrap_or_default(),
            f.closed_at.map(time_text).unwrap_or_default(),
            time_text(f.stage_changed_at),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}

fn table(caller: Caller, q: &DealQuery) -> Result<Deals, ApiError> {
    caller.require(ObjectType::Deals, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    let filter = DealFilter {
        pipeline_id: q.pipeline_id,
        stage_id: q.stage_id,
        customer_id: q.customer_id,
        owner_id: q.owner_id,
        external_id: q.external_id.clone(),
    };
    Ok(Deals { caller, filter })
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
    let table = table(caller, &query.0)?;
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
    let table = table(caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
