//! A ticket's files (附件): the list with name, size, uploader and time,
//! each downloaded with the session's token and removable by its uploader
//! or a lead (the server decides), and a picker that uploads the chosen
//! files one by one as bytes (the server reads their type from them). What the server refuses
//! (type, size, content) is shown as its message.

use crm_api_types::tickets::Attachment;
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::encode;
use crate::components::{When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::load::Load;
use crate::session::use_lookups;

/// What the picker offers (the server checks the bytes anyway).
const ACCEPT: &str = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,.txt,.csv,.docx,.xlsx";

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// Uploads one file to the ticket as bytes (the server reads the type
/// from them); on refusal, the server's reason for this file.
pub(super) async fn upload(ticket_id: Uuid, file: &web_sys::File) -> Result<Attachment, String> {
    let path = format!(
        "/api/v1/tickets/{ticket_id}/attachments?file_name={}",
        encode(&file.name())
    );
    crate::api::upload_as::<Attachment>(&path, file, "application/octet-stream", |_| {})
        .await
        .map_err(|err| {
            let why = err
                .errors
                .values()
                .find_map(|m| m.first().cloned())
                .unwrap_or_else(|| err.to_string());
            format!("{}: {why}", file.name())
        })
}

/// The files an `<input type=file>` change chose.
pub(super) fn picked(
    ev: &leptos::ev::Event,
) -> (Option<web_sys::HtmlInputElement>, Vec<web_sys::File>) {
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
    let files = input
        .as_ref()
        .and_then(|i| i.files())
        .map(|fs| (0..fs.length()).filter_map(|i| fs.get(i)).collect())
        .unwrap_or_default();
    (input, files)
}

/// A button that downloads a file of the ticket with the session's token.
#[component]
pub(super) fn Download(file: Attachment) -> impl IntoView {
    let toasts = use_toasts();
    let (ticket_id, id) = (file.ticket_id, file.id);
    let (name, kind) = (file.file_name.clone(), file.content_type.clone());
    let fetch = move |_| {
        let (name, kind) = (name.clone(), kind.clone());
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/tickets/{ticket_id}/attachments/{id}");
            if let Err(err) = crate::api::download_binary(&path, &name, &kind).await {
                toasts.error(err.to_string());
            }
        });
    };
    view! { <button type="button" class="link download-attachment" on:click=fetch>{file.file_name}</button> }
}

#[component]
pub fn AttachmentsPanel(ticket_id: Uuid, #[prop(into)] can_update: Signal<bool>) -> impl IntoView {
    let toasts = use_toasts();
    let lookups = use_lookups();
    let locale = use_locale();
    let t = use_t();
    let list =
        Load::<Vec<Attachment>>::new(move || format!("/api/v1/tickets/{ticket_id}/attachments"));
    let sending = RwSignal::new(false);
    let on_pick = move |ev: leptos::ev::Event| {
        let (input, files) = picked(&ev);
        if files.is_empty() {
            return;
        }
        sending.set(true);
        leptos::task::spawn_local(async move {
            for file in files {
                match upload(ticket_id, &file).await {
                    Ok(_) => toasts.success(t("tk-attached")),
                    Err(why) => toasts.error(why),
                }
            }
            if let Some(input) = input {
                input.set_value("");
            }
            let _ = sending.try_set(false);
            list.refetch();
        });
    };
    let remove = move |id: Uuid| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/tickets/{ticket_id}/attachments/{id}");
            match crate::api::delete(&path, None).await {
                Ok(()) => list.refetch(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    view! {
        <div class="card" id="ticket-attachments-card">
            <h2>{tr("tk-attachments")}</h2>
            {move || {
                let items = list.ok_with(Clone::clone).unwrap_or_default();
                if items.is_empty() {
                    return view! { <p class="muted" id="no-attachments">{tr("tk-no-attachments")}</p> }.into_any();
                }
                view! {
                    <ul class="attachments" id="ticket-attachments">
                        {items.into_iter().map(|a| {
                            let at = a.created_at.to_rfc3339();
                            let id = a.id;
                            view! {
                                <li class="attachment" data-name=a.file_name.clone()>
                                    <Download file=a.clone()/>
                                    <span class="muted">" · "{size(a.size_bytes)}" · "{lookups.user_name(a.uploaded_by)}" · "{move || i18n::datetime(locale.get(), &at)}</span>
                                    <When when=can_update>
                                        " "<button type="button" class="link remove-attachment" title=move || t("tk-remove-attachment") on:click=move |_| remove(id)>"×"</button>
                                    </When>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <When when=can_update>
                <label class="file-pick">
                    {tr("tk-attach")}" "
                    <input type="file" id="attachment-file" multiple accept=ACCEPT on:change=on_pick disabled=move || sending.get()/>
                </label>
                <p class="muted">{tr("tk-attach-help")}</p>
            </When>
        </div>
    }
}
