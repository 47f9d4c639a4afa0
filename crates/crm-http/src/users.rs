//! `/users`: the HTTP side of `crm_app::users` (the workspace's people:
//! admin manages; everyone may list them for owner pickers).

use actix_web::{HttpResponse, get, patch, post, web};
use crm_api_types::access::{NewUser, User, UserPatch};
use crm_api_types::{Page, Problem};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::state::AppState;

/// Users of the workspace, by name (at most 1000).
#[utoipa::path(tag = "users", responses((status = 200, body = Page<User>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<User>>, ApiError> {
    let items = state
        .db(move |conn| Ok(crm_app::users::list(conn, &caller)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(tag = "users", params(("id" = Uuid, Path)), responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = state
        .db(move |conn| Ok(crm_app::users::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(user))
}

/// Create a user with a password (at least 10 characters).
#[utoipa::path(tag = "users", request_body = NewUser, responses((status = 201, body = User), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, description = "E-mail taken", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let user = state
        .db(move |conn| Ok(crm_app::users::create(conn, &caller, body)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .insert_header(etag(user.version))
        .json(user))
}

/// Update a user; `active: false` also signs them out everywhere.
#[utoipa::path(tag = "users", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = UserPatch, responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "The change would leave the workspace without an active administrator", body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch, expected) = (id.into_inner(), body.0, if_match.expected());
    let user = state
        .db(move |conn| Ok(crm_app::users::update(conn, &caller, id, expected, patch)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(user))
}
