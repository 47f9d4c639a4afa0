//! `crm export-workspace` and `crm import-workspace`: one workspace as a
//! portable archive (see `crm_db::portable::archive`), to move it between
//! databases of either backend or keep it apart from the others.

use std::path::Path;

use anyhow::bail;
use crm_db::portable::archive::{self, Manifest};

use crate::progress::{Progress, Unit};

/// Writes the workspace `slug`'s archive to `out` (which must not exist).
pub fn export_workspace(
    database_url: &str,
    slug: &str,
    out: &Path,
    import_dir: &Path,
) -> anyhow::Result<Manifest> {
    if out.exists() {
        bail!("{} already exists; name a new file", out.display());
    }
    let pool = crm_db::connect_pool(database_url, 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let workspace = archive::workspace_id(&mut conn, slug)?;
    let mut progress = Progress::new("export", Unit::Rows);
    let manifest = archive::write(&mut conn, workspace, out, Some(import_dir), &mut progress)?;
    progress.finish();
    Ok(manifest)
}

/// Loads an archive into the database (migrated first, like every command),
/// its import files into `import_dir`.
pub fn import_workspace(
    database_url: &str,
    file: &Path,
    import_dir: &Path,
) -> anyhow::Result<Manifest> {
    let pool = crm_db::connect_pool(database_url, 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    crm_db::migrate::run_pending(&mut conn).map_err(anyhow::Error::msg)?;
    let mut progress = Progress::new("import", Unit::Rows);
    let manifest = archive::read(&mut conn, file, Some(import_dir), &mut progress)?;
    progress.finish();
    Ok(manifest)
}

/// One line per table with rows, for the command's report.
pub fn summary(manifest: &Manifest) -> String {
    manifest
        .tables
        .iter()
        .filter(|t| t.rows > 0)
        .map(|t| format!("  {:<20} {:>10}", t.name, t.rows))
        .collect::<Vec<_>>()
        .join("\n")
}
