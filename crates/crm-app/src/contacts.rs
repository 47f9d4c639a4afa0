//! Contacts: people at organisation customers. A contact is visible and
//! editable exactly when its customer is, under the `contacts` permission.
//! Reading and the rules (validation, the customer named by external id)
//! here; writing one record (create, merge-patch, delete, upsert by
//! external id) in [`write`], many at once in [`batch`]; the export table
//! in [`export`].

pub mod batch;
pub mod export;
pub mod write;

use crm_api_types::contacts::{Contact, ContactPatch, ContactQuery};
use crm_db::AnyConnection;
use crm_db::contacts::{ContactFields, ContactFilter, ContactRow, ContactSort};
use crm_db::customers::CustomerRow;
use crm_db::paging::Keyset;
use crm_db::types::{Id, Json};
use crm_domain::access::{Action, ObjectType};
use crm_domain::custom_field::{FieldDef, FieldEntity, validate_values};
use crm_domain::customer::CustomerKind;
use crm_domain::validation::bounded_text;
use crm_domain::{Email, FieldErrors, Phone};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use self::write::{create, create_in, delete, update, update_in, upsert};
use crate::views::{naive, object, utc};
use crate::{Actor, AppError};

pub const ENTITY: &str = crm_db::change_log::CONTACT;

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
pub(crate) struct Input {
    pub customer_id: Uuid,
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_primary: bool,
    pub external_id: Option<String>,
    pub custom_fields: Map<String, Value>,
}

impl Input {
    /// The stored contact with a merge patch applied (absent = unchanged,
    /// `null` = cleared; a `null` custom field is removed).
    pub(crate) fn patched(row: &ContactRow, p: ContactPatch) -> Self {
        use crm_api_types::patch::apply;
        let f = row.fields.clone();
        let mut custom = object(&f.custom_fields.0);
        for (key, value) in p.custom_fields.unwrap_or_default() {
            if value.is_null() {
                custom.remove(&key);
            } else {
                custom.insert(key, value);
            }
        }
        Input {
            customer_id: p.customer_id.unwrap_or(f.customer_id.0),
            name: p.name.unwrap_or(f.name),
            title: apply(f.title, p.title),
            department: apply(f.department, p.department),
            email: apply(f.email, p.email),
            phone: apply(f.phone, p.phone),
            is_primary: p.is_primary.unwrap_or(f.is_primary),
            external_id: apply(f.external_id, p.external_id),
            custom_fields: custom,
        }
    }
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
pub(crate) fn contact_defs(conn: &mut AnyConnection, ws: Uuid) -> Result<Vec<FieldDef>, AppError> {
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
    actor: &Actor,
    action: Action,
    input: Input,
) -> Result<ContactFields, AppError> {
    let vis = actor.visibility(conn, ObjectType::Contacts, action)?;
    let customer = match crm_db::customers::find(conn, &vis, input.customer_id) {
        Ok(customer) => Some(customer),
        Err(crm_db::DbError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let defs = contact_defs(conn, actor.workspace_id)?;
    check(input, customer.as_ref(), &defs).map_err(AppError::Validation)
}

/// Checks a contact's values; `customer` is its customer when the actor
/// may see it for the write at hand.
pub(crate) fn check(
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
/// (a customer the actor may see for `action`).
fn resolve_customer(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: Action,
    p: &mut ContactPatch,
) -> Result<(), AppError> {
    let Some(key) = p.customer_external_id.take() else {
        return Ok(());
    };
    let vis = actor.visibility(conn, ObjectType::Contacts, action)?;
    let found = crm_db::customers::find_many(conn, actor.workspace_id, Some(&vis), &[], &[key])?;
    match (found.first(), p.customer_id) {
        (None, _) => Err(AppError::validation(
            "customer_external_id",
            "is not a customer you can see",
        )),
        (Some(c), Some(id)) if c.id.0 != id => Err(AppError::validation(
            "customer_external_id",
            "names another customer than customer_id",
        )),
        (Some(c), _) => {
            p.customer_id = Some(c.id.0);
            Ok(())
        }
    }
}

/// Finds a contact visible for reading (else `NotFound`), then requires
/// the action's scope (`Forbidden`).
fn find_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<ContactRow, AppError> {
    let read = actor.visibility(conn, ObjectType::Contacts, Action::Read)?;
    let row = crm_db::contacts::find(conn, &read, id)?;
    let act = actor.visibility(conn, ObjectType::Contacts, action)?;
    match crm_db::contacts::find(conn, &act, id) {
        Ok(_) => Ok(row),
        Err(crm_db::DbError::NotFound) => Err(AppError::Forbidden(format!(
            "your role may not {action} this contact"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The contact-list query as a database filter.
pub fn filter_of(q: &ContactQuery) -> ContactFilter {
    ContactFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        customer_id: q.customer_id,
        updated_from: q.updated_since.map(naive),
    }
}

/// A contact the actor may read.
///
/// With the workspace's access counter as the record's own statement read
/// it, for [`crate::auth::read_as`].
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Contact, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Contacts, Action::Read)?;
    let (row, access) = crm_db::contacts::find_confirming(conn, &vis, id)?;
    Ok((view(row), Some(access)))
}

/// The live contact with this external id, if the actor may read it.
pub fn get_by_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: &str,
) -> Result<(Contact, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Contacts, Action::Read)?;
    let id = crm_db::contacts::id_by_external_id(conn, actor.workspace_id, key)?
        .ok_or(AppError::NotFound)?;
    let (row, access) = crm_db::contacts::find_confirming(conn, &vis, id)?;
    Ok((view(row), Some(access)))
}

/// One keyset page of the contacts (of customers) the actor may read, and
/// the access counter its statement saw, for [`crate::auth::read_as`].
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &ContactFilter,
    keyset: &Keyset<ContactSort>,
) -> Result<(Vec<Contact>, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Contacts, Action::Read)?;
    let (rows, access) = crm_db::contacts::list(conn, &vis, filter, keyset)?;
    Ok((rows.into_iter().map(view).collect(), access))
}
