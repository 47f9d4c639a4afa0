//! The workspace archive: a `.tar.gz` holding, in this order,
//! `manifest.json` (format version, source backend, migration version, the
//! workspace, every table with its row count and column kinds, the files),
//! `tables/<table>.jsonl` (one portable row object per line, tables in
//! foreign-key order) and `files/imports/<id>.csv` (the workspace's uploaded
//! import files). Written to a temporary name and renamed when complete;
//! read back in one transaction into a database migrated to the same version.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use diesel::Connection;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::catalog::{Column, TableSpec, tables};
use super::{PortableError, PortableResult, Progress, Row, Writer};
use crate::connection::AnyConnection;

pub const FORMAT: &str = "crm-workspace";
pub const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const IMPORT_FILES: &str = "files/imports/";
/// Rows inserted per batch on the way in.
const LOAD_BATCH: usize = 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub source_backend: String,
    pub migration_version: String,
    pub exported_at: String,
    pub workspace: WorkspaceEntry,
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceEntry {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub rows: u64,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
}

impl Manifest {
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

fn format_error(e: impl std::fmt::Display) -> PortableError {
    PortableError::Format(e.to_string())
}

/// The id of the workspace with this slug.
pub fn workspace_id(conn: &mut AnyConnection, slug: &str) -> PortableResult<Uuid> {
    crate::workspaces::find_by_slug(conn, slug)?
        .map(|w| w.id.0)
        .ok_or_else(|| PortableError::Refused(format!("no workspace with slug {slug:?}")))
}

/// Writes the workspace's archive to `out` (an import file is taken from
/// `import_dir/<id>.csv`, where import jobs keep it, when present).
pub fn write(
    conn: &mut AnyConnection,
    workspace: Uuid,
    out: &Path,
    import_dir: Option<&Path>,
    progress: &mut dyn Progress,
) -> PortableResult<Manifest> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let scratch = tempfile::tempdir_in(parent)?;
    let migration_version = super::migration_version(conn)?;
    let mut entries: Vec<(TableSpec, u64, PathBuf)> = Vec::new();
    let mut files: Vec<(FileEntry, PathBuf)> = Vec::new();
    let mut ws: Option<WorkspaceEntry> = None;
    let mut current: Option<BufWriter<File>> = None;
    let specs = tables();
    for spec in &specs {
        let path = scratch.path().join(format!("{}.jsonl", spec.name));
        File::create(&path)?;
        entries.push((spec.clone(), 0, path));
    }
    super::export(conn, workspace, progress, |spec, rows| {
        let Some(entry) = entries.iter_mut().find(|e| e.0.name == spec.name) else {
            return Err(format_error(format!("unknown table {}", spec.name)));
        };
        if current.is_none() || entry.1 == 0 {
            if let Some(mut w) = current.take() {
                w.flush()?;
            }
            current = Some(BufWriter::new(File::options().append(true).open(&entry.2)?));
        }
        let Some(w) = current.as_mut() else {
            return Err(format_error("no open table file"));
        };
        for row in rows {
            serde_json::to_writer(&mut *w, row).map_err(format_error)?;
            w.write_all(b"\n")?;
            if spec.is_workspace() {
                ws = Some(WorkspaceEntry {
                    id: workspace,
                    slug: text(row, "slug"),
                    name: text(row, "name"),
                });
            }
            if spec.name == "imports"
                && let (Some(dir), Some(id)) = (import_dir, row.get("id").and_then(Value::as_str))
            {
                let file = dir.join(format!("{id}.csv"));
                if let Ok(meta) = std::fs::metadata(&file) {
                    let path = format!("{IMPORT_FILES}{id}.csv");
                    files.push((
                        FileEntry {
                            path,
                            bytes: meta.len(),
                        },
                        file,
                    ));
                }
            }
        }
        entry.1 += rows.len() as u64;
        Ok(())
    })?;
    if let Some(mut w) = current.take() {
        w.flush()?;
    }
    let workspace = ws.ok_or_else(|| PortableError::Refused("no such workspace".into()))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        source_backend: conn.backend().as_str().into(),
        migration_version,
        exported_at: chrono::Utc::now().to_rfc3339(),
        workspace,
        tables: entries
            .iter()
            .map(|(spec, rows, _)| TableEntry {
                name: spec.name.into(),
                rows: *rows,
                columns: spec.columns.clone(),
            })
            .collect(),
        files: files.iter().map(|(f, _)| f.clone()).collect(),
    };
    let partial = out.with_extension("partial");
    {
        let gz = GzEncoder::new(BufWriter::new(File::create(&partial)?), Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let json = serde_json::to_vec_pretty(&manifest).map_err(format_error)?;
        append_bytes(&mut tar, MANIFEST, &json)?;
        for (spec, _, path) in &entries {
            tar.append_path_with_name(path, format!("tables/{}.jsonl", spec.name))?;
        }
        for (entry, path) in &files {
            // A file deleted since its row was read is left out.
            if path.exists() {
                tar.append_path_with_name(path, &entry.path)?;
            }
        }
        let gz = tar.into_inner()?;
        let mut inner = gz.finish()?;
        inner.flush()?;
    }
    std::fs::rename(&partial, out)?;
    Ok(manifest)
}

fn text(row: &Row, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    data: &[u8],
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    header.set_cksum();
    tar.append_data(&mut header, name, data)
}

