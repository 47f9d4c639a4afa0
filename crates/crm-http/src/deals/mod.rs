//! `/deals`: opportunities on a pipeline. A deal's stage must belong to its
//! pipeline; moving it records the change with its time, resets the
//! probability to the stage's default unless one is sent, and closes the
//! deal on a won or lost stage (lost needs a reason). Visibility follows the
//! deal's own owner and team, as for customers.

pub mod batch;
pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::deals::{Deal, DealPatch, DealQuery, NewDeal, StageChange};
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::deals::{DealFilter, DealRow, DealSort};
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType, Ownership, Scope};
use crm_domain::money::Money;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;
use crate::views::utc;

pub const ENTITY: &str = crm_db::change_log::DEAL;

const SORTS: [(&str, DealSort); 3] = [
    ("created_at", DealSort::CreatedAt),
    ("updated_at", DealSort::UpdatedAt),
    ("stage_changed_at", DealSort::StageChangedAt),
];

pub fn view(row: DealRow) -> Deal {
    let f = row.fields;
    Deal {
        id: row.id.0,
        pipeline_id: f.pipeline_id.0,
        stage_id: f.stage_id.0,
        customer_id: f.customer_id.0,
        external_id: f.external_id,
        name: f.name,
        amount: Money {
            amount_minor: f.amount_minor,
            currency: f.currency,
        },
        probability: f.probability,
        expected_close_date: f.expected_close_date,
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        lost_reason: f.lost_reason,
        closed_at: f.closed_at.map(utc),
        stage_changed_at: utc(f.stage_changed_at),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

mod rules;

use rules::{as_patch, resolve};

pub(crate) fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    body: NewDeal,
) -> Result<Deal, ApiError> {
    let scope = caller.require(ObjectType::Deals, Action::Create)?;
    let (patch, new_deal) = as_patch(body);
    let fields = resolve(conn, caller, None, patch, Some(new_deal), scope)?;
    let changed = field_names(&fields);
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    let row = crm_db::deals::insert(conn, caller.workspace_id, Some(caller.user_id()), fields)?;
    caller.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

/// The visible deal whose ownership the action's scope covers.
fn find_for(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> Result<(DealRow, Scope), ApiError> {
    let read = caller.visibility(conn, ObjectType::Deals, Action::Read)?;
    let current = crm_db::deals::find(conn, &read, id)?;
    let scope = caller.require(ObjectType::Deals, action)?;
    let principal = caller.principal(conn, scope)?;
    let ownership = Ownership {
        owner_id: current.fields.owner_id.map(Uuid::from),
        team_id: current.fields.team_id.map(Uuid::from),
    };
    if !scope.covers(&principal, ownership) {
        return Err(ApiError::Forbidden(format!(
            "your role may not {action} this deal"
        )));
    }
    Ok((current, scope))
}

fn update_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    if_match: IfMatch,
    patch: DealPatch,
) -> Result<Deal, ApiError> {
    let (current, scope) = find_for(conn, caller, id, Action::Update)?;
    let version = if_match.check(current.version)?;
    let fields = resolve(conn, caller, Some(&current), patch, None, scope)?;
    let mut changed = changed_fields(&current.fields, &fields);
    if fields.stage_id != current.fields.stage_id && !changed.iter().any(|f| f == "stage_id") {
        changed.push("stage_id".into());
    }
    if changed.is_empty() {
        return Ok(view(current));
    }
    let row = crm_db::deals::update(conn, &current, version, Some(caller.user_id()), fields)?;
    let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&row.fields));
    caller.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
    Ok(view(row))
}

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
    idempotency::create(&state, caller, key, "/api/v1/deals", body.0, create_in).await
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
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let deal = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Deals, Action::Read)?;
            Ok(view(crm_db::deals::find(conn, &vis, id)?))
        })
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
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<DealQuery>,
) -> Result<web::Json<Page<Deal>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = DealFilter {
        pipeline_id: q.pipeline_id,
        stage_id: q.stage_id,
        customer_id: q.customer_id,
        owner_id: q.owner_id,
        external_id: q.external_id,
    };
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Deals, Action::Read)?;
            Ok(crm_db::deals::list(conn, &vis, &filter, &keyset)?)
        })
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
        view,
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
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                update_in(conn, &caller, id, if_match, patch)
            })
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
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                match crm_db::deals::id_by_external_id(conn, caller.workspace_id, &key)? {
                    Some(id) => {
                        // A deal the caller may not see or change is 404, before
                        // anything about it (its customer) can show in an error.
                        let read = caller.visibility(conn, ObjectType::Deals, Action::Read)?;
                        crm_db::deals::find(conn, &read, id)?;
                        // A full record resent names the deal's own customer; another is refused.
                        let mut body = body;
                        let named = batch::take_customer(&mut body);
                        if named.id.is_some() || named.key.is_some() {
                            let keys: Vec<String> = named.key.iter().cloned().collect();
                            let known =
                                rules::Known::load(conn, &caller, &[], &keys, &[], Scope::Own)?;
                            for current in
                                crm_db::deals::find_many(conn, caller.workspace_id, &[id], &[])?
                            {
                                batch::same_customer(&known, &current, &named)
                                    .map_err(|e| ApiError::from(e.into_app()))?;
                            }
                        }
                        let patch: DealPatch = crate::extract::parse_value(body)?;
                        crate::upsert::same_key(&patch.external_id, &key)?;
                        Ok((update_in(conn, &caller, id, if_match, patch)?, false))
                    }
                    None => {
                        let mut new: NewDeal = crate::extract::parse_value(body)?;
                        if new.external_id.as_ref().is_some_and(|e| e != &key) {
                            return Err(ApiError::validation(
                                "external_id",
                                "must equal the external id in the path",
                            ));
                        }
                        new.external_id = Some(key);
                        Ok((create_in(conn, &caller, new)?, true))
                    }
                }
            })
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
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Deals, Action::Read)?;
            let id = crm_db::deals::id_by_external_id(conn, caller.workspace_id, &key)?
                .ok_or(ApiError::NotFound)?;
            Ok(view(crm_db::deals::find(conn, &vis, id)?))
        })
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
    let rows = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Deals, Action::Read)?;
            crm_db::deals::find(conn, &vis, id)?;
            Ok(crm_db::deals::stage_changes(conn, caller.workspace_id, id)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| StageChange {
                from_stage_id: r.from_stage_id.map(Uuid::from),
                to_stage_id: r.to_stage_id.0,
                actor_id: r.actor_id.map(Uuid::from),
                at: utc(r.at),
            })
            .collect(),
    ))
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
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                let (current, _) = find_for(conn, &caller, id, Action::Delete)?;
                let version = if_match.check(current.version)?;
                crm_db::deals::soft_delete(conn, &current, version, Some(caller.user_id()))?;
                Ok(caller.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
