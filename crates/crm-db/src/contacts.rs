//! Contacts: the people at an organisation customer. A contact is visible
//! exactly when its customer is (see `Visibility::contacts`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::{Id, Json};

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue, contains};
use crate::schema::{contacts, customers};
use crate::time::now;
use crate::visibility::Visibility;

#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = contacts, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ContactFields {
    pub customer_id: Id,
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_primary: bool,
    pub external_id: Option<String>,
    pub custom_fields: Json,
    #[serde(skip)]
    pub search_text: String,
}

impl ContactFields {
    pub fn with_search_text(mut self) -> Self {
        let parts = [
            Some(self.name.as_str()),
            self.email.as_deref(),
            self.phone.as_deref(),
            self.external_id.as_deref(),
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
#[diesel(table_name = contacts, treat_none_as_default_value = false)]
pub struct ContactRow {
    pub id: Id,
    pub workspace_id: Id,
    #[diesel(embed)]
    pub fields: ContactFields,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ContactRow {
    /// A new row (not yet written) with a fresh id.
    pub fn new(workspace_id: Uuid, actor: Option<Uuid>, fields: ContactFields) -> Self {
        let at = now();
        Self {
            id: Id::new(),
            workspace_id: Id(workspace_id),
            fields,
            version: 1,
            created_by: actor.map(Id),
            updated_by: actor.map(Id),
            created_at: at,
            updated_at: at,
        }
    }

    /// The next version of this row with other fields.
    pub fn changed(&self, actor: Option<Uuid>, fields: ContactFields) -> Self {
        Self {
            fields,
            version: self.version + 1,
            updated_by: actor.map(Id),
            updated_at: now(),
            ..self.clone()
        }
    }
}

/// Live contacts of the workspace by id or external id, whoever may see them
/// (the caller checks visibility through their customers).
pub fn find_many(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
    external_ids: &[String],
) -> DbResult<Vec<ContactRow>> {
    let live = || {
        contacts::workspace_id
            .eq(Id(workspace_id))
            .and(contacts::deleted_at.is_null())
    };
    let mut out: Vec<ContactRow> = Vec::new();
    let ids: Vec<Id> = ids.iter().copied().map(Id).collect();
    for chunk in ids.chunks(crate::batch::chunk_rows(1)) {
        out.extend(
            contacts::table
                .filter(live())
                .filter(contacts::id.eq_any(chunk))
                .select(ContactRow::as_select())
                .load(conn)?,
        );
    }
    for chunk in external_ids.chunks(crate::batch::chunk_rows(1)) {
        out.extend(
            contacts::table
                .filter(live())
                .filter(contacts::external_id.eq_any(chunk))
                .select(ContactRow::as_select())
                .load(conn)?,
        );
    }
    out.sort_by_key(|r| r.id.0);
    out.dedup_by_key(|r| r.id.0);
    Ok(out)
}

/// Inserts new rows and overwrites changed ones, many per statement.
pub fn write_many(conn: &mut AnyConnection, rows: &[ContactRow]) -> DbResult<()> {
    use diesel::upsert::excluded;
    for chunk in rows.chunks(crate::batch::chunk_rows(17)) {
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(contacts::table)
            .values(chunk)
            .on_conflict(contacts::id)
            .do_update()
            .set((
                contacts::customer_id.eq(excluded(contacts::customer_id)),
                contacts::name.eq(excluded(contacts::name)),
                contacts::title.eq(excluded(contacts::title)),
                contacts::department.eq(excluded(contacts::department)),
                contacts::email.eq(excluded(contacts::email)),
                contacts::phone.eq(excluded(contacts::phone)),
                contacts::is_primary.eq(excluded(contacts::is_primary)),
                contacts::external_id.eq(excluded(contacts::external_id)),
                contacts::custom_fields.eq(excluded(contacts::custom_fields)),
                contacts::search_text.eq(excluded(contacts::search_text)),
                contacts::version.eq(excluded(contacts::version)),
                contacts::updated_by.eq(excluded(contacts::updated_by)),
                contacts::updated_at.eq(excluded(contacts::updated_at)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// The live contact with this external id, whoever may see it.
pub fn id_by_external_id(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    external_id: &str,
) -> DbResult<Option<Uuid>> {
    Ok(contacts::table
        .filter(
            contacts::workspace_id
                .eq(Id(workspace_id))
                .and(contacts::external_id.eq(external_id))
                .and(contacts::deleted_at.is_null()),
        )
        .select(contacts::id)
        .first::<Id>(conn)
        .optional()?
        .map(|id| id.0))
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor: Option<Uuid>,
    fields: &ContactFields,
) -> DbResult<ContactRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(contacts::table)
        .values((
            contacts::id.eq(Id(id)),
            contacts::workspace_id.eq(Id(workspace_id)),
            fields,
            contacts::version.eq(1),
            contacts::created_by.eq(actor.map(Id)),
            contacts::updated_by.eq(actor.map(Id)),
            contacts::created_at.eq(at),
            contacts::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(contacts::table
        .filter(
            contacts::workspace_id
                .eq(Id(workspace_id))
                .and(contacts::id.eq(Id(id))),
        )
        .select(ContactRow::as_select())
        .first(conn)?)
}

pub fn find(conn: &mut AnyConnection, vis: &Visibility, id: Uuid) -> DbResult<ContactRow> {
    Ok(contacts::table
        .inner_join(customers::table)
        .filter(vis.contacts())
        .filter(contacts::id.eq(Id(id)))
        .select(ContactRow::as_select())
        .first(conn)?)
}

/// [`find`] with the workspace's access counter as its statement read it
/// (`crate::auth::access_version`), for a read authorised from a cached
/// principal.
pub fn find_confirming(
    conn: &mut AnyConnection,
    vis: &Visibility,
    id: Uuid,
) -> DbResult<(ContactRow, i64)> {
    let (row, access): (ContactRow, Option<i64>) = contacts::table
        .inner_join(customers::table)
        .filter(vis.contacts())
        .filter(contacts::id.eq(Id(id)))
        .select((
            ContactRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .first(conn)?;
    Ok((row, access.unwrap_or(0)))
}

pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: &ContactFields,
) -> DbResult<ContactRow> {
    let n = diesel::update(
        contacts::table.filter(
            contacts::workspace_id
                .eq(Id(workspace_id))
                .and(contacts::id.eq(Id(id)))
                .and(contacts::version.eq(expected_version))
                .and(contacts::deleted_at.is_null()),
        ),
    )
    .set((
        fields,
        contacts::version.eq(contacts::version + 1),
        contacts::updated_by.eq(actor.map(Id)),
        contacts::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    Ok(contacts::table
        .filter(
            contacts::workspace_id
                .eq(Id(workspace_id))
                .and(contacts::id.eq(Id(id))),
        )
        .select(ContactRow::as_select())
        .first(conn)?)
}

pub fn soft_delete(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Option<Uuid>,
) -> DbResult<()> {
    let at = now();
    let n = diesel::update(
        contacts::table.filter(
            contacts::workspace_id
                .eq(Id(workspace_id))
                .and(contacts::id.eq(Id(id)))
                .and(contacts::version.eq(expected_version))
                .and(contacts::deleted_at.is_null()),
        ),
    )
    .set((
        contacts::deleted_at.eq(at),
        contacts::updated_at.eq(at),
        contacts::updated_by.eq(actor.map(Id)),
        contacts::version.eq(contacts::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        Err(DbError::VersionConflict)
    } else {
        Ok(())
    }
}

/// Soft-deletes every live contact of a customer (the customer is being
/// deleted); returns them as they were, for the change log.
pub fn soft_delete_of_customer(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customer_id: Uuid,
    actor: Option<Uuid>,
) -> DbResult<Vec<ContactRow>> {
    let rows: Vec<ContactRow> = contacts::table
        .filter(
            contacts::workspace_id
                .eq(Id(workspace_id))
                .and(contacts::customer_id.eq(Id(customer_id)))
                .and(contacts::deleted_at.is_null()),
        )
        .select(ContactRow::as_select())
        .load(conn)?;
    if !rows.is_empty() {
        let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
        let at = now();
        diesel::update(
            contacts::table.filter(
                contacts::workspace_id
                    .eq(Id(workspace_id))
                    .and(contacts::id.eq_any(&ids)),
            ),
        )
        .set((
            contacts::deleted_at.eq(at),
            contacts::updated_at.eq(at),
            contacts::updated_by.eq(actor.map(Id)),
            contacts::version.eq(contacts::version + 1),
        ))
        .execute(conn)?;
    }
    Ok(rows)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactSort {
    CreatedAt,
    UpdatedAt,
    Name,
}

#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub q: Option<String>,
    pub customer_id: Option<Uuid>,
    pub updated_from: Option<NaiveDateTime>,
}

/// One page (plus one row) of visible contacts, and the workspace's access
/// counter as the page's statement saw it (`crate::auth::split_page`).
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &ContactFilter,
    page: &Keyset<ContactSort>,
) -> DbResult<(Vec<ContactRow>, Option<i64>)> {
    let mut query = contacts::table
        .inner_join(customers::table)
        .filter(vis.contacts())
        .into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(contains("contacts.search_text", q));
    }
    if let Some(v) = filter.customer_id {
        query = query.filter(contacts::customer_id.eq(Id(v)));
    }
    if let Some(v) = filter.updated_from {
        query = query.filter(contacts::updated_at.ge(v));
    }
    let after = page.after.clone();
    let query = match page.field {
        ContactSort::CreatedAt => keyset_page!(
            query,
            contacts::created_at,
            contacts::id,
            page.direction,
            SortValue::into_time(after)
        ),
        ContactSort::UpdatedAt => keyset_page!(
            query,
            contacts::updated_at,
            contacts::id,
            page.direction,
            SortValue::into_time(after)
        ),
        ContactSort::Name => {
            let after = SortValue::into_text(after);
            keyset_page!(query, contacts::name, contacts::id, page.direction, after)
        }
    };
    let rows = query
        .limit(page.limit + 1)
        .select((
            ContactRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .load(conn)?;
    Ok(crate::auth::split_page(rows))
}
