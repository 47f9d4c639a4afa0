//! Writing one contact: create, merge-patch, soft-delete and upsert by
//! external id. Each change goes to the change log in the write's
//! transaction with the values before and after. The `_in` variants run
//! inside a transaction the caller holds (with the workspace lock), for an
//! idempotent create or a lead conversion.

use crm_api_types::contacts::{Contact, ContactPatch, NewContact};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use super::{ENTITY, Input, find_for, resolve_customer, validate, view};
use crate::upsert::{present_values, require_for_create, same_key};
use crate::{Actor, AppError, Expected};

/// Creates a contact of an organisation customer the actor may see.
pub fn create(conn: &mut AnyConnection, actor: &Actor, b: NewContact) -> Result<Contact, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, b)
    })
}

/// [`create`] inside the caller's transaction (the workspace lock taken).
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    b: NewContact,
) -> Result<Contact, AppError> {
    actor.require(ObjectType::Contacts, Action::Create)?;
    let ws = actor.workspace_id;
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
    let fields = validate(conn, actor, Action::Create, input)?;
    let row = crm_db::contacts::insert(conn, ws, Some(actor.user_id()), &fields)?;
    let changed = field_names(&fields);
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    actor.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

/// Merge-patches a contact the actor may update; its customer may be
/// named by `customer_external_id`. Nothing changed writes and logs nothing.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    p: ContactPatch,
) -> Result<Contact, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        update_in(conn, actor, id, expected, p)
    })
}

/// [`update`] inside the caller's transaction (the workspace lock taken).
pub fn update_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    mut p: ContactPatch,
) -> Result<Contact, AppError> {
    let ws = actor.workspace_id;
    let current = find_for(conn, actor, id, Action::Update)?;
    resolve_customer(conn, actor, Action::Update, &mut p)?;
    let version = expected.check(current.version)?;
    let input = Input::patched(&current, p);
    let fields = validate(conn, actor, Action::Update, input)?;
    let changed = changed_fields(&current.fields, &fields);
    if changed.is_empty() {
        return Ok(view(current));
    }
    let row = crm_db::contacts::update(conn, ws, id, version, Some(actor.user_id()), &fields)?;
    let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&fields));
    actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
    Ok(view(row))
}

/// Soft-deletes a contact the actor may delete; the change log keeps the
/// values it had.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        let ws = actor.workspace_id;
        lock_workspace(conn, ws)?;
        let current = find_for(conn, actor, id, Action::Delete)?;
        let version = expected.check(current.version)?;
        crm_db::contacts::soft_delete(conn, ws, id, version, Some(actor.user_id()))?;
        let values =
            crm_db::change_log::values(&field_names(&current.fields), Some(&current.fields), None);
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], values)?;
        Ok(())
    })
}

/// The create body a patch describes; `customer_id` (or
/// `customer_external_id`, resolved before) and `name` are required.
fn to_new(p: ContactPatch, external_id: String) -> Result<NewContact, AppError> {
    require_for_create(
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
        custom_fields: present_values(p.custom_fields),
    })
}

/// Creates or updates the contact with this external id (a merge patch,
/// like `update`); `true` when it was created. Creating needs
/// `customer_id` and `name`; a patch `external_id` must equal `external_id`.
pub fn upsert(
    conn: &mut AnyConnection,
    actor: &Actor,
    external_id: String,
    expected: Expected,
    patch: ContactPatch,
) -> Result<(Contact, bool), AppError> {
    same_key(&patch.external_id, &external_id)?;
    transaction(conn, |conn| {
        let ws = actor.workspace_id;
        lock_workspace(conn, ws)?;
        match crm_db::contacts::id_by_external_id(conn, ws, &external_id)? {
            Some(id) => Ok((update_in(conn, actor, id, expected, patch)?, false)),
            None => {
                actor.require(ObjectType::Contacts, Action::Create)?;
                let mut patch = patch;
                resolve_customer(conn, actor, Action::Create, &mut patch)?;
                let new = to_new(patch, external_id)?;
                Ok((create_in(conn, actor, new)?, true))
            }
        }
    })
}