/// Copies an archive with its manifest changed by `change` (to repair an
/// archive by hand, or to test how a reader meets another version).
pub fn rewrite_manifest(
    from: &Path,
    to: &Path,
    change: impl FnOnce(&mut Manifest),
) -> PortableResult<()> {
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(File::open(from)?)));
    let gz = GzEncoder::new(BufWriter::new(File::create(to)?), Compression::fast());
    let mut out = tar::Builder::new(gz);
    let mut change = Some(change);
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if name == MANIFEST {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            let mut manifest: Manifest = serde_json::from_str(&text).map_err(format_error)?;
            if let Some(change) = change.take() {
                change(&mut manifest);
            }
            let json = serde_json::to_vec_pretty(&manifest).map_err(format_error)?;
            append_bytes(&mut out, MANIFEST, &json)?;
        } else {
            let mut header = entry.header().clone();
            out.append_data(&mut header, &name, &mut entry)?;
        }
    }
    out.into_inner()?.finish()?.flush()?;
    Ok(())
}

/// Reads just the manifest of an archive.
pub fn read_manifest(path: &Path) -> PortableResult<Manifest> {
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(File::open(path)?)));
    let mut entries = tar.entries()?;
    let first = entries
        .next()
        .ok_or_else(|| format_error("the archive is empty"))??;
    manifest_of(first)
}

fn manifest_of<R: Read>(mut entry: tar::Entry<'_, R>) -> PortableResult<Manifest> {
    if entry.path()?.to_string_lossy() != MANIFEST {
        return Err(format_error(
            "the archive does not start with manifest.json",
        ));
    }
    let mut text = String::new();
    entry.read_to_string(&mut text)?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(format_error)?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        return Err(PortableError::Refused(format!(
            "not a workspace archive this version reads ({} version {}; expected {FORMAT} version {FORMAT_VERSION})",
            manifest.format, manifest.format_version
        )));
    }
    Ok(manifest)
}

/// Loads an archive into the database in one transaction (import files into
/// `import_dir`). Refused when the database's schema version differs from
/// the archive's or it already holds the workspace (by id or slug).
pub fn read(
    conn: &mut AnyConnection,
    path: &Path,
    import_dir: Option<&Path>,
    progress: &mut dyn Progress,
) -> PortableResult<Manifest> {
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(File::open(path)?)));
    let mut entries = tar.entries()?;
    let first = entries
        .next()
        .ok_or_else(|| format_error("the archive is empty"))??;
    let manifest = manifest_of(first)?;
    let ours = super::migration_version(conn)?;
    if ours != manifest.migration_version {
        return Err(PortableError::Refused(format!(
            "the archive was written at schema version {} but this database is at {ours}: \
             migrate both to the same version (run the same `crm` release) first",
            manifest.migration_version
        )));
    }
    let ws = &manifest.workspace;
    if super::workspace_taken(conn, ws.id, &ws.slug)? {
        return Err(PortableError::Refused(format!(
            "this database already has a workspace with id {} or slug {:?}",
            ws.id, ws.slug
        )));
    }
    progress.total(manifest.total_rows());
    let specs = tables();
    let mut written_files: Vec<PathBuf> = Vec::new();
    let result = conn.transaction::<_, PortableError, _>(|conn| {
        let mut writer = Writer::default();
        for entry in entries.by_ref() {
            let entry = entry?;
            let name = entry.path()?.to_string_lossy().into_owned();
            if let Some(table) = name
                .strip_prefix("tables/")
                .and_then(|n| n.strip_suffix(".jsonl"))
            {
                let spec = specs
                    .iter()
                    .find(|s| s.name == table)
                    .ok_or_else(|| format_error(format!("unknown table {table}")))?;
                let listed = manifest.tables.iter().find(|t| t.name == table);
                if listed.is_none_or(|t| t.columns != spec.columns) {
                    return Err(format_error(format!(
                        "the columns of {table} differ from this database's"
                    )));
                }
                let loaded = load_table(conn, &mut writer, spec, entry, progress)?;
                if listed.is_some_and(|t| t.rows != loaded) {
                    return Err(format_error(format!(
                        "{table}: row count differs from the manifest"
                    )));
                }
            } else if let Some(file) = name.strip_prefix(IMPORT_FILES) {
                let Some(dir) = import_dir else { continue };
                let id: Uuid = file
                    .strip_suffix(".csv")
                    .and_then(|id| id.parse().ok())
                    .ok_or_else(|| format_error(format!("unexpected file {name}")))?;
                std::fs::create_dir_all(dir)?;
                let target = dir.join(format!("{id}.csv"));
                let mut entry = entry;
                let mut out = File::create(&target)?;
                written_files.push(target);
                std::io::copy(&mut entry, &mut out)?;
            }
        }
        writer.finish(conn)
    });
    if result.is_err() {
        for f in written_files {
            let _ = std::fs::remove_file(f);
        }
    }
    result.map(|()| manifest)
}

fn load_table<R: Read>(
    conn: &mut AnyConnection,
    writer: &mut Writer,
    spec: &TableSpec,
    entry: R,
    progress: &mut dyn Progress,
) -> PortableResult<u64> {
    let mut batch: Vec<Row> = Vec::with_capacity(LOAD_BATCH);
    let mut loaded = 0u64;
    for line in BufReader::new(entry).lines() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let row: Row =
            serde_json::from_str(&line).map_err(|e| format_error(format!("{}: {e}", spec.name)))?;
        batch.push(row);
        if batch.len() == LOAD_BATCH {
            writer.insert(conn, spec, &batch)?;
            progress.advance(spec.name, batch.len() as u64);
            loaded += batch.len() as u64;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        writer.insert(conn, spec, &batch)?;
        progress.advance(spec.name, batch.len() as u64);
        loaded += batch.len() as u64;
    }
    Ok(loaded)
}
