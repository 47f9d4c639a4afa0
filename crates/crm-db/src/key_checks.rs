//! Foreign-key checks of a bulk load of rows whose keys the loader made
//! itself (the demo's orders and lines): PostgreSQL checks each row as it
//! is written, with one trigger and one index probe per key per row; a
//! loader allowed to (a superuser) skips those triggers inside its own
//! transactions and has every key checked afterwards, once per constraint,
//! as one anti-join of the workspace's rows, the way `pg_restore
//! --disable-triggers` followed by a validation would.
//!
//! Skipping is transaction-local (`SET LOCAL session_replication_role`), so
//! no other statement on the connection, and no cascade of a later delete,
//! runs without its triggers. The tables skipped must have no triggers but
//! their keys' (the demo's do not). Elsewhere (another role, SQLite) the
//! checks stay per row and [`KeyChecks::verify`] has nothing to do.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::metrics::literal;

/// How a bulk load's keys are checked: per row, or once afterwards.
#[derive(Debug, Clone, Copy)]
pub struct KeyChecks {
    deferred: bool,
}

impl KeyChecks {
    /// Per row unless this connection may skip triggers (a PostgreSQL
    /// superuser): tried once, in a transaction of its own.
    pub fn for_bulk_load(conn: &mut AnyConnection) -> Self {
        let AnyConnection::Postgresql(pg) = conn else {
            return Self { deferred: false };
        };
        let allowed = pg
            .transaction(|c| {
                diesel::sql_query("SET LOCAL session_replication_role = replica").execute(c)
            })
            .is_ok();
        Self { deferred: allowed }
    }

    /// Whether the keys are checked once afterwards.
    pub fn deferred(&self) -> bool {
        self.deferred
    }

    /// Inside a transaction: its writes skip the per-row checks (when
    /// deferred), until the transaction ends.
    pub fn skip_in_transaction(&self, conn: &mut AnyConnection) -> DbResult<()> {
        if self.deferred {
            diesel::sql_query("SET LOCAL session_replication_role = replica").execute(conn)?;
        }
        Ok(())
    }

    /// Checks every foreign key of `tables` for the workspace's rows, one
    /// anti-join per constraint (when deferred; otherwise each row was
    /// checked as it was written): a row whose key matches nothing is a
    /// [`DbError::ForeignKeyViolation`] naming the constraint and the count.
    /// Table names come from this crate's callers.
    pub fn verify(
        &self,
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        tables: &[&str],
    ) -> DbResult<()> {
        self.verify_on_two(conn, None, workspace_id, tables)
    }

    /// [`Self::verify`], with the keys handed out one at a time to `conn`
    /// and `other` (when given and PostgreSQL), whichever is free: each
    /// anti-join runs on one core.
    pub fn verify_on_two(
        &self,
        conn: &mut AnyConnection,
        other: Option<&mut AnyConnection>,
        workspace_id: Uuid,
        tables: &[&str],
    ) -> DbResult<()> {
        use std::sync::atomic::{AtomicUsize, Ordering};

        let AnyConnection::Postgresql(pg) = conn else {
            return Ok(());
        };
        if !self.deferred {
            return Ok(());
        }
        let keys: Vec<Key> = diesel::sql_query(KEYS_SQL)
            .bind::<diesel::sql_types::Array<Text>, _>(tables)
            .load(pg)?;
        let ws = literal(&workspace_id.to_string());
        let next = AtomicUsize::new(0);
        let check = |pg: &mut PgConnection| -> DbResult<()> {
            pg.transaction(|c| {
                // Both sides of a key are indexed in its order here, and
                // merging the two indexes beats hashing the parent's rows: at
                // `l`, the lines against eleven million orders took 7.7 s
                // instead of 23 s, against the products 1.8 s instead of 6.3
                // s. Memory for any sort a key without an index would need.
                diesel::sql_query("SET LOCAL enable_hashjoin = off").execute(c)?;
                diesel::sql_query("SET LOCAL work_mem = '256MB'").execute(c)?;
                while let Some(key) = keys.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let dangling: Count =
                        diesel::sql_query(dangling_sql(key, &ws)).get_result(c)?;
                    if dangling.n > 0 {
                        return Err(DbError::ForeignKeyViolation(format!(
                            "{} rows of {} match no row of {} ({})",
                            dangling.n, key.child, key.parent, key.name
                        )));
                    }
                }
                Ok(())
            })
        };
        match other {
            Some(AnyConnection::Postgresql(two)) => std::thread::scope(|scope| {
                let helper = scope.spawn(|| check(two));
                let mine = check(pg);
                let theirs = helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                mine.and(theirs)
            }),
            _ => check(pg),
        }
    }
}

