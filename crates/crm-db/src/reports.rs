//! Saved reports: a name, the definition as JSON (its meaning is
//! `crm_domain::reports`'), its folder, the user who saved it and who else
//! sees it (the workspace, or roles and teams). Running a definition is [`run`]'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::reports;
use crate::time::now;
use crate::types::{Id, Json};

mod columns;
mod counted;
mod limit;
mod rollup;
pub mod run;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub workspace_id: Id,
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub spec: Json,
    pub owner_id: Option<Id>,
    pub shared: bool,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub folder: Option<String>,
    pub share_roles: Json,
    pub share_teams: Json,
}

/// What a create or an update writes.
#[derive(Debug, Clone)]
pub struct ReportFields {
    pub name: String,
    pub description: Option<String>,
    pub spec: Json,
    pub shared: bool,
    pub folder: Option<String>,
    pub share_roles: Json,
    pub share_teams: Json,
}

/// The most reports a list returns.
pub const LIST_LIMIT: i64 = 500;

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    owner: Uuid,
    fields: &ReportFields,
) -> DbResult<ReportRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(reports::table)
        .values((
            reports::workspace_id.eq(Id(workspace_id)),
            reports::id.eq(Id(id)),
            reports::name.eq(&fields.name),
            reports::description.eq(&fields.description),
            reports::spec.eq(&fields.spec),
            reports::owner_id.eq(Some(Id(owner))),
            reports::shared.eq(fields.shared),
            reports::folder.eq(&fields.folder),
            reports::share_roles.eq(&fields.share_roles),
            reports::share_teams.eq(&fields.share_teams),
            reports::version.eq(1),
            reports::created_by.eq(Some(Id(owner))),
            reports::updated_by.eq(Some(Id(owner))),
            reports::created_at.eq(at),
            reports::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

/// The workspace's report, or `NotFound` (also for another workspace's).
pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<ReportRow> {
    Ok(reports::table
        .filter(reports::workspace_id.eq(Id(workspace_id)))
        .filter(reports::id.eq(Id(id)))
        .select(ReportRow::as_select())
        .first(conn)?)
}

/// The reports `reader` saved or anyone shared with anybody (the caller
/// keeps those whose audience admits the reader), by folder and name;
/// every one when `everyone` (an administrator).
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    reader: Uuid,
    everyone: bool,
) -> DbResult<Vec<ReportRow>> {
    let mut query = reports::table
        .filter(reports::workspace_id.eq(Id(workspace_id)))
        .into_boxed();
    if !everyone {
        query = query.filter(
            reports::shared
                .eq(true)
                .or(reports::owner_id.assume_not_null().eq(Id(reader)))
                .or(reports::share_roles.ne(Json::empty_array()))
                .or(reports::share_teams.ne(Json::empty_array())),
        );
    }
    Ok(query
        .order((
            reports::folder.is_null(),
            reports::folder.asc(),
            reports::name.asc(),
            reports::id.asc(),
        ))
        .limit(LIST_LIMIT)
        .select(ReportRow::as_select())
        .load(conn)?)
}

/// Replaces the fields if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Uuid,
    fields: &ReportFields,
) -> DbResult<ReportRow> {
    let n = diesel::update(
        reports::table
            .filter(reports::workspace_id.eq(Id(workspace_id)))
            .filter(reports::id.eq(Id(id)))
            .filter(reports::version.eq(expected_version)),
    )
    .set((
        reports::name.eq(&fields.name),
        reports::description.eq(&fields.description),
        reports::spec.eq(&fields.spec),
        reports::shared.eq(fields.shared),
        reports::folder.eq(&fields.folder),
        reports::share_roles.eq(&fields.share_roles),
        reports::share_teams.eq(&fields.share_teams),
        reports::version.eq(reports::version + 1),
        reports::updated_by.eq(Some(Id(actor))),
        reports::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        reports::table
            .filter(reports::workspace_id.eq(Id(workspace_id)))
            .filter(reports::id.eq(Id(id))),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Label {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub key: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub label: String,
}

/// The names of the ids (or region codes) a grouping of `kind` keyed on;
/// kinds that are their own label answer nothing.
pub fn labels(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    kind: crm_domain::reports::ReportFieldKind,
    keys: &[String],
) -> DbResult<Vec<Label>> {
    use crm_domain::reports::ReportFieldKind;
    let table = match kind {
        ReportFieldKind::User => ("users", "display_name"),
        ReportFieldKind::Team => ("teams", "name"),
        ReportFieldKind::Pipeline => ("pipelines", "name"),
        ReportFieldKind::Stage => ("pipeline_stages", "name"),
        ReportFieldKind::Product => ("products", "name"),
        ReportFieldKind::Region => ("regions", "name_zh"),
        ReportFieldKind::Tag => ("tags", "name"),
        _ => return Ok(Vec::new()),
    };
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = crate::sql::Sql::new(conn);
    if kind == ReportFieldKind::Region {
        let codes: Vec<&str> = keys.iter().map(String::as_str).collect();
        sql.push("SELECT code AS key, name_zh AS label FROM regions WHERE code IN ")
            .text_list(&codes);
        return sql.load(conn);
    }
    let ids: Vec<Uuid> = keys.iter().filter_map(|k| k.parse().ok()).collect();
    let (name, column) = table;
    let id = if sql.is_postgres() {
        "CAST(id AS TEXT)"
    } else {
        "id"
    };
    sql.push(&format!(
        "SELECT {id} AS key, {column} AS label FROM {name} WHERE workspace_id = "
    ))
    .id(workspace_id)
    .push(" AND id IN ")
    .id_list(&ids);
    sql.load(conn)
}
