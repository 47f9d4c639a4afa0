//! Orders and their lines: the transaction records analytics feed on.
//! Totals are computed by the HTTP layer from the lines and stored with the
//! order; lines are replaced as a whole when an order's lines change.
//! Every read is scoped by `Visibility::orders`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;
use uuid::Uuid;

use crate::batch::chunk_rows;
use crate::connection::AnyConnection;
use crate::each_backend;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue};
use crate::schema::{order_lines, orders};
use crate::time::now;
use crate::types::Id;
use crate::visibility::Visibility;

/// Every column a client can change (totals derive from the lines).
#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = orders, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct OrderFields {
    pub customer_id: Id,
    pub external_id: Option<String>,
    pub order_date: NaiveDate,
    pub status: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub owner_id: Option<Id>,
    pub team_id: Option<Id>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders, treat_none_as_default_value = false)]
pub struct OrderRow {
    pub id: Id,
    pub workspace_id: Id,
    #[diesel(embed)]
    pub fields: OrderFields,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl OrderRow {
    pub fn new(workspace_id: Uuid, actor: Option<Uuid>, fields: OrderFields) -> Self {
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

    pub fn changed(&self, actor: Option<Uuid>, fields: OrderFields) -> Self {
        Self {
            fields,
            version: self.version + 1,
            updated_by: actor.map(Id),
            updated_at: now(),
            ..self.clone()
        }
    }
}

/// One line; `amount_minor` = quantity × unit price − discount.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines)]
pub struct LineRow {
    #[serde(skip)]
    pub workspace_id: Id,
    #[serde(skip)]
    pub order_id: Id,
    pub line_no: i32,
    pub product_id: Id,
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub amount_minor: i64,
}

/// A live order the caller may see, or `NotFound`.
pub fn find(conn: &mut AnyConnection, vis: &Visibility, id: Uuid) -> DbResult<OrderRow> {
    Ok(orders::table
        .filter(vis.orders())
        .filter(orders::id.eq(Id(id)))
        .select(OrderRow::as_select())
        .first(conn)?)
}

/// [`find`] with the workspace's access counter as its statement read it
/// (`crate::auth::access_version`), for a read authorised from a cached
/// principal.
pub fn find_confirming(
    conn: &mut AnyConnection,
    vis: &Visibility,
    id: Uuid,
) -> DbResult<(OrderRow, i64)> {
    let (row, access): (OrderRow, Option<i64>) = orders::table
        .filter(vis.orders())
        .filter(orders::id.eq(Id(id)))
        .select((
            OrderRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .first(conn)?;
    Ok((row, access.unwrap_or(0)))
}

/// Live orders (whoever may see them) with any of these external ids.
pub fn find_by_external_ids(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    keys: &[String],
) -> DbResult<Vec<OrderRow>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(chunk_rows(1)) {
        out.extend(
            orders::table
                .filter(
                    orders::workspace_id
                        .eq(Id(workspace_id))
                        .and(orders::deleted_at.is_null())
                        .and(orders::external_id.is_not_null())
                        .and(orders::external_id.eq_any(chunk)),
                )
                .select(OrderRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Live orders (whoever may see them) with any of these ids.
pub fn find_many(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> DbResult<Vec<OrderRow>> {
    let ids: Vec<Id> = ids.iter().copied().map(Id).collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(chunk_rows(1)) {
        out.extend(
            orders::table
                .filter(
                    orders::workspace_id
                        .eq(Id(workspace_id))
                        .and(orders::deleted_at.is_null())
                        .and(orders::id.eq_any(chunk)),
                )
                .select(OrderRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The lines of these orders, by order id, in line order.
pub fn lines_of(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    order_ids: &[Uuid],
) -> DbResult<HashMap<Uuid, Vec<LineRow>>> {
    let ids: Vec<Id> = order_ids.iter().copied().map(Id).collect();
    let mut out: HashMap<Uuid, Vec<LineRow>> = HashMap::new();
    for chunk in ids.chunks(chunk_rows(1)) {
        // On the backend's own connection: every page of orders reads it,
        // and a statement through the `MultiConnection` is rendered to SQL
        // text on every call.
        let rows: Vec<LineRow> = crate::each_backend!(&mut *conn, |c| order_lines::table
            .filter(order_lines::workspace_id.eq(Id(workspace_id)))
            .filter(order_lines::order_id.eq_any(chunk))
            .order((order_lines::order_id, order_lines::line_no))
            .select(LineRow::as_select())
            .load(c))?;
        for row in rows {
            out.entry(row.order_id.0).or_default().push(row);
        }
    }
    Ok(out)
}

/// Writes new rows and new versions of existing rows, then replaces the
/// lines of every order in `replaced_lines`. Rows that do not exist yet are
/// appended (`COPY` on PostgreSQL), the others go through a multi-row upsert
/// on the primary key; lines are appended either way (an order's old lines
/// are deleted first). The caller holds the workspace lock and has checked
/// versions.
pub fn write_many(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    rows: &[OrderRow],
    replaced_lines: &[Uuid],
    lines: &[LineRow],
) -> DbResult<()> {
    // Customers whose aggregates change: the new ones and, for rows that
    // already exist, the ones they belonged to.
    let mut customers: Vec<Uuid> = rows.iter().map(|r| r.fields.customer_id.0).collect();
    let written: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let mut existing = std::collections::HashSet::new();
    for chunk in written.chunks(chunk_rows(1)) {
        let before: Vec<(Id, Id)> = orders::table
            .filter(
                orders::workspace_id
                    .eq(Id(workspace_id))
                    .and(orders::id.eq_any(chunk)),
            )
            .select((orders::id, orders::customer_id))
            .load(conn)?;
        for (id, customer) in before {
            existing.insert(id.0);
            customers.push(customer.0);
        }
    }
    // What the existing orders added to the sales rollups comes out before
    // they change, and every written order's part goes in afterwards.
    let replaced: Vec<Uuid> = existing.iter().copied().collect();
    crate::rollups::remove_orders(conn, workspace_id, &replaced)?;
    crate::rollups::cohorts::remove(conn, workspace_id, &customers)?;
    let upserted: std::borrow::Cow<'_, [OrderRow]> = match conn {
        AnyConnection::Postgresql(c) => {
            let (changed, fresh): (Vec<&OrderRow>, Vec<&OrderRow>) =
                rows.iter().partition(|r| existing.contains(&r.id.0));
            crate::copy::copy_rows(c, &fresh)?;
            changed.into_iter().cloned().collect::<Vec<_>>().into()
        }
        AnyConnection::Sqlite(_) => rows.into(),
    };
    for chunk in upserted.chunks(chunk_rows(18)) {
        each_backend!(&mut *conn, |c| diesel::insert_into(orders::table)
            .values(chunk)
            .on_conflict(orders::id)
            .do_update()
            .set((
                orders::customer_id.eq(excluded(orders::customer_id)),
                orders::external_id.eq(excluded(orders::external_id)),
                orders::order_date.eq(excluded(orders::order_date)),
                orders::status.eq(excluded(orders::status)),
                orders::currency.eq(excluded(orders::currency)),
                orders::subtotal_minor.eq(excluded(orders::subtotal_minor)),
                orders::discount_minor.eq(excluded(orders::discount_minor)),
                orders::total_minor.eq(excluded(orders::total_minor)),
                orders::owner_id.eq(excluded(orders::owner_id)),
                orders::team_id.eq(excluded(orders::team_id)),
                orders::note.eq(excluded(orders::note)),
                orders::version.eq(excluded(orders::version)),
                orders::updated_by.eq(excluded(orders::updated_by)),
                orders::updated_at.eq(excluded(orders::updated_at)),
            ))
            .execute(c))?;
    }
    let ids: Vec<Id> = replaced_lines.iter().copied().map(Id).collect();
    for chunk in ids.chunks(chunk_rows(1)) {
        diesel::delete(
            order_lines::table.filter(
                order_lines::workspace_id
                    .eq(Id(workspace_id))
                    .and(order_lines::order_id.eq_any(chunk)),
            ),
        )
        .execute(conn)?;
    }
    match conn {
        AnyConnection::Postgresql(c) => crate::copy::copy_rows(c, lines)?,
        AnyConnection::Sqlite(c) => {
            for chunk in lines.chunks(chunk_rows(8)) {
                diesel::insert_into(order_lines::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    let written: Vec<Uuid> = written.iter().map(|id| id.0).collect();
    crate::rollups::add_orders(conn, workspace_id, &written)?;
    crate::rollups::cohorts::add(conn, workspace_id, &customers)?;
    crate::metrics::refresh_customers(conn, workspace_id, &customers)
}

/// Bulk load of new orders and their lines (demo data): multi-row inserts
/// without the per-write metrics refresh, so the caller runs
/// `metrics::refresh_all` and `rollups::rebuild` once afterwards.
pub fn insert_new(conn: &mut AnyConnection, rows: &[OrderRow], lines: &[LineRow]) -> DbResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        crate::copy::copy_rows(c, rows)?;
        return crate::copy::copy_rows(c, lines);
    }
    for chunk in rows.chunks(chunk_rows(18)) {
        each_backend!(&mut *conn, |c| diesel::insert_into(orders::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in lines.chunks(chunk_rows(8)) {
        each_backend!(&mut *conn, |c| diesel::insert_into(order_lines::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

impl crate::copy::CopyRow for OrderRow {
    type Table = orders::table;
    fn render(&self, line: &mut crate::copy::CopyLine) {
        let f = &self.fields;
        line.put(self.id)
            .put(self.workspace_id)
            .put(f.customer_id)
            .put(f.external_id.as_ref())
            .put(f.order_date)
            .put(f.status.as_str())
            .put(f.currency.as_str())
            .put(f.subtotal_minor)
            .put(f.discount_minor)
            .put(f.total_minor)
            .put(f.owner_id)
            .put(f.team_id)
            .put(f.note.as_ref())
            .put(self.version)
            .put(self.created_by)
            .put(self.updated_by)
            .put(self.created_at)
            .put(self.updated_at)
            .put(None::<NaiveDateTime>);
    }
}

impl crate::copy::CopyRow for LineRow {
    type Table = order_lines::table;
    fn render(&self, line: &mut crate::copy::CopyLine) {
        line.put(self.workspace_id)
            .put(self.order_id)
            .put(self.line_no)
            .put(self.product_id)
            .put(self.quantity_milli)
            .put(self.unit_price_minor)
            .put(self.discount_minor)
            .put(self.amount_minor);
    }
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
    let customer: Option<Id> = orders::table
        .filter(
            orders::workspace_id
                .eq(Id(workspace_id))
                .and(orders::id.eq(Id(id))),
        )
        .select(orders::customer_id)
        .first(conn)
        .optional()?;
    let customers: Vec<Uuid> = customer.iter().map(|c| c.0).collect();
    crate::rollups::remove_orders(conn, workspace_id, &[id])?;
    crate::rollups::cohorts::remove(conn, workspace_id, &customers)?;
    let n = diesel::update(
        orders::table.filter(
            orders::workspace_id
                .eq(Id(workspace_id))
                .and(orders::id.eq(Id(id)))
                .and(orders::version.eq(expected_version))
                .and(orders::deleted_at.is_null()),
        ),
    )
    .set((
        orders::deleted_at.eq(at),
        orders::updated_at.eq(at),
        orders::updated_by.eq(actor.map(Id)),
        orders::version.eq(orders::version + 1),
    ))
    .execute(conn)?;
    crate::rollups::cohorts::add(conn, workspace_id, &customers)?;
    if n == 0 {
        crate::rollups::add_orders(conn, workspace_id, &[id])?;
        return Err(DbError::VersionConflict);
    }
    crate::metrics::refresh_customers(conn, workspace_id, &customers)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    OrderDate,
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_id: Option<Uuid>,
    pub status: Option<String>,
    pub owner_id: Option<Uuid>,
    pub external_id: Option<String>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub updated_from: Option<NaiveDateTime>,
}

/// One page (plus one row) of visible orders, and the workspace's access
/// counter as the page's statement saw it (`None` for an empty page), as
/// `customers::list` returns it.
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &OrderFilter,
    page: &Keyset<OrderSort>,
) -> DbResult<(Vec<OrderRow>, Option<i64>)> {
    let mut query = orders::table.filter(vis.orders()).into_boxed();
    if let Some(v) = filter.customer_id {
        query = query.filter(orders::customer_id.eq(Id(v)));
    }
    if let Some(v) = &filter.status {
        query = query.filter(orders::status.eq(v.clone()));
    }
    if let Some(v) = filter.owner_id {
        query = query.filter(orders::owner_id.eq(Id(v)));
    }
    if let Some(v) = &filter.external_id {
        query = query.filter(orders::external_id.eq(v.clone()));
    }
    if let Some(v) = filter.date_from {
        query = query.filter(orders::order_date.ge(v));
    }
    if let Some(v) = filter.date_to {
        query = query.filter(orders::order_date.lt(v));
    }
    if let Some(v) = filter.updated_from {
        query = query.filter(orders::updated_at.ge(v));
    }
    let after = page.after.clone();
    let query = match page.field {
        OrderSort::OrderDate => {
            let after = SortValue::into_date(after);
            keyset_page!(query, orders::order_date, orders::id, page.direction, after)
        }
        OrderSort::CreatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(query, orders::created_at, orders::id, page.direction, after)
        }
        OrderSort::UpdatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(query, orders::updated_at, orders::id, page.direction, after)
        }
    };
    let rows: Vec<(OrderRow, Option<i64>)> = query
        .limit(page.limit + 1)
        .select((
            OrderRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .load(conn)?;
    Ok(crate::auth::split_page(rows))
}
