//! Database-server administration: creating and dropping whole databases
//! (test isolation, future backup/restore). PostgreSQL only.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::error::DbResult;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
}

/// Quotes an identifier for PostgreSQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn database_exists(conn: &mut PgConnection, name: &str) -> DbResult<bool> {
    let rows: Vec<Name> = diesel::sql_query("SELECT datname FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .load(conn)?;
    Ok(!rows.is_empty())
}

pub fn databases_like(conn: &mut PgConnection, pattern: &str) -> DbResult<Vec<String>> {
    let rows: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind::<Text, _>(pattern)
            .load(conn)?;
    Ok(rows.into_iter().map(|r| r.datname).collect())
}

pub fn create_database(
    conn: &mut PgConnection,
    name: &str,
    template: Option<&str>,
) -> DbResult<()> {
    let template = template
        .map(|t| format!(" TEMPLATE {}", ident(t)))
        .unwrap_or_default();
    conn.batch_execute(&format!("CREATE DATABASE {}{template}", ident(name)))?;
    Ok(())
}

pub fn drop_database(conn: &mut PgConnection, name: &str) -> DbResult<()> {
    conn.batch_execute(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        ident(name)
    ))?;
    Ok(())
}

/// Runs `f` while holding a session-level advisory lock (cross-process mutex).
pub fn with_advisory_lock<T>(
    conn: &mut PgConnection,
    key: i64,
    f: impl FnOnce(&mut PgConnection) -> T,
) -> DbResult<T> {
    conn.batch_execute(&format!("SELECT pg_advisory_lock({key})"))?;
    let out = f(conn);
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({key})"))?;
    Ok(out)
}