/// One foreign key: its tables and, per column pair, `x.<child column> =
/// y.<parent column>` and `x.<child column> IS NOT NULL`.
#[derive(Debug, QueryableByName)]
struct Key {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    child: String,
    #[diesel(sql_type = Text)]
    parent: String,
    #[diesel(sql_type = Text)]
    matches: String,
    #[diesel(sql_type = Text)]
    present: String,
    /// The key is the row's workspace alone.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    workspace_only: bool,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The foreign keys of the tables named in `$1` (found as the statements
/// that follow find them, by the search path), from the catalog, with their
/// names quoted as identifiers (`format('%I')`, `regclass`).
const KEYS_SQL: &str = "SELECT c.conname::text AS name, c.conrelid::regclass::text AS child, \
     c.confrelid::regclass::text AS parent, \
     (SELECT string_agg(format('x.%I = y.%I', a.attname, b.attname), ' AND ' ORDER BY k.n) \
      FROM unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ck, pk, n) \
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.ck \
      JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = k.pk) AS matches, \
     (SELECT string_agg(format('x.%I IS NOT NULL', a.attname), ' AND ' ORDER BY k.n) \
      FROM unnest(c.conkey) WITH ORDINALITY AS k(ck, n) \
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.ck) AS present, \
     (cardinality(c.conkey) = 1 AND (SELECT a.attname = 'workspace_id' FROM pg_attribute a \
      WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1])) AS workspace_only \
     FROM pg_constraint c \
     WHERE c.contype = 'f' AND c.conrelid IN (SELECT to_regclass(t) FROM unnest($1) AS t) \
     ORDER BY 2, 1";

/// The workspace's rows of the key's table whose key is complete and
/// matches no row of the table it references (`MATCH SIMPLE`: a key with a
/// NULL column references nothing). A key that is the workspace alone is
/// the same for all of them: one row stands for all (the change log's
/// twelve million at `l` took 8.6 s to scan).
fn dangling_sql(key: &Key, ws: &str) -> String {
    let rows = if key.workspace_only {
        format!(
            "(SELECT x.workspace_id FROM {} x WHERE x.workspace_id = {ws} LIMIT 1) x",
            key.child
        )
    } else {
        format!("{} x", key.child)
    };
    format!(
        "SELECT count(*) AS n FROM {rows} WHERE x.workspace_id = {ws} AND {present} \
         AND NOT EXISTS (SELECT 1 FROM {parent} y WHERE {matches})",
        present = key.present,
        parent = key.parent,
        matches = key.matches,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_dangling_when_complete_and_matching_no_parent_row() {
        let key = Key {
            name: "orders_customer_fkey".into(),
            child: "orders".into(),
            parent: "customers".into(),
            matches: "x.workspace_id = y.workspace_id AND x.customer_id = y.id".into(),
            present: "x.workspace_id IS NOT NULL AND x.customer_id IS NOT NULL".into(),
            workspace_only: false,
        };
        let sql = dangling_sql(&key, "'w'");
        assert_eq!(
            sql,
            "SELECT count(*) AS n FROM orders x WHERE x.workspace_id = 'w' \
             AND x.workspace_id IS NOT NULL AND x.customer_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM customers y WHERE x.workspace_id = y.workspace_id \
             AND x.customer_id = y.id)"
        );
        let workspace = Key {
            name: "orders_workspace_id_fkey".into(),
            child: "orders".into(),
            parent: "workspaces".into(),
            matches: "x.workspace_id = y.id".into(),
            present: "x.workspace_id IS NOT NULL".into(),
            workspace_only: true,
        };
        assert_eq!(
            dangling_sql(&workspace, "'w'"),
            "SELECT count(*) AS n FROM (SELECT x.workspace_id FROM orders x \
             WHERE x.workspace_id = 'w' LIMIT 1) x WHERE x.workspace_id = 'w' \
             AND x.workspace_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM workspaces y WHERE x.workspace_id = y.id)"
        );
    }
}
