//! `/custom-fields`: definitions of the extra fields on customers and contacts.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::custom_fields::{
    CustomFieldDef, CustomFieldPatch, CustomFieldQuery, NewCustomFieldDef,
};
use crm_api_types::{Page, Problem};
use crm_db::custom_fields::{CustomFieldRow, CustomFieldWrite};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::custom_field::{FieldEntity, FieldType, check_options, parse_key};
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;
use crate::views::utc;

pub fn view(row: CustomFieldRow) -> CustomFieldDef {
    CustomFieldDef {
        id: row.id.0,
        entity: FieldEntity::parse(&row.entity).unwrap_or(FieldEntity::Customer),
        field_type: FieldType::parse(&row.field_type).unwrap_or(FieldType::Text),
        options: row.options(),
        key: row.key,
        label: row.label,
        required: row.required,
        position: row.position,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

#[utoipa::path(tag = "custom_fields", params(CustomFieldQuery), responses((status = 200, body = Page<CustomFieldDef>)))]
#[get("/custom-fields")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<CustomFieldQuery>,
) -> Result<web::Json<Page<CustomFieldDef>>, ApiError> {
    caller.require_all(ObjectType::CustomFields, Action::Read)?;
    let entity = query.0.entity.map(|e| e.as_str());
    let rows = state
        .db(move |conn| {
            Ok(crm_db::custom_fields::list(
                conn,
                caller.workspace_id,
                entity,
            )?)
        })
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
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
    let body = body.0;
    let mut errors = FieldErrors::new();
    let key = errors.take("key", parse_key(&body.key));
    let label = errors.take("label", bounded_text(&body.label, 1, 100));
    errors.take("options", check_options(body.field_type, &body.options));
    errors.into_result().map_err(ApiError::Validation)?;
    let (key, label) = (key.unwrap_or_default(), label.unwrap_or_default());
    let path = "/api/v1/custom-fields";
    idempotency::create(
        &state,
        caller,
        request_key,
        path,
        body,
        move |conn, caller, body| {
            let write = CustomFieldWrite {
                entity: body.entity.as_str(),
                key: &key,
                label: &label,
                field_type: body.field_type.as_str(),
                options: &body.options,
                required: body.required,
                position: body.position,
            };
            Ok(view(crm_db::custom_fields::insert(
                conn,
                caller.workspace_id,
                &write,
            )?))
        },
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
    let row = state
        .db(move |conn| {
            let current = crm_db::custom_fields::find(conn, caller.workspace_id, id)?;
            let version = if_match.check(current.version)?;
            let def = current.def();
            let mut errors = FieldErrors::new();
            let label = errors.take(
                "label",
                bounded_text(patch.label.as_deref().unwrap_or(&current.label), 1, 100),
            );
            let options = patch.options.unwrap_or(def.options);
            errors.take("options", check_options(def.field_type, &options));
            errors.into_result().map_err(ApiError::Validation)?;
            let write = CustomFieldWrite {
                entity: &current.entity,
                key: &current.key,
                label: &label.unwrap_or_default(),
                field_type: &current.field_type,
                options: &options,
                required: patch.required.unwrap_or(current.required),
                position: patch.position.unwrap_or(current.position),
            };
            Ok(crm_db::custom_fields::update(
                conn,
                caller.workspace_id,
                id,
                version,
                &write,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
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
        .db(move |conn| {
            Ok(crm_db::custom_fields::delete(
                conn,
                caller.workspace_id,
                id,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
