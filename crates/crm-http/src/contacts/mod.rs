//! `/contacts`: people at organisation customers. A contact is visible and
//! editable exactly when its customer is, under the `contacts` permission.

pub mod batch;
pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use crm_api_types::contacts::{Contact, ContactPatch, ContactQuery, NewContact};
use crm_api_types::patch::apply;
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, lock_workspace, transaction};
use crm_db::contacts::{ContactFields, ContactFilter, ContactRow, ContactSort};
use crm_db::customers::CustomerRow;
use crm_db::paging::SortValue;
use crm_db::types::{Id, Json};
use crm_domain::access::{Action, ObjectType};
use crm_domain::custom_field::{FieldDef, FieldEntity, validate_values};
use crm_domain::customer::CustomerKind;
use crm_domain::validation::bounded_text;
use crm_domain::{Email, FieldErrors, Phone};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;
use crate::views::{naive, object, utc};

pub const ENTITY: &str = crm_db::change_log::CONTACT;

const SORTS: [(&str, ContactSort); 3] = [
    ("created_at", ContactSort::CreatedAt),
    ("updated_at", ContactSort::UpdatedAt),
    ("name", ContactSort::Name),
];

pub fn view(row: ContactRow) -> Contact {
    let f = row.fields;
    Contact {
        id: row.id.0,
        customer_id: f.customer_id.0,
        name: f.name,
        title: f.title,
        department: f.department,
        email: f.email,
        phone: f.phone,
        is_primary: f.is_primary,
        external_id: f.external_id,
        custom_fields: object(&f.custom_fields.0),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// The writable state of a contact before validation.
struct Input {
    customer_id: Uuid,
    name: String,
    title: Option<String>,
    department: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    is_primary: bool,
    external_id: Option<String>,
    custom_fields: Map<String, Value>,
}

fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value.filter(|v| !v.trim().is_empty())?;
    errors.take(field, bounded_text(&value, 1, max))
}

/// The contact custom-field definitions of the workspace.
fn contact_defs(conn: &mut AnyConnection, ws: Uuid) -> Result<Vec<FieldDef>, ApiError> {
    Ok(
        crm_db::custom_fields::list(conn, ws, Some(FieldEntity::Contact.as_str()))?
            .iter()
            .map(|r| r.def())
            .collect(),
    )
}

/// Validates a contact; the customer must be an organisation visible under `action`.
fn validate(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: Action,
    input: Input,
) -> Result<ContactFields, ApiError> {
    let vis = caller.visibility(conn, ObjectType::Contacts, action)?;
    let customer = match crm_db::customers::find(conn, &vis, input.customer_id) {
        Ok(customer) => Some(customer),
        Err(crm_db::DbError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let defs = contact_defs(conn, caller.workspace_id)?;
    check(input, customer.as_ref(), &defs).map_err(ApiError::Validation)
}

/// Checks a contact's values; `customer` is its customer when the caller
/// may see it for the write at hand.
fn check(
    input: Input,
    customer: Option<&CustomerRow>,
    defs: &[FieldDef],
) -> Result<ContactFields, FieldErrors> {
    let mut errors = FieldErrors::new();
    match customer {
        Some(c) if c.fields.kind == CustomerKind::Organization.as_str() => {}
        Some(_) => errors.add(
            "customer_id",
            "contacts belong to organisation customers, not persons",
        ),
        None => errors.add("customer_id", "is not a customer you can see"),
    }
    let name = errors
        .take("name", bounded_text(&input.name, 1, 100))
        .unwrap_or_default();
    let title = text(&mut errors, "title", input.title, 100);
    let department = text(&mut errors, "department", input.department, 100);
    let external_id = text(&mut errors, "external_id", input.external_id, 100);
    let email = input.email.filter(|v| !v.trim().is_empty()).and_then(|v| {
        errors
            .take("email", Email::parse(&v))
            .map(Email::into_string)
    });
    let phone = input.phone.filter(|v| !v.trim().is_empty()).and_then(|v| {
        errors
            .take("phone", Phone::parse(&v))
            .map(Phone::into_string)
    });
    let custom_fields = match validate_values(defs, &input.custom_fields) {
        Ok(clean) => clean,
        Err(e) => {
            errors.merge(e);
            Map::new()
        }
    };
    errors.into_result()?;
    Ok(ContactFields {
        customer_id: Id(input.customer_id),
        name,
        title,
        department,
        email,
        phone,
        is_primary: input.is_primary,
        external_id,
        custom_fields: Json(Value::Object(custom_fields)),
        search_text: String::new(),
    }
    .with_search_text())
}

/// Names the patch's customer by id when it names it by `customer_external_id`
/// (a customer the caller may see for `action`).
fn resolve_customer(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: Action,
    p: &mut ContactPatch,
) -> Result<(), ApiError> {
    let Some(key) = p.customer_external_id.take() else {
        return Ok(());
    };
    let vis = caller.visibility(conn, ObjectType::Contacts, action)?;
    let found = crm_db::customers::find_many(conn, caller.workspace_id, Some(&vis), &[], &[key])?;
    match (found.first(), p.customer_id) {
        (None, _) => Err(ApiError::validation(
            "customer_external_id",
            "is not a customer you can see",
        )),
        (Some(c), Some(id)) if c.id.0 != id => Err(ApiError::validation(
            "customer_external_id",
            "names another customer than customer_id",
        )),
        (Some(c), _) => {
            p.customer_id = Some(c.id.0);
            Ok(())
        }
    }
}

/// Creates a contact inside the caller's transaction (the workspace lock taken).
pub(crate) fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    b: NewContact,
) -> Result<Contact, ApiError> {
    let ws = caller.workspace_id;
    let input = Input {
        customer_id: b.customer_id,
        name: b.name,
        title: b.title,
        department: b.department,
        email: b.email,
        phone: b.phone,
        is_primary: b.is_primary,
        external_id: b.external_id,
        custom_fields: b.custom_fields,
    };
    let fields = validate(conn, caller, Action::Create, input)?;
    let row = crm_db::contacts::insert(conn, ws, Some(caller.user_id()), &fields)?;
    let changed = changed_fields(
        &serde_json::json!({}),
        &serde_json::to_value(&fields).unwrap_or_default(),
    );
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    caller.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

/// Merge-patches a visible contact inside the caller's transaction.
pub(crate) fn update_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    if_match: IfMatch,
    mut p: ContactPatch,
) -> Result<Contact, ApiError> {
    let ws = caller.workspace_id;
    let current = find_for(conn, caller, id, Action::Update)?;
    resolve_customer(conn, caller, Action::Update, &mut p)?;
    let version = if_match.check(current.version)?;
    let f = current.fields.clone();
    let mut custom = object(&f.custom_fields.0);
    for (key, value) in p.custom_fields.unwrap_or_default() {
        if value.is_null() {
            custom.remove(&key);
        } else {
            custom.insert(key, value);
        }
    }
    let input = Input {
        customer_id: p.customer_id.unwrap_or(f.customer_id.0),
        name: p.name.unwrap_or(f.name),
        title: apply(f.title, p.title),
        department: apply(f.department, p.department),
        email: apply(f.email, p.email),
        phone: apply(f.phone, p.phone),
        is_primary: p.is_primary.unwrap_or(f.is_primary),
        external_id: apply(f.external_id, p.external_id),
        custom_fields: custom,
    };
    let fields = validate(conn, caller, Action::Update, input)?;
    let changed = changed_fields(&current.fields, &fields);
    if changed.is_empty() {
        return Ok(view(current));
    }
    let row = crm_db::contacts::update(conn, ws, id, version, Some(caller.user_id()), &fields)?;
    let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&fields));
    caller.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
    Ok(view(row))
}

