//! `/leads`: the HTTP side of `crm_app::leads` (prospects, their
//! qualification and conversion): each handler reads the request, calls
//! the use case and answers with status and `ETag`. List paging is read here.

pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::leads::{Conversion, ConvertLead, Lead, LeadPatch, LeadQuery, NewLead};
use crm_api_types::{Page, Problem};
use crm_db::leads::LeadSort;
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, LeadSort); 2] = [
    ("created_at", LeadSort::CreatedAt),
    ("updated_at", LeadSort::UpdatedAt),
];

/// Create a lead; it starts as `new`, owned by the caller unless `owner_id` says otherwise.
#[utoipa::path(
    tag = "leads",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewLead,
    responses(
        (status = 201, body = Lead),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leads")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewLead>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Leads, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/leads",
        body.0,
        |conn, caller, body| Ok(crm_app::leads::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Lead), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/leads/{id}")]
pub async fn get(bearer: Bearer, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let lead = bearer
        .read_confirmed(move |conn, caller| crm_app::leads::get(conn, caller, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(lead.version))
        .json(lead))
}

/// List visible leads, newest first; keyset-paginated.
#[utoipa::path(
    tag = "leads",
    params(LeadQuery),
    responses((status = 200, body = Page<Lead>), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
#[get("/leads")]
pub async fn list(
    bearer: Bearer,
    query: ApiQuery<LeadQuery>,
) -> Result<web::Json<Page<Lead>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = crm_app::leads::filter(&q);
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = bearer
        .read_confirmed(move |conn, caller| crm_app::leads::list(conn, caller, &filter, &keyset))
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                LeadSort::CreatedAt => r.created_at,
                LeadSort::UpdatedAt => r.updated_at,
            };
            (SortValue::Time(v), r.id.0)
        },
        crm_app::leads::view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch a lead (qualify, disqualify with a reason, reassign …).
#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = LeadPatch,
    responses(
        (status = 200, body = Lead),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lead is converted: it can no longer change", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/leads/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<LeadPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch) = (id.into_inner(), body.0);
    let lead = state
        .db(move |conn| {
            Ok(crm_app::leads::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(lead.version))
        .json(lead))
}

/// Convert a lead: create its customer (organisation when it names a
/// company, else the person) or link `customer_id`, add the person as a
/// contact, optionally open a deal, and mark the lead converted — all or
/// nothing. A converted or disqualified lead is 409.
#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = ConvertLead,
    responses(
        (status = 200, body = Conversion),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already converted, or disqualified", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leads/{id}/convert")]
pub async fn convert(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    body: ApiJson<ConvertLead>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let path: &'static str = "/api/v1/leads/convert";
    idempotency::batch(
        &state,
        caller,
        key,
        path,
        (id, body.0),
        move |conn, caller, (id, body)| {
            Ok(crm_app::leads::conversion::convert_in(
                conn, caller, id, body,
            )?)
        },
    )
    .await
}

#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/leads/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::leads::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
