//! `/segments`: saved rule-based customer segments. A segment stores the
//! customer-list filters (fields and order metrics); its members are
//! whoever matches when asked, within the caller's visibility. Members are
//! listed and exported by `GET /customers?segment_id=…` and
//! `/customers/export?segment_id=…`, portrayed by
//! `/analytics/portrait?segment_id=…`; every analytics endpoint takes it.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::segments::{NewSegment, Segment, SegmentPatch, SegmentRules};
use crm_api_types::{Page, Problem};
use crm_db::segments::{SegmentFields, SegmentRow};
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use crate::caller::Caller;
use crate::customers::filter_of;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;
use crate::views::utc;

pub(crate) use crm_app::segments::rules_of;

fn view(row: SegmentRow, member_count: Option<i64>) -> Result<Segment, ApiError> {
    Ok(Segment {
        rules: rules_of(&row)?,
        id: row.id.0,
        name: row.name,
        description: row.description,
        member_count,
        created_by: row.created_by.map(|id| id.0),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// Checks name, description and rules (a region code must exist as a
/// code; a segment may not build on another one) and makes the row fields.
fn fields_of(
    name: &str,
    description: Option<String>,
    rules: SegmentRules,
) -> Result<SegmentFields, ApiError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(name, 1, 100));
    let description = match description {
        Some(d) => errors.take("description", multiline_text(&d, 0, 1000)),
        None => None,
    };
    if let Err(crm_app::AppError::BadInput { errors: bad, .. }) =
        filter_of(&rules.customer_filters())
    {
        for (field, messages) in bad.0 {
            for message in messages {
                errors.add(format!("rules.{field}"), message);
            }
        }
    }
    for (field, value) in [
        ("min_orders", rules.min_orders),
        ("max_orders", rules.max_orders),
    ] {
        if value.is_some_and(|n| n < 0) {
            errors.add(format!("rules.{field}"), "must be 0 or more");
        }
    }
    errors.into_result().map_err(ApiError::Validation)?;
    let rules = serde_json::to_value(&rules).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(SegmentFields {
        name: name.unwrap_or_default(),
        description: description.filter(|d| !d.is_empty()),
        rules: Json(rules),
    })
}

/// List the workspace's saved segments by name (without member counts).
#[utoipa::path(tag = "segments", responses((status = 200, body = Page<Segment>)))]
#[get("/segments")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Segment>>, ApiError> {
    caller.require_all(ObjectType::Segments, Action::Read)?;
    let rows = state
        .db(move |conn| Ok(crm_db::segments::list(conn, caller.workspace_id)?))
        .await?;
    let items = rows
        .into_iter()
        .map(|row| view(row, None))
        .collect::<Result<_, _>>()?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// A segment with the number of its members the caller may see.
#[utoipa::path(tag = "segments", params(("id" = Uuid, Path)), responses((status = 200, body = Segment), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/segments/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Segments, Action::Read)?;
    let id = id.into_inner();
    let freshness = state.rfm_freshness();
    let segment = state
        .db(move |conn| {
            let row = crm_db::segments::find(conn, caller.workspace_id, id)?;
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            let filter = crm_db::customers::CustomerFilter {
                segment_id: Some(id),
                ..Default::default()
            };
            let filter =
                crate::analytics::prepare_filter(conn, vis.workspace_id, filter, &freshness)?;
            let members = crm_db::analytics::count_members(conn, &vis, &filter)?;
            view(row, Some(members))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(segment.version))
        .json(segment))
}

#[utoipa::path(tag = "segments", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewSegment, responses((status = 201, body = Segment), (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/segments")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewSegment>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Segments, Action::Create)?;
    let body = body.0;
    let fields = fields_of(&body.name, body.description.clone(), body.rules.clone())?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/segments",
        body,
        move |conn, caller, _body| {
            let row = crm_db::segments::insert(
                conn,
                caller.workspace_id,
                Some(caller.user_id()),
                &fields,
            )?;
            view(row, None)
        },
    )
    .await
}

#[utoipa::path(tag = "segments", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = SegmentPatch, responses((status = 200, body = Segment), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/segments/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<SegmentPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Segments, Action::Update)?;
    let (id, patch) = (id.into_inner(), body.0);
    let segment = state
        .db(move |conn| {
            let current = crm_db::segments::find(conn, caller.workspace_id, id)?;
            let version = if_match.check(current.version)?;
            let rules = match patch.rules {
                Some(rules) => rules,
                None => rules_of(&current)?,
            };
            let name = patch.name.unwrap_or_else(|| current.name.clone());
            let description =
                crm_api_types::patch::apply(current.description.clone(), patch.description);
            let fields = fields_of(&name, description, rules)?;
            let row = crm_db::segments::update(
                conn,
                caller.workspace_id,
                id,
                version,
                Some(caller.user_id()),
                &fields,
            )?;
            view(row, None)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(segment.version))
        .json(segment))
}

#[utoipa::path(tag = "segments", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/segments/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Segments, Action::Delete)?;
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_db::segments::delete(conn, caller.workspace_id, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
