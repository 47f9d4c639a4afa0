//! `/teams`: the team tree (parent team, manager) scopes are computed from.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::access::{NewTeam, Team, TeamPatch};
use crm_api_types::patch::apply;
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::teams::{TeamFields, TeamRow};
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

pub fn view(row: TeamRow) -> Team {
    Team {
        id: row.id.0,
        name: row.name,
        parent_id: row.parent_id.map(Uuid::from),
        manager_id: row.manager_id.map(Uuid::from),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// Checks name, parent (exists, no cycle) and manager (a user of the workspace).
fn check(
    conn: &mut AnyConnection,
    ws: Uuid,
    team: Option<Uuid>,
    name: &str,
    parent: Option<Uuid>,
    manager: Option<Uuid>,
) -> Result<TeamFields, ApiError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(name, 1, 100));
    let all = crm_db::teams::list(conn, ws)?;
    if let Some(parent) = parent {
        if !all.iter().any(|t| t.id.0 == parent) {
            errors.add("parent_id", "is not a team of this workspace");
        } else if team.is_some_and(|t| t == parent || crm_db::teams::would_cycle(&all, t, parent)) {
            errors.add("parent_id", "would make the team its own ancestor");
        }
    }
    if let Some(manager) = manager {
        match crm_db::users::find(conn, ws, manager) {
            Ok(_) => {}
            Err(crm_db::DbError::NotFound) => {
                errors.add("manager_id", "is not a user of this workspace")
            }
            Err(e) => return Err(e.into()),
        }
    }
    errors.into_result().map_err(ApiError::Validation)?;
    Ok(TeamFields {
        name: name.unwrap_or_default(),
        parent_id: parent,
        manager_id: manager,
    })
}

#[utoipa::path(tag = "teams", responses((status = 200, body = Page<Team>), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/teams")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<Team>>, ApiError> {
    caller.require_all(ObjectType::Teams, Action::Read)?;
    let rows = state
        .db(move |conn| Ok(crm_db::teams::list(conn, caller.workspace_id)?))
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(tag = "teams", params(("id" = Uuid, Path)), responses((status = 200, body = Team), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/teams/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Teams, Action::Read)?;
    let id = id.into_inner();
    let row = state
        .db(move |conn| Ok(crm_db::teams::find(conn, caller.workspace_id, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}

#[utoipa::path(tag = "teams", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewTeam, responses((status = 201, body = Team), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/teams")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewTeam>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Teams, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/teams",
        body.0,
        |conn, caller, body| {
            let ws = caller.workspace_id;
            let fields = check(conn, ws, None, &body.name, body.parent_id, body.manager_id)?;
            Ok(view(crm_db::teams::insert(conn, ws, &fields)?))
        },
    )
    .await
}

#[utoipa::path(tag = "teams", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = TeamPatch, responses((status = 200, body = Team), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "The name is taken by another team", body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/teams/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<TeamPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Teams, Action::Update)?;
    let (id, patch) = (id.into_inner(), body.0);
    let row = state
        .db(move |conn| {
            let ws = caller.workspace_id;
            let current = crm_db::teams::find(conn, ws, id)?;
            let version = if_match.check(current.version)?;
            let name = patch.name.unwrap_or(current.name);
            let parent = apply(current.parent_id.map(Uuid::from), patch.parent_id);
            let manager = apply(current.manager_id.map(Uuid::from), patch.manager_id);
            let fields = check(conn, ws, Some(id), &name, parent, manager)?;
            Ok(crm_db::teams::update(conn, ws, id, version, &fields)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}

/// Delete a team that has no members, child teams or customers (409 otherwise).
#[utoipa::path(tag = "teams", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
#[delete("/teams/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Teams, Action::Delete)?;
    let id = id.into_inner();
    state
        .db(move |conn| {
            crm_db::teams::find(conn, caller.workspace_id, id)?;
            if crm_db::teams::in_use(conn, caller.workspace_id, id)? {
                return Err(ApiError::Conflict {
                    field: "id".into(),
                    detail: "the team still has members, child teams or customers".into(),
                });
            }
            Ok(crm_db::teams::delete(conn, caller.workspace_id, id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
