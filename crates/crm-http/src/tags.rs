//! `/tags`: the workspace's static tags.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::tags::{NewTag, Tag, TagPatch, TagRef};
use crm_api_types::{Page, Problem};
use crm_db::tags::TagRow;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;
use crate::views::utc;

pub fn view(row: TagRow) -> Tag {
    Tag {
        id: row.id.0,
        name: row.name,
        color: row.color,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

pub fn reference(row: TagRow) -> TagRef {
    TagRef {
        id: row.id.0,
        name: row.name,
        color: row.color,
    }
}

fn check_color(color: Option<&str>) -> Result<(), &'static str> {
    match color {
        Some(c)
            if !(c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())) =>
        {
            Err("must be a colour like #1677ff")
        }
        _ => Ok(()),
    }
}

#[utoipa::path(tag = "tags", responses((status = 200, body = Page<Tag>)))]
#[get("/tags")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Tag>>, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Read)?;
    let rows = state
        .db(move |conn| Ok(crm_db::tags::list(conn, caller.workspace_id)?))
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(tag = "tags", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewTag, responses((status = 201, body = Tag), (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/tags")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewTag>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Create)?;
    let body = body.0;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(&body.name, 1, 50));
    errors.take("color", check_color(body.color.as_deref()));
    errors.into_result().map_err(ApiError::Validation)?;
    let name = name.unwrap_or_default();
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/tags",
        body,
        move |conn, caller, body| {
            let row =
                crm_db::tags::insert(conn, caller.workspace_id, &name, body.color.as_deref())?;
            Ok(view(row))
        },
    )
    .await
}

#[utoipa::path(tag = "tags", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = TagPatch, responses((status = 200, body = Tag), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json")))]
#[patch("/tags/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<TagPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Update)?;
    let (id, patch) = (id.into_inner(), body.0);
    let row = state
        .db(move |conn| {
            let current = crm_db::tags::find(conn, caller.workspace_id, id)?;
            let version = if_match.check(current.version)?;
            let mut errors = FieldErrors::new();
            let name = errors.take(
                "name",
                bounded_text(patch.name.as_deref().unwrap_or(&current.name), 1, 50),
            );
            let color = crm_api_types::patch::apply(current.color.clone(), patch.color);
            errors.take("color", check_color(color.as_deref()));
            errors.into_result().map_err(ApiError::Validation)?;
            Ok(crm_db::tags::update(
                conn,
                caller.workspace_id,
                id,
                version,
                &name.unwrap_or_default(),
                color.as_deref(),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}

/// Delete a tag and remove it from every customer.
#[utoipa::path(tag = "tags", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/tags/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Tags, Action::Delete)?;
    let id = id.into_inner();
    state
        .db(move |conn| {
            crm_db::change_log::transaction(conn, |conn| {
                Ok(crm_db::tags::delete(conn, caller.workspace_id, id)?)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
