//! Tags: the workspace's static tags (a settings object: every action
//! needs the `all` scope), their rules, and the reference a customer or
//! ticket carries.

use crm_api_types::tags::{NewTag, Tag, TagPatch, TagRef};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::tags::TagRow;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::views::utc;
use crate::{Actor, AppError, Expected};

pub fn view(row: TagRow) -> Tag {
    Tag {
        id: row.id.0,
        name: row.name,
        color: row.color,
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

pub fn reference(row: TagRow) -> TagRef {
    TagRef {
        id: row.id.0,
        name: row.name,
        color: row.color,
    }
}

/// A tag read with its customer (`crm_db::tags::customer_labels`).
pub fn label_reference(label: crm_db::tags::TagLabel) -> TagRef {
    TagRef {
        id: label.id,
        name: label.name,
        color: label.color,
    }
}

fn check_color(color: Option<&str>) -> Result<(), &'static str> {
    match color {
        Some(c)
            if !(c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())) =>
        {
            Err("must be a colour like #1677ff")
        }
        _ => Ok(()),
    }
}

/// Checks that tag ids (a record's `tag_ids`) are the workspace's; returns
/// them de-duplicated, in order.
pub(crate) fn check_ids(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
    errors: &mut FieldErrors,
) -> Result<Vec<Uuid>, AppError> {
    let mut unique: Vec<Uuid> = ids.to_vec();
    unique.sort();
    unique.dedup();
    let found = crm_db::tags::find_many(conn, workspace_id, &unique)?;
    for id in &unique {
        if !found.iter().any(|t| t.id.0 == *id) {
            errors.add("tag_ids", format!("{id} is not a tag of this workspace"));
        }
    }
    Ok(unique)
}

/// Every tag of the workspace.
pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Tag>, AppError> {
    actor.require_all(ObjectType::Tags, Action::Read)?;
    Ok(crm_db::tags::list(conn, actor.workspace_id)?
        .into_iter()
        .map(view)
        .collect())
}

/// A new tag's name (1–50 characters) and colour (`#rrggbb`); the name as stored.
pub fn check_new(body: &NewTag) -> Result<String, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(&body.name, 1, 50));
    errors.take("color", check_color(body.color.as_deref()));
    errors.into_result().map_err(AppError::Validation)?;
    Ok(name.unwrap_or_default())
}

/// Creates a tag; a taken name is a conflict on `name`.
pub fn create(conn: &mut AnyConnection, actor: &Actor, body: NewTag) -> Result<Tag, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, body)
    })
}

/// [`create`] inside the caller's transaction.
pub fn create_in(conn: &mut AnyConnection, actor: &Actor, body: NewTag) -> Result<Tag, AppError> {
    actor.require_all(ObjectType::Tags, Action::Create)?;
    let name = check_new(&body)?;
    let row = crm_db::tags::insert(conn, actor.workspace_id, &name, body.color.as_deref())?;
    Ok(view(row))
}

/// Renames or recolours a tag (a merge patch).
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: TagPatch,
) -> Result<Tag, AppError> {
    actor.require_all(ObjectType::Tags, Action::Update)?;
    let current = crm_db::tags::find(conn, actor.workspace_id, id)?;
    let version = expected.check(current.version)?;
    let mut errors = FieldErrors::new();
    let name = errors.take(
        "name",
        bounded_text(patch.name.as_deref().unwrap_or(&current.name), 1, 50),
    );
    let color = crm_api_types::patch::apply(current.color.clone(), patch.color);
    errors.take("color", check_color(color.as_deref()));
    errors.into_result().map_err(AppError::Validation)?;
    let row = crm_db::tags::update(
        conn,
        actor.workspace_id,
        id,
        version,
        &name.unwrap_or_default(),
        color.as_deref(),
    )?;
    Ok(view(row))
}

/// Deletes a tag and removes it from every customer.
pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    actor.require_all(ObjectType::Tags, Action::Delete)?;
    transaction(conn, |conn| {
        Ok(crm_db::tags::delete(conn, actor.workspace_id, id)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_is_a_hex_triplet() {
        assert!(check_color(None).is_ok());
        assert!(check_color(Some("#1677ff")).is_ok());
        assert!(check_color(Some("#1677fg")).is_err());
        assert!(check_color(Some("1677ff")).is_err());
        assert!(check_color(Some("#fff")).is_err());
    }

    #[test]
    fn a_new_tag_needs_a_name_and_a_colour_that_parses() {
        let tag = |name: &str, color: Option<&str>| NewTag {
            name: name.into(),
            color: color.map(Into::into),
        };
        assert_eq!(check_new(&tag("VIP", None)).ok().as_deref(), Some("VIP"));
        let Err(AppError::Validation(errors)) = check_new(&tag("", Some("red"))) else {
            panic!("expected a validation error");
        };
        let fields: Vec<&String> = errors.0.keys().collect();
        assert_eq!(fields, ["color", "name"]);
    }
}
