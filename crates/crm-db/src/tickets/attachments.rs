//! Files attached to a ticket: the rows that describe them (the bytes are
//! kept on disk by `crm_app::tickets::attachments`), oldest first. The
//! caller has checked that it may see the ticket.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::ticket_attachments;
use crate::types::Id;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_attachments)]
pub struct AttachmentRow {
    pub workspace_id: Id,
    pub id: Id,
    pub ticket_id: Id,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<Id>,
    pub created_at: NaiveDateTime,
    /// The reply the file was sent with; `None`: the ticket's own.
    pub reply_id: Option<Id>,
}

pub fn insert(conn: &mut AnyConnection, row: &AttachmentRow) -> DbResult<()> {
    diesel::insert_into(ticket_attachments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A ticket's attachments, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
) -> DbResult<Vec<AttachmentRow>> {
    Ok(ticket_attachments::table
        .filter(ticket_attachments::workspace_id.eq(Id(workspace_id)))
        .filter(ticket_attachments::ticket_id.eq(Id(ticket_id)))
        .order((
            ticket_attachments::created_at.asc(),
            ticket_attachments::id.asc(),
        ))
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// Links files of the ticket not yet on a reply to `reply_id`; returns
/// how many were linked.
pub fn link_to_reply(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    reply_id: Uuid,
    ids: &[Uuid],
) -> DbResult<usize> {
    Ok(diesel::update(
        ticket_attachments::table
            .filter(ticket_attachments::workspace_id.eq(Id(workspace_id)))
            .filter(ticket_attachments::ticket_id.eq(Id(ticket_id)))
            .filter(ticket_attachments::reply_id.is_null())
            .filter(ticket_attachments::id.eq_any(ids.iter().map(|i| Id(*i)))),
    )
    .set(ticket_attachments::reply_id.eq(Some(Id(reply_id))))
    .execute(conn)?)
}

/// One attachment of the ticket.
pub fn find(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    id: Uuid,
) -> DbResult<AttachmentRow> {
    ticket_attachments::table
        .find((Id(workspace_id), Id(id)))
        .filter(ticket_attachments::ticket_id.eq(Id(ticket_id)))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    diesel::delete(ticket_attachments::table.find((Id(workspace_id), Id(id)))).execute(conn)?;
    Ok(())
}
