//! `/users`: the workspace's people (admin manages; everyone may list them
//! for owner pickers).

use actix_web::{HttpResponse, get, patch, post, web};
use crm_api_types::access::{NewUser, User, UserPatch};
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::bounded_text;
use crm_domain::{Email, FieldErrors};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, IfMatch, etag};
use crate::grants;
use crate::security::{check_password, hash_password};
use crate::state::AppState;
use crate::views::utc;

pub fn view(row: UserRow) -> User {
    User {
        id: row.id.0,
        email: row.email,
        display_name: row.display_name,
        role_id: row.role_id.0,
        team_id: row.team_id.map(Uuid::from),
        active: row.active,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// Checks that a role and team belong to the workspace (422 otherwise);
/// the role, when it does.
pub fn check_role_and_team(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    role_id: Uuid,
    team_id: Option<Uuid>,
    errors: &mut FieldErrors,
) -> Result<Option<RoleRow>, ApiError> {
    let role = match crm_db::roles::find(conn, workspace_id, role_id) {
        Ok(role) => Some(role),
        Err(crm_db::DbError::NotFound) => {
            errors.add("role_id", "is not a role of this workspace");
            None
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(team) = team_id {
        match crm_db::teams::find(conn, workspace_id, team) {
            Ok(_) => {}
            Err(crm_db::DbError::NotFound) => {
                errors.add("team_id", "is not a team of this workspace")
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(role)
}

/// Users of the workspace, by name (at most 1000).
#[utoipa::path(tag = "users", responses((status = 200, body = Page<User>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Page<User>>, ApiError> {
    caller.require_all(ObjectType::Users, Action::Read)?;
    let rows = state
        .db(move |conn| Ok(crm_db::users::list(conn, caller.workspace_id, 1000)?))
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
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
    caller.require_all(ObjectType::Users, Action::Read)?;
    let id = id.into_inner();
    let row = state
        .db(move |conn| Ok(crm_db::users::find(conn, caller.workspace_id, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}

/// Create a user with a password (at least 10 characters).
#[utoipa::path(tag = "users", request_body = NewUser, responses((status = 201, body = User), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, description = "E-mail taken", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewUser>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Users, Action::Create)?;
    let body = body.0;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(&body.email));
    let name = errors.take("display_name", bounded_text(&body.display_name, 1, 100));
    errors.take("password", check_password(&body.password));
    let row = state
        .db(move |conn| {
            let role = check_role_and_team(
                conn,
                caller.workspace_id,
                body.role_id,
                body.team_id,
                &mut errors,
            )?;
            let (Some(email), Some(name), Some(role)) = (email, name, role) else {
                return Err(ApiError::Validation(errors));
            };
            errors.into_result().map_err(ApiError::Validation)?;
            grants::may_assign(&caller, &role)?;
            if crm_db::users::find_by_email(conn, caller.workspace_id, email.as_str())?.is_some() {
                return Err(ApiError::Conflict {
                    field: "email".into(),
                    detail: "is already taken".into(),
                });
            }
            let hash = hash_password(&body.password).map_err(ApiError::internal)?;
            let new = crm_db::users::NewUser {
                email: email.as_str(),
                display_name: &name,
                password_hash: &hash,
                role_id: body.role_id,
                team_id: body.team_id,
            };
            Ok(crm_db::users::insert(conn, caller.workspace_id, &new)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", row.id)))
        .insert_header(etag(row.version))
        .json(view(row)))
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
    caller.require_all(ObjectType::Users, Action::Update)?;
    let (id, patch) = (id.into_inner(), body.0);
    let row = state
        .db(move |conn| {
            crm_db::change_log::transaction(conn, |conn| {
                let ws = caller.workspace_id;
                // Serialises admin changes, so the last-admin check holds.
                crm_db::change_log::lock_workspace(conn, ws)?;
                let current = crm_db::users::find(conn, ws, id)?;
                let current_role = crm_db::roles::find(conn, ws, current.role_id.0)?;
                grants::may_manage(&caller, &current_role)?;
                let version = if_match.check(current.version)?;
                let mut errors = FieldErrors::new();
                let display_name = match &patch.display_name {
                    Some(name) => errors.take("display_name", bounded_text(name, 1, 100)),
                    None => Some(current.display_name.clone()),
                };
                if let Some(password) = &patch.password {
                    errors.take("password", check_password(password));
                }
                let role_id = patch.role_id.unwrap_or(current.role_id.0);
                let team_id =
                    crm_api_types::patch::apply(current.team_id.map(Uuid::from), patch.team_id);
                let role = check_role_and_team(conn, ws, role_id, team_id, &mut errors)?;
                errors.into_result().map_err(ApiError::Validation)?;
                let Some(role) = role else {
                    return Err(ApiError::validation(
                        "role_id",
                        "is not a role of this workspace",
                    ));
                };
                if role.id != current_role.id {
                    grants::may_assign(&caller, &role)?;
                }
                let active = patch.active.unwrap_or(current.active);
                grants::keep_an_admin(
                    conn,
                    ws,
                    &current,
                    &current_role,
                    active && role.is_admin(),
                )?;
                let password_hash = patch
                    .password
                    .as_deref()
                    .map(hash_password)
                    .transpose()
                    .map_err(ApiError::internal)?;
                let changes = crm_db::users::UserChanges {
                    display_name: display_name.unwrap_or_default(),
                    role_id,
                    team_id,
                    active,
                    password_hash: password_hash.clone(),
                };
                let row = crm_db::users::update(conn, ws, id, version, &changes)?;
                if !active || password_hash.is_some() {
                    crm_db::auth::revoke_user(conn, ws, id)?;
                }
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}
