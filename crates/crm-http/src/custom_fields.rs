//! `/custom-fields`: definitions of the extra fields on customers and
//! contacts (the use cases are `crm_app::custom_fields`).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::custom_fields::{
    CustomFieldDef, CustomFieldPatch, CustomFieldQuery, NewCustomFieldDef,
};
use crm_api_types::{Page, Problem};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

#[utoipa::path(tag = "custom_fields", params(CustomFieldQuery), responses((status = 200, body = Page<CustomFieldDef>)))]
#[get("/custom-fields")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<CustomFieldQuery>,
) -> Result<web::Json<Page<CustomFieldDef>>, ApiError> {
    caller.require_all(ObjectType::CustomFields, Action::Read)?;
    let entity = query.0.entity;
    let items = state
        .db(move |conn| Ok(crm_app::custom_fields::list(conn, &caller, entity)?))
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(tag = "custom_fields", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewCustomFieldDef, responses((status = 201, body = CustomFieldDef), (status = 409, description = "Key taken", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/custom-fields")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    request_key: IdempotencyKey,
    body: ApiJson<NewCustomFieldDef>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::CustomFields, Action::Create)?;
    crm_app::custom_fields::check_new(&body.0)?;
    idempotency::create(
        &state,
        caller,
        request_key,
        "/api/v1/custom-fields",
        body.0,
        |conn, caller, body| Ok(crm_app::custom_fields::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(tag = "custom_fields", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = CustomFieldPatch, responses((status = 200, body = CustomFieldDef), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/custom-fields/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<CustomFieldPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::CustomFields, Action::Update)?;
    let (id, patch) = (id.into_inner(), body.0);
    let def = state
        .db(move |conn| {
            Ok(crm_app::custom_fields::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(def.version))
        .json(def))
}

/// Delete a definition; values already stored stay in the records but are no longer validated or shown.
#[utoipa::path(tag = "custom_fields", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/custom-fields/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::CustomFields, Action::Delete)?;
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::custom_fields::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
