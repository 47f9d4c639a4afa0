//! Custom field definitions per workspace and entity.

use chrono::NaiveDateTime;
use crm_domain::custom_field::{FieldDef, FieldType};
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::{Id, Json};

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::custom_field_defs;
use crate::time::now;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = custom_field_defs)]
pub struct CustomFieldRow {
    pub id: Id,
    pub workspace_id: Id,
    pub entity: String,
    pub key: String,
    pub label: String,
    pub field_type: String,
    pub options: Json,
    pub required: bool,
    pub position: i32,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CustomFieldRow {
    pub fn options(&self) -> Vec<String> {
        serde_json::from_value(self.options.0.clone()).unwrap_or_default()
    }

    /// The definition as the validation rules need it.
    pub fn def(&self) -> FieldDef {
        FieldDef {
            key: self.key.clone(),
            field_type: FieldType::parse(&self.field_type).unwrap_or(FieldType::Text),
            options: self.options(),
            required: self.required,
        }
    }
}

pub struct CustomFieldWrite<'a> {
    pub entity: &'a str,
    pub key: &'a str,
    pub label: &'a str,
    pub field_type: &'a str,
    pub options: &'a [String],
    pub required: bool,
    pub position: i32,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    def: &CustomFieldWrite<'_>,
) -> DbResult<CustomFieldRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(custom_field_defs::table)
        .values((
            custom_field_defs::id.eq(Id(id)),
            custom_field_defs::workspace_id.eq(Id(workspace_id)),
            custom_field_defs::entity.eq(def.entity),
            custom_field_defs::key.eq(def.key),
            custom_field_defs::label.eq(def.label),
            custom_field_defs::field_type.eq(def.field_type),
            custom_field_defs::options.eq(Json(serde_json::json!(def.options))),
            custom_field_defs::required.eq(def.required),
            custom_field_defs::position.eq(def.position),
            custom_field_defs::version.eq(1),
            custom_field_defs::created_at.eq(at),
            custom_field_defs::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<CustomFieldRow> {
    Ok(custom_field_defs::table
        .filter(
            custom_field_defs::workspace_id
                .eq(Id(workspace_id))
                .and(custom_field_defs::id.eq(Id(id))),
        )
        .select(CustomFieldRow::as_select())
        .first(conn)?)
}

/// Definitions of one entity (or all), in display order.
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    entity: Option<&str>,
) -> DbResult<Vec<CustomFieldRow>> {
    let mut query = custom_field_defs::table
        .filter(custom_field_defs::workspace_id.eq(Id(workspace_id)))
        .into_boxed();
    if let Some(entity) = entity {
        query = query.filter(custom_field_defs::entity.eq(entity));
    }
    Ok(query
        .order((
            custom_field_defs::entity.asc(),
            custom_field_defs::position.asc(),
            custom_field_defs::key.asc(),
        ))
        .select(CustomFieldRow::as_select())
        .load(conn)?)
}

/// Updates label, options, required flag and position; key, entity and type are fixed
/// once values exist.
pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    def: &CustomFieldWrite<'_>,
) -> DbResult<CustomFieldRow> {
    let n = diesel::update(
        custom_field_defs::table.filter(
            custom_field_defs::workspace_id
                .eq(Id(workspace_id))
                .and(custom_field_defs::id.eq(Id(id)))
                .and(custom_field_defs::version.eq(expected_version)),
        ),
    )
    .set((
        custom_field_defs::label.eq(def.label),
        custom_field_defs::options.eq(Json(serde_json::json!(def.options))),
        custom_field_defs::required.eq(def.required),
        custom_field_defs::position.eq(def.position),
        custom_field_defs::version.eq(custom_field_defs::version + 1),
        custom_field_defs::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        custom_field_defs::table.filter(
            custom_field_defs::workspace_id
                .eq(Id(workspace_id))
                .and(custom_field_defs::id.eq(Id(id))),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}
