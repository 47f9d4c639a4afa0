//! Whole-database backups at the SQL level: SQLite's `VACUUM INTO` (a
//! consistent copy taken inside one read transaction, while writers go on),
//! the checks a restore makes on its target, and the database's size for
//! progress. PostgreSQL backups are `pg_dump`'s, run by the `crm` binary.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Writes a consistent copy of a SQLite database to `path` (which must not
/// exist). On PostgreSQL this is an error: use `pg_dump`.
pub fn vacuum_into(conn: &mut AnyConnection, path: &std::path::Path) -> DbResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(path.to_string_lossy().into_owned())
                .execute(c)?;
            Ok(())
        }
        AnyConnection::Postgresql(_) => {
            Err(DbError::Query(diesel::result::Error::QueryBuilderError(
                "VACUUM INTO is SQLite's; back up PostgreSQL with pg_dump".into(),
            )))
        }
    }
}

/// The database's size in bytes (for a progress bar while it is copied).
pub fn database_bytes(conn: &mut AnyConnection) -> DbResult<u64> {
    let sql = match conn {
        AnyConnection::Postgresql(_) => "SELECT pg_database_size(current_database()) AS n",
        AnyConnection::Sqlite(_) => {
            "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()"
        }
    };
    let row: Number = diesel::sql_query(sql).get_result(conn)?;
    Ok(u64::try_from(row.n).unwrap_or(0))
}

/// Whether the database holds any workspace (false when it has no schema yet).
pub fn has_workspaces(conn: &mut AnyConnection) -> DbResult<bool> {
    let exists = match conn {
        AnyConnection::Postgresql(_) => {
            "SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'workspaces'"
        }
        AnyConnection::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'workspaces'"
        }
    };
    let table: Number = diesel::sql_query(exists).get_result(conn)?;
    if table.n == 0 {
        return Ok(false);
    }
    let rows: Number =
        diesel::sql_query("SELECT COUNT(*) AS n FROM workspaces").get_result(conn)?;
    Ok(rows.n > 0)
}

/// SQLite's own consistency check of a database file ("ok" when sound).
pub fn integrity_check(conn: &mut AnyConnection) -> DbResult<String> {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    match conn {
        AnyConnection::Sqlite(c) => {
            let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(c)?;
            Ok(rows
                .into_iter()
                .map(|r| r.integrity_check)
                .collect::<Vec<_>>()
                .join("; "))
        }
        AnyConnection::Postgresql(_) => Ok("ok".into()),
    }
}

/// The table names of the database (for comparing a restore with its source).
pub fn table_names(conn: &mut AnyConnection) -> DbResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = match conn {
        AnyConnection::Postgresql(_) => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        }
        AnyConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    let rows: Vec<Name> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// The tables that have a `workspace_id` column (an archive must hold or
/// knowingly leave out each).
pub fn workspace_tables(conn: &mut AnyConnection) -> DbResult<Vec<String>> {
    let mut out = Vec::new();
    for table in table_names(conn)? {
        if column_names(conn, &table)?
            .iter()
            .any(|c| c == "workspace_id")
        {
            out.push(table);
        }
    }
    Ok(out)
}

/// A table's column names, as the database has them.
pub fn column_names(conn: &mut AnyConnection, table: &str) -> DbResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let rows: Vec<Name> = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' \
             ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query("SELECT name FROM pragma_table_info(?)")
            .bind::<Text, _>(table)
            .load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Rows in a table (all workspaces), for comparing a restore with its source.
pub fn count_all(conn: &mut AnyConnection, table: &str) -> DbResult<i64> {
    let row: Number = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM \"{}\"",
        table.replace('"', "")
    ))
    .get_result(conn)?;
    Ok(row.n)
}
