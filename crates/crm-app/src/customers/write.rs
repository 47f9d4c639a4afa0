//! Writing one customer: create, merge-patch and soft-delete (with its
//! contacts). Each change goes to the change log in the write's
//! transaction, with the values before and after (tag ids under `tags`).
//! The `_in` variants run inside a transaction the caller holds (with the
//! workspace lock), for an idempotent create, an upsert or a lead conversion.

use crm_api_types::customers::{Customer, CustomerPatch, NewCustomer};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::customers::CustomerFields;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use serde::Serialize;
use uuid::Uuid;

use super::input::{Input, check_ownership, validate};
use super::{ENTITY, find_for, with_tags};
use crate::lookups::Lookups;
use crate::{Actor, AppError, Expected};

/// A customer's fields with its tag ids, as the change log records them.
#[derive(Serialize)]
pub(crate) struct Logged<'a> {
    #[serde(flatten)]
    pub fields: &'a CustomerFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a [Uuid]>,
}

/// Creates a customer: owner defaults to the actor, team to the owner's.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewCustomer,
) -> Result<Customer, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, body)
    })
}

/// [`create`] inside the caller's transaction (the workspace lock taken).
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewCustomer,
) -> Result<Customer, AppError> {
    let scope = actor.require(ObjectType::Customers, Action::Create)?;
    let ws = actor.workspace_id;
    let tag_ids = body.tag_ids.clone();
    let mut input = Input::from(body);
    input.owner_id = input.owner_id.or(Some(actor.user_id()));
    let mut errors = FieldErrors::new();
    let lookups = &mut Lookups::default();
    let mut fields = validate(conn, lookups, ws, &input, &mut errors)?;
    let tags = crate::tags::check_ids(conn, ws, &tag_ids, &mut errors)?;
    let principal = actor.principal(conn, scope)?;
    check_ownership(
        conn,
        lookups,
        ws,
        &mut fields,
        false,
        (scope, &principal),
        None,
        &mut errors,
    )?;
    errors.into_result().map_err(AppError::Validation)?;
    if let Some(ext) = &fields.external_id
        && crm_db::customers::external_id_taken(conn, ws, ext, None)?
    {
        return Err(AppError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    let row = crm_db::customers::insert(conn, ws, Some(actor.user_id()), &fields)?;
    crm_db::tags::set_for_customer(conn, ws, row.id.0, &tags)?;
    let mut changed = field_names(&fields);
    changed.push("tags".into());
    let after = Logged {
        fields: &fields,
        tags: Some(&tags),
    };
    let values = crm_db::change_log::values(&changed, None, Some(&after));
    actor.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    with_tags(conn, ws, row)
}

/// Merge-patches a customer the actor may update (absent = unchanged,
/// `null` = cleared); a new owner without a team moves it to the owner's
/// team. Nothing changed writes and logs nothing.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: CustomerPatch,
) -> Result<Customer, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        update_in(conn, actor, id, expected, patch)
    })
}

/// [`update`] inside the caller's transaction (the workspace lock taken).
pub fn update_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: CustomerPatch,
) -> Result<Customer, AppError> {
    let ws = actor.workspace_id;
    let (current, scope, principal) = find_for(conn, actor, id, Action::Update)?;
    let version = expected.check(current.version)?;
    let tag_ids = patch.tag_ids.clone();
    let (input, team_from_owner) = Input::from_row(&current).apply(patch);
    let mut errors = FieldErrors::new();
    let lookups = &mut Lookups::default();
    let mut fields = validate(conn, lookups, ws, &input, &mut errors)?;
    let tags = match &tag_ids {
        Some(ids) => Some(crate::tags::check_ids(conn, ws, ids, &mut errors)?),
        None => None,
    };
    check_ownership(
        conn,
        lookups,
        ws,
        &mut fields,
        team_from_owner,
        (scope, &principal),
        Some(current.fields.team_id.map(Uuid::from)),
        &mut errors,
    )?;
    errors.into_result().map_err(AppError::Validation)?;
    if let Some(ext) = &fields.external_id
        && crm_db::customers::external_id_taken(conn, ws, ext, Some(id))?
    {
        return Err(AppError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    let mut changed = changed_fields(&current.fields, &fields);
    let mut tags_before = None;
    if let Some(tags) = &tags {
        let mut before: Vec<Uuid> = crm_db::tags::of_customers(conn, ws, &[id])?
            .remove(&id)
            .unwrap_or_default()
            .iter()
            .map(|t| t.id.0)
            .collect();
        before.sort();
        if &before != tags {
            crm_db::tags::set_for_customer(conn, ws, id, tags)?;
            changed.push("tags".into());
            tags_before = Some(before);
        }
    }
    if changed.is_empty() {
        return with_tags(conn, ws, current);
    }
    let row = crm_db::customers::update(conn, ws, id, version, Some(actor.user_id()), &fields)?;
    let tags_after = tags_before.as_ref().and(tags.as_deref());
    let before = Logged {
        fields: &current.fields,
        tags: tags_before.as_deref(),
    };
    let after = Logged {
        fields: &fields,
        tags: tags_after,
    };
    let values = crm_db::change_log::values(&changed, Some(&before), Some(&after));
    actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
    with_tags(conn, ws, row)
}

/// Soft-deletes a customer the actor may delete, and its contacts; every
/// deletion is logged with the values the record had.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        let ws = actor.workspace_id;
        lock_workspace(conn, ws)?;
        let (current, _, _) = find_for(conn, actor, id, Action::Delete)?;
        let version = expected.check(current.version)?;
        crm_db::customers::soft_delete(conn, ws, id, version, Some(actor.user_id()))?;
        let by = Some(actor.user_id());
        for contact in crm_db::contacts::soft_delete_of_customer(conn, ws, id, by)? {
            let values = crm_db::change_log::values(
                &field_names(&contact.fields),
                Some(&contact.fields),
                None,
            );
            actor.record_change(
                conn,
                crate::contacts::ENTITY,
                contact.id.0,
                Op::Delete,
                vec![],
                values,
            )?;
        }
        let values =
            crm_db::change_log::values(&field_names(&current.fields), Some(&current.fields), None);
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], values)?;
        Ok(())
    })
}
