//! `/deals`: the HTTP side of `crm_app::deals` (opportunities on a
//! pipeline, their stage rules and history): each handler reads the
//! request, calls the use case and answers with status, `ETag` and
//! `Location`. List paging (sort names, cursors) is read here.

pub mod batch;
pub mod export;
pub mod lines;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::deals::{Deal, DealPatch, DealQuery, NewDeal, StageChange};
use crm_api_types::{Page, Problem};
use crm_db::deals::DealSort;
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, DealSort); 3] = [
    ("created_at", DealSort::CreatedAt),
    ("updated_at", DealSort::UpdatedAt),
    ("stage_changed_at", DealSort::StageChangedAt),
];

/// Create a deal; stage defaults to the pipeline's first, probability to the stage's.
#[utoipa::path(
    tag = "deals",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewDeal,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Deal),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/deals")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewDeal>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Deals, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/deals",
        body.0,
        |conn, caller, body| Ok(crm_app::deals::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Deal),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deals/{id}")]
pub async fn get(bearer: Bearer, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let deal = bearer
        .read_confirmed(move |conn, caller| crm_app::deals::get(conn, caller, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(deal.version))
        .json(deal))
}

/// List visible deals; `stage_id` with `sort=-stage_changed_at` pages one kanban column.
#[utoipa::path(
    tag = "deals",
    params(DealQuery),
    responses(
        (status = 200, body = Page<Deal>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deals")]
pub async fn list(
    bearer: Bearer,
    query: ApiQuery<DealQuery>,
) -> Result<web::Json<Page<Deal>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = crm_app::deals::filter(&q);
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = bearer
        .read_confirmed(move |conn, caller| crm_app::deals::list(conn, caller, &filter, &keyset))
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                DealSort::CreatedAt => r.created_at,
                DealSort::UpdatedAt => r.updated_at,
                DealSort::StageChangedAt => r.fields.stage_changed_at,
            };
            (SortValue::Time(v), r.id.0)
        },
        crm_app::deals::view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch a deal; a new `stage_id` moves it (kanban drag-and-drop).
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = DealPatch,
    responses(
        (status = 200, body = Deal),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "E.g. a stage of another pipeline, or lost without `lost_reason`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/deals/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<DealPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch) = (id.into_inner(), body.0);
    let deal = state
        .db(move |conn| {
            Ok(crm_app::deals::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(deal.version))
        .json(deal))
}

/// Create or update the deal with this external id (merge patch; a create
/// needs `name`, `amount` and `customer_external_id` or `customer_id` —
/// send those as a `NewDeal`-shaped body). 201 when created, 200 when it existed.
#[utoipa::path(
    tag = "deals",
    params(("external_id" = String, Path), ("If-Match" = Option<String>, Header)),
    request_body = NewDeal,
    responses(
        (status = 200, body = Deal),
        (status = 201, body = Deal),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/deals/by-external-id/{external_id}")]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (key, body) = (external_id.into_inner(), body.0);
    let (deal, created) = state
        .db(move |conn| {
            Ok(crm_app::deals::upsert(
                conn,
                &caller,
                key,
                if_match.expected(),
                body,
            )?)
        })
        .await?;
    let location = format!("/api/v1/deals/{}", deal.id);
    Ok(crate::upsert::answer(created, location, deal.version, deal))
}

/// Read the deal with this external id (your system's key for it).
///
/// The same record and `ETag` as `GET /deals/{id}`; 404 when no live deal
/// has this key in your workspace or you may not see it.
#[utoipa::path(
    tag = "deals",
    params(("external_id" = String, Path, description = "The deal's key in your system")),
    responses(
        (status = 200, description = "The deal; `ETag` carries its version", body = Deal),
        (status = 404, description = "No such deal, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deals/by-external-id/{external_id}")]
pub async fn get_by_external_id(
    bearer: Bearer,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = bearer
        .read_confirmed(move |conn, caller| crm_app::deals::get_by_external_id(conn, caller, &key))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.version))
        .json(record))
}

/// The deal's stage history, oldest first (creation included).
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<StageChange>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/deals/{id}/stage-changes")]
pub async fn stage_changes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<StageChange>>, ApiError> {
    let id = id.into_inner();
    let changes = state
        .db(move |conn| Ok(crm_app::deals::stage_changes(conn, &caller, id)?))
        .await?;
    Ok(web::Json(changes))
}

#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/deals/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::deals::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
