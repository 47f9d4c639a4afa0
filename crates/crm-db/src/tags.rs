//! Static tags per workspace and their assignment to customers (tickets'
//! are in `crate::tickets::tags`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use uuid::Uuid;

use crate::connection::{AnyConnection, MultiBackend};
use crate::error::{DbError, DbResult};
use crate::rollups::counts::{self, Part};
use crate::schema::{customer_tags, tags};
use crate::time::now;
use crate::types::Id;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub color: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    name: &str,
    color: Option<&str>,
) -> DbResult<TagRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(tags::table)
        .values((
            tags::id.eq(Id(id)),
            tags::workspace_id.eq(Id(workspace_id)),
            tags::name.eq(name),
            tags::color.eq(color),
            tags::version.eq(1),
            tags::created_at.eq(at),
            tags::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<TagRow> {
    Ok(tags::table
        .filter(
            tags::workspace_id
                .eq(Id(workspace_id))
                .and(tags::id.eq(Id(id))),
        )
        .select(TagRow::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Vec<TagRow>> {
    Ok(tags::table
        .filter(tags::workspace_id.eq(Id(workspace_id)))
        .order((tags::name.asc(), tags::id.asc()))
        .select(TagRow::as_select())
        .load(conn)?)
}

/// The workspace's tags among `ids` (foreign or unknown ids are absent).
pub fn find_many(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> DbResult<Vec<TagRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(tags::table
        .filter(
            tags::workspace_id
                .eq(Id(workspace_id))
                .and(tags::id.eq_any(ids.iter().map(|i| Id(*i)).collect::<Vec<_>>())),
        )
        .select(TagRow::as_select())
        .load(conn)?)
}

pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    name: &str,
    color: Option<&str>,
) -> DbResult<TagRow> {
    let n = diesel::update(
        tags::table.filter(
            tags::workspace_id
                .eq(Id(workspace_id))
                .and(tags::id.eq(Id(id)))
                .and(tags::version.eq(expected_version)),
        ),
    )
    .set((
        tags::name.eq(name),
        tags::color.eq(color),
        tags::version.eq(tags::version + 1),
        tags::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

/// Deletes a tag and takes it off every customer and ticket.
pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    crate::tickets::tags::remove_tag(conn, workspace_id, id)?;
    let tagged = customers_tagged(conn, workspace_id, id)?;
    counts::remove(conn, workspace_id, &tagged, Part::Tags)?;
    diesel::delete(
        customer_tags::table.filter(
            customer_tags::workspace_id
                .eq(Id(workspace_id))
                .and(customer_tags::tag_id.eq(Id(id))),
        ),
    )
    .execute(conn)?;
    counts::add(conn, workspace_id, &tagged, Part::Tags)?;
    let n = diesel::delete(
        tags::table.filter(
            tags::workspace_id
                .eq(Id(workspace_id))
                .and(tags::id.eq(Id(id))),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

/// The customers who carry `tag` (whose counts move when it is deleted).
fn customers_tagged(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    tag: Uuid,
) -> DbResult<Vec<Uuid>> {
    Ok(customer_tags::table
        .filter(
            customer_tags::workspace_id
                .eq(Id(workspace_id))
                .and(customer_tags::tag_id.eq(Id(tag))),
        )
        .select(customer_tags::customer_id)
        .load::<Id>(conn)?
        .into_iter()
        .map(|id| id.0)
        .collect())
}

/// Replaces a customer's tags.
pub fn set_for_customer(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customer_id: Uuid,
    tag_ids: &[Uuid],
) -> DbResult<()> {
    counts::remove(conn, workspace_id, &[customer_id], Part::Tags)?;
    diesel::delete(
        customer_tags::table.filter(
            customer_tags::workspace_id
                .eq(Id(workspace_id))
                .and(customer_tags::customer_id.eq(Id(customer_id))),
        ),
    )
    .execute(conn)?;
    // MultiBackend has no multi-row VALUES; a customer has a handful of tags.
    for tag in tag_ids {
        diesel::insert_into(customer_tags::table)
            .values((
                customer_tags::workspace_id.eq(Id(workspace_id)),
                customer_tags::customer_id.eq(Id(customer_id)),
                customer_tags::tag_id.eq(Id(*tag)),
            ))
            .execute(conn)?;
    }
    counts::add(conn, workspace_id, &[customer_id], Part::Tags)
}

/// Tags of several customers in one query (no N+1 on list pages).
pub fn of_customers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customer_ids: &[Uuid],
) -> DbResult<HashMap<Uuid, Vec<TagRow>>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Id> = customer_ids.iter().copied().map(Id).collect();
    // On the backend's own connection: every list page reads it, and a
    // statement through the `MultiConnection` is rendered to SQL text on
    // every call (see `customers::find_with_metrics`).
    let rows: Vec<(Id, TagRow)> = crate::each_backend!(&mut *conn, |c| customer_tags::table
        .inner_join(tags::table)
        .filter(customer_tags::workspace_id.eq(Id(workspace_id)))
        .filter(customer_tags::customer_id.eq_any(&ids))
        .order((customer_tags::customer_id.asc(), tags::name.asc()))
        .select((customer_tags::customer_id, TagRow::as_select()))
        .load(c))?;
    let mut out: HashMap<Uuid, Vec<TagRow>> = HashMap::new();
    for (customer, tag) in rows {
        out.entry(customer.0).or_default().push(tag);
    }
    Ok(out)
}

/// A tag as a customer shows it: what [`customer_labels`] reads in the
/// customer's own statement.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct TagLabel {
    pub id: Uuid,
    pub name: String,
    pub color: Option<String>,
}

/// A column for a statement over `customers`: the row's tags as a JSON
/// array of `{id, name, color}` (NULL or `[]` when it has none), so a
/// record and its tags take one statement. Read it with [`parse_labels`].
pub fn customer_labels() -> CustomerLabels {
    CustomerLabels
}

/// The expression [`customer_labels`] returns. A query node that writes
/// each backend's SQL, not a `sql()` literal: a literal keeps diesel from
/// caching the statement, so it would be parsed and planned on every read.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct CustomerLabels;

const PG_LABELS: &str = "(SELECT CAST(json_agg(json_build_object('id', t.id, 'name', t.name, 'color', t.color)) AS TEXT) \
     FROM customer_tags ct JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id \
     WHERE ct.workspace_id = customers.workspace_id AND ct.customer_id = customers.id)";

const SQLITE_LABELS: &str = "(SELECT json_group_array(json_object('id', t.id, 'name', t.name, 'color', t.color)) \
     FROM customer_tags ct JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id \
     WHERE ct.workspace_id = customers.workspace_id AND ct.customer_id = customers.id)";

impl Expression for CustomerLabels {
    type SqlType = diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

impl<QS> AppearsOnTable<QS> for CustomerLabels {}

impl<QS> SelectableExpression<QS> for CustomerLabels {}

impl<GB> diesel::expression::ValidGrouping<GB> for CustomerLabels {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryFragment<diesel::pg::Pg> for CustomerLabels {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        out.push_sql(PG_LABELS);
        Ok(())
    }
}

impl QueryFragment<diesel::sqlite::Sqlite> for CustomerLabels {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::sqlite::Sqlite>) -> QueryResult<()> {
        out.push_sql(SQLITE_LABELS);
        Ok(())
    }
}

impl QueryFragment<MultiBackend> for CustomerLabels {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

/// The tags [`customer_labels`] read, by name (as [`of_customers`] orders them).
pub fn parse_labels(json: Option<&str>) -> DbResult<Vec<TagLabel>> {
    let mut labels: Vec<TagLabel> = match json {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            DbError::Query(diesel::result::Error::DeserializationError(Box::new(e)))
        })?,
        None => Vec::new(),
    };
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(labels)
}

#[derive(Insertable)]
#[diesel(table_name = customer_tags)]
struct CustomerTagRecord {
    workspace_id: Id,
    customer_id: Id,
    tag_id: Id,
}

impl crate::copy::CopyRow for CustomerTagRecord {
    type Table = customer_tags::table;
    fn render(&self, line: &mut crate::copy::CopyLine) {
        line.put(self.workspace_id)
            .put(self.customer_id)
            .put(self.tag_id);
    }
}

/// Replaces the tags of several existing customers: one delete per chunk,
/// then [`add_for_new_customers`]; their counts by tag move with them.
pub fn set_for_customers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    sets: &[(Uuid, Vec<Uuid>)],
) -> DbResult<()> {
    let customers: Vec<Uuid> = sets.iter().map(|(c, _)| *c).collect();
    counts::remove(conn, workspace_id, &customers, Part::Tags)?;
    let ids: Vec<Id> = sets.iter().map(|(c, _)| Id(*c)).collect();
    for chunk in ids.chunks(crate::batch::chunk_rows(1)) {
        diesel::delete(
            customer_tags::table.filter(
                customer_tags::workspace_id
                    .eq(Id(workspace_id))
                    .and(customer_tags::customer_id.eq_any(chunk)),
            ),
        )
        .execute(conn)?;
    }
    add_for_new_customers(conn, workspace_id, sets)?;
    counts::add(conn, workspace_id, &customers, Part::Tags)
}

/// Tags customers created in this transaction, who have none yet: inserts
/// only (COPY on PostgreSQL), with no delete to look for rows that cannot
/// exist. The caller counts the new customers after (`rollups::counts::add`)
/// or rebuilds.
pub fn add_for_new_customers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    sets: &[(Uuid, Vec<Uuid>)],
) -> DbResult<()> {
    let records: Vec<CustomerTagRecord> = sets
        .iter()
        .flat_map(|(customer, tags)| {
            tags.iter().map(move |tag| CustomerTagRecord {
                workspace_id: Id(workspace_id),
                customer_id: Id(*customer),
                tag_id: Id(*tag),
            })
        })
        .collect();
    if let AnyConnection::Postgresql(c) = conn {
        return crate::copy::copy_rows(c, &records);
    }
    for chunk in records.chunks(crate::batch::chunk_rows(3)) {
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(customer_tags::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}
