//! Custom fields: the definitions of the extra fields on customers and
//! contacts (a settings object: every action needs the `all` scope). The
//! values are checked against them where customers and contacts are written.

use crm_api_types::custom_fields::{CustomFieldDef, CustomFieldPatch, NewCustomFieldDef};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::custom_fields::{CustomFieldRow, CustomFieldWrite};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::custom_field::{FieldEntity, FieldType, check_options, parse_key};
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::views::utc;
use crate::{Actor, AppError, Expected};

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

/// The workspace's definitions, of one entity or all.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    entity: Option<FieldEntity>,
) -> Result<Vec<CustomFieldDef>, AppError> {
    actor.require_all(ObjectType::CustomFields, Action::Read)?;
    let rows = crm_db::custom_fields::list(conn, actor.workspace_id, entity.map(|e| e.as_str()))?;
    Ok(rows.into_iter().map(view).collect())
}

/// A new definition's key, label and options; the key and label as stored.
pub fn check_new(body: &NewCustomFieldDef) -> Result<(String, String), AppError> {
    let mut errors = FieldErrors::new();
    let key = errors.take("key", parse_key(&body.key));
    let label = errors.take("label", bounded_text(&body.label, 1, 100));
    errors.take("options", check_options(body.field_type, &body.options));
    errors.into_result().map_err(AppError::Validation)?;
    Ok((key.unwrap_or_default(), label.unwrap_or_default()))
}

/// Defines a field; a key taken for the entity is a conflict on `key`.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewCustomFieldDef,
) -> Result<CustomFieldDef, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, body)
    })
}

/// [`create`] inside the caller's transaction.
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewCustomFieldDef,
) -> Result<CustomFieldDef, AppError> {
    actor.require_all(ObjectType::CustomFields, Action::Create)?;
    let (key, label) = check_new(&body)?;
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
        actor.workspace_id,
        &write,
    )?))
}

/// Changes a definition's label, options, `required` or position (a merge
/// patch; the key, entity and type stay).
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: CustomFieldPatch,
) -> Result<CustomFieldDef, AppError> {
    actor.require_all(ObjectType::CustomFields, Action::Update)?;
    let current = crm_db::custom_fields::find(conn, actor.workspace_id, id)?;
    let version = expected.check(current.version)?;
    let def = current.def();
    let mut errors = FieldErrors::new();
    let label = errors.take(
        "label",
        bounded_text(patch.label.as_deref().unwrap_or(&current.label), 1, 100),
    );
    let options = patch.options.unwrap_or(def.options);
    errors.take("options", check_options(def.field_type, &options));
    errors.into_result().map_err(AppError::Validation)?;
    let write = CustomFieldWrite {
        entity: &current.entity,
        key: &current.key,
        label: &label.unwrap_or_default(),
        field_type: &current.field_type,
        options: &options,
        required: patch.required.unwrap_or(current.required),
        position: patch.position.unwrap_or(current.position),
    };
    let row = crm_db::custom_fields::update(conn, actor.workspace_id, id, version, &write)?;
    Ok(view(row))
}

/// Deletes a definition; values already stored stay in the records but are
/// no longer validated or shown.
pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    actor.require_all(ObjectType::CustomFields, Action::Delete)?;
    Ok(crm_db::custom_fields::delete(conn, actor.workspace_id, id)?)
}
