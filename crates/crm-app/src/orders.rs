//! Orders: what customers bought. Orders have their own owner and team (by
//! default their customer's) and are visible by the same scopes as
//! customers. Create, update, upsert by external id and the batch share
//! [`write::write`], which computes line amounts and totals; what the
//! records refer to is read once ([`refs`]); the export table is [`export`].

pub mod export;
pub mod lines;
pub mod refs;
pub mod write;

use std::collections::HashMap;

use crm_api_types::batch::{BatchMode, RecordStatus};
use crm_api_types::orders::{NewOrder, Order, OrderLine, OrderPatch, OrderQuery};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, field_names, lock_workspace, transaction};
use crm_db::orders::{LineRow, OrderFilter, OrderRow, OrderSort};
use crm_db::paging::Keyset;
use crm_domain::access::{Action, ObjectType};
use crm_domain::money::Money;
use crm_domain::orders::quantity_of;
use crm_domain::sales::OrderStatus;
use uuid::Uuid;

use crate::batch::{Record, Target};
use crate::{Actor, AppError, Expected};

pub const ENTITY: &str = crm_db::change_log::ORDER;

pub fn view(row: OrderRow, lines: Vec<LineRow>) -> Order {
    let f = row.fields;
    let money = |amount_minor| Money {
        amount_minor,
        currency: f.currency.clone(),
    };
    Order {
        id: row.id.0,
        customer_id: f.customer_id.0,
        external_id: f.external_id.clone(),
        order_date: f.order_date,
        status: OrderStatus::parse(&f.status).unwrap_or(OrderStatus::Confirmed),
        currency: f.currency.clone(),
        lines: lines
            .into_iter()
            .map(|l| OrderLine {
                line_no: l.line_no,
                product_id: l.product_id.0,
                quantity: quantity_of(l.quantity_milli),
                unit_price_minor: l.unit_price_minor,
                discount_minor: l.discount_minor,
                amount_minor: l.amount_minor,
            })
            .collect(),
        subtotal: money(f.subtotal_minor),
        discount: money(f.discount_minor),
        total: money(f.total_minor),
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        note: f.note.clone(),
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        updated_by: row.updated_by.map(Uuid::from),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The list filter a query names.
pub fn filter(q: &OrderQuery) -> OrderFilter {
    OrderFilter {
        customer_id: q.customer_id,
        status: q.status.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
        external_id: q.external_id.clone(),
        date_from: q.date_from,
        date_to: q.date_to,
        updated_from: q.updated_since.map(|at| at.naive_utc()),
    }
}

/// The order with its lines.
fn with_lines(conn: &mut AnyConnection, ws: Uuid, row: OrderRow) -> Result<Order, AppError> {
    let lines = crm_db::orders::lines_of(conn, ws, &[row.id.0])?
        .remove(&row.id.0)
        .unwrap_or_default();
    Ok(view(row, lines))
}

/// A create body as the patch the write path takes.
fn as_patch(n: NewOrder) -> OrderPatch {
    OrderPatch {
        customer_id: n.customer_id,
        customer_external_id: n.customer_external_id,
        external_id: Some(n.external_id),
        order_date: Some(n.order_date),
        status: n.status,
        currency: Some(n.currency),
        lines: Some(n.lines),
        owner_id: n.owner_id.map(Some),
        note: Some(n.note),
    }
}

/// Writes one record; its refusal is the use case's error.
fn write_one(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    target: Target,
    body: OrderPatch,
    expected: Expected,
) -> Result<(RecordStatus, Order), AppError> {
    let record = Record {
        index: 0,
        target,
        body,
    };
    let outcome = write::write(conn, actor, mode, vec![record], expected.0)?
        .pop()
        .map(|(_, o)| o)
        .ok_or_else(|| AppError::internal("no outcome for the record"))?;
    let (status, row) = outcome.map_err(|e| e.into_app())?;
    Ok((status, with_lines(conn, actor.workspace_id, row)?))
}

/// Creates an order inside the caller's transaction (the workspace lock
/// taken); line amounts and totals are computed from the lines.
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewOrder,
) -> Result<Order, AppError> {
    let patch = as_patch(body);
    let (_, order) = write_one(
        conn,
        actor,
        BatchMode::Create,
        Target::New,
        patch,
        Expected(None),
    )?;
    Ok(order)
}

/// Creates an order (see [`create_in`]).
pub fn create(conn: &mut AnyConnection, actor: &Actor, body: NewOrder) -> Result<Order, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, body)
    })
}

