//! The audit view of the change log: a record's (or the workspace's)
//! history, newest first — who changed which field from what to what,
//! when, and through which channel. Which entries a caller sees follows
//! the read scope of the record they are about; whether their values show
//! follows a second set of scopes (the `audit` grant).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::change_log::{ChangeRow, FeedScopes, Visible};
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::change_log;
use crate::types::Id;

/// What to read of the log; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub entity: Option<&'a str>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// Entries at or after this instant.
    pub since: Option<NaiveDateTime>,
    /// Entries before this sequence number (the page cursor).
    pub before_seq: Option<i64>,
}

/// One entry and whether the caller may see its values.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub row: ChangeRow,
    pub values_visible: bool,
}

#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// The next page's `before_seq`, when more entries may exist; entries
    /// the caller may not see were skipped, so a page may be short.
    pub next_before: Option<i64>,
}

/// Newest first, at most `limit` entries examined.
pub fn history(
    conn: &mut AnyConnection,
    read: &FeedScopes,
    values: &FeedScopes,
    filter: &AuditFilter<'_>,
    limit: i64,
) -> DbResult<AuditPage> {
    let mut query = change_log::table
        .filter(change_log::workspace_id.eq(Id(read.customers.workspace_id)))
        .order(change_log::seq.desc())
        .limit(limit)
        .select(ChangeRow::as_select())
        .into_boxed();
    if let Some(entity) = filter.entity {
        query = query.filter(change_log::entity.eq(entity.to_owned()));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(change_log::entity_id.eq(Id(id)));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(change_log::actor_id.eq(Id(actor)));
    }
    if let Some(since) = filter.since {
        query = query.filter(change_log::at.ge(since));
    }
    if let Some(before) = filter.before_seq {
        query = query.filter(change_log::seq.lt(before));
    }
    let rows: Vec<ChangeRow> = query.load(conn)?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    let readable = Visible::of(conn, read, &rows)?;
    let rows: Vec<ChangeRow> = rows.into_iter().filter(|r| readable.admits(r)).collect();
    let open = Visible::of(conn, values, &rows)?;
    let entries = rows
        .into_iter()
        .map(|row| AuditEntry {
            values_visible: open.admits(&row),
            row,
        })
        .collect();
    Ok(AuditPage {
        entries,
        next_before,
    })
}

/// Whether the scopes admit one record (deleted records included); an
/// entity type the log does not expose never is.
pub fn admits(
    conn: &mut AnyConnection,
    scopes: &FeedScopes,
    entity: &str,
    id: Uuid,
) -> DbResult<bool> {
    let keys = [(entity, Id(id))];
    Ok(Visible::of_keys(conn, scopes, &keys)?.admits_key(entity, Id(id)))
}
