//! `GET /customers/export`: the filtered customer list as CSV, streamed
//! page by page (1,000 rows per query on the keyset index), so an export
//! of a million customers holds one page in memory. UTF-8 with a BOM, which
//! Excel needs to read Chinese text correctly.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::customers::CustomerQuery;
use crm_db::customers::{CustomerRow, CustomerSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use futures_util::stream;

use super::filter_of;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

pub(super) const PAGE: i64 = 1000;

/// What the stream does next.
enum Next {
    /// Write these rows (with the header first).
    Rows(Vec<CustomerRow>, bool),
    Failed(ApiError),
    Done,
}

pub(super) const HEADER: [&str; 18] = [
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

pub(super) fn record(r: &CustomerRow) -> [String; 18] {
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

fn csv_bytes(rows: &[CustomerRow], header: bool) -> Result<Bytes, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    if header {
        out.write_record(HEADER).map_err(ApiError::internal)?;
    }
    for r in rows {
        out.write_record(record(r)).map_err(ApiError::internal)?;
    }
    let mut bytes = out.into_inner().map_err(ApiError::internal)?;
    if header {
        bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
    }
    Ok(Bytes::from(bytes))
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
    caller.require(ObjectType::Customers, Action::Export)?;
    let filter = filter_of(&query.0)?;
    // The first page is read before answering, so errors are still problem+json.
    let first = next_page(&state, &caller, &filter, None).await?;
    // Each step writes one page and reads the next; a failed read ends the
    // stream with an error, so the client sees a broken transfer rather
    // than a silently short file.
    let body = stream::unfold(Next::Rows(first, true), move |next| {
        let (state, caller, filter) = (state.clone(), caller.clone(), filter.clone());
        async move {
            let (rows, header) = match next {
                Next::Rows(rows, header) => (rows, header),
                Next::Failed(e) => return Some((Err(e), Next::Done)),
                Next::Done => return None,
            };
            let chunk = match csv_bytes(&rows, header) {
                Ok(chunk) => chunk,
                Err(e) => return Some((Err(e), Next::Done)),
            };
            let last = rows
                .last()
                .filter(|_| rows.len() as i64 == PAGE)
                .map(|r| (SortValue::Time(r.created_at), r.id.0));
            let next = match last {
                None => Next::Done,
                Some(after) => match next_page(&state, &caller, &filter, Some(after)).await {
                    Ok(rows) if rows.is_empty() => Next::Done,
                    Ok(rows) => Next::Rows(rows, false),
                    Err(e) => Next::Failed(e),
                },
            };
            Some((Ok::<Bytes, ApiError>(chunk), next))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"customers.csv\"",
        ))
        .streaming(body))
}

async fn next_page(
    state: &AppState,
    caller: &Caller,
    filter: &crm_db::customers::CustomerFilter,
    after: Option<(SortValue, uuid::Uuid)>,
) -> Result<Vec<CustomerRow>, ApiError> {
    let max_age = state.rfm_max_age;
    let (caller, filter) = (caller.clone(), filter.clone());
    state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Export)?;
            let keyset = Keyset {
                field: CustomerSort::CreatedAt,
                direction: Direction::Asc,
                after,
                limit: PAGE - 1,
            };
            let filter = crate::analytics::prepare_filter(conn, vis.workspace_id, filter, max_age)?;
            Ok(crm_db::customers::list(conn, &vis, &filter, &keyset)?)
        })
        .await
}