#[utoipa::path(tag = "contacts", params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h")), request_body = NewContact, responses((status = 201, body = Contact), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/contacts")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewContact>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Contacts, Action::Create)?;
    idempotency::create(&state, caller, key, "/api/v1/contacts", body.0, create_in).await
}

#[utoipa::path(tag = "contacts", params(("id" = Uuid, Path)), responses((status = 200, body = Contact), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/contacts/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Contacts, Action::Read)?;
            Ok(crm_db::contacts::find(conn, &vis, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(row.version))
        .json(view(row)))
}

/// List contacts whose customers are visible to the caller.
#[utoipa::path(tag = "contacts", params(ContactQuery), responses((status = 200, body = Page<Contact>), (status = 400, body = Problem, content_type = "application/problem+json")))]
#[get("/contacts")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ContactQuery>,
) -> Result<web::Json<Page<Contact>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = ContactFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        customer_id: q.customer_id,
        updated_from: q.updated_since.map(naive),
    };
    let field = keyset.field;
    let limit = keyset.limit;
    let rows = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Contacts, Action::Read)?;
            Ok(crm_db::contacts::list(conn, &vis, &filter, &keyset)?)
        })
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                ContactSort::CreatedAt => SortValue::Time(r.created_at),
                ContactSort::UpdatedAt => SortValue::Time(r.updated_at),
                ContactSort::Name => SortValue::Text(r.fields.name.clone()),
            };
            (v, r.id.0)
        },
        view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Finds a contact visible for reading, then requires the action's scope (403).
