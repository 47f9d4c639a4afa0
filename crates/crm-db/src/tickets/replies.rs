//! Replies to the customer and internal notes on a ticket, oldest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::ticket_replies;
use crate::types::Id;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_replies)]
pub struct ReplyRow {
    pub workspace_id: Id,
    pub id: Id,
    pub ticket_id: Id,
    pub internal: bool,
    pub body: String,
    pub author_id: Option<Id>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &ReplyRow) -> DbResult<()> {
    diesel::insert_into(ticket_replies::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A ticket's replies and notes, oldest first (the caller checked that it
/// may see the ticket).
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
) -> DbResult<Vec<ReplyRow>> {
    Ok(ticket_replies::table
        .filter(ticket_replies::workspace_id.eq(Id(workspace_id)))
        .filter(ticket_replies::ticket_id.eq(Id(ticket_id)))
        .order((ticket_replies::created_at.asc(), ticket_replies::id.asc()))
        .select(ReplyRow::as_select())
        .load(conn)?)
}
