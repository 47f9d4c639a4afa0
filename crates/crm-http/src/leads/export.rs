//! `GET /leads/export` and `/leads/export.xlsx`: the filtered lead list,
//! oldest first on the `created_at` keyset index (paging in `crate::export`).

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::leads::LeadQuery;
use crm_db::AnyConnection;
use crm_db::leads::{LeadFilter, LeadRow, LeadSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::export::{PAGE, Table, id_text, time_text};
use crate::extract::ApiQuery;
use crate::state::AppState;

const HEADER: [&str; 20] = [
    "id",
    "external_id",
    "status",
    "source",
    "company_name",
    "person_name",
    "title",
    "email",
    "phone",
    "province_code",
    "city_code",
    "owner_id",
    "team_id",
    "disqualified_reason",
    "converted_customer_id",
    "converted_deal_id",
    "converted_at",
    "note",
    "created_at",
    "updated_at",
];

/// The leads a list with these filters shows, for the `export` scope.
#[derive(Clone)]
struct Leads {
    caller: Caller,
    filter: LeadFilter,
}

impl Table for Leads {
    type Row = LeadRow;
    const NAME: &'static str = "leads";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<LeadRow>, crm_app::AppError> {
        let vis = self
            .caller
            .visibility(conn, ObjectType::Leads, Action::Export)?;
        let keyset = Keyset {
            field: LeadSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::leads::list(conn, &vis, &self.filter, &keyset)?)
    }

    fn key(row: &LeadRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &LeadRow) -> Vec<String> {
        let f = &r.fields;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            r.id.to_string(),
            text(&f.external_id),
            f.status.clone(),
            text(&f.source),
            text(&f.company_name),
            f.person_name.clone(),
            text(&f.title),
            text(&f.email),
            text(&f.phone),
            text(&f.province_code),
            text(&f.city_code),
            id_text(f.owner_id),
            id_text(f.team_id),
            text(&f.disqualified_reason),
            id_text(f.converted_customer_id),
            id_text(f.converted_deal_id),
            f.converted_at.map(time_text).unwrap_or_default(),
            text(&f.note),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}

fn table(caller: Caller, q: &LeadQuery) -> Result<Leads, ApiError> {
    caller.require(ObjectType::Leads, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    let filter = LeadFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        status: q.status.map(|s| s.as_str().to_owned()),
        source: q.source.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
    };
    Ok(Leads { caller, filter })
}

/// Export the leads a list with these filters shows, as CSV.
///
/// Needs the `export` permission on leads; its scope limits the rows.
#[utoipa::path(
    tag = "leads",
    params(LeadQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export leads", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leads/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<LeadQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the leads a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "leads",
    params(LeadQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export leads", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leads/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<LeadQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
