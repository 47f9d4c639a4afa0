//! `GET /activities/export` and `/activities/export.xlsx`: the filtered
//! activity list, newest `occurred_at` first like the list (paging in `crate::export`).

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::activities::ActivityQuery;
use crm_db::AnyConnection;
use crm_db::activities::{ActivityFilter, ActivityRow};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::export::{PAGE, Table, id_text, time_text};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::naive;

const HEADER: [&str; 16] = [
    "id",
    "kind",
    "subject",
    "body",
    "customer_id",
    "contact_id",
    "lead_id",
    "deal_id",
    "occurred_at",
    "due_at",
    "done",
    "done_at",
    "owner_id",
    "team_id",
    "created_at",
    "updated_at",
];

/// The activities a list with these filters shows, for the `export` scope.
#[derive(Clone)]
struct Activities {
    caller: Caller,
    filter: ActivityFilter,
}

impl Table for Activities {
    type Row = ActivityRow;
    const NAME: &'static str = "activities";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<ActivityRow>, crm_app::AppError> {
        let vis = self
            .caller
            .visibility(conn, ObjectType::Activities, Action::Export)?;
        let keyset = Keyset {
            field: (),
            direction: Direction::Desc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::activities::list(conn, &vis, &self.filter, &keyset)?)
    }

    fn key(row: &ActivityRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.fields.occurred_at), row.id.0)
    }

    fn record(r: &ActivityRow) -> Vec<String> {
        let f = &r.fields;
        vec![
            r.id.to_string(),
            f.kind.clone(),
            f.subject.clone(),
            f.body.clone().unwrap_or_default(),
            id_text(f.customer_id),
            id_text(f.contact_id),
            id_text(f.lead_id),
            id_text(f.deal_id),
            time_text(f.occurred_at),
            f.due_at.map(time_text).unwrap_or_default(),
            f.done.to_string(),
            f.done_at.map(time_text).unwrap_or_default(),
            id_text(f.owner_id),
            id_text(f.team_id),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}

fn table(caller: Caller, q: &ActivityQuery) -> Result<Activities, ApiError> {
    caller.require(ObjectType::Activities, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        Some("-occurred_at"),
        q.cursor.as_deref(),
        q.limit,
        &[("occurred_at", ())],
    )?;
    let filter = ActivityFilter {
        kind: q.kind.map(|k| k.as_str().to_owned()),
        customer_id: q.customer_id,
        contact_id: q.contact_id,
        lead_id: q.lead_id,
        deal_id: q.deal_id,
        owner_id: q.owner_id,
        done: q.done,
        due_before: q.due_before.map(naive),
    };
    Ok(Activities { caller, filter })
}

/// Export the activities a list with these filters shows, as CSV.
///
/// Needs the `export` permission on activities; its scope limits the rows.
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export activities", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the activities a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export activities", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