/// A visible order with its lines.
///
/// With the workspace's access counter as the order's own statement read
/// it, for [`crate::auth::read_as`].
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Order, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Orders, Action::Read)?;
    let (row, access) = crm_db::orders::find_confirming(conn, &vis, id)?;
    Ok((with_lines(conn, actor.workspace_id, row)?, Some(access)))
}

/// The visible order with this external id, with its lines (and the access
/// counter, as [`get`]).
pub fn get_by_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: &str,
) -> Result<(Order, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Orders, Action::Read)?;
    let keys = [key.to_owned()];
    let found = crm_db::orders::find_by_external_ids(conn, actor.workspace_id, &keys)?;
    let id = found
        .first()
        .map(|row| row.id.0)
        .ok_or(AppError::NotFound)?;
    let (row, access) = crm_db::orders::find_confirming(conn, &vis, id)?;
    Ok((with_lines(conn, actor.workspace_id, row)?, Some(access)))
}

/// An order's row and its lines, as a page lists them.
pub type WithLines = (OrderRow, Vec<LineRow>);

/// One page of visible orders with their lines (one row more than the
/// limit, when there is more), and the access counter the page's statement
/// saw, for [`crate::auth::read_as`].
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &OrderFilter,
    keyset: &Keyset<OrderSort>,
) -> Result<(Vec<WithLines>, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Orders, Action::Read)?;
    let (rows, access) = crm_db::orders::list(conn, &vis, filter, keyset)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let mut lines: HashMap<Uuid, Vec<LineRow>> =
        crm_db::orders::lines_of(conn, actor.workspace_id, &ids)?;
    let orders = rows
        .into_iter()
        .map(|r| {
            let l = lines.remove(&r.id.0).unwrap_or_default();
            (r, l)
        })
        .collect();
    Ok((orders, access))
}

/// Merge-patches a visible order; `lines`, when sent, replaces every line.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: OrderPatch,
) -> Result<Order, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (_, order) = write_one(
            conn,
            actor,
            BatchMode::Update,
            Target::Id(id),
            patch,
            expected,
        )?;
        Ok(order)
    })
}

/// Creates or updates the order with this external id (a create needs a
/// customer, `order_date`, `currency` and `lines`); `true` when it was
/// created. A body naming another external id is refused.
pub fn upsert(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: String,
    expected: Expected,
    patch: OrderPatch,
) -> Result<(Order, bool), AppError> {
    if let Some(Some(other)) = &patch.external_id
        && other != &key
    {
        return Err(AppError::validation(
            "external_id",
            "must equal the external id in the path",
        ));
    }
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (status, order) = write_one(
            conn,
            actor,
            BatchMode::Upsert,
            Target::Key(key),
            patch,
            expected,
        )?;
        Ok((order, status == RecordStatus::Created))
    })
}

/// Soft-deletes a visible order the actor may delete; the change log keeps
/// what it held.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        let ws = actor.workspace_id;
        lock_workspace(conn, ws)?;
        let read = actor.visibility(conn, ObjectType::Orders, Action::Read)?;
        let current = crm_db::orders::find(conn, &read, id)?;
        let scope = actor.require(ObjectType::Orders, Action::Delete)?;
        actor.require_covers(
            conn,
            scope,
            current.fields.owner_id.map(Uuid::from),
            current.fields.team_id.map(Uuid::from),
            "delete this order",
        )?;
        let version = expected.check(current.version)?;
        crm_db::orders::soft_delete(conn, ws, id, version, Some(actor.user_id()))?;
        let values =
            crm_db::change_log::values(&field_names(&current.fields), Some(&current.fields), None);
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], values)
    })
}
