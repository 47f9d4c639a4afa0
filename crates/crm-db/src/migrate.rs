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

/// The names of the migrations this build embeds, PostgreSQL's then
/// SQLite's (tests key their migrated template database on them: a test
/// binary built before a migration was added must not reuse a template
/// built by one that has it, nor the reverse).
pub fn embedded_names() -> Vec<String> {
    use diesel::migration::MigrationSource;
    let names = |source: EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::pg::Pg>::migrations(&source)
            .map(|list| list.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    };
    let mut all = names(POSTGRES);
    all.extend(names(SQLITE));
    all
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
