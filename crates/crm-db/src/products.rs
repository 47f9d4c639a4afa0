//! Products: the workspace's catalogue (sku, name, category, list price).
//! Products have no owner; who may read or change them is decided by role
//! alone. Writes of many rows go through `write_many` (multi-row upsert).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;
use uuid::Uuid;

use crate::batch::chunk_rows;
use crate::connection::AnyConnection;
use crate::each_backend;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue, contains_pattern};
use crate::schema::products;
use crate::time::now;
use crate::types::Id;

/// Every column a client can change; serialised to find the changed fields.
#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = products, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ProductFields {
    pub sku: String,
    pub name: String,
    pub external_id: Option<String>,
    pub category: Option<String>,
    pub unit: Option<String>,
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub active: bool,
    pub description: Option<String>,
    /// Lower-cased sku, name and external id for `q`; derived, never diffed.
    #[serde(skip)]
    pub search_text: String,
}

impl ProductFields {
    pub fn with_search_text(mut self) -> Self {
        let parts = [
            Some(self.sku.as_str()),
            Some(self.name.as_str()),
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
#[diesel(table_name = products, treat_none_as_default_value = false)]
pub struct ProductRow {
    pub id: Id,
    pub workspace_id: Id,
    #[diesel(embed)]
    pub fields: ProductFields,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ProductRow {
    /// A new row (version 1) as a batch would write it.
    pub fn new(workspace_id: Uuid, actor: Option<Uuid>, fields: ProductFields) -> Self {
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
    pub fn changed(&self, actor: Option<Uuid>, fields: ProductFields) -> Self {
        Self {
            fields,
            version: self.version + 1,
            updated_by: actor.map(Id),
            updated_at: now(),
            ..self.clone()
        }
    }
}

fn live(workspace_id: Uuid) -> crate::visibility::Predicate<products::table> {
    Box::new(
        products::workspace_id
            .eq(Id(workspace_id))
            .and(products::deleted_at.is_null()),
    )
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor: Option<Uuid>,
    fields: ProductFields,
) -> DbResult<ProductRow> {
    let row = ProductRow::new(workspace_id, actor, fields);
    diesel::insert_into(products::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<ProductRow> {
    Ok(products::table
        .filter(live(workspace_id))
        .filter(products::id.eq(Id(id)))
        .select(ProductRow::as_select())
        .first(conn)?)
}

/// Live products with any of these ids.
pub fn find_many(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> DbResult<Vec<ProductRow>> {
    let ids: Vec<Id> = ids.iter().copied().map(Id).collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(chunk_rows(1)) {
        out.extend(
            products::table
                .filter(live(workspace_id))
                .filter(products::id.eq_any(chunk))
                .select(ProductRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Live products with any of these external ids.
pub fn find_by_external_ids(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    keys: &[String],
) -> DbResult<Vec<ProductRow>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(chunk_rows(1)) {
        out.extend(
            products::table
                .filter(live(workspace_id))
                .filter(products::external_id.is_not_null())
                .filter(products::external_id.eq_any(chunk))
                .select(ProductRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Live products with any of these SKUs.
pub fn find_by_skus(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    skus: &[String],
) -> DbResult<Vec<ProductRow>> {
    let mut out = Vec::new();
    for chunk in skus.chunks(chunk_rows(1)) {
        out.extend(
            products::table
                .filter(live(workspace_id))
                .filter(products::sku.eq_any(chunk))
                .select(ProductRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Writes new rows and new versions of existing rows: one multi-row
/// `INSERT … ON CONFLICT (id) DO UPDATE` per chunk. The caller holds the
/// workspace lock and has checked versions.
pub fn write_many(conn: &mut AnyConnection, rows: &[ProductRow]) -> DbResult<()> {
    for chunk in rows.chunks(chunk_rows(17)) {
        each_backend!(&mut *conn, |c| diesel::insert_into(products::table)
            .values(chunk)
            .on_conflict(products::id)
            .do_update()
            .set((
                products::sku.eq(excluded(products::sku)),
                products::name.eq(excluded(products::name)),
                products::external_id.eq(excluded(products::external_id)),
                products::category.eq(excluded(products::category)),
                products::unit.eq(excluded(products::unit)),
                products::price_minor.eq(excluded(products::price_minor)),
                products::currency.eq(excluded(products::currency)),
                products::active.eq(excluded(products::active)),
                products::description.eq(excluded(products::description)),
                products::search_text.eq(excluded(products::search_text)),
                products::version.eq(excluded(products::version)),
                products::updated_by.eq(excluded(products::updated_by)),
                products::updated_at.eq(excluded(products::updated_at)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Writes all fields if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    current: &ProductRow,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: ProductFields,
) -> DbResult<ProductRow> {
    let next = current.changed(actor, fields);
    let n = diesel::update(
        products::table
            .filter(live(current.workspace_id.0))
            .filter(products::id.eq(current.id))
            .filter(products::version.eq(expected_version)),
    )
    .set((
        &next.fields,
        products::version.eq(next.version),
        products::updated_by.eq(next.updated_by),
        products::updated_at.eq(next.updated_at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    Ok(next)
}

/// Soft-deletes if the row still has `expected_version`.
pub fn soft_delete(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Option<Uuid>,
) -> DbResult<()> {
    let at = now();
    let n = diesel::update(
        products::table
            .filter(live(workspace_id))
            .filter(products::id.eq(Id(id)))
            .filter(products::version.eq(expected_version)),
    )
    .set((
        products::deleted_at.eq(at),
        products::updated_at.eq(at),
        products::updated_by.eq(actor.map(Id)),
        products::version.eq(products::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        Err(DbError::VersionConflict)
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductSort {
    CreatedAt,
    UpdatedAt,
    Name,
    Sku,
}

#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Already lower-cased; a substring of sku, name or external id.
    pub q: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    pub updated_from: Option<NaiveDateTime>,
}

/// One page (plus one row, to tell whether another page exists).
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    filter: &ProductFilter,
    page: &Keyset<ProductSort>,
) -> DbResult<Vec<ProductRow>> {
    let mut query = products::table.filter(live(workspace_id)).into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(products::search_text.like(contains_pattern(q)).escape('\\'));
    }
    if let Some(v) = &filter.category {
        query = query.filter(products::category.eq(v.clone()));
    }
    if let Some(v) = filter.active {
        query = query.filter(products::active.eq(v));
    }
    if let Some(v) = &filter.external_id {
        query = query.filter(products::external_id.eq(v.clone()));
    }
    if let Some(v) = filter.updated_from {
        query = query.filter(products::updated_at.ge(v));
    }
    let after = page.after.clone();
    let query = match page.field {
        ProductSort::CreatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(
                query,
                products::created_at,
                products::id,
                page.direction,
                after
            )
        }
        ProductSort::UpdatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(
                query,
                products::updated_at,
                products::id,
                page.direction,
                after
            )
        }
        ProductSort::Name => {
            let after = SortValue::into_text(after);
            keyset_page!(query, products::name, products::id, page.direction, after)
        }
        ProductSort::Sku => {
            let after = SortValue::into_text(after);
            keyset_page!(query, products::sku, products::id, page.direction, after)
        }
    };
    Ok(query
        .limit(page.limit + 1)
        .select(ProductRow::as_select())
        .load(conn)?)
}
