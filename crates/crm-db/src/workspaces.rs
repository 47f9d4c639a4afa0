//! Workspaces: the tenants. Everything else hangs off one.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::Id;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::workspaces;
use crate::time::now;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workspaces)]
pub struct WorkspaceRow {
    pub id: Id,
    pub slug: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, slug: &str, name: &str) -> DbResult<WorkspaceRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(workspaces::table)
        .values((
            workspaces::id.eq(Id(id)),
            workspaces::slug.eq(slug),
            workspaces::name.eq(name),
            workspaces::change_seq.eq(0_i64),
            workspaces::created_at.eq(at),
            workspaces::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut AnyConnection, id: Uuid) -> DbResult<WorkspaceRow> {
    Ok(workspaces::table
        .find(Id(id))
        .select(WorkspaceRow::as_select())
        .first(conn)?)
}

pub fn find_by_slug(conn: &mut AnyConnection, slug: &str) -> DbResult<Option<WorkspaceRow>> {
    Ok(workspaces::table
        .filter(workspaces::slug.eq(slug))
        .select(WorkspaceRow::as_select())
        .first(conn)
        .optional()?)
}

/// The only workspace, if the server has exactly one (login may then omit it).
pub fn sole(conn: &mut AnyConnection) -> DbResult<Option<WorkspaceRow>> {
    let mut two: Vec<WorkspaceRow> = workspaces::table
        .select(WorkspaceRow::as_select())
        .limit(2)
        .load(conn)?;
    Ok(if two.len() == 1 { two.pop() } else { None })
}

/// Deletes a workspace and, by cascade, everything in it. The order and
/// deal lines go first: PostgreSQL runs the workspace's cascades one table
/// at a time and checks each deleted product's references as soon as the
/// products are gone, while the lines pointing at them were still there
/// (their own cascade comes later), so deleting a workspace that had sold
/// anything failed.
pub fn delete(conn: &mut AnyConnection, id: Uuid) -> DbResult<()> {
    use crate::schema::{deal_lines, order_lines};
    conn.transaction(|conn| {
        diesel::delete(deal_lines::table.filter(deal_lines::workspace_id.eq(Id(id))))
            .execute(conn)?;
        diesel::delete(order_lines::table.filter(order_lines::workspace_id.eq(Id(id))))
            .execute(conn)?;
        diesel::delete(workspaces::table.find(Id(id))).execute(conn)?;
        Ok(())
    })
}

/// Whether any workspace exists (an empty database gets demo data on `make run`).
pub fn any(conn: &mut AnyConnection) -> DbResult<bool> {
    Ok(workspaces::table
        .select(workspaces::id)
        .first::<Id>(conn)
        .optional()?
        .is_some())
}
