//! Leads: prospects with their status, owner and, once converted, links to
//! the customer, contact and deal conversion created. Reads are scoped by
//! `Visibility::leads`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue, contains};
use crate::schema::leads;
use crate::time::now;
use crate::types::Id;
use crate::visibility::Visibility;

/// Every column a write can change; serialised to find the changed fields.
#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = leads, treat_none_as_null = true)]
pub struct LeadFields {
    pub status: String,
    pub source: Option<String>,
    pub company_name: Option<String>,
    pub person_name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub note: Option<String>,
    pub external_id: Option<String>,
    pub owner_id: Option<Id>,
    pub team_id: Option<Id>,
    pub disqualified_reason: Option<String>,
    pub converted_customer_id: Option<Id>,
    pub converted_contact_id: Option<Id>,
    pub converted_deal_id: Option<Id>,
    pub converted_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub search_text: String,
}

impl LeadFields {
    pub fn with_search_text(mut self) -> Self {
        let parts = [
            Some(self.person_name.as_str()),
            self.company_name.as_deref(),
            self.email.as_deref(),
            self.phone.as_deref(),
        ];
        self.search_text = parts
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        self
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = leads)]
pub struct LeadRow {
    pub id: Id,
    pub workspace_id: Id,
    #[diesel(embed)]
    pub fields: LeadFields,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor: Option<Uuid>,
    fields: LeadFields,
) -> DbResult<LeadRow> {
    let at = now();
    let row = LeadRow {
        id: Id::new(),
        workspace_id: Id(workspace_id),
        fields,
        version: 1,
        created_by: actor.map(Id),
        updated_by: actor.map(Id),
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(leads::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// A live lead the caller may see, or `NotFound`.
pub fn find(conn: &mut AnyConnection, vis: &Visibility, id: Uuid) -> DbResult<LeadRow> {
    Ok(leads::table
        .filter(vis.leads())
        .filter(leads::id.eq(Id(id)))
        .select(LeadRow::as_select())
        .first(conn)?)
}

/// [`find`] with the workspace's access counter as its statement read it
/// (`crate::auth::access_version`), for a read authorised from a cached
/// principal.
pub fn find_confirming(
    conn: &mut AnyConnection,
    vis: &Visibility,
    id: Uuid,
) -> DbResult<(LeadRow, i64)> {
    let (row, access): (LeadRow, Option<i64>) = leads::table
        .filter(vis.leads())
        .filter(leads::id.eq(Id(id)))
        .select((
            LeadRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .first(conn)?;
    Ok((row, access.unwrap_or(0)))
}

/// Whether a live lead other than `except` uses the external id.
pub fn external_id_taken(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    external_id: &str,
    except: Option<Uuid>,
) -> DbResult<bool> {
    let found: Option<Id> = leads::table
        .filter(
            leads::workspace_id
                .eq(Id(workspace_id))
                .and(leads::external_id.is_not_null())
                .and(leads::external_id.eq(external_id))
                .and(leads::deleted_at.is_null()),
        )
        .select(leads::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some_and(|id| Some(id.0) != except))
}

/// Writes `fields` if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    current: &LeadRow,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: LeadFields,
) -> DbResult<LeadRow> {
    let row = LeadRow {
        fields,
        version: current.version + 1,
        updated_by: actor.map(Id),
        updated_at: now(),
        ..current.clone()
    };
    let n = diesel::update(
        leads::table.filter(
            leads::workspace_id
                .eq(current.workspace_id)
                .and(leads::id.eq(current.id))
                .and(leads::version.eq(expected_version))
                .and(leads::deleted_at.is_null()),
        ),
    )
    .set((
        &row.fields,
        leads::version.eq(row.version),
        leads::updated_by.eq(row.updated_by),
        leads::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    Ok(row)
}

pub fn soft_delete(
    conn: &mut AnyConnection,
    current: &LeadRow,
    expected_version: i32,
    actor: Option<Uuid>,
) -> DbResult<()> {
    let at = now();
    let n = diesel::update(
        leads::table.filter(
            leads::workspace_id
                .eq(current.workspace_id)
                .and(leads::id.eq(current.id))
                .and(leads::version.eq(expected_version))
                .and(leads::deleted_at.is_null()),
        ),
    )
    .set((
        leads::deleted_at.eq(at),
        leads::updated_at.eq(at),
        leads::updated_by.eq(actor.map(Id)),
        leads::version.eq(leads::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        Err(DbError::VersionConflict)
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadSort {
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub q: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub owner_id: Option<Uuid>,
}

/// One page (plus one row) of visible leads, and the workspace's access
/// counter as the page's statement saw it (`crate::auth::split_page`).
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &LeadFilter,
    page: &Keyset<LeadSort>,
) -> DbResult<(Vec<LeadRow>, Option<i64>)> {
    let mut query = leads::table.filter(vis.leads()).into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(contains("leads.search_text", q));
    }
    if let Some(v) = &filter.status {
        query = query.filter(leads::status.eq(v.clone()));
    }
    if let Some(v) = &filter.source {
        query = query.filter(leads::source.eq(v.clone()));
    }
    if let Some(v) = filter.owner_id {
        query = query.filter(leads::owner_id.eq(Id(v)));
    }
    let after = SortValue::into_time(page.after.clone());
    let query = match page.field {
        LeadSort::CreatedAt => {
            keyset_page!(query, leads::created_at, leads::id, page.direction, after)
        }
        LeadSort::UpdatedAt => {
            keyset_page!(query, leads::updated_at, leads::id, page.direction, after)
        }
    };
    let rows = query
        .limit(page.limit + 1)
        .select((
            LeadRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .load(conn)?;
    Ok(crate::auth::split_page(rows))
}
