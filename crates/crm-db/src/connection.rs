//! The connection enum over PostgreSQL and SQLite, the r2d2 pool, and the
//! per-connection SQLite pragmas. The backend is picked from the URL scheme
//! so a bad URL fails at once with the database's own message.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

/// One connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Postgresql(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Where a database lives, parsed from `CRM_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A libpq URL, passed through unchanged.
    Postgres(String),
    /// A file path (`sqlite://./data/crm.db`, `sqlite:crm.db`) or `:memory:`.
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite URL has no file path (try sqlite://./data/crm.db)".to_owned());
            }
            return Ok(Self::Sqlite(path.to_owned()));
        }
        Err(format!(
            "unsupported database URL {url:?}: use postgres://user@host:port/db or sqlite://path/to/file.db"
        ))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Opens connections of the backend the URL names, keeping the real error.
#[derive(Debug, Clone)]
pub struct AnyManager {
    url: DatabaseUrl,
}

impl AnyManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl ManageConnection for AnyManager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(AnyConnection::Postgresql)
            }
            DatabaseUrl::Sqlite(path) => {
                SqliteConnection::establish(path).map(AnyConnection::Sqlite)
            }
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    /// Pings only while [`retesting`]: a healthy pool hands out
    /// connections without a test query; once a query found its connection
    /// closed (the server restarted, a proxy dropped it), every checkout
    /// tests its connection for a while, so the dead ones are replaced.
    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        if retesting() {
            conn.ping().map_err(diesel::r2d2::Error::QueryError)
        } else {
            Ok(())
        }
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// When a query last found its connection closed, in seconds since the
/// epoch (0: never in this process).
static CLOSED_SEEN: AtomicI64 = AtomicI64::new(0);
/// How long after that checkouts test their connection.
const RETEST_SECS: i64 = 60;

fn epoch_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Notes that a query found its connection closed (called as the error is
/// converted into a [`crate::DbError`]).
pub(crate) fn closed_connection_seen() {
    CLOSED_SEEN.store(epoch_secs(), Ordering::Relaxed);
}

/// Whether checkouts test their connection now (see `is_valid`).
fn retesting() -> bool {
    epoch_secs() - CLOSED_SEEN.load(Ordering::Relaxed) < RETEST_SECS
}

/// SQLite: WAL for concurrent readers, a busy timeout instead of instant
/// `SQLITE_BUSY`, and foreign keys, which SQLite leaves off by default.
/// PostgreSQL keeps its own default (`plan_cache_mode = auto`): a prepared
/// statement gets a generic plan after five executions when that plan costs
/// no more than planning each call would, so a record's read is not
/// re-planned on every request (planning was most of the database's work
/// in `GET /customers/{id}`). A cached plan is re-made when its tables'
/// statistics change; the write paths that grow tables refresh those
/// statistics as they grow (`batch::refresh_statistics`), so a plan made
/// while a table was nearly empty does not outlive its growth even where
/// autovacuum is off.
#[derive(Debug, Clone, Copy)]
struct SqlitePragmas;

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        match conn {
            // The busy timeout comes first: `journal_mode` takes a lock, and
            // without the timeout a connection opened while another one
            // holds it (the pool opens several at once) fails at once with
            // "database is locked".
            AnyConnection::Sqlite(c) => c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            ),
            AnyConnection::Postgresql(_) => Ok(()),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

pub type DbPool = Pool<AnyManager>;
pub type PooledConn = PooledConnection<AnyManager>;

/// Builds a pool and opens one connection first, so a wrong URL or an
/// unreachable server is reported at once with the database's message.
/// A SQLite file's directory is created if missing.
pub fn connect_pool(url: &str, max_size: u32) -> Result<DbPool, String> {
    let url = DatabaseUrl::parse(url)?;
    if let DatabaseUrl::Sqlite(path) = &url
        && path != ":memory:"
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
    }
    let manager = AnyManager::new(url.clone());
    // Open one connection by hand first: r2d2 would otherwise retry for its
    // whole timeout and then report only "timed out".
    let mut probe = manager
        .connect()
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    SqlitePragmas
        .on_acquire(&mut probe)
        .map_err(|e| e.to_string())?;
    // The probe stays open while the pool opens its connections at once: a
    // SQLite file whose last connection closed has its WAL index rebuilt by
    // the next one to open, and the others would wait on that.
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)
        .map_err(|e| format!("cannot build the connection pool: {e}"));
    drop(probe);
    pool
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_their_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://./data/crm.db"),
            Ok(DatabaseUrl::Sqlite("./data/crm.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:"),
            Ok(DatabaseUrl::Sqlite(":memory:".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn sqlite_files_are_created_in_wal_mode_with_foreign_keys_on() {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Mode {
            #[diesel(sql_type = diesel::sql_types::Text)]
            journal_mode: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Keys {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            foreign_keys: i32,
        }
        let dir = std::env::temp_dir().join(format!("crm-wal-{}", std::process::id()));
        let url = format!("sqlite://{}/a/b/crm.db", dir.display());
        let pool = connect_pool(&url, 2).expect("pool");
        let mut conn = pool.get().expect("connection");
        let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(&mut *conn)
            .expect("journal mode");
        let keys: Keys = diesel::sql_query("PRAGMA foreign_keys")
            .get_result(&mut *conn)
            .expect("foreign keys");
        assert_eq!((mode.journal_mode.as_str(), keys.foreign_keys), ("wal", 1));
        assert!(
            dir.join("a/b/crm.db").exists(),
            "missing directories are created"
        );
        drop(conn);
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_unreachable_postgres_fails_fast_with_its_own_message() {
        let started = std::time::Instant::now();
        let err = connect_pool("postgres://nobody@127.0.0.1:1/none?connect_timeout=2", 1)
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("cannot connect") && err.to_lowercase().contains("connection"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
