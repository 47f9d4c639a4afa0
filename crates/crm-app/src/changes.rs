//! The changes feed for incremental sync: each create, update and delete of
//! a customer, contact, product, order, deal, lead or activity the actor
//! may read, in commit order (`seq`), with the names of the fields that
//! changed. Reads through the same scopes as the audit view
//! ([`crate::audit::feed_scopes`]); values are the audit view's, not the feed's.

use crm_api_types::changes::{Change, ChangeEntity, ChangesPage, ChangesQuery};
use crm_db::AnyConnection;
use crm_db::change_log::ChangeRow;

use crate::error::bad_param;
use crate::views::utc;
use crate::{Actor, AppError};

/// At most this many entries on a page; 100 by default.
pub const MAX_LIMIT: i64 = 1000;

fn view(row: ChangeRow) -> Option<Change> {
    let entity = crate::audit::entity(&row.entity)?;
    let op = crate::audit::op(&row.op)?;
    Some(Change {
        seq: row.seq,
        entity,
        entity_id: row.entity_id.0,
        op,
        changed_fields: serde_json::from_value(row.changed_fields.0).unwrap_or_default(),
        actor_id: row.actor_id.map(|id| id.0),
        at: utc(row.at),
    })
}

/// The entries after `since` (default 0) the actor may read, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: ChangesQuery,
) -> Result<ChangesPage, AppError> {
    let limit = match query.limit {
        None => 100,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return Err(bad_param("limit", "must be between 1 and 1000")),
    };
    let since = match query.since {
        Some(s) if s < 0 => return Err(bad_param("since", "must not be negative")),
        Some(s) => s,
        None => 0,
    };
    let entity = query.entity.map(ChangeEntity::as_str);
    let scopes = crate::audit::feed_scopes(conn, actor, None)?;
    let page = crm_db::change_log::feed(conn, &scopes, entity, since, limit)?;
    Ok(ChangesPage {
        items: page.entries.into_iter().filter_map(view).collect(),
        next_since: page.last_seq,
        has_more: page.has_more,
    })
}
