//! Tickets' tags: the workspace's tags (the same as customers') on
//! tickets, one row per ticket and tag in `ticket_tags`.

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{tags, ticket_tags};
use crate::tags::TagRow;
use crate::types::Id;

/// Replaces a ticket's tags.
pub fn set(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    tag_ids: &[Uuid],
) -> DbResult<()> {
    diesel::delete(
        ticket_tags::table.filter(
            ticket_tags::workspace_id
                .eq(Id(workspace_id))
                .and(ticket_tags::ticket_id.eq(Id(ticket_id))),
        ),
    )
    .execute(conn)?;
    // MultiBackend has no multi-row VALUES; a ticket has a handful of tags.
    for tag in tag_ids {
        diesel::insert_into(ticket_tags::table)
            .values((
                ticket_tags::workspace_id.eq(Id(workspace_id)),
                ticket_tags::ticket_id.eq(Id(ticket_id)),
                ticket_tags::tag_id.eq(Id(*tag)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Tags of several tickets in one query, each ticket's by name.
pub fn of_tickets(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_ids: &[Uuid],
) -> DbResult<HashMap<Uuid, Vec<TagRow>>> {
    let mut out: HashMap<Uuid, Vec<TagRow>> = HashMap::new();
    if ticket_ids.is_empty() {
        return Ok(out);
    }
    for chunk in ticket_ids.chunks(crate::batch::chunk_rows(1)) {
        let rows: Vec<(Id, TagRow)> = ticket_tags::table
            .inner_join(
                tags::table.on(tags::id
                    .eq(ticket_tags::tag_id)
                    .and(tags::workspace_id.eq(ticket_tags::workspace_id))),
            )
            .filter(
                ticket_tags::workspace_id
                    .eq(Id(workspace_id))
                    .and(ticket_tags::ticket_id.eq_any(chunk.iter().map(|i| Id(*i)))),
            )
            .order((ticket_tags::ticket_id.asc(), tags::name.asc()))
            .select((ticket_tags::ticket_id, TagRow::as_select()))
            .load(conn)?;
        for (ticket, tag) in rows {
            out.entry(ticket.0).or_default().push(tag);
        }
    }
    Ok(out)
}

/// Takes a tag off every ticket (the tag is being deleted).
pub fn remove_tag(conn: &mut AnyConnection, workspace_id: Uuid, tag_id: Uuid) -> DbResult<()> {
    diesel::delete(
        ticket_tags::table.filter(
            ticket_tags::workspace_id
                .eq(Id(workspace_id))
                .and(ticket_tags::tag_id.eq(Id(tag_id))),
        ),
    )
    .execute(conn)?;
    Ok(())
}
