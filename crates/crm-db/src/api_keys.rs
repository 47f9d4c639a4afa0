//! API keys for integrators: a public prefix to find the key, the hash of
//! the secret to check it, a role it is bound to and the user it acts as.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::Id;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::api_keys;
use crate::time::now;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub role_id: Id,
    pub user_id: Id,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub role_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    key: &NewApiKey<'_>,
) -> DbResult<ApiKeyRow> {
    let id = Uuid::now_v7();
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(Id(id)),
            api_keys::workspace_id.eq(Id(workspace_id)),
            api_keys::name.eq(key.name),
            api_keys::prefix.eq(key.prefix),
            api_keys::secret_hash.eq(key.secret_hash),
            api_keys::role_id.eq(Id(key.role_id)),
            api_keys::user_id.eq(Id(key.user_id)),
            api_keys::created_at.eq(now()),
            api_keys::expires_at.eq(key.expires_at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<ApiKeyRow> {
    Ok(api_keys::table
        .filter(
            api_keys::workspace_id
                .eq(Id(workspace_id))
                .and(api_keys::id.eq(Id(id))),
        )
        .select(ApiKeyRow::as_select())
        .first(conn)?)
}

/// Looks a key up by its public prefix (any workspace: the key names its own).
pub fn find_by_prefix(conn: &mut AnyConnection, prefix: &str) -> DbResult<Option<ApiKeyRow>> {
    Ok(api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Vec<ApiKeyRow>> {
    Ok(api_keys::table
        .filter(api_keys::workspace_id.eq(Id(workspace_id)))
        .order((api_keys::created_at.desc(), api_keys::id.desc()))
        .select(ApiKeyRow::as_select())
        .load(conn)?)
}

pub fn revoke(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::update(
        api_keys::table.filter(
            api_keys::workspace_id
                .eq(Id(workspace_id))
                .and(api_keys::id.eq(Id(id))),
        ),
    )
    .set(api_keys::revoked_at.eq(now()))
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

/// Records use at most once a minute, so authentication stays a read on the hot path.
pub fn touch(
    conn: &mut AnyConnection,
    id: Uuid,
    last_used_at: Option<NaiveDateTime>,
) -> DbResult<()> {
    let at = now();
    if last_used_at.is_some_and(|t| at - t < chrono::Duration::minutes(1)) {
        return Ok(());
    }
    diesel::update(api_keys::table.find(Id(id)))
        .set(api_keys::last_used_at.eq(at))
        .execute(conn)?;
    Ok(())
}