fn find_for(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> Result<ContactRow, ApiError> {
    let read = caller.visibility(conn, ObjectType::Contacts, Action::Read)?;
    let row = crm_db::contacts::find(conn, &read, id)?;
    let act = caller.visibility(conn, ObjectType::Contacts, action)?;
    match crm_db::contacts::find(conn, &act, id) {
        Ok(_) => Ok(row),
        Err(crm_db::DbError::NotFound) => Err(ApiError::Forbidden(format!(
            "your role may not {action} this contact"
        ))),
        Err(e) => Err(e.into()),
    }
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
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                update_in(conn, &caller, id, if_match, p)
            })
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
            transaction(conn, |conn| {
                let ws = caller.workspace_id;
                lock_workspace(conn, ws)?;
                let current = find_for(conn, &caller, id, Action::Delete)?;
                let version = if_match.check(current.version)?;
                crm_db::contacts::soft_delete(conn, ws, id, version, Some(caller.user_id()))?;
                caller.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The create body a patch describes; `customer_id` (or
/// `customer_external_id`, resolved before) and `name` are required.
fn to_new(p: ContactPatch, external_id: String) -> Result<NewContact, ApiError> {
    crate::upsert::require_for_create(
        &[
            ("customer_id", p.customer_id.is_some()),
            ("name", p.name.is_some()),
        ],
        "contact",
    )?;
    Ok(NewContact {
        customer_id: p.customer_id.unwrap_or_default(),
        name: p.name.unwrap_or_default(),
        title: p.title.flatten(),
        department: p.department.flatten(),
        email: p.email.flatten(),
        phone: p.phone.flatten(),
        is_primary: p.is_primary.unwrap_or(false),
        external_id: Some(external_id),
        custom_fields: crate::upsert::present_values(p.custom_fields),
    })
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
    crate::upsert::same_key(&patch.external_id, &external_id)?;
    let (contact, was_created) = state
        .db(move |conn| {
            transaction(conn, |conn| {
                let ws = caller.workspace_id;
                lock_workspace(conn, ws)?;
                match crm_db::contacts::id_by_external_id(conn, ws, &external_id)? {
                    Some(id) => Ok((update_in(conn, &caller, id, if_match, patch)?, false)),
                    None => {
                        caller.require(ObjectType::Contacts, Action::Create)?;
                        let mut patch = patch;
                        resolve_customer(conn, &caller, Action::Create, &mut patch)?;
                        let new = to_new(patch, external_id)?;
                        Ok((create_in(conn, &caller, new)?, true))
                    }
                }
            })
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
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let record = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Contacts, Action::Read)?;
            let id = crm_db::contacts::id_by_external_id(conn, caller.workspace_id, &key)?
                .ok_or(ApiError::NotFound)?;
            Ok(view(crm_db::contacts::find(conn, &vis, id)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.version))
        .json(record))
}
