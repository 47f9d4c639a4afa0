//! Isolated test databases. PostgreSQL: one template per migration set
//! (created once, under an advisory lock so parallel test processes agree),
//! cloned with `CREATE DATABASE … TEMPLATE` per test and dropped on `Drop`;
//! databases left by dead processes are swept. SQLite: a migrated template
//! file copied into a temp dir per test.
//!
//! `CRM_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names the server. An unreachable server fails the test with instructions;
//! it is never skipped.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use crm_db::DbPool;
use diesel::{Connection, PgConnection};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub enum TestDb {
    Postgres {
        url: String,
        name: String,
        admin_url: String,
    },
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations")
}

/// A short hash of every migration file and of the migrations this build
/// embeds, so a changed migration gets a new template, and a binary built
/// before the files changed does not name its template after them.
fn migrations_hash() -> String {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    let mut files = Vec::new();
    walk(&migrations_dir(), &mut files);
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut hasher);
    crm_db::migrate::embedded_names().hash(&mut hasher);
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

pub fn server_url() -> String {
    std::env::var("CRM_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

fn admin_connection(url: &str) -> PgConnection {
    PgConnection::establish(url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {url}: {e}\n\
             The tests need a PostgreSQL server (they never skip it). Start one, e.g.\n  \
             apt-get install -y postgresql && pg_ctlcluster 15 main start\n\
             or point CRM_TEST_DATABASE_URL at a server whose user may CREATE DATABASE."
        )
    })
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Creates (once) the migrated template and sweeps databases of dead test processes.
fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let template = format!("crm_template_{}", migrations_hash());
            let mut admin = admin_connection(admin_url);
            crm_db::admin::with_advisory_lock(&mut admin, 7_214_003, |admin| {
                for name in crm_db::admin::databases_like(admin, "crm_test_%").unwrap_or_default() {
                    let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
                    if pid.is_some_and(|p| !process_alive(p)) {
                        let _ = crm_db::admin::drop_database(admin, &name);
                    }
                }
                if !crm_db::admin::database_exists(admin, &template).unwrap_or(false) {
                    let building = format!("{template}_building");
                    crm_db::admin::drop_database(admin, &building).expect("drop stale template");
                    crm_db::admin::create_database(admin, &building, None)
                        .expect("create template");
                    {
                        let pool = crm_db::connect_pool(&with_database(admin_url, &building), 1)
                            .expect("connect template");
                        let mut conn = pool.get().expect("template connection");
                        crm_db::migrate::run_pending(&mut conn).expect("migrate template");
                    }
                    diesel::connection::SimpleConnection::batch_execute(
                        admin,
                        &format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\""),
                    )
                    .expect("publish template");
                }
            })
            .expect("advisory lock");
            template
        })
        .clone()
}

fn sqlite_template() -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let dir = std::env::temp_dir().join(format!(
                "crm-sqlite-template-{}-{}",
                std::process::id(),
                migrations_hash()
            ));
            std::fs::create_dir_all(&dir).expect("template dir");
            let file = dir.join("template.db");
            let _ = std::fs::remove_file(&file);
            let pool = crm_db::connect_pool(&format!("sqlite://{}", file.display()), 1)
                .expect("template db");
            let mut conn = pool.get().expect("template connection");
            crm_db::migrate::run_pending(&mut conn).expect("migrate template");
            diesel::connection::SimpleConnection::batch_execute(
                &mut *conn,
                "PRAGMA wal_checkpoint(TRUNCATE);",
            )
            .expect("checkpoint");
            file
        })
        .clone()
}

impl TestDb {
    pub fn postgres() -> Self {
        let admin_url = server_url();
        let template = postgres_template(&admin_url);
        let name = format!(
            "crm_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = admin_connection(&admin_url);
        crm_db::admin::create_database(&mut admin, &name, Some(&template)).expect("clone template");
        Self::Postgres {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("crm.db");
        std::fs::copy(sqlite_template(), &file).expect("copy template");
        Self::Sqlite {
            url: format!("sqlite://{}", file.display()),
            _dir: dir,
        }
    }

    /// A database with no migrations applied (for migration tests).
    pub fn empty(postgres: bool) -> Self {
        if postgres {
            let admin_url = server_url();
            let name = format!(
                "crm_test_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            let mut admin = admin_connection(&admin_url);
            crm_db::admin::create_database(&mut admin, &name, None).expect("create database");
            Self::Postgres {
                url: with_database(&admin_url, &name),
                name,
                admin_url,
            }
        } else {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("crm.db").display());
            Self::Sqlite { _dir: dir, url }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Postgres { url, .. } | Self::Sqlite { url, .. } => url,
        }
    }

    pub fn pool(&self) -> DbPool {
        crm_db::connect_pool(self.url(), 4).expect("test pool")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres {
            name, admin_url, ..
        } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = crm_db::admin::drop_database(&mut admin, name);
        }
    }
}
