//! Sign-in state: rotating refresh tokens (stored as hashes, grouped in
//! families so reuse of a spent token revokes the whole family) and the
//! failed-login throttle, kept in the database so every API node agrees;
//! and the workspace's access counter that a cached principal is checked
//! against.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::Id;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{auth_versions, login_throttle, refresh_tokens};
use crate::time::now;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRow {
    pub id: Id,
    pub workspace_id: Id,
    pub user_id: Id,
    pub family_id: Id,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_refresh(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> DbResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Id::new()),
            refresh_tokens::workspace_id.eq(Id(workspace_id)),
            refresh_tokens::user_id.eq(Id(user_id)),
            refresh_tokens::family_id.eq(Id(family_id)),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(expires_at),
            refresh_tokens::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh(conn: &mut AnyConnection, token_hash: &str) -> DbResult<Option<RefreshRow>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshRow::as_select())
        .first(conn)
        .optional()?)
}

/// Spends a token; `false` when it was already spent or revoked (a reuse).
pub fn spend_refresh(conn: &mut AnyConnection, id: Uuid) -> DbResult<bool> {
    let n = diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::id
                .eq(Id(id))
                .and(refresh_tokens::used_at.is_null())
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::used_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    family_id: Uuid,
) -> DbResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::workspace_id
                .eq(Id(workspace_id))
                .and(refresh_tokens::family_id.eq(Id(family_id)))
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?)
}

/// Revokes every live refresh token of a user (deactivation, password change).
pub fn revoke_user(conn: &mut AnyConnection, workspace_id: Uuid, user_id: Uuid) -> DbResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::workspace_id
                .eq(Id(workspace_id))
                .and(refresh_tokens::user_id.eq(Id(user_id)))
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?)
}

/// How many failures within which window block a key, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

/// The latest time until which any of the keys is blocked, if in the future.
pub fn blocked_until(conn: &mut AnyConnection, keys: &[String]) -> DbResult<Option<NaiveDateTime>> {
    let at = now();
    let until: Option<Option<NaiveDateTime>> = login_throttle::table
        .filter(
            login_throttle::key
                .eq_any(keys)
                .and(login_throttle::blocked_until.gt(at)),
        )
        .select(login_throttle::blocked_until)
        .order(login_throttle::blocked_until.desc())
        .first(conn)
        .optional()?;
    Ok(until.flatten())
}

/// Counts one attempt against a key and says whether the key is blocked.
///
/// Called *before* a credential is checked (sign-in) or right after a
/// failed one (tokens, API keys), so concurrent attempts cannot all pass
/// a stale count: each statement below is atomic, and the transaction holds
/// the row from the first update to the read, on both backends. Once more
/// than `max_failures` attempts fall within the window, the key is blocked
/// for the lockout. An existing block is never shortened or lifted here.
/// Returns the end of the block in force after this attempt, if any.
pub fn count_attempt(
    conn: &mut AnyConnection,
    key: &str,
    policy: ThrottlePolicy,
) -> DbResult<Option<NaiveDateTime>> {
    let at = now();
    conn.transaction(|conn| {
        // A window that has run out starts again (the block, if any, stays).
        diesel::update(
            login_throttle::table.filter(
                login_throttle::key
                    .eq(key)
                    .and(login_throttle::window_started_at.le(at - policy.window)),
            ),
        )
        .set((
            login_throttle::failures.eq(0),
            login_throttle::window_started_at.eq(at),
        ))
        .execute(conn)?;
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::key.eq(key),
                login_throttle::failures.eq(1),
                login_throttle::window_started_at.eq(at),
            ))
            .on_conflict(login_throttle::key)
            .do_update()
            .set(login_throttle::failures.eq(login_throttle::failures + 1))
            .execute(c))?;
        diesel::update(
            login_throttle::table.filter(
                login_throttle::key
                    .eq(key)
                    .and(login_throttle::failures.gt(policy.max_failures))
                    .and(
                        login_throttle::blocked_until
                            .is_null()
                            .or(login_throttle::blocked_until.le(at)),
                    ),
            ),
        )
        .set(login_throttle::blocked_until.eq(at + policy.lockout))
        .execute(conn)?;
        let until: Option<NaiveDateTime> = login_throttle::table
            .find(key)
            .select(login_throttle::blocked_until)
            .first(conn)?;
        Ok(until.filter(|until| *until > at))
    })
}

/// Gives back one attempt counted by [`count_attempt`] (a sign-in that
/// succeeded should not use up its address's allowance).
pub fn release_attempt(conn: &mut AnyConnection, key: &str) -> DbResult<()> {
    diesel::update(
        login_throttle::table.filter(
            login_throttle::key
                .eq(key)
                .and(login_throttle::failures.gt(0)),
        ),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1))
    .execute(conn)?;
    Ok(())
}

/// Forgets a key's attempts, but never an active block.
pub fn clear_failures(conn: &mut AnyConnection, key: &str) -> DbResult<()> {
    let at = now();
    diesel::delete(
        login_throttle::table.filter(
            login_throttle::key.eq(key).and(
                login_throttle::blocked_until
                    .is_null()
                    .or(login_throttle::blocked_until.le(at)),
            ),
        ),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets a key altogether, block included (an operator's recovery).
pub fn forget(conn: &mut AnyConnection, key: &str) -> DbResult<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// The workspace's access counter: it moves (by trigger) whenever a user,
/// a role or an API key of the workspace changes; 0 before any did.
pub fn access_version(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<i64> {
    Ok(auth_versions::table
        .find(Id(workspace_id))
        .select(auth_versions::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// [`access_version`] as a column of another statement (NULL, read as 0,
/// before the workspace's first access change), so a read authorised from
/// a cached principal confirms it without a statement of its own.
macro_rules! access_counter {
    ($workspace_id:expr) => {
        $crate::schema::auth_versions::table
            .filter(
                $crate::schema::auth_versions::workspace_id.eq($crate::types::Id($workspace_id)),
            )
            .select($crate::schema::auth_versions::version)
            .single_value()
    };
}

pub(crate) use access_counter;

/// A page read with [`access_counter!`] as its last column, split into its
/// rows and the counter its statement saw: `None` for an empty page (no row
/// carried it), 0 before the workspace's first access change.
pub(crate) fn split_page<R>(rows: Vec<(R, Option<i64>)>) -> (Vec<R>, Option<i64>) {
    let access = rows.first().map(|(_, access)| access.unwrap_or(0));
    (rows.into_iter().map(|(row, _)| row).collect(), access)
}

#[cfg(test)]
mod tests {
    use super::split_page;

    #[test]
    fn a_page_gives_its_rows_and_the_counter_its_first_row_carried() {
        assert_eq!(split_page::<&str>(vec![]), (vec![], None));
        assert_eq!(
            split_page(vec![("a", Some(7)), ("b", Some(7))]),
            (vec!["a", "b"], Some(7))
        );
        // No `auth_versions` row yet: the workspace's counter is 0.
        assert_eq!(split_page(vec![("a", None)]), (vec!["a"], Some(0)));
    }
}
