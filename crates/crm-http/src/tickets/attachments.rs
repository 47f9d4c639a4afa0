//! `/tickets/{id}/attachments`: files on a ticket. Upload the file as the
//! request body with its media type in `Content-Type` and its name in
//! `file_name`; list, download, remove. The rules are
//! `crm_app::tickets::attachments`.

use actix_web::http::header::{
    CONTENT_TYPE, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use crm_api_types::Problem;
use crm_api_types::tickets::{Attachment, AttachmentUpload};
use crm_domain::service::attachments::sendable;
use futures_util::StreamExt;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Reads the body up to `limit` bytes.
async fn read(mut body: web::Payload, limit: u64) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            detail: format!("the upload was interrupted: {e}"),
            errors: Default::default(),
        })?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::PayloadTooLarge {
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Attach a file to a ticket.
///
/// The body is the file itself as `application/octet-stream` (`curl
/// --data-binary @photo.jpg -H 'Content-Type: application/octet-stream'`),
/// up to `CRM_ATTACHMENT_MAX_MB` (default 20). Its type is what its bytes
/// are, and must be one of: PNG, JPEG, GIF and WebP pictures, PDF, Word
/// (.docx) and Excel (.xlsx) documents, or UTF-8 text named `.txt` or
/// `.csv`. For whoever may update the ticket.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path), AttachmentUpload),
    request_body(
        content((Vec<u8> = "application/octet-stream")),
        description = "The file's bytes"
    ),
    responses(
        (status = 201, description = "Attached", body = Attachment,
            headers(("Location" = String, description = "The attachment's bytes"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the server accepts", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/octet-stream", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad file name, an empty body, or bytes of a type not accepted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/attachments")]
pub async fn attach(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: ApiQuery<AttachmentUpload>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let declared = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !sendable(&declared) {
        return Err(ApiError::UnsupportedMediaType {
            accepted: "application/octet-stream (the file's type is read from its bytes)",
        });
    }
    let store = state.attachments.clone();
    let bytes = read(body, store.max_bytes).await?;
    let (id, name) = (id.into_inner(), query.0.file_name);
    let attachment = state
        .db(move |conn| {
            Ok(crm_app::tickets::attachments::add(
                conn, &caller, &store, id, &name, &declared, &bytes,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/tickets/{id}/attachments/{}", attachment.id),
        ))
        .json(attachment))
}

/// A ticket's attachments, oldest first.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<Attachment>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}/attachments")]
pub async fn attachments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<Attachment>>, ApiError> {
    let id = id.into_inner();
    let list = state
        .db(move |conn| Ok(crm_app::tickets::attachments::list(conn, &caller, id)?))
        .await?;
    Ok(web::Json(list))
}

/// An attachment's bytes, as a download under its name.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The file, with its media type",
            content(
                (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/gif"),
                (Vec<u8> = "image/webp"), (Vec<u8> = "application/pdf"), (String = "text/plain"),
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment` with the file's name"))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}/attachments/{attachment_id}")]
pub async fn get_attachment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let store = state.attachments.clone();
    let (attachment, file) = state
        .db(move |conn| {
            Ok(crm_app::tickets::attachments::open(
                conn,
                &caller,
                &store,
                id,
                attachment_id,
            )?)
        })
        .await?;
    let bytes = web::block(move || std::fs::read(file))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ApiError::NotFound,
            _ => ApiError::internal(e),
        })?;
    let ascii: String = attachment
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"')
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: actix_web::http::header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: attachment.file_name.into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type(attachment.content_type)
        .insert_header(disposition)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// Remove an attachment: its uploader, or a role that may update every ticket.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tickets/{id}/attachments/{attachment_id}")]
pub async fn detach(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let store = state.attachments.clone();
    state
        .db(move |conn| {
            Ok(crm_app::tickets::attachments::remove(
                conn,
                &caller,
                &store,
                id,
                attachment_id,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
