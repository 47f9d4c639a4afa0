//! `/activities` and `GET /customers/{id}/timeline`: the HTTP side of
//! `crm_app::activities`. Each handler reads the request, calls the use
//! case and answers; list and timeline cursors are read and made here.

pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_api_types::activities::{
    Activity, ActivityPatch, ActivityQuery, NewActivity, ReminderQuery, Reminders, TimelineEntry,
    TimelineQuery,
};
use crm_api_types::{Page, Problem};
use crm_db::activities::ActivitySort;
use crm_db::paging::SortValue;
use crm_db::timeline::TimelineKey;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{bad, page};
use crate::state::AppState;

/// Log an activity or create a task. Non-task kinds are done when logged.
#[utoipa::path(
    tag = "activities",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewActivity,
    responses(
        (status = 201, body = Activity),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/activities")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewActivity>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Activities, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/activities",
        body.0,
        |conn, caller, body| Ok(crm_app::activities::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(
    tag = "activities",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Activity), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/activities/{id}")]
pub async fn get(bearer: Bearer, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let activity = bearer
        .read_confirmed(move |conn, caller| crm_app::activities::get(conn, caller, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(activity.version))
        .json(activity))
}

const SORTS: [(&str, ActivitySort); 2] = [
    ("occurred_at", ActivitySort::OccurredAt),
    ("due_at", ActivitySort::DueAt),
];

/// List visible activities, most recent first (`done=false&due_before=…`
/// lists overdue tasks; `owner_id=…&done=false&sort=due_at` someone's to-do list, soonest first).
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses((status = 200, body = Page<Activity>), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
#[get("/activities")]
pub async fn list(
    bearer: Bearer,
    query: ApiQuery<ActivityQuery>,
) -> Result<web::Json<Page<Activity>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = crate::paging::keyset(
        Some(q.sort.as_deref().unwrap_or("-occurred_at")),
        q.cursor.as_deref(),
        q.limit,
        &SORTS,
    )?;
    let filter = crm_app::activities::filter(&q);
    let (limit, field) = (keyset.limit, keyset.field);
    let rows = bearer
        .read_confirmed(move |conn, caller| {
            crm_app::activities::list(conn, caller, &filter, &keyset)
        })
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        move |r| match field {
            ActivitySort::OccurredAt => (SortValue::Time(r.fields.occurred_at), r.id.0),
            // Sorted by due date, every row has one.
            ActivitySort::DueAt => (
                SortValue::Time(r.fields.due_at.unwrap_or(r.fields.occurred_at)),
                r.id.0,
            ),
        },
        crm_app::activities::view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// The caller's open activities that are due before `until` (the end of
/// their day; default now) or whose reminder time has come: how many, how
/// many overdue, and the first 20, soonest due first.
#[utoipa::path(
    tag = "activities",
    params(ReminderQuery),
    responses(
        (status = 200, body = Reminders),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities/reminders")]
pub async fn reminders(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ReminderQuery>,
) -> Result<web::Json<Reminders>, ApiError> {
    let q = query.0;
    let reminders = state
        .db(move |conn| Ok(crm_app::activities::reminders(conn, &caller, &q)?))
        .await?;
    Ok(web::Json(reminders))
}

/// Merge-patch an activity; `done: true` completes a task.
#[utoipa::path(
    tag = "activities",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = ActivityPatch,
    responses(
        (status = 200, body = Activity),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/activities/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ActivityPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, p) = (id.into_inner(), body.0);
    let activity = state
        .db(move |conn| {
            Ok(crm_app::activities::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                p,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(activity.version))
        .json(activity))
}

#[utoipa::path(
    tag = "activities",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/activities/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::activities::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Everything that happened to a customer, newest first: activities, stage
/// changes of its deals, orders (at their order date) and changes to the
/// record. Keyset-paginated with `next_cursor`; entries the caller may not
/// see (another rep's activity or deal) are left out.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path), TimelineQuery),
    responses(
        (status = 200, body = Page<TimelineEntry>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}/timeline")]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: ApiQuery<TimelineQuery>,
) -> Result<web::Json<Page<TimelineEntry>>, ApiError> {
    let id = id.into_inner();
    let q = query.0;
    let limit = crate::paging::limit(q.limit, 200, 25)?;
    let cursor: Option<TimelineKey> = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| bad("cursor", "is not a cursor of this list"))?,
        ),
    };
    let mut rows = state
        .db(move |conn| {
            Ok(crm_app::activities::timeline::page(
                conn,
                &caller,
                id,
                cursor.as_ref(),
                limit,
            )?)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&r.key()).unwrap_or_default()))
    } else {
        None
    };
    Ok(web::Json(Page {
        items: rows
            .into_iter()
            .map(crm_app::activities::timeline::entry)
            .collect(),
        next_cursor,
    }))
}
