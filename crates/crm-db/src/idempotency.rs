//! Stored responses of POSTs sent with an `Idempotency-Key` (DESIGN §4):
//! written in the transaction of the write they answer, read back to replay
//! a retried request, forgotten after 24 hours.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::idempotency_keys;
use crate::time::now;
use crate::types::{Id, Json};

/// How long a key is remembered.
pub const KEEP_HOURS: i64 = 24;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: i32,
    pub response: Json,
    pub location: Option<String>,
}

/// The response stored for this caller's key, if it is still remembered.
pub fn find(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor_id: Uuid,
    key: &str,
) -> DbResult<Option<StoredResponse>> {
    let cutoff = now() - Duration::hours(KEEP_HOURS);
    Ok(idempotency_keys::table
        .filter(
            idempotency_keys::workspace_id
                .eq(Id(workspace_id))
                .and(idempotency_keys::actor_id.eq(Id(actor_id)))
                .and(idempotency_keys::key.eq(key))
                .and(idempotency_keys::created_at.gt(cutoff)),
        )
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()?)
}

pub struct NewResponse<'a> {
    pub workspace_id: Uuid,
    pub actor_id: Uuid,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub status: i32,
    pub response: Value,
    pub location: Option<String>,
}

/// Remembers a response, replacing an expired entry for the same key and
/// dropping the workspace's other expired entries.
pub fn store(conn: &mut AnyConnection, entry: NewResponse<'_>) -> DbResult<()> {
    let cutoff = now() - Duration::hours(KEEP_HOURS);
    diesel::delete(
        idempotency_keys::table.filter(
            idempotency_keys::workspace_id
                .eq(Id(entry.workspace_id))
                .and(idempotency_keys::created_at.le(cutoff)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::workspace_id.eq(Id(entry.workspace_id)),
            idempotency_keys::actor_id.eq(Id(entry.actor_id)),
            idempotency_keys::key.eq(entry.key),
            idempotency_keys::request_hash.eq(entry.request_hash),
            idempotency_keys::status.eq(entry.status),
            idempotency_keys::response.eq(Json(entry.response)),
            idempotency_keys::location.eq(entry.location),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
