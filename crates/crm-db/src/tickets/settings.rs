//! A workspace's service settings, stored as one JSON document with a
//! version; absent until first saved (the domain's defaults apply).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::service_settings;
use crate::types::{Id, Json};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_settings)]
pub struct SettingsRow {
    pub workspace_id: Id,
    pub settings: Json,
    pub version: i32,
    pub updated_by: Option<Id>,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Option<SettingsRow>> {
    Ok(service_settings::table
        .find(Id(workspace_id))
        .select(SettingsRow::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts the first version (`expected` 0) or replaces version `expected`.
pub fn save(conn: &mut AnyConnection, expected: i32, row: &SettingsRow) -> DbResult<()> {
    let n = if expected == 0 {
        // ON CONFLICT DO NOTHING: a concurrent first save must not abort
        // the caller's PostgreSQL transaction; it is a version conflict.
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(service_settings::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?
    } else {
        diesel::update(
            service_settings::table
                .find(row.workspace_id)
                .filter(service_settings::version.eq(expected)),
        )
        .set((
            service_settings::settings.eq(&row.settings),
            service_settings::version.eq(row.version),
            service_settings::updated_by.eq(row.updated_by),
            service_settings::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?
    };
    if n == 0 {
        Err(DbError::VersionConflict)
    } else {
        Ok(())
    }
}
