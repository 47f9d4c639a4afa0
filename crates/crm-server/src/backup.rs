//! `crm backup` and `crm restore`: the whole database the server uses.
//! SQLite: `VACUUM INTO` a new file (consistent while writers run), and a
//! restore copies the file into place, checks it and migrates it.
//! PostgreSQL: `pg_dump --format=custom` and `pg_restore --no-owner`, found
//! on `PATH` (Debian package `postgresql-client`), with the URL's
//! connection parameters. A restore only goes into a database without
//! workspaces.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use crm_db::connection::DatabaseUrl;

use crate::progress::{Progress, Unit};

/// Where `name` is on `path` (a `PATH`-style list), if anywhere.
pub fn find_program(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `pg_dump` / `pg_restore` from `PATH`, or an error saying what to install.
pub fn postgres_tool(name: &str) -> anyhow::Result<PathBuf> {
    find_program(name, std::env::var_os("PATH").as_deref()).ok_or_else(|| {
        anyhow::anyhow!(
            "{name} was not found on PATH: backups of a PostgreSQL database use PostgreSQL's own \
             tools. Install them (Debian/Ubuntu: apt-get install postgresql-client; its major \
             version must be at least the server's) and try again"
        )
    })
}

/// Shows the growth of `file` against `total` bytes while `work` runs.
fn watching<T>(what: &str, file: &Path, total: u64, work: impl FnOnce() -> T) -> T {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut progress = Progress::new(what, Unit::Bytes);
            progress.set_total(total);
            while !stop.load(Ordering::Relaxed) {
                if let Ok(meta) = std::fs::metadata(file) {
                    progress.set(meta.len().min(total));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            progress.set(total);
            progress.finish();
        });
        let out = work();
        stop.store(true, Ordering::Relaxed);
        let _ = watcher.join();
        out
    })
}

/// Writes a consistent backup of the whole database to `out` (which must
/// not exist yet); returns its size in bytes.
pub fn backup(database_url: &str, out: &Path) -> anyhow::Result<u64> {
    if out.exists() {
        bail!("{} already exists; name a new file", out.display());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
    }
    let url = DatabaseUrl::parse(database_url).map_err(anyhow::Error::msg)?;
    let pool = crm_db::connect_pool(database_url, 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let total = crm_db::backup::database_bytes(&mut conn)?;
    match url {
        DatabaseUrl::Sqlite(_) => {
            watching("backup", out, total, || {
                crm_db::backup::vacuum_into(&mut conn, out)
            })
            .context("VACUUM INTO failed")?;
        }
        DatabaseUrl::Postgres(url) => {
            drop(conn);
            let pg_dump = postgres_tool("pg_dump")?;
            let output = watching("backup", out, total, || {
                Command::new(&pg_dump)
                    .arg("--format=custom")
                    .arg("--no-password")
                    .arg("--file")
                    .arg(out)
                    .arg("--dbname")
                    .arg(&url)
                    .output()
            })
            .with_context(|| format!("cannot run {}", pg_dump.display()))?;
            if !output.status.success() {
                let _ = std::fs::remove_file(out);
                bail!(
                    "pg_dump failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
        }
    }
    Ok(std::fs::metadata(out)?.len())
}

/// Restores a backup made by [`backup`] into the database of
/// `database_url`, which must hold no workspace; then migrates it.
pub fn restore(database_url: &str, file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    match DatabaseUrl::parse(database_url).map_err(anyhow::Error::msg)? {
        DatabaseUrl::Sqlite(path) => restore_sqlite(Path::new(&path), file)?,
        DatabaseUrl::Postgres(url) => restore_postgres(&url, file)?,
    }
    let pool = crm_db::connect_pool(database_url, 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    crm_db::migrate::run_pending(&mut conn).map_err(anyhow::Error::msg)?;
    Ok(())
}

fn refuse_if_in_use(database_url: &str) -> anyhow::Result<()> {
    let pool = crm_db::connect_pool(database_url, 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    if crm_db::backup::has_workspaces(&mut conn)? {
        bail!(
            "the target database already has workspaces; restore only into an empty database \
             (a new SQLite file, or a new PostgreSQL database: createdb …)"
        );
    }
    Ok(())
}

fn restore_sqlite(target: &Path, file: &Path) -> anyhow::Result<()> {
    if target.exists() && std::fs::metadata(target)?.len() > 0 {
        refuse_if_in_use(&format!("sqlite://{}", target.display()))?;
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let partial = target.with_extension("restoring");
    let total = std::fs::metadata(file)?.len();
    watching("restore", &partial, total, || std::fs::copy(file, &partial))
        .with_context(|| format!("cannot copy {} to {}", file.display(), partial.display()))?;
    let check = (|| -> anyhow::Result<String> {
        let pool = crm_db::connect_pool(&format!("sqlite://{}", partial.display()), 1)
            .map_err(anyhow::Error::msg)?;
        let mut conn = pool.get()?;
        Ok(crm_db::backup::integrity_check(&mut conn)?)
    })();
    match check {
        Ok(ok) if ok == "ok" => {}
        Ok(problems) => {
            let _ = std::fs::remove_file(&partial);
            bail!("{} is damaged: {problems}", file.display());
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            bail!("{} is not a SQLite backup: {e}", file.display());
        }
    }
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
        let mut side = partial.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&partial, target)?;
    Ok(())
}

fn restore_postgres(url: &str, file: &Path) -> anyhow::Result<()> {
    refuse_if_in_use(url)?;
    let pg_restore = postgres_tool("pg_restore")?;
    let mut progress = Progress::new("restore", Unit::Bytes);
    progress.set_total(std::fs::metadata(file)?.len());
    let output = Command::new(&pg_restore)
        .args([
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
        ])
        .arg("--dbname")
        .arg(url)
        .arg(file)
        .output()
        .with_context(|| format!("cannot run {}", pg_restore.display()))?;
    if !output.status.success() {
        bail!(
            "pg_restore failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    progress.set(std::fs::metadata(file)?.len());
    progress.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_pg_dump_names_the_package_to_install() {
        assert_eq!(find_program("pg_dump", Some(OsStr::new(""))), None);
        assert_eq!(find_program("pg_dump", None), None);
        let dir = std::env::temp_dir();
        assert_eq!(
            find_program("pg_dump", Some(dir.as_os_str())),
            None,
            "no pg_dump in the temp dir"
        );
        let message = postgres_tool("pg_dump-not-installed")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("postgresql-client"), "{message}");
    }
}
