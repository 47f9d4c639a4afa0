//! Files attached to tickets (a photo of the damage, an invoice): added by
//! whoever may update the ticket, listed and read by whoever may see it,
//! removed by their uploader or a role that may update every ticket. The
//! bytes are checked — a name people can read back, an accepted media type
//! and bytes that are what it says (`crm_domain::service::attachments`),
//! the size limit — and kept under the attachment directory as
//! `<workspace>/<id>`, written to a temporary name and renamed so a file
//! is whole or absent; the row names it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crm_api_types::tickets::Attachment;
use crm_db::AnyConnection;
use crm_db::change_log::transaction;
use crm_db::tickets::attachments::AttachmentRow;
use crm_db::types::Id;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::service::attachments::{Refusal, UNTYPED, check, file_name_ok};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::find_for_update;
use crate::{Actor, AppError};

/// Where attachments are kept and how large one may be.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

impl Store {
    fn path(&self, workspace_id: Uuid, id: Uuid) -> PathBuf {
        self.dir.join(workspace_id.to_string()).join(id.to_string())
    }
}

pub(crate) fn view(r: AttachmentRow) -> Attachment {
    Attachment {
        id: r.id.0,
        ticket_id: r.ticket_id.0,
        file_name: r.file_name,
        content_type: r.content_type,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        uploaded_by: r.uploaded_by.map(Uuid::from),
        created_at: r.created_at.and_utc(),
        reply_id: r.reply_id.map(Uuid::from),
    }
}

/// Checks the file and attaches it to the ticket.
pub fn add(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &Store,
    ticket_id: Uuid,
    file_name: &str,
    declared: &str,
    bytes: &[u8],
) -> Result<Attachment, AppError> {
    let ticket = find_for_update(conn, actor, ticket_id)?;
    if bytes.len() as u64 > store.max_bytes {
        return Err(AppError::TooLarge {
            limit: usize::try_from(store.max_bytes).unwrap_or(usize::MAX),
        });
    }
    if !file_name_ok(file_name) {
        return Err(AppError::validation(
            "file_name",
            "must be 1 to 200 characters without a path, not starting with white space or a dot",
        ));
    }
    if bytes.is_empty() {
        return Err(AppError::validation(
            "body",
            "is empty: send the file's bytes",
        ));
    }
    let sniffed = infer::get(bytes).map(|t| t.mime_type());
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let content_type = match check(declared, sniffed, utf8, file_name) {
        Ok(kind) => kind,
        Err(Refusal::Unsupported) => {
            return Err(AppError::BadInput {
                detail: "unsupported media type".into(),
                errors: crm_domain::FieldErrors::single(
                    "Content-Type",
                    "must be one of image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain, text/csv, a Word (.docx) or Excel (.xlsx) document",
                ),
            });
        }
        Err(Refusal::Mismatch(UNTYPED)) => {
            return Err(AppError::validation(
                "body",
                "content is not a file of an accepted type: send a picture, PDF, .txt, .csv, .docx or .xlsx",
            ));
        }
        Err(Refusal::Mismatch(kind)) => {
            return Err(AppError::validation(
                "body",
                format!("content is not {kind}: the bytes must be what Content-Type says"),
            ));
        }
    };
    let row = AttachmentRow {
        workspace_id: Id(actor.workspace_id),
        id: Id::new(),
        ticket_id: ticket.id,
        file_name: file_name.to_owned(),
        content_type: content_type.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        uploaded_by: Some(Id(actor.user_id())),
        created_at: crm_db::time::now(),
        reply_id: None,
    };
    let path = store.path(actor.workspace_id, row.id.0);
    write_whole(&path, bytes).map_err(AppError::internal)?;
    if let Err(e) = crm_db::tickets::attachments::insert(conn, &row) {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    Ok(view(row))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A visible ticket's attachments, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    ticket_id: Uuid,
) -> Result<Vec<Attachment>, AppError> {
    let vis = actor.visibility(conn, ObjectType::Tickets, Action::Read)?;
    let ticket = crm_db::tickets::find(conn, &vis, ticket_id)?;
    let rows = crm_db::tickets::attachments::list(conn, actor.workspace_id, ticket.id.0)?;
    Ok(rows.into_iter().map(view).collect())
}

/// An attachment of a visible ticket and the bytes' path.
pub fn open(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &Store,
    ticket_id: Uuid,
    id: Uuid,
) -> Result<(Attachment, PathBuf), AppError> {
    let vis = actor.visibility(conn, ObjectType::Tickets, Action::Read)?;
    let ticket = crm_db::tickets::find(conn, &vis, ticket_id)?;
    let row = crm_db::tickets::attachments::find(conn, actor.workspace_id, ticket.id.0, id)?;
    let path = store.path(actor.workspace_id, id);
    Ok((view(row), path))
}

/// Removes an attachment: its uploader (who may still update the ticket)
/// or a role that may update every ticket.
pub fn remove(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &Store,
    ticket_id: Uuid,
    id: Uuid,
) -> Result<(), AppError> {
    let ticket = find_for_update(conn, actor, ticket_id)?;
    let row = crm_db::tickets::attachments::find(conn, actor.workspace_id, ticket.id.0, id)?;
    let everyone = actor.scope(ObjectType::Tickets, Action::Update) == Scope::All;
    if !everyone && row.uploaded_by.map(Uuid::from) != Some(actor.user_id()) {
        return Err(AppError::Forbidden(
            "only its uploader or a service desk lead may remove an attachment".into(),
        ));
    }
    transaction(conn, |conn| {
        crm_db::tickets::attachments::delete(conn, actor.workspace_id, id)?;
        // A file already gone is no reason to keep the row.
        match std::fs::remove_file(store.path(actor.workspace_id, id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(AppError::internal(e)),
        }
    })
}
