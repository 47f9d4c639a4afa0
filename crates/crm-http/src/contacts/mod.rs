//! `/contacts`: people at organisation customers (the use cases are
//! `crm_app::contacts`). A contact is visible and editable exactly when its
//! customer is, under the `contacts` permission.

pub mod batch;
pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::contacts::{Contact, ContactPatch, ContactQuery, NewContact};
use crm_api_types::{Page, Problem};
use crm_db::contacts::ContactSort;
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, ContactSort); 3] = [
    ("created_at", ContactSort::CreatedAt),
    ("updated_at", ContactSort::UpdatedAt),
    ("name", ContactSort::Name),
];

#[utoipa::path(tag = "contacts", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewContact, responses((status = 201, body = Contact), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/contacts")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewContact>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Contacts, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/contacts",
        body.0,
        |conn, caller, body| Ok(crm_app::contacts::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(tag = "contacts", params(("id" = Uuid, Path)), responses((status = 200, body = Contact), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/contacts/{id}")]
pub async fn get(bearer: Bearer, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let contact = bearer
        .read_confirmed(move |conn, caller| crm_app::contacts::get(conn, caller, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(contact.version))
        .json(contact))
}

/// List contacts whose customers are visible to the caller.
#[utoipa::path(tag = "contacts", params(ContactQuery), responses((status = 200, body = Page<Contact>), (status = 400, body = Problem, content_type = "application/problem+json")))]
#[get("/contacts")]
pub async fn list(
    bearer: Bearer,
    query: ApiQuery<ContactQuery>,
) -> Result<web::Json<Page<Contact>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = crm_app::contacts::filter_of(&q);
    let field = keyset.field;
    let limit = keyset.limit;
    let contacts = bearer
        .read_confirmed(move |conn, caller| crm_app::contacts::list(conn, caller, &filter, &keyset))
        .await?;
    let (items, next_cursor) = page(
        contacts,
        limit,
        &sort_key,
        |c| {
            let v = match field {
                ContactSort::CreatedAt => SortValue::Time(c.created_at.naive_utc()),
                ContactSort::UpdatedAt => SortValue::Time(c.updated_at.naive_utc()),
                ContactSort::Name => SortValue::Text(c.name.clone()),
            };
            (v, c.id)
        },
        |c| c,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

#[utoipa::path(tag = "contacts", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = ContactPatch, responses((status = 200, body = Contact), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[patch("/contacts/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ContactPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, p) = (id.into_inner(), body.0);
    let contact = state
        .db(move |conn| {
            Ok(crm_app::contacts::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                p,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(contact.version))
        .json(contact))
}

#[utoipa::path(tag = "contacts", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)), responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json")))]
#[delete("/contacts/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::contacts::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create or update the contact with this external id: 201 when created,
/// 200 when it existed (merge patch, like `PATCH`). Creating needs
/// `customer_id` and `name`; a body `external_id` must equal the path's.
#[utoipa::path(
    tag = "contacts",
    params(
        ("external_id" = String, Path, description = "The contact's key in your system"),
        ("If-Match" = Option<String>, Header, description = "When updating: ETag of the version you read"),
    ),
    request_body = ContactPatch,
    responses(
        (status = 200, description = "Updated", body = Contact),
        (status = 201, description = "Created; `Location` names it", body = Contact),
        (status = 404, description = "The record exists but is not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/contacts/by-external-id/{external_id}")]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<ContactPatch>,
) -> Result<HttpResponse, ApiError> {
    let (external_id, patch) = (external_id.into_inner(), body.0);
    let expected = if_match.expected();
    let (contact, was_created) = state
        .db(move |conn| {
            Ok(crm_app::contacts::upsert(
                conn,
                &caller,
                external_id,
                expected,
                patch,
            )?)
        })
        .await?;
    let location = format!("/api/v1/contacts/{}", contact.id);
    Ok(crate::upsert::answer(
        was_created,
        location,
        contact.version,
        contact,
    ))
}

/// Read the contact with this external id (your system's key for it).
///
/// The same record and `ETag` as `GET /contacts/{id}`; 404 when no live contact
/// has this key in your workspace or you may not see it.
#[utoipa::path(
    tag = "contacts",
    params(("external_id" = String, Path, description = "The contact's key in your system")),
    responses(
        (status = 200, description = "The contact; `ETag` carries its version", body = Contact),
        (status = 404, description = "No such contact, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contacts/by-external-id/{external_id}")]
pub async fn get_by_external_id(
    bearer: Bearer,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = bearer
        .read_confirmed(move |conn, caller| {
            crm_app::contacts::get_by_external_id(conn, caller, &key)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.version))
        .json(record))
}
