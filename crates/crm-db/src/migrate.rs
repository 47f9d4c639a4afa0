//! Embedded migrations of both backends (same folder names in each tree).

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::connection::AnyConnection;

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Runs pending migrations, then lets built-in roles learn object types
/// added since they were stored; returns the versions applied.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, String> {
    let applied: Vec<String> = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE),
    }
    .map_err(|e| format!("migration failed: {e}"))?
    .into_iter()
    .map(|v| v.to_string())
    .collect();
    crate::roles::learn_new_objects(conn)
        .map_err(|e| format!("upgrading built-in roles failed: {e}"))?;
    Ok(applied)
}

/// Reverts every applied migration (used by the down/up round-trip test).
pub fn revert_all(conn: &mut AnyConnection) -> Result<usize, String> {
    let reverted = match conn {
        AnyConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES),
        AnyConnection::Sqlite(c) => c.revert_all_migrations(SQLITE),
    }
    .map_err(|e| format!("revert failed: {e}"))?;
    Ok(reverted.len())
}
